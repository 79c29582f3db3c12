"""`archiver diff CRAWL_A CRAWL_B`: the comparison of two crawl folders, for a person or as JSON Lines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from archiver.cli import main
from archiver.records import changes
from tests.records_support import HOST, app
from tests.unit.test_pipeline_changes import crawl, post_urls

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_diff_prints_each_change_and_names_missing_posts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl(tmp_path, "c0", post_urls(0, 1, 2))
    crawl(tmp_path, "c1", post_urls(2, 3), gone=tuple(post_urls(0)))
    a, b = tmp_path / "out" / HOST / "c0", tmp_path / "out" / HOST / "c1"
    posts = app().blog.posts
    assert main(["diff", str(a), str(b), "--json"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["change"], r["post_id"]) for r in records] == sorted(
        [("deleted", posts[0].post_id), ("new", posts[3].post_id)], key=lambda c: c[1]
    )
    assert f"missing (not in {b}, no 404/410 there: not counted as deleted)" in err
    assert posts[1].path in err
    assert main(["diff", str(a), str(b)]) == 0
    out, _ = capsys.readouterr()
    assert f"DELETED {posts[0].title}\n" in out
    assert f"NEW {posts[3].title}\n" in out
    assert out.endswith("2 changes, 1 new, 1 deleted\n")


def test_diff_of_a_crawl_with_itself_lists_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl(tmp_path, "c0", post_urls(0, 1))
    folder = str(tmp_path / "out" / HOST / "c0")
    assert main(["diff", folder, folder, "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_a_folder_that_is_not_a_crawl_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl(tmp_path, "c0", post_urls(0))
    (tmp_path / "empty").mkdir()
    assert main(["diff", str(tmp_path / "out" / HOST / "c0"), str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err
    assert f"NotACrawlError: {tmp_path / 'empty'} is not a crawl folder: it has no posts.jsonl" in err


def test_an_unfinished_later_crawl_deletes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl(tmp_path, "c0", post_urls(0, 1))
    crawl(tmp_path, "c1", post_urls(1), gone=tuple(post_urls(0)))
    b = tmp_path / "out" / HOST / "c1"
    (b / "stats.json").write_text(json.dumps({"summary": {"finish_reason": "shutdown"}}), encoding="utf-8")
    assert changes.read_crawl(b).complete is False
    assert main(["diff", str(tmp_path / "out" / HOST / "c0"), str(b), "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "did not finish: no post counted as deleted or missing" in err
