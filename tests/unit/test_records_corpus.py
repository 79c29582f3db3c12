"""The blog's corpus across crawls: latest record per post, posts gone from a later crawl kept and marked."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from archiver.records import corpus, jsonl

if TYPE_CHECKING:
    from pathlib import Path


PUBLISHED = "2013-09-17T21:38:00.001-04:00"


def record(post_id: str, title: str, fetched_at: str, published: str = PUBLISHED) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "title": title,
        "published": published,
        "sources": [{"fetched_at": fetched_at}, {"fetched_at": "2000-01-01T00:00:00Z"}],
        "content_sha256": sha(title),
        "source": {"fetched_at": fetched_at},
    }


def sha(title: str) -> str:
    return hashlib.sha256(title.encode()).hexdigest()


def version(crawl_id: str, fetched_at: str, title: str) -> dict[str, Any]:
    return {
        "crawl_id": crawl_id,
        "fetched_at": fetched_at,
        "content_sha256": sha(title),
        "source": {"fetched_at": fetched_at},
    }


def test_first_crawl_creates_the_history() -> None:
    (entry,) = corpus.update([], [record("1", "T", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    assert entry["corpus"] == {
        "crawl_id": "c0",
        "first_seen": "2024-01-01T00:00:00Z",
        "last_seen": "2024-01-01T00:00:00Z",
        "seen_in_crawls": ["c0"],
        "missing_since": None,
        "versions": [version("c0", "2024-01-01T00:00:00Z", "T")],
        "deleted": None,
    }


def test_a_later_crawl_updates_edited_posts_and_keeps_deleted_ones() -> None:
    first = corpus.update(
        [],
        [record("1", "T", "2024-01-01T00:00:00Z"), record("2", "Gone", "2024-01-01T00:00:01Z")],
        crawl_id="c0",
        complete=True,
    )
    second = corpus.update(first, [record("1", "T (更新)", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True)
    by_id = {r["post_id"]: r for r in second}
    assert by_id["1"]["title"] == "T (更新)"
    assert by_id["1"]["corpus"] == {
        "crawl_id": "c1",
        "first_seen": "2024-01-01T00:00:00Z",
        "last_seen": "2024-02-01T00:00:00Z",
        "seen_in_crawls": ["c0", "c1"],
        "missing_since": None,
        "versions": [version("c0", "2024-01-01T00:00:00Z", "T"), version("c1", "2024-02-01T00:00:00Z", "T (更新)")],
        "deleted": None,
    }
    assert by_id["2"]["title"] == "Gone"
    assert by_id["2"]["corpus"]["missing_since"] == "c1"
    assert by_id["2"]["corpus"]["deleted"] is None  # missing, but no 404/410 proves it deleted
    assert by_id["2"]["corpus"]["last_seen"] == "2024-01-01T00:00:01Z"
    third = corpus.update(second, [record("2", "Back", "2024-03-01T00:00:00Z")], crawl_id="c2", complete=True)
    back = {r["post_id"]: r for r in third}["2"]
    assert back["title"] == "Back"
    assert back["corpus"]["missing_since"] is None
    assert {r["post_id"]: r for r in third}["1"]["corpus"]["missing_since"] == "c2"


def test_an_interrupted_crawl_marks_nothing_missing() -> None:
    first = corpus.update([], [record("1", "T", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    (entry,) = corpus.update(first, [], crawl_id="c1", complete=False)
    assert entry["corpus"]["missing_since"] is None


def test_an_older_crawl_applied_late_does_not_override_a_newer_record() -> None:
    newer = corpus.update([], [record("1", "New", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True)
    (entry,) = corpus.update(newer, [record("1", "Old", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    assert entry["title"] == "New"
    assert entry["corpus"]["first_seen"] == "2024-01-01T00:00:00Z"
    assert entry["corpus"]["seen_in_crawls"] == ["c0", "c1"]
    assert entry["corpus"]["crawl_id"] == "c1"


def test_files_are_updated_in_place(tmp_path: Path) -> None:
    corpus.update_files(tmp_path, [record("1", "T", "2024-01-01T00:00:00Z")], [], crawl_id="c0", complete=True)
    sizes = corpus.update_files(
        tmp_path, [record("2", "U", "2024-02-01T00:00:00Z", "2014-01-01T00:00:00Z")], [], crawl_id="c1", complete=True
    )
    assert sizes == {"posts.jsonl": 2, "pages.jsonl": 0}
    assert [r["post_id"] for r in jsonl.read_file(tmp_path / "posts.jsonl")] == ["1", "2"]


def test_versions_grow_only_when_the_content_changes() -> None:
    first = corpus.update([], [record("1", "T", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    same = corpus.update(first, [record("1", "T", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True)
    (entry,) = same
    assert entry["corpus"]["versions"] == [version("c0", "2024-01-01T00:00:00Z", "T")]
    gone = corpus.update(same, [record("2", "U", "2024-03-01T00:00:00Z")], crawl_id="c2", complete=True)
    assert {r["post_id"]: r for r in gone}["1"]["corpus"]["versions"] == entry["corpus"]["versions"]
    edited = corpus.update(gone, [record("1", "T2", "2024-04-01T00:00:00Z")], crawl_id="c3", complete=True)
    assert {r["post_id"]: r for r in edited}["1"]["corpus"]["versions"] == [
        version("c0", "2024-01-01T00:00:00Z", "T"),
        version("c3", "2024-04-01T00:00:00Z", "T2"),
    ]


def test_a_record_of_an_earlier_schema_becomes_the_first_version() -> None:
    (old,) = corpus.update([], [record("1", "T", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    del old["corpus"]["versions"]  # as schema 1.1 wrote it
    (entry,) = corpus.update([old], [record("1", "T2", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True)
    assert entry["corpus"]["versions"] == [
        version("c0", "2024-01-01T00:00:00Z", "T"),
        version("c1", "2024-02-01T00:00:00Z", "T2"),
    ]


def test_update_leaves_the_earlier_corpus_as_it_was() -> None:
    """The crawl compares its posts with the corpus as it was before: updating must not change that list."""
    first = corpus.update([], [record("1", "T", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    before = [dict(r, corpus=dict(r["corpus"])) for r in first]
    corpus.update(first, [record("2", "U", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True)
    assert first == before
