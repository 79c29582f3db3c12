"""The change history across visits: crawl the replica's states 0, 1 and 2 into one output, compare with its truth.

Each state is its own replica process (``--state N``), crawled through the replica's proxy as a user would, into
the same OUTPUT so that the blog's corpus carries over. The expected changes are derived from the replica's
ground truth of the two states, post by post: every new post, every edit (and exactly its fields), every new
comment, every deletion, and nothing else. A post the replica deleted is linked by nothing in the later state;
the crawler asks again for every post of the corpus once discovery has run dry, gets the 404, and so proves
the deletion.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records

from archiver.records import changes, jsonl
from archiver.schemas import load
from tests.conftest import BLOG_HOST as HOST
from tests.conftest import BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

POSTS = 60  # 40 posts have no deletion in either step; 60 have one in each

#: the fields of a change's ``fields`` that the truth records also state
TRUTH_FIELDS = ("title", "published", "updated", "labels", "author", "body_text")


def truth(state: int) -> dict[str, dict[str, Any]]:
    return {str(r["post_id"]): r for r in truth_records(Blog(POSTS, state, DEFAULT_BLOG_NAME)) if r["kind"] == "post"}


def expected(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> set[tuple[Any, ...]]:
    """The changes the truth of two states implies, as (kind, post id, detail)."""
    found: set[tuple[Any, ...]] = {("new", post_id, None) for post_id in after.keys() - before.keys()}
    found |= {("deleted", post_id, None) for post_id in before.keys() - after.keys()}
    for post_id in after.keys() & before.keys():
        old, new = before[post_id], after[post_id]
        fields = tuple(name for name in TRUTH_FIELDS if old[name] != new[name])
        if fields:
            found.add(("edited", post_id, fields))
        old_ids = {c["id"] for c in old["comments"]}
        found |= {("comment_added", post_id, c["id"]) for c in new["comments"] if c["id"] not in old_ids}
        new_ids = {c["id"] for c in new["comments"]}
        found |= {("comment_removed", post_id, c["id"]) for c in old["comments"] if c["id"] not in new_ids}
    return found


def reported(records: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    out: set[tuple[Any, ...]] = set()
    for record in records:
        if record["change"] == "edited":
            detail: Any = tuple(name for name in record["fields"] if name in TRUTH_FIELDS)
        elif record["change"].startswith("comment_"):
            detail = record["comment"]["id"]
        else:
            detail = None
        out.add((record["change"], record["post_id"], detail))
    return out


def crawl(replica_factory: Callable[..., Replica], out: Path, state: int, crawl_id: str) -> Path:
    replica = replica_factory("--posts", str(POSTS), "--state", str(state))
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}"]
    result = run_archiver(*args, env=replica.proxy_env())
    assert result.returncode == 0, result.stderr[-4000:]
    return out / HOST / crawl_id


@pytest.fixture(scope="module")
def crawls(
    replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("visits")
    ids = ["20240101T000000Z", "20240201T000000Z", "20240301T000000Z", "20240401T000000Z"]
    folders = [crawl(replica_factory, out, state, crawl_id) for state, crawl_id in zip((0, 1, 2, 2), ids, strict=True)]
    return out, folders


def test_the_first_visit_has_nothing_to_compare_with(crawls: tuple[Path, list[Path]]) -> None:
    _, folders = crawls
    assert (folders[0] / "changes.jsonl").read_bytes() == b""
    assert "changes     first crawl of the blog" in (folders[0] / "summary.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("step", [1, 2])
def test_each_visit_reports_exactly_what_the_truth_changed(crawls: tuple[Path, list[Path]], step: int) -> None:
    _, folders = crawls
    before, after = truth(step - 1), truth(step)
    records = list(jsonl.read_file(folders[step] / "changes.jsonl"))
    want = expected(before, after)
    assert {kind for kind, _, _ in want} >= {"new", "edited", "comment_added", "deleted"}  # the step changes all
    assert reported(records) == want
    assert records == sorted(records, key=changes.sort_key)
    for record in (r for r in records if r["change"] == "edited"):
        old, new = before[record["post_id"]], after[record["post_id"]]
        assert record["title_change"] == {"old": old["title"], "new": new["title"]}
        assert record["url"] == new["url"]
        assert record["content_sha256"]["old"] != record["content_sha256"]["new"]
        if "body_text" in record["fields"]:
            assert any(line.startswith("+") for line in record["diff"])
    stats = json.loads((folders[step] / "stats.json").read_text(encoding="utf-8"))["stats"]
    gone = before.keys() - after.keys()
    assert gone  # the replica deleted a post in this step, and the 404 of its URL proves it
    assert not stats.get("archiver/changes/missing")
    assert stats.get("archiver/discovered/corpus_recheck")
    assert {r["post_id"] for r in records if r["change"] == "deleted"} == gone


def test_a_visit_of_an_unchanged_blog_lists_no_change(crawls: tuple[Path, list[Path]]) -> None:
    _, folders = crawls
    assert (folders[3] / "changes.jsonl").read_bytes() == b""
    assert "  changes     none (changes.jsonl)\n" in (folders[3] / "summary.txt").read_text(encoding="utf-8")


def test_the_corpus_keeps_every_version_of_an_edited_post(crawls: tuple[Path, list[Path]]) -> None:
    """A version per content hash: an edit or a comment (comments are part of content_sha256) adds one."""
    out, folders = crawls
    corpus = {r["post_id"]: r for r in jsonl.read_file(out / HOST / "corpus" / "posts.jsonl")}
    steps = [{r["post_id"] for r in jsonl.read_file(folder / "changes.jsonl")} for folder in folders]
    assert steps[1]
    assert steps[2]
    for post_id in truth(0).keys() & truth(2).keys():
        versions = corpus[post_id]["corpus"]["versions"]
        assert len(versions) == 1 + (post_id in steps[1]) + (post_id in steps[2]), post_id
        assert len({v["content_sha256"] for v in versions}) == len(versions)
        assert versions[-1]["content_sha256"] == corpus[post_id]["content_sha256"]
        # each version points at the capture that first showed that content, in its own crawl's warc/
        assert [v["crawl_id"] for v in versions] == [
            folder.name for n, folder in enumerate(folders[:3]) if n == 0 or post_id in steps[n]
        ]
        for entry in versions:
            assert (out / HOST / entry["crawl_id"] / "warc" / entry["source"]["filename"]).is_file()
    for record in corpus.values():
        jsonschema.validate(record, load("post", record["schema_version"]), cls=jsonschema.Draft202012Validator)
    for post_id in truth(0).keys() - truth(2).keys():  # deleted by the replica: kept, marked, its versions too
        assert corpus[post_id]["corpus"]["missing_since"] is not None
        assert corpus[post_id]["corpus"]["versions"]


def test_diff_of_the_first_and_third_visit_is_the_two_steps_composed(crawls: tuple[Path, list[Path]]) -> None:
    _, folders = crawls
    result = run_archiver("diff", str(folders[0]), str(folders[2]), "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert reported(records) == expected(truth(0), truth(2))
    steps = [list(jsonl.read_file(folders[n] / "changes.jsonl")) for n in (1, 2)]
    composed_new = {r["post_id"] for step in steps for r in step if r["change"] == "new"} - (
        truth(0).keys() - truth(2).keys()
    )
    assert {r["post_id"] for r in records if r["change"] == "new"} == composed_new & truth(2).keys()
    step_comments = {
        (r["post_id"], r["comment"]["id"]) for step in steps for r in step if r["change"] == "comment_added"
    }
    new_posts = {r["post_id"] for r in records if r["change"] == "new"}
    diff_comments = {(r["post_id"], r["comment"]["id"]) for r in records if r["change"] == "comment_added"}
    assert diff_comments == {c for c in step_comments if c[0] not in new_posts}
    step_edits = {r["post_id"] for step in steps for r in step if r["change"] == "edited"}
    assert {r["post_id"] for r in records if r["change"] == "edited"} == step_edits - new_posts
    gone = truth(0).keys() - truth(2).keys()
    assert {r["post_id"] for r in records if r["change"] == "deleted"} == gone  # the later crawl holds the 404s
    assert not result.stderr.strip()  # and so nothing is merely missing
    human = run_archiver("diff", str(folders[0]), str(folders[2]))
    assert human.returncode == 0
    assert human.stdout.splitlines()[-1].startswith(f"{len(records)} changes, ")
    for record in records:
        assert f"{record['change'].upper()} {record['title']}\n  {record['url']}\n" in human.stdout
