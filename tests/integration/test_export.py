"""`archiver export` of a real crawl's corpus, opened in the tools researchers use: Datasette, DuckDB, pandas."""

from __future__ import annotations

import asyncio
import csv
import json
from typing import TYPE_CHECKING, Any

import pytest

from archiver.records import jsonl
from tests.conftest import BLOG_HOST, run_archiver

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.conftest import ArchivedCrawl


def _corpus(crawl: ArchivedCrawl) -> list[dict[str, Any]]:
    return list(jsonl.read_file(crawl.dir.parent / BLOG_HOST / "corpus" / "posts.jsonl"))


def _export(source: Path, fmt: str, out: Path) -> Path:
    result = run_archiver("export", str(source), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    return out


@pytest.fixture(scope="module")
def exports(archived_crawl: ArchivedCrawl, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The blog's corpus exported in each format (written outside the crawl's folders, which other tests read)."""
    out = tmp_path_factory.mktemp("exports")
    blog = archived_crawl.dir.parent / BLOG_HOST
    return {
        "sqlite": _export(blog, "sqlite", out / "blog.sqlite"),
        "parquet": _export(blog, "parquet", out / "parquet"),
        "csv": _export(blog, "csv", out / "csv"),
    }


def _chinese_title(corpus: list[dict[str, Any]]) -> str:
    return next(r["title"] for r in corpus if any("\u4e00" <= ch <= "\u9fff" for ch in r["title"]))


def test_the_sqlite_export_opens_in_datasette(archived_crawl: ArchivedCrawl, exports: dict[str, Path]) -> None:
    from datasette.app import Datasette

    corpus = _corpus(archived_crawl)

    async def query() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        datasette = Datasette([str(exports["sqlite"])])
        posts = await datasette.client.get("/blog/posts.json?_shape=array&_size=max&_col=title")
        assert posts.status_code == 200, posts.text
        orphans = await datasette.client.get(
            "/blog.json?_shape=array&sql="
            "select+count(*)+as+n+from+comments+where+post_id+not+in+(select+post_id+from+posts)"
        )
        facts = await datasette.client.get("/blog/_export.json?_shape=array")
        return posts.json(), orphans.json(), facts.json()

    posts, orphans, facts = asyncio.run(query())
    assert len(posts) == len(corpus) == 40
    assert {p["post_id"] for p in posts} == {r["post_id"] for r in corpus}
    assert _chinese_title(corpus) in {p["title"] for p in posts}
    assert orphans == [{"n": 0}]
    values = {f["key"]: f["value"] for f in facts}
    assert values["schema_version"] == "1.3"
    assert values["crawl_ids"] == "20240102T030405Z"
    assert values["exported"] == "corpus"


def test_the_parquet_export_opens_in_duckdb(archived_crawl: ArchivedCrawl, exports: dict[str, Path]) -> None:
    import duckdb

    corpus = _corpus(archived_crawl)
    folder = exports["parquet"]
    db = duckdb.connect()
    try:
        (posts,) = db.execute(f"SELECT count(*) FROM read_parquet('{folder / 'posts.parquet'}')").fetchone() or (0,)
        titles = {
            row[0] for row in db.execute(f"SELECT title FROM read_parquet('{folder / 'posts.parquet'}')").fetchall()
        }
        (images,) = db.execute(f"SELECT count(*) FROM read_parquet('{folder / 'images.parquet'}')").fetchone() or (0,)
        (orphans,) = db.execute(
            f"SELECT count(*) FROM read_parquet('{folder / 'comments.parquet'}') c "
            f"ANTI JOIN read_parquet('{folder / 'posts.parquet'}') p USING (post_id)"
        ).fetchone() or (-1,)
        (comments,) = db.execute(f"SELECT count(*) FROM read_parquet('{folder / 'comments.parquet'}')").fetchone() or (
            0,
        )
        (kind,) = db.execute(
            f"SELECT typeof(published_utc) FROM read_parquet('{folder / 'posts.parquet'}') LIMIT 1"
        ).fetchone() or ("",)
    finally:
        db.close()
    assert posts == len(corpus)
    assert _chinese_title(corpus) in titles
    assert images == sum(len(r["images"]) for r in corpus) > 0
    assert comments == sum(len(r["comments"]) for r in corpus) > 0
    assert orphans == 0
    assert kind == "TIMESTAMP WITH TIME ZONE"


def test_the_parquet_export_opens_in_pandas(archived_crawl: ArchivedCrawl, exports: dict[str, Path]) -> None:
    import pandas as pd

    corpus = _corpus(archived_crawl)
    posts = pd.read_parquet(exports["parquet"] / "posts.parquet")
    attendees = pd.read_parquet(exports["parquet"] / "attendees.parquet")
    assert len(posts) == len(corpus)
    assert list(posts["post_id"]) == [r["post_id"] for r in corpus]
    assert list(posts["title"]) == [r["title"] for r in corpus]
    assert str(posts["published_utc"].dtype).startswith("datetime64")
    assert "UTC" in str(posts["published_utc"].dtype)
    first = corpus[0]
    assert posts["published_utc"].iloc[0] == pd.Timestamp(first["published_utc"])
    pairs = [(a["en"], a["zh"]) for r in corpus for a in (r["attendees"] or [])]

    def text(value: Any) -> Any:
        return None if pd.isna(value) else value  # pandas reads a null string as NaN

    assert [(text(en), text(zh)) for en, zh in zip(attendees["en"], attendees["zh"], strict=True)] == pairs


def test_the_csv_export_has_the_corpus_rows(archived_crawl: ArchivedCrawl, exports: dict[str, Path]) -> None:
    corpus = _corpus(archived_crawl)
    with (exports["csv"] / "labels.csv").open(encoding="utf-8", newline="") as stream:
        labels = [(r["post_id"], r["value"]) for r in csv.DictReader(stream)]
    assert labels == [(r["post_id"], label) for r in corpus for label in r["labels"]]
    dictionary = json.loads((exports["csv"] / "data-dictionary.json").read_text(encoding="utf-8"))
    assert dictionary["export"]["schema_version"] == "1.3"
    assert next(t for t in dictionary["tables"] if t["name"] == "posts")["rows"] == len(corpus)


@pytest.mark.parametrize("fmt", ["sqlite", "parquet"])
def test_exporting_the_crawl_again_gives_the_same_bytes(
    archived_crawl: ArchivedCrawl, exports: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    blog = archived_crawl.dir.parent / BLOG_HOST
    again = _export(blog, fmt, tmp_path / exports[fmt].name)
    if fmt == "sqlite":
        assert again.read_bytes() == exports[fmt].read_bytes()
    else:
        assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in exports[fmt].iterdir())
        for path in exports[fmt].iterdir():
            assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_crawl_folder_exports_its_own_records(archived_crawl: ArchivedCrawl, tmp_path: Path) -> None:
    import sqlite3

    out = _export(archived_crawl.dir, "sqlite", tmp_path / "crawl.sqlite")
    db = sqlite3.connect(out)
    try:
        facts = dict(db.execute("SELECT key, value FROM _export"))
        (posts,) = db.execute("SELECT count(*) FROM posts").fetchone()
        (pages,) = db.execute("SELECT count(*) FROM pages").fetchone()
    finally:
        db.close()
    crawl_posts = list(jsonl.read_file(archived_crawl.dir / "posts.jsonl"))
    crawl_pages = list(jsonl.read_file(archived_crawl.dir / "pages.jsonl"))
    assert (facts["exported"], facts["crawl_ids"]) == ("crawl", "20240102T030405Z")
    assert (posts, pages) == (len(crawl_posts), len(crawl_pages))
