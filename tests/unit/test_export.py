"""`archiver export`: the records as tables derived from the JSON Schema, in CSV, SQLite and Parquet, byte-stable."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import sqlite3
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pytest

from archiver.cli import main
from archiver.export import export, find_source
from archiver.export.tables import ExportError, RowMaker, record_tables, tables_for
from archiver.export.writers import csv_line
from archiver.records import jsonl, merge
from archiver.schemas import SCHEMA_VERSIONS, load
from tests.records_support import BASE, app, extract

if TYPE_CHECKING:
    from pathlib import Path

UNTITLED_ID = "9000000000000000001"


@lru_cache(maxsize=1)
def _records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    blog = app().blog
    fragments = [f for post in blog.posts[:6] for f in extract(f"{BASE}{post.path}")]
    fragments += extract(f"{BASE}{blog.pages[0].path}")
    result = merge(fragments, archived=())
    return list(result.posts), list(result.pages)


def records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Six posts and a page of the replica as the extractor makes them, plus an untitled post without rules."""
    posts, pages = copy.deepcopy(_records())
    untitled = copy.deepcopy(posts[0])
    untitled.update(post_id=UNTITLED_ID, title="", attendees=None, labels=[], comments=[], comment_count=0)
    return [*posts, untitled], pages


def crawl_folder(tmp_path: Path) -> Path:
    posts, pages = records()
    folder = tmp_path / "crawl"
    jsonl.write_file(posts, folder / "posts.jsonl")
    jsonl.write_file(pages, folder / "pages.jsonl")
    (folder / "crawl.json").write_text(json.dumps({"crawl_id": "20240102T030405Z"}), encoding="utf-8")
    return folder


def _paths(schema: dict[str, Any], node: dict[str, Any], prefix: str) -> set[str]:
    """Every leaf field of a record as a json path (``images[].src``), walked independently of the exporter."""
    while "$ref" in node or "anyOf" in node:
        if "$ref" in node:
            target: Any = schema
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        else:
            node = next(o for o in node["anyOf"] if o.get("type") != "null")
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else (kinds or [])
    if "object" in kinds:
        return {p for name, sub in node["properties"].items() for p in _paths(schema, sub, f"{prefix}{name}.")}
    if "array" in kinds:
        inner = _paths(schema, node["items"], prefix[:-1] + "[].")
        return inner or {prefix[:-1] + "[]"}
    return {prefix[:-1]}


# -- the table model ----------------------------------------------------------------------------------------


def test_every_field_of_the_schema_is_a_column() -> None:
    schema = load("post")
    tables = record_tables("post", "posts")
    held = {c.json_path for t in tables for c in t.columns if not c.key}
    assert _paths(schema, schema, "") - {"post_id"} <= held
    by_name = {t.name: t for t in tables}
    assert set(by_name) >= {"posts", "labels", "comments", "images", "attendees", "links", "flags", "paragraphs"}
    assert by_name["posts"].key == ("post_id",)
    assert by_name["images"].key == ("post_id", "position")
    assert by_name["images"].column_names == [
        "post_id", "position", "src", "original", "alt", "caption", "archived", "src_archived"
    ]  # fmt: skip
    assert by_name["comments"].column_names[:3] == ["post_id", "position", "comment_id"]
    assert {c.name: c.type for c in by_name["posts"].columns}["published"] == "timestamp"
    assert {c.name: c.type for c in by_name["posts"].columns}["comment_count"] == "integer"
    assert {c.name: c.type for c in by_name["posts"].columns}["body_complete"] == "boolean"
    original = next(c for c in by_name["images"].columns if c.name == "original")
    assert original.description == schema["$defs"]["image"]["properties"]["original"]["description"]
    assert next(c for c in by_name["images"].columns if c.name == "alt").since == "1.1"
    version = next(c for c in by_name["posts"].columns if c.name == "schema_version")
    assert version.values == SCHEMA_VERSIONS


def test_a_field_added_to_the_schema_becomes_a_column_and_a_table() -> None:
    schema = copy.deepcopy(load("post"))
    schema["properties"]["mood"] = {"type": ["string", "null"], "description": "how the post feels"}
    schema["$defs"]["image"]["properties"]["width"] = {"type": "integer"}
    schema["properties"]["tags"] = {"type": "array", "items": {"type": "string"}, "description": "free tags"}
    tables = {t.name: t for t in tables_for(schema, "posts")}
    mood = next(c for c in tables["posts"].columns if c.name == "mood")
    assert (mood.type, mood.nullable, mood.description) == ("string", True, "how the post feels")
    assert "width" in tables["images"].column_names
    assert tables["tags"].column_names == ["post_id", "position", "value"]
    assert tables["tags"].description == "free tags"


# -- rows ---------------------------------------------------------------------------------------------------


