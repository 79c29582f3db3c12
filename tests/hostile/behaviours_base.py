"""Behaviours every hostile test may use: an internal service's secret page, and a custom status line."""

from __future__ import annotations

from tests.hostile.server import Handler, behaviour

SECRET = b"INTERNAL-SECRET-7f3a9c"


@behaviour("secret")
def secret(h: Handler) -> bool:
    """Play an internal service: every URL answers with a secret a crawler must never archive."""
    h.respond(200, b"<html><body>" + SECRET + b"</body></html>")
    return True
