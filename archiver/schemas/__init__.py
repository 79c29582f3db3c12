"""Versioned JSON Schemas (draft 2020-12) of the records: ``post.schema.json`` and ``page.schema.json``.

Those two files describe the records this version writes (``SCHEMA_VERSION``); the schemas of earlier
versions stay shipped, frozen, as ``post-VERSION.schema.json`` and ``page-VERSION.schema.json``, because a
blog's corpus keeps the record of a deleted post as the crawl that last saw it wrote it. Validate a record
against ``load(kind, record["schema_version"])``.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SCHEMAS = ("post", "page")
#: every schema version shipped, oldest first; the last one is what the extractor writes
SCHEMA_VERSIONS = ("1.0", "1.1", "1.2", "1.3")


def load(kind: str, version: str | None = None) -> dict[str, Any]:
    """The JSON Schema of ``post`` or ``page`` records of ``version`` (the current one when None)."""
    if kind not in SCHEMAS:
        raise ValueError(f"no schema for {kind!r}; there are {', '.join(SCHEMAS)}")
    if version is not None and version not in SCHEMA_VERSIONS:
        raise ValueError(f"no schema version {version!r}; there are {', '.join(SCHEMA_VERSIONS)}")
    name = f"{kind}.schema.json" if version in (None, SCHEMA_VERSIONS[-1]) else f"{kind}-{version}.schema.json"
    data: dict[str, Any] = json.loads(files(__package__).joinpath(name).read_text(encoding="utf-8"))
    return data