def _rows(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    tables = record_tables("post", "posts")
    columns = {t.name: t.column_names for t in tables}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, row in RowMaker(tables).rows(record):
        out.setdefault(name, []).append(dict(zip(columns[name], row, strict=True)))
    return out


def test_a_record_becomes_one_row_and_a_row_per_list_item() -> None:
    posts, _ = records()
    record = next(r for r in posts if r["images"] and r["attendees"])
    rows = _rows(record)
    (post,) = rows["posts"]
    assert post["post_id"] == record["post_id"]
    assert post["title"] == record["title"]
    assert post["author_name"] == record["author"]["name"]
    assert post["source_offset"] == record["source"]["offset"]
    assert post["attendees_listed"] is True
    assert [(i["position"], i["src"], i["archived"]) for i in rows["images"]] == [
        (n, image["src"], image["archived"]) for n, image in enumerate(record["images"])
    ]
    assert [(a["en"], a["zh"]) for a in rows["attendees"]] == [(a["en"], a["zh"]) for a in record["attendees"]]
    assert [p["text"] for p in rows["paragraphs"]] == [p["text"] for p in record["paragraphs"]]
    assert {row["post_id"] for table in rows.values() for row in table} == {record["post_id"]}


def test_no_rules_and_no_one_listed_stay_apart() -> None:
    posts, _ = records()
    empty = {**posts[0], "attendees": []}
    unknown = {**posts[0], "attendees": None}
    assert _rows(empty)["posts"][0]["attendees_listed"] is True
    assert _rows(unknown)["posts"][0]["attendees_listed"] is False
    assert "attendees" not in _rows(empty)
    assert "attendees" not in _rows(unknown)


def test_a_record_of_an_earlier_schema_exports_with_its_new_fields_null() -> None:
    posts, _ = records()
    older = {k: v for k, v in posts[0].items() if k not in ("body_html", "links", "content_sha256", "flags")}
    older["schema_version"] = "1.0"
    (post,) = _rows(older)["posts"]
    assert (post["schema_version"], post["body_html"], post["content_sha256"]) == ("1.0", None, None)


def test_a_field_the_schema_does_not_know_is_an_error_not_a_silent_drop() -> None:
    posts, _ = records()
    with pytest.raises(ExportError, match="field mood is not in the schema"):
        _rows({**posts[0], "mood": "happy"})
    with pytest.raises(ExportError, match=r"field author\.email is not in the schema"):
        _rows({**posts[0], "author": {"name": "A", "uri": None, "email": "a@b"}})
    with pytest.raises(ExportError, match="comment_count is '3', not of type integer"):
        _rows({**posts[0], "comment_count": "3"})


# -- CSV ----------------------------------------------------------------------------------------------------


def test_csv_fields_keep_empty_strings_null_quotes_newlines_and_chinese_apart() -> None:
    line = csv_line(("", None, 'say "hi"', "一\n二", 7, True, False))
    assert line == '"",,"say ""hi""","一\n二",7,true,false\n'
    assert next(csv.reader(io.StringIO(line))) == [
        "", "", 'say "hi"', "一\n二", "7", "true", "false"
    ]  # fmt: skip


def test_csv_export_has_one_file_per_table_and_round_trips_the_records(tmp_path: Path) -> None:
    folder = crawl_folder(tmp_path)
    out = export(folder, "csv", tmp_path / "csv")
    posts, pages = records()
    with (out / "posts.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["post_id"] for r in rows] == [p["post_id"] for p in posts]
    assert [r["title"] for r in rows] == [p["title"] for p in posts]  # Chinese titles as themselves
    assert [r["body_text"] for r in rows] == [p["body_text"] for p in posts]
    raw = (out / "posts.csv").read_bytes()
    assert b"\r\n" not in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    with (out / "pages.csv").open(encoding="utf-8", newline="") as stream:
        assert [r["title"] for r in csv.DictReader(stream)] == [p["title"] for p in pages]
    with (out / "comments.csv").open(encoding="utf-8", newline="") as stream:
        comments = list(csv.DictReader(stream))
    assert len(comments) == sum(len(p["comments"]) for p in posts)
    assert {c["post_id"] for c in comments} <= {p["post_id"] for p in posts}


# -- determinism and the export's facts ---------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["csv", "sqlite", "parquet"])
def test_two_exports_of_the_same_records_are_byte_identical(tmp_path: Path, fmt: str) -> None:
    folder = crawl_folder(tmp_path)
    name = "x.sqlite" if fmt == "sqlite" else "x"
    first = export(folder, fmt, tmp_path / "one" / name)
    second = export(folder, fmt, tmp_path / "two" / name)
    assert _tree(first.parent) == _tree(second.parent)
    assert len(_tree(first.parent)) >= 3  # the tables (or the database) and the dictionary's two files


def test_parquet_metadata_names_the_writer_and_no_time(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = export(crawl_folder(tmp_path), "parquet", tmp_path / "pq")
    meta = pq.ParquetFile(out / "posts.parquet").metadata
    assert meta.created_by.startswith("parquet-cpp-arrow version ")
    assert set(meta.metadata) == {b"ARROW:schema"}
    schema = pq.read_schema(out / "posts.parquet")
    assert str(schema.field("published_utc").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("comment_count").type) == "int64"
    assert str(schema.field("body_complete").type) == "bool"


def test_the_export_carries_the_schema_version_crawl_and_source_hashes(tmp_path: Path) -> None:
    folder = crawl_folder(tmp_path)
    out = export(folder, "sqlite", tmp_path / "x.sqlite")
    db = sqlite3.connect(out)
    try:
        facts = dict(db.execute("SELECT key, value FROM _export"))
        sources = db.execute("SELECT file, sha256, records FROM _export_sources ORDER BY file").fetchall()
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
        titles = [row[0] for row in db.execute("SELECT title FROM posts")]
        orphans = db.execute("SELECT count(*) FROM comments WHERE post_id NOT IN (SELECT post_id FROM posts)")
        (orphan_count,) = orphans.fetchone()
        columns = db.execute("SELECT count(*) FROM _columns WHERE table_name = 'images'").fetchone()[0]
    finally:
        db.close()
    assert facts["schema_version"] == SCHEMA_VERSIONS[-1]
    assert facts["crawl_ids"] == "20240102T030405Z"
    assert facts["exported"] == "crawl"
    assert sources == [
        ("pages.jsonl", hashlib.sha256((folder / "pages.jsonl").read_bytes()).hexdigest(), 1),
        ("posts.jsonl", hashlib.sha256((folder / "posts.jsonl").read_bytes()).hexdigest(), 7),
    ]
    assert journal == "delete"
    assert titles == [p["title"] for p in records()[0]]
    assert orphan_count == 0
    assert columns == 8


def test_the_data_dictionary_describes_every_table_and_column(tmp_path: Path) -> None:
    out = export(crawl_folder(tmp_path), "csv", tmp_path / "csv")
    doc = json.loads((out / "data-dictionary.json").read_text(encoding="utf-8"))
    files = {p.stem for p in out.glob("*.csv")}
    assert {t["name"] for t in doc["tables"]} == files
    for table in doc["tables"]:
        with (out / f"{table['name']}.csv").open(encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            assert next(reader) == [c["name"] for c in table["columns"]]
            assert sum(1 for _ in reader) == table["rows"]
    images = next(t for t in doc["tables"] if t["name"] == "images")
    assert images["key"] == ["post_id", "position"]
    assert images["parent"] == "posts"
    assert next(c for c in images["columns"] if c["name"] == "post_id")["references"] == "posts.post_id"
    markdown = (out / "data-dictionary.md").read_text(encoding="utf-8")
    assert "## images" in markdown
    assert load("post")["$defs"]["image"]["properties"]["archived"]["description"] in markdown


def test_sqlite_dictionary_sits_beside_the_file(tmp_path: Path) -> None:
    out = export(crawl_folder(tmp_path), "sqlite", tmp_path / "blog.sqlite")
    assert (tmp_path / "blog.data-dictionary.json").is_file()
    assert (tmp_path / "blog.data-dictionary.md").is_file()
    assert not out.with_name(out.name + ".partial").exists()


# -- where it reads and writes ------------------------------------------------------------------------------


def test_a_blog_folder_exports_its_corpus(tmp_path: Path) -> None:
    posts, _ = records()
    blog = tmp_path / "blog"
    jsonl.write_file(posts, blog / "corpus" / "posts.jsonl")
    source = find_source(blog)
    assert source.corpus
    assert [kind for kind, _ in source.files()] == ["post"]
    out = export(blog, "csv")
    assert out == blog / "export-csv"
    assert (out / "pages.csv").read_text(encoding="utf-8").count("\n") == 1  # header only: no pages file


def test_an_earlier_export_is_replaced_and_anything_else_refused(tmp_path: Path) -> None:
    folder = crawl_folder(tmp_path)
    out = export(folder, "csv", tmp_path / "csv")
    (out / "stale.csv").write_text("old", encoding="utf-8")
    export(folder, "csv", out)
    assert not (out / "stale.csv").exists()
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="is not an earlier export"):
        export(folder, "csv", taken)
    assert (taken / "notes.txt").read_text(encoding="utf-8") == "mine"
    export(folder, "sqlite", tmp_path / "db.sqlite")
    export(folder, "sqlite", tmp_path / "db.sqlite")  # an earlier SQLite export is replaced too


def test_a_failed_export_leaves_nothing_half_written(tmp_path: Path) -> None:
    folder = crawl_folder(tmp_path)
    lines = (folder / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[-1])
    broken["mood"] = "x"
    (folder / "posts.jsonl").write_text("\n".join([*lines[:-1], jsonl.dumps(broken)]) + "\n", encoding="utf-8")
    with pytest.raises(ExportError, match="mood"):
        export(folder, "parquet", tmp_path / "pq")
    assert list(tmp_path.glob("pq*")) == []


def test_cli_export_prints_the_output_and_exits_2_without_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = crawl_folder(tmp_path)
    assert main(["export", str(folder), "--format", "sqlite"]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "export.sqlite")
    assert main(["export", str(tmp_path / "nothing"), "--format", "csv"]) == 2
    assert "holds no records" in capsys.readouterr().err
