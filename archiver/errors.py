"""The one error base class of the project; the CLI turns it into a clear message and exit code 1."""

from __future__ import annotations


class ArchiverError(Exception):
    """Base class for every error the archiver reports to a user."""


class ConfigError(ArchiverError):
    """A command-line argument or setting has a value the archiver cannot use."""
