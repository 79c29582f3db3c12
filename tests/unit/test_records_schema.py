"""The record schemas: valid draft 2020-12, versioned (earlier versions kept), post and page in step, shipped."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import jsonschema
import pytest

from archiver.records import SCHEMA_VERSION, merge, tamper
from archiver.schemas import SCHEMA_VERSIONS, SCHEMAS, load
from tests.records_support import BASE, app, extract

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
@pytest.mark.parametrize("kind", SCHEMAS)
def test_schema_is_valid_and_versioned(kind: str, version: str) -> None:
    schema = load(kind, version)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:blogspot-archiver:schemas:{kind}:{version}"
    assert schema["properties"]["schema_version"] == {"const": version}
    assert schema["properties"]["kind"] == {"const": kind}


def test_the_current_schema_is_the_version_the_extractor_writes() -> None:
    assert SCHEMA_VERSIONS[-1] == SCHEMA_VERSION == "1.3"
    assert load("post") == load("post", SCHEMA_VERSION)


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_post_and_page_schemas_differ_only_in_kind(version: str) -> None:
    post, page = load("post", version), load("page", version)
    assert post["$defs"] == page["$defs"]
    assert post["required"] == page["required"]
    assert {k: v for k, v in post["properties"].items() if k != "kind"} == {
        k: v for k, v in page["properties"].items() if k != "kind"
    }


def test_a_minor_version_only_adds_fields() -> None:
    old, new = load("post", "1.0"), load("post", "1.1")
    assert set(old["required"]) < set(new["required"])
    assert set(new["required"]) - set(old["required"]) == {"body_html", "links", "content_sha256"}
    old_image, new_image = old["$defs"]["image"], new["$defs"]["image"]
    assert set(old_image["required"]) < set(new_image["required"])
    for field in set(old["properties"]) - {"schema_version"}:
        if field != "images":
            assert new["properties"][field] == old["properties"][field], field


def test_minor_version_1_2_only_adds_the_corpus_versions_and_tombstone() -> None:
    old, new = load("post", "1.1"), load("post", "1.2")
    assert old["required"] == new["required"]
    for field in set(old["properties"]) - {"schema_version"}:
        assert new["properties"][field] == old["properties"][field], field
    assert set(new["$defs"]) - set(old["$defs"]) == {"version"}
    old_corpus, new_corpus = old["$defs"]["corpus"], new["$defs"]["corpus"]
    assert set(new_corpus["required"]) - set(old_corpus["required"]) == {"versions"}
    assert set(new_corpus["properties"]) - set(old_corpus["properties"]) == {"versions", "deleted"}  # optional


def test_minor_version_1_3_only_adds_the_tamper_flags() -> None:
    old, new = load("post", "1.2"), load("post", "1.3")
    assert set(new["required"]) - set(old["required"]) == {"flags"}
    assert set(new["properties"]) - set(old["properties"]) == {"flags"}
    for field in set(old["properties"]) - {"schema_version"}:
        assert new["properties"][field] == old["properties"][field], field
    assert set(new["$defs"]) - set(old["$defs"]) == {"flag"}
    assert new["$defs"]["flag"]["properties"]["kind"]["enum"] == list(tamper.KINDS)
    assert {old["$defs"][name] == new["$defs"][name] for name in old["$defs"]} == {True}


def test_schemas_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["archiver"]
    names = [f"{kind}.schema.json" for kind in SCHEMAS]
    names += [f"{kind}-{version}.schema.json" for kind in SCHEMAS for version in SCHEMA_VERSIONS[:-1]]
    for name in names:
        assert (ROOT / "archiver" / "schemas" / name).is_file(), name
        assert any(fnmatch.fnmatch(f"schemas/{name}", p) for p in patterns), patterns


def test_unknown_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="no schema for 'comment'"):
        load("comment")
    with pytest.raises(ValueError, match="no schema version '0.9'"):
        load("post", "0.9")


def test_a_corpus_mixing_versions_validates_record_by_record() -> None:
    """A deleted post keeps the record an older version wrote; its own schema_version says what to check."""
    post = app().blog.posts[0]
    (current,) = merge(extract(f"{BASE}{post.path}"), archived=()).posts
    older = {k: v for k, v in current.items() if k not in ("body_html", "links", "content_sha256", "flags")}
    older["schema_version"] = "1.0"
    older["images"] = [{k: i[k] for k in ("src", "original", "caption")} for i in current["images"]]
    for record in (current, older):
        jsonschema.Draft202012Validator(load("post", record["schema_version"])).validate(record)
    assert not jsonschema.Draft202012Validator(load("post")).is_valid(older)
