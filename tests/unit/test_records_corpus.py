"""The blog's corpus across crawls: latest record per post, posts gone from a later crawl kept and marked."""

from __future__ import annotations

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
    }


def test_first_crawl_creates_the_history() -> None:
    (entry,) = corpus.update([], [record("1", "T", "2024-01-01T00:00:00Z")], crawl_id="c0", complete=True)
    assert entry["corpus"] == {
        "crawl_id": "c0",
        "first_seen": "2024-01-01T00:00:00Z",
        "last_seen": "2024-01-01T00:00:00Z",
        "seen_in_crawls": ["c0"],
        "missing_since": None,
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
    }
    assert by_id["2"]["title"] == "Gone"
    assert by_id["2"]["corpus"]["missing_since"] == "c1"
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
