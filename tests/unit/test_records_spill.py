"""The disk spills of the records side: the same bytes as merging and folding everything in memory, in any order."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from blogger_replica.app import ReplicaApp
from blogger_replica.content import Blog
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.records import corpus, jsonl, merge
from archiver.records.merge import Held, build_record, sort_key
from archiver.records.model import Fragment, Person
from archiver.records.spill import FragmentSpill, SortedLines, decode, encode
from archiver.records.tamper import Flag
from tests.records_support import BASE, extract
from tests.unit.test_records_merge import fragments, held

if TYPE_CHECKING:
    from pathlib import Path


def planted_fragments() -> list[Fragment]:
    """Real fragments with tamper flags: the pages of the replica's planted posts."""
    blog = Blog(30, 0, planted=True)
    replica = ReplicaApp(blog, "classic")
    planted = [p for p in blog.posts if blog.plant(p) is not None]
    return [f for n, p in enumerate(planted, 1) for f in extract(f"{BASE}{p.path}", replica, n=n)]


def test_every_fragment_comes_back_from_the_spill_equal() -> None:
    found = [*fragments("classic"), *fragments("contempo"), *planted_fragments()]
    assert any(f.flags for f in found)
    assert any(f.comments for f in found)
    assert any(f.body is not None and f.body.images for f in found)
    odd = replace(
        found[0],
        parser_limit="max_nodes",
        labels=("ä", ""),
        author=Person("n", None),
        comment_count=0,
        flags=(Flag("script", "high", "script", None, None, "x"),),
    )
    for fragment in [*found, odd]:
        assert decode(encode(fragment)) == fragment


def whole(theme: str) -> list[str]:
    result = merge(list(fragments(theme)), archived=held(theme))
    return [jsonl.dumps(r) for r in result.posts] + ["--"] + [jsonl.dumps(r) for r in result.pages]


def spilled(ordered: list[Fragment], archived: frozenset[str], folder: Path) -> list[str]:
    """What the records extension does at the end of a crawl: fragments through the spill, records sorted on disk."""
    with FragmentSpill(folder) as spill, SortedLines(folder) as posts, SortedLines(folder) as pages:
        for start in range(0, len(ordered), 7):  # as captures come: a few fragments at a time
            spill.add(ordered[start : start + 7])
        assert not list(folder.iterdir())  # the spill files are unnamed: nothing shows in the crawl folder
        for group in spill.posts():
            record = build_record(group, Held(archived))
            if record is not None:
                (pages if record["kind"] == "page" else posts).add(sort_key(record), jsonl.dumps(record))
        posts.write(folder / "posts.jsonl")
        pages.write(folder / "pages.jsonl")
    assert sorted(p.name for p in folder.iterdir()) == ["pages.jsonl", "posts.jsonl"]
    lines = (folder / "posts.jsonl").read_text("utf-8").splitlines() + ["--"]
    return lines + (folder / "pages.jsonl").read_text("utf-8").splitlines()


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32), theme=st.sampled_from(["classic", "contempo"]))
def test_spilled_records_equal_the_whole_merge_in_any_order(tmp_path_factory: Any, seed: int, theme: str) -> None:
    shuffled = list(fragments(theme))
    random.Random(seed).shuffle(shuffled)
    assert spilled(shuffled, held(theme), tmp_path_factory.mktemp("crawl")) == whole(theme)


def crawls() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Two crawls' post records: the second lost two posts (one answered 404), edited one and found a new one."""
    posts = merge(list(fragments("classic")), archived=held("classic")).posts
    first = posts[:-1]
    gone = first[3]
    second = [*first[:2], {**first[2], "title": "edited", "content_sha256": "0" * 64}, *first[5:], posts[-1]]
    proof = {"url": gone["url"], "fetched_at": "2025-01-01T00:00:00Z", "filename": "w.warc.gz", "offset": 9}
    return first, second, {gone["url"]: proof}


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32), complete=st.booleans())
def test_the_streamed_corpus_fold_equals_the_whole_update(tmp_path_factory: Any, seed: int, complete: bool) -> None:
    first, second, gone = crawls()
    folder = tmp_path_factory.mktemp("corpus")
    corpus.fold_files(folder, first, [], crawl_id="c0", complete=True)
    before = list(jsonl.read_file(folder / "posts.jsonl"))
    assert [jsonl.dumps(r) for r in before] == [
        jsonl.dumps(r) for r in corpus.update([], first, crawl_id="c0", complete=True)
    ]
    shuffled = second[:]
    random.Random(seed).shuffle(shuffled)
    folded = corpus.fold_files(folder, shuffled, [], crawl_id="c1", complete=complete, gone=gone)
    expected = corpus.update(before, second, crawl_id="c1", complete=complete, gone=gone)
    assert (folder / "posts.jsonl").read_text("utf-8") == "".join(jsonl.dumps(r) + "\n" for r in expected)
    assert folded.previous_posts == before
    assert folded.sizes == {"posts.jsonl": len(expected), "pages.jsonl": 0}
    states = {r["post_id"]: r["corpus"] for r in expected}
    assert sum(s["missing_since"] == "c1" for s in states.values()) == (2 if complete else 0)
    assert sum(bool(s["deleted"]) for s in states.values()) == (1 if complete else 0)
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "pages.jsonl", "posts.jsonl"]


def test_sorted_lines_are_written_in_key_order(tmp_path: Path) -> None:
    with SortedLines(tmp_path) as lines:
        for key in [3, 1, 2]:
            lines.add(key, f"line {key} 中文")
        assert lines.write(tmp_path / "out.jsonl") == 3
    assert (tmp_path / "out.jsonl").read_bytes() == "line 1 中文\nline 2 中文\nline 3 中文\n".encode()
