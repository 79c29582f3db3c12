"""Post records from revisit records: the payload comes from the original, in the blog's other crawls.

A later crawl that stored an unchanged post page as a revisit still gives that post its record, from the
WARC files alone: ``archiver extract`` of the later crawl finds the original by ``WARC-Refers-To`` in the
blog's earlier crawl, checks its digest, and points ``source`` at the revisit in the later crawl.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator

from archiver.records.warcread import extract_warcs
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter
from archiver.warc.writer import RevisitOf
from tests.records_support import BASE, app, serve

if TYPE_CHECKING:
    from pathlib import Path


def post_url() -> str:
    blog = app().blog
    post = next(p for p in blog.posts if p.title)
    return BASE + post.path


def write(warc_dir: Path, url: str, when: datetime, revisit_of: RevisitOf | None = None) -> Path:
    page = serve(url)
    headers = [(b"Content-Type", page.content_type.encode())]
    with WarcFileWriter(warc_dir, "blog", "test") as writer:
        writer.write_capture(
            Capture(
                request=CapturedRequest("GET", url),
                response=CapturedResponse(status=200, protocol="HTTP/1.1", headers=headers, body=page.body),
                date=when,
            ),
            revisit_of=revisit_of,
        )
    (path,) = warc_dir.glob("*.warc.gz")
    return path


def response_of(path: Path) -> RevisitOf:
    with path.open("rb") as stream:
        record = next(r for r in ArchiveIterator(stream) if r.rec_type == "response")
        headers = record.rec_headers
        return RevisitOf(
            headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"), headers.get_header("WARC-Record-ID")
        )


def test_a_revisited_post_gets_its_record_from_the_original_in_an_earlier_crawl(tmp_path: Path) -> None:
    url = post_url()
    first = write(tmp_path / "blog" / "c1" / "warc", url, datetime(2026, 1, 1, tzinfo=UTC))
    second = write(tmp_path / "blog" / "c2" / "warc", url, datetime(2026, 2, 1, tzinfo=UTC), response_of(first))

    earlier, _ = extract_warcs([tmp_path / "blog" / "c1"])
    later, stats = extract_warcs([tmp_path / "blog" / "c2"])
    assert stats.errors == 0
    (before,), (after,) = earlier.posts, later.posts
    assert after["body_text"] == before["body_text"]
    assert after["content_sha256"] == before["content_sha256"]  # the same content, proved from the WARCs
    assert after["title"] == before["title"]
    assert after["source"]["filename"] == second.name  # it points at the revisit, in the later crawl
    assert after["source"]["payload_digest"] == before["source"]["payload_digest"]
    assert json.dumps(after, sort_keys=True) != json.dumps(before, sort_keys=True)  # fetched_at and source differ


def test_a_revisit_whose_original_is_gone_is_an_error_naming_the_url(tmp_path: Path) -> None:
    url = post_url()
    first = write(tmp_path / "blog" / "c1" / "warc", url, datetime(2026, 1, 1, tzinfo=UTC))
    write(tmp_path / "blog" / "c2" / "warc", url, datetime(2026, 2, 1, tzinfo=UTC), response_of(first))
    first.unlink()
    result, stats = extract_warcs([tmp_path / "blog" / "c2"])
    assert result.posts == []
    assert stats.errors == 1
    assert stats.error_urls == [url]
