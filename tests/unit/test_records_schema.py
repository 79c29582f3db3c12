"""The record schemas: valid draft 2020-12, versioned, post and page in step, shipped as package data."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import jsonschema
import pytest

from archiver.records import SCHEMA_VERSION
from archiver.schemas import SCHEMAS, load

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", SCHEMAS)
def test_schema_is_valid_and_versioned(kind: str) -> None:
    schema = load(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:blogspot-archiver:schemas:{kind}:{SCHEMA_VERSION}"
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert schema["properties"]["kind"] == {"const": kind}


def test_post_and_page_schemas_differ_only_in_kind() -> None:
    post, page = load("post"), load("page")
    assert post["$defs"] == page["$defs"]
    assert post["required"] == page["required"]
    assert {k: v for k, v in post["properties"].items() if k != "kind"} == {
        k: v for k, v in page["properties"].items() if k != "kind"}


def test_schemas_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["archiver"]
    for kind in SCHEMAS:
        assert any(fnmatch.fnmatch(f"schemas/{kind}.schema.json", p) for p in patterns), patterns


def test_unknown_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="no schema for 'comment'"):
        load("comment")
