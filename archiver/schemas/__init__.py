"""Versioned JSON Schemas (draft 2020-12) of the records: ``post.schema.json`` and ``page.schema.json``."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SCHEMAS = ("post", "page")


def load(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``post`` or ``page`` records, as shipped in the package."""
    if kind not in SCHEMAS:
        raise ValueError(f"no schema for {kind!r}; there are {', '.join(SCHEMAS)}")
    data: dict[str, Any] = json.loads(files(__package__).joinpath(f"{kind}.schema.json").read_text(encoding="utf-8"))
    return data
