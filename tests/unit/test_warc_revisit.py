"""Revisit records: a payload already archived is written as a WARC/1.1 identical-payload-digest revisit.

The original is written by the same writer in an earlier file; the revisit is read back with warcio and
checked field by field, with ``warcio check`` and with the project's CDXJ indexer (what pywb resolves).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter, index_warc
from archiver.warc.writer import REVISIT_PROFILE, RevisitOf, payload_digest

URL = "https://gongminziyoulianmeng.blogspot.com/2013/09/rally.html"
BODY = gzip.compress(
    ("<html><body>" + "".join(f"<p>申雪花 rally report {n}</p>" for n in range(2000)) + "</body></html>").encode(),
    mtime=0,
)
HEADERS = [(b"Content-Type", b"text/html; charset=UTF-8"), (b"Content-Encoding", b"gzip"), (b"ETag", b'"v1"')]


def capture(when: datetime, body: bytes = BODY) -> Capture:
    response = CapturedResponse(status=200, reason="OK", protocol="HTTP/1.1", headers=HEADERS, body=body)
    return Capture(request=CapturedRequest("GET", URL), response=response, date=when)


def records(path: Path) -> list[Any]:
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            out.append((record.rec_type, record.rec_headers, record.http_headers, record.raw_stream.read()))
    return out


def test_a_revisit_names_its_original_and_keeps_the_head_but_not_the_payload(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    with WarcFileWriter(first, "blog", "test") as writer:
        original = writer.write_capture(capture(datetime(2026, 1, 1, tzinfo=UTC)))
    (original_file,) = first.glob("*.warc.gz")
    response = next(r for r in records(original_file) if r[0] == "response")
    refers = RevisitOf(URL, response[1].get_header("WARC-Date"), response[1].get_header("WARC-Record-ID"))
    assert original.payload_digest == payload_digest(BODY)  # what the caller compares before choosing a revisit

    with WarcFileWriter(second, "blog", "test") as writer:
        location = writer.write_capture(capture(datetime(2026, 2, 1, tzinfo=UTC)), revisit_of=refers)
    assert location.revisit_of == refers
    (revisit_file,) = second.glob("*.warc.gz")
    kinds = [r[0] for r in records(revisit_file)]
    assert kinds == ["warcinfo", "request", "revisit", "metadata"]
    _, headers, http, payload = next(r for r in records(revisit_file) if r[0] == "revisit")
    assert headers.get_header("WARC-Profile") == REVISIT_PROFILE
    assert headers.get_header("WARC-Refers-To-Target-URI") == URL
    assert headers.get_header("WARC-Refers-To-Date") == refers.date
    assert headers.get_header("WARC-Refers-To") == refers.record_id
    assert headers.get_header("WARC-Payload-Digest") == original.payload_digest
    assert payload == b""  # the payload is the original's
    assert http.get_statuscode() == "200"
    assert http.get_header("Content-Encoding") == "gzip"  # the full HTTP head, as it would have been stored
    assert http.get_header("ETag") == '"v1"'
    assert http.get_header("Content-Length") == str(len(BODY))
    assert revisit_file.stat().st_size < original_file.stat().st_size

    check = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", str(revisit_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    (line,) = index_warc(revisit_file)
    fields = json.loads(line.split(" ", 2)[2])
    assert fields["mime"] == "warc/revisit"  # how pywb knows to look the payload up by digest
    assert fields["digest"] == original.payload_digest.removeprefix("sha1:")


def test_without_an_original_the_payload_is_stored(tmp_path: Path) -> None:
    with WarcFileWriter(tmp_path, "blog", "test") as writer:
        location = writer.write_capture(capture(datetime(2026, 1, 1, tzinfo=UTC)))
    assert location.revisit_of is None
    (path,) = tmp_path.glob("*.warc.gz")
    (_, _, _, payload) = next(r for r in records(path) if r[0] == "response")
    assert payload == BODY
