"""Deleted posts as tombstones: the corpus keeps them with the pointer of the 404/410 that proves the deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jsonschema
from warcio.archiveiterator import ArchiveIterator

from archiver.records import changes, corpus, jsonl
from archiver.schemas import load
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter

if TYPE_CHECKING:
    from pathlib import Path

HOST = "https://blog.blogspot.com"
START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
SHA = "0" * 64


def record(post_id: str, fetched_at: str, title: str = "T") -> dict[str, Any]:
    return {
        "kind": "post",
        "post_id": post_id,
        "url": f"{HOST}/2013/09/post-{post_id}.html",
        "title": title,
        "sources": [{"fetched_at": fetched_at}],
        "content_sha256": SHA,
        "source": None,
    }


def pointer(url: str, fetched_at: str, status: int = 404, filename: str = "a.warc.gz", offset: int = 10) -> dict:
    return changes.gone_pointer(url, fetched_at, status, filename, offset, 99, "<urn:uuid:1>", "sha1:AAAA")


def first_crawl() -> list[dict[str, Any]]:
    posts = [record("1", "2024-01-01T00:00:00Z"), record("2", "2024-01-01T00:00:01Z")]
    return corpus.update([], posts, crawl_id="c0", complete=True)


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["post_id"]: r for r in records}


def test_a_post_gone_and_answering_404_becomes_a_tombstone_with_its_capture() -> None:
    # the recheck asked for the http:// mobile URL: the same post (scheme and ?m=1 aside)
    proof = pointer("http://blog.blogspot.com/2013/09/post-2.html?m=1", "2024-02-01T00:00:05Z", status=410)
    later = pointer(f"{HOST}/2013/09/post-2.html", "2024-02-01T00:00:09Z", filename="b.warc.gz")
    gone = {proof["url"]: proof, later["url"]: later}
    after = by_id(
        corpus.update(first_crawl(), [record("1", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True, gone=gone)
    )
    assert after["2"]["title"] == "T"  # kept, never dropped
    assert after["2"]["corpus"]["missing_since"] == "c1"
    assert after["2"]["corpus"]["deleted"] == {"crawl_id": "c1", "deleted_at": "2024-02-01T00:00:05Z", "capture": proof}
    assert after["1"]["corpus"]["deleted"] is None
    # a later crawl still answered 404 keeps the tombstone of the crawl that first proved it
    again = by_id(
        corpus.update(
            list(after.values()),
            [record("1", "2024-03-01T00:00:00Z")],
            crawl_id="c2",
            complete=True,
            gone={later["url"]: later},
        )
    )
    assert again["2"]["corpus"]["deleted"]["crawl_id"] == "c1"


def test_no_tombstone_without_the_404_or_from_an_interrupted_crawl() -> None:
    proof = pointer(f"{HOST}/2013/09/post-2.html", "2024-02-01T00:00:05Z")
    other = pointer(f"{HOST}/2013/09/post-3.html", "2024-02-01T00:00:05Z")
    posts = [record("1", "2024-02-01T00:00:00Z")]
    missing = by_id(corpus.update(first_crawl(), posts, crawl_id="c1", complete=True, gone={other["url"]: other}))
    assert missing["2"]["corpus"]["missing_since"] == "c1"
    assert missing["2"]["corpus"]["deleted"] is None
    cut = by_id(corpus.update(first_crawl(), posts, crawl_id="c1", complete=False, gone={proof["url"]: proof}))
    assert cut["2"]["corpus"]["deleted"] is None
    assert cut["2"]["corpus"]["missing_since"] is None
    # a post found by the crawl is no tombstone even when one of its URLs answered 404
    seen = by_id(
        corpus.update(
            first_crawl(),
            [*posts, record("2", "2024-02-01T00:00:01Z")],
            crawl_id="c1",
            complete=True,
            gone={proof["url"]: proof},
        )
    )
    assert seen["2"]["corpus"]["deleted"] is None


def test_a_missing_post_proved_deleted_later_gets_its_tombstone_then() -> None:
    posts = [record("1", "2024-02-01T00:00:00Z")]
    missing = corpus.update(first_crawl(), posts, crawl_id="c1", complete=True)
    proof = pointer(f"{HOST}/2013/09/post-2.html", "2024-03-01T00:00:05Z")
    (_, entry) = corpus.update(
        missing, [record("1", "2024-03-01T00:00:00Z")], crawl_id="c2", complete=True, gone={proof["url"]: proof}
    )
    assert entry["corpus"]["missing_since"] == "c1"
    assert entry["corpus"]["deleted"] == {"crawl_id": "c2", "deleted_at": "2024-03-01T00:00:05Z", "capture": proof}


def test_a_restored_post_loses_its_tombstone_and_is_reported_restored() -> None:
    proof = pointer(f"{HOST}/2013/09/post-2.html", "2024-02-01T00:00:05Z")
    deleted = corpus.update(
        first_crawl(), [record("1", "2024-02-01T00:00:00Z")], crawl_id="c1", complete=True, gone={proof["url"]: proof}
    )
    back = [record("1", "2024-03-01T00:00:00Z"), record("2", "2024-03-01T00:00:01Z")]
    restored = by_id(corpus.update(deleted, back, crawl_id="c2", complete=True))
    assert restored["2"]["corpus"]["deleted"] is None
    assert restored["2"]["corpus"]["missing_since"] is None
    assert [(c.change, c.post_id) for c in changes.compare(deleted, back)] == [("restored", "2")]


def test_the_deleted_change_carries_the_capture_of_the_404() -> None:
    proof = pointer(f"{HOST}/2013/09/post-2.html?m=1", "2024-02-01T00:00:05Z")
    (change,) = changes.compare(first_crawl(), [record("1", "2024-02-01T00:00:00Z")], gone={proof["url"]: proof})
    assert change.change == "deleted"
    assert change.details == {"content_sha256": SHA, "capture": proof}


def _warcs(directory: Path, answers: list[tuple[str, int]]) -> list[Path]:
    writer = WarcFileWriter(directory, "T", "h", clock=lambda: START)
    with writer:
        for n, (url, status) in enumerate(answers):
            response = CapturedResponse(status, None, "HTTP/1.1", [(b"Content-Type", b"text/html")], b"x", "127.0.0.1")
            writer.write_capture(Capture(CapturedRequest("GET", url), response, START + timedelta(seconds=n)))
    return list(writer.files_written)


def test_gone_captures_point_at_the_404_and_410_records(tmp_path: Path) -> None:
    """Each pointer opens on its own record: seek to the offset, read one record, find the 404/410 of the URL."""
    urls = [f"{HOST}/a.html", f"{HOST}/b.html", f"{HOST}/c.html", f"{HOST}/b.html"]
    warcs = _warcs(tmp_path, list(zip(urls, [200, 404, 410, 404], strict=True)))
    found = changes.gone_captures(warcs)
    assert set(found) == {f"{HOST}/b.html", f"{HOST}/c.html"} == changes.gone_urls(warcs)
    assert found[f"{HOST}/b.html"]["fetched_at"] == "2024-01-02T03:04:06Z"  # the earliest of its two 404s
    for url, proof in found.items():
        with (tmp_path / proof["filename"]).open("rb") as stream:
            stream.seek(proof["offset"])
            warc_record = next(iter(ArchiveIterator(stream)))
            assert warc_record.rec_type == "response"
            assert warc_record.rec_headers.get_header("WARC-Target-URI") == url
            assert warc_record.rec_headers.get_header("WARC-Record-ID") == proof["record_id"]
            assert warc_record.rec_headers.get_header("WARC-Payload-Digest") == proof["payload_digest"]
            assert warc_record.rec_headers.get_header("WARC-Date") == proof["fetched_at"]
            assert int(warc_record.http_headers.get_statuscode()) == proof["status"]
            stream.seek(proof["offset"] + proof["length"])
            assert stream.read(2) in (b"", b"\x1f\x8b")  # the length ends the record's gzip member
    # the corpus object of a tombstoned post is valid against the current schema
    proof = {**found[f"{HOST}/c.html"], "url": f"{HOST}/2013/09/post-2.html"}
    posts = [record("1", "2024-02-01T00:00:00Z")]
    entry = by_id(corpus.update(first_crawl(), posts, crawl_id="c1", complete=True, gone={proof["url"]: proof}))["2"]
    assert entry["corpus"]["deleted"]["capture"] == proof
    schema = {"$defs": load("post")["$defs"], "$ref": "#/$defs/corpus"}
    jsonschema.Draft202012Validator(schema).validate(entry["corpus"])


def test_tombstones_reach_the_corpus_files(tmp_path: Path) -> None:
    corpus.fold_files(
        tmp_path,
        [record("1", "2024-01-01T00:00:00Z"), record("2", "2024-01-01T00:00:01Z")],
        [],
        crawl_id="c0",
        complete=True,
    )
    proof = pointer(f"{HOST}/2013/09/post-2.html", "2024-02-01T00:00:05Z")
    corpus.fold_files(
        tmp_path, [record("1", "2024-02-01T00:00:00Z")], [], crawl_id="c1", complete=True, gone={proof["url"]: proof}
    )
    stored = by_id(list(jsonl.read_file(tmp_path / "posts.jsonl")))
    assert stored["2"]["corpus"]["deleted"]["capture"] == proof
