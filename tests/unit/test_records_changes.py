"""The change history between two sets of post records: each kind, nothing when nothing changed, any input order."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.records import changes
from archiver.records.changes import compare
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter

if TYPE_CHECKING:
    import random
    from pathlib import Path

HOST = "https://blog.blogspot.com"
START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def post(post_id: str = "1", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": "post",
        "post_id": post_id,
        "url": f"{HOST}/2013/09/post-{post_id}.html",
        "title": f"Post {post_id}",
        "published": "2013-09-17T21:38:00.001-04:00",
        "updated": "2013-09-17T21:40:00.001-04:00",
        "labels": ["Rally"],
        "author": {"name": "A", "uri": None},
        "body_text": "First paragraph.\n\nSecond paragraph.",
        "body_complete": True,
        "images": [],
        "links": [],
        "comments": [],
        "comment_count": 0,
        "provenance": {"comments": "comment_feed"},
    }
    record.update(fields)
    content = {k: record[k] for k in (*changes.FIELDS, "comments")}
    record["content_sha256"] = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return record


def comment(n: int) -> dict[str, Any]:
    return {"id": str(n), "author": {"name": f"C{n}", "uri": None}, "published": "2013-09-18T00:00:00Z", "text": "hi"}


def kinds(found: list[changes.Change]) -> list[tuple[str, str]]:
    return [(c.change, c.post_id) for c in found]


def test_the_same_records_give_no_change() -> None:
    records = [post("1"), post("2", comments=[comment(1)])]
    assert compare(records, [dict(r) for r in records], gone=[]) == []


def test_a_new_post() -> None:
    (change,) = compare([post("1")], [post("1"), post("2")])
    assert change.as_record() == {
        "change": "new",
        "post_id": "2",
        "url": f"{HOST}/2013/09/post-2.html",
        "title": "Post 2",
        "content_sha256": post("2")["content_sha256"],
    }


def test_an_edit_names_its_fields_hashes_titles_labels_and_the_body_diff() -> None:
    old = post("1")
    new = post(
        "1",
        title="Post 1 (更新)",
        labels=["Rally", "人权"],
        updated="2017-01-10T12:00:00.517-05:00",
        body_text="First paragraph.\n\nSecond paragraph, corrected.",
    )
    (change,) = compare([old], [new])
    record = change.as_record()
    assert record["change"] == "edited"
    assert record["title"] == "Post 1 (更新)"
    assert record["fields"] == ["title", "updated", "labels", "body_text"]
    assert record["content_sha256"] == {"old": old["content_sha256"], "new": new["content_sha256"]}
    assert record["title_change"] == {"old": "Post 1", "new": "Post 1 (更新)"}
    assert record["labels"] == {"old": ["Rally"], "new": ["Rally", "人权"], "added": ["人权"], "removed": []}
    assert record["updated"] == {"old": old["updated"], "new": new["updated"]}
    assert "-Second paragraph." in record["diff"]
    assert "+Second paragraph, corrected." in record["diff"]
    assert record["diff_truncated"] is False


def test_a_long_body_diff_is_cut_and_says_so() -> None:
    old = post("1", body_text="\n\n".join(f"line {n}" for n in range(100)))
    new = post("1", body_text="\n\n".join(f"LINE {n}" for n in range(100)))
    (change,) = compare([old], [new], diff_lines=10)
    assert len(change.details["diff"]) == 10
    assert change.details["diff_truncated"] is True
    (full,) = compare([old], [new], diff_lines=1000)
    assert full.details["diff_truncated"] is False
    assert len(full.details["diff"]) > changes.DIFF_LINES


def test_a_cut_body_against_a_whole_one_is_not_an_edit() -> None:
    snippet = post("1", body_text="First paragraph.", body_complete=False)
    assert compare([post("1")], [snippet]) == []
    assert compare([snippet], [post("1")]) == []


def test_comments_added_and_removed_one_change_each() -> None:
    old = post("1", comments=[comment(1), comment(2)])
    new = post("1", comments=[comment(2), comment(3), comment(4)])
    found = compare([old], [new])
    assert [(c.change, c.details["comment"]["id"]) for c in found] == [
        ("comment_added", "3"),
        ("comment_added", "4"),
        ("comment_removed", "1"),
    ]
    assert found[0].details["comment"] == {
        "id": "3",
        "author": {"name": "C3", "uri": None},
        "published": "2013-09-18T00:00:00Z",
    }


def test_no_comment_is_removed_by_a_crawl_that_read_no_comments() -> None:
    old = post("1", comments=[comment(1)])
    new = post("1", comments=[], provenance={"comments": None})
    assert compare([old], [new]) == []


def test_deleted_needs_the_404_or_410_of_its_url() -> None:
    before = [post("1"), post("2")]
    (deleted,) = compare(before, [post("1")], gone=["http://blog.blogspot.com/2013/09/post-2.html?m=1"])
    assert kinds([deleted]) == [("deleted", "2")]
    assert deleted.details == {"content_sha256": post("2")["content_sha256"]}
    assert compare(before, [post("1")], gone=[]) == []
    assert changes.missing(before, [post("1")], gone=[]) == [
        {"post_id": "2", "url": f"{HOST}/2013/09/post-2.html", "title": "Post 2"}
    ]
    assert changes.missing(before, [post("1")], gone=[post("2")["url"]]) == []


def test_an_interrupted_crawl_marks_nothing_deleted_or_missing() -> None:
    before = [post("1"), post("2")]
    assert compare(before, [post("1")], gone=[post("2")["url"]], complete=False) == []
    assert changes.missing(before, [post("1")], complete=False) == []


def test_a_post_gone_in_the_corpus_that_is_back_is_restored() -> None:
    gone = {**post("1"), "corpus": {"missing_since": "c1"}}
    (change,) = compare([gone], [post("1")])
    assert change.change == "restored"
    assert change.details["fields"] == []
    (edited,) = compare([gone], [post("1", title="Back")])
    assert edited.change == "restored"
    assert edited.details["fields"] == ["title"]
    # already gone: neither deleted again nor missing
    assert compare([gone], [], gone=[post("1")["url"]]) == []
    assert changes.missing([gone], []) == []


def test_pages_are_not_posts() -> None:
    page = {**post("9"), "kind": "page"}
    assert compare([], [page]) == []


def test_counts_by_kind_in_kind_order() -> None:
    found = compare(
        [post("1"), post("2", comments=[comment(1)])], [post("2"), post("3"), post("4")], gone=[post("1")["url"]]
    )
    assert changes.counts(found) == {"new": 2, "deleted": 1, "comment_removed": 1}


def flag(kind: str = "external_script", host: str | None = "cdn.unknown.example") -> dict[str, Any]:
    return {"kind": kind, "severity": "high", "element": "script", "attribute": "src", "host": host, "excerpt": "x"}


def _states() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    before = [post(str(n), comments=[comment(k) for k in range(n % 3)]) for n in range(1, 9)]
    before[5]["flags"] = [flag()]
    after = [
        post("1"),  # comments gone
        post("2", title="edited"),
        post("3", comments=[comment(0), comment(1), comment(7)]),
        post("4", body_text="other"),
        post("6", flags=[flag(), flag("obfuscated_script", None), flag(host="b.example")]),
        post("7", comments=[comment(0)]),
        post("10", flags=[flag()]),
        post("11"),
    ]
    return before, after, [post("5")["url"], post("8")["url"]]


@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_input_order(rng: random.Random) -> None:
    before, after, gone = _states()
    expected = compare(before, after, gone=gone)
    assert {c.change for c in expected} == set(changes.KINDS) - {"restored"}
    rng.shuffle(before)
    rng.shuffle(after)
    rng.shuffle(gone)
    assert compare(before, after, gone=gone) == expected


def _warcs(directory: Path, answers: list[tuple[str, int]]) -> list[Path]:
    writer = WarcFileWriter(directory, "T", "h", clock=lambda: START)
    with writer:
        for url, status in answers:
            response = CapturedResponse(status, None, "HTTP/1.1", [(b"Content-Type", b"text/html")], b"x", "127.0.0.1")
            writer.write_capture(Capture(CapturedRequest("GET", url), response, START))
    return list(writer.files_written)


def test_gone_urls_are_the_404_and_410_responses(tmp_path: Path) -> None:
    warcs = _warcs(tmp_path, [(f"{HOST}/a.html", 200), (f"{HOST}/b.html", 404), (f"{HOST}/c.html", 410)])
    assert changes.gone_urls(warcs) == {f"{HOST}/b.html", f"{HOST}/c.html"}


def test_describe_an_edit_for_a_person() -> None:
    new = post("1", title="Post 1 (更新)", labels=["人权"], body_text="First paragraph.\n\nSecond, corrected.")
    (change,) = compare([post("1")], [new])
    text = changes.describe(change)
    assert text.startswith(f"EDITED Post 1 (更新)\n  {HOST}/2013/09/post-1.html\n  post 1\n")
    assert "  fields: title, labels, body_text\n" in text
    assert "  title: 'Post 1' -> 'Post 1 (更新)'\n" in text
    assert "  labels: +['人权'] -['Rally']\n" in text
    assert "    -Second paragraph.\n    +Second, corrected." in text
