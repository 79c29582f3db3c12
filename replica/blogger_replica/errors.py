"""The one error base class of the replica; its CLI turns it into a clear message and exit code 1."""

from __future__ import annotations


class ReplicaError(Exception):
    """Base class for every error the replica reports to a user."""


class ConfigError(ReplicaError):
    """A command-line argument has a value the replica cannot use."""
