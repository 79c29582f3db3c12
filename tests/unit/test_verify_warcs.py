"""The pure checks of ``archiver verify``: a WARC record's digests, length and gzip member, read with offsets."""

from __future__ import annotations

import gzip
import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.verify import Report
from archiver.verify.records import check_cdxj
from archiver.verify.warcs import scan_warc
from archiver.warc.cdxj import cdxj_line

BODY = b"<html><title>Rally</title>" + b"x" * 500 + b"</html>"


def warc_bytes(count: int = 3) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    for n in range(count):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://b.blogspot.com/{n}.html",
            "response",
            payload=io.BytesIO(BODY),
            length=len(BODY),
            http_headers=http,
        )
        writer.write_record(record)
    return out.getvalue()


def members(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each gzip member, as the clean scan finds them."""
    report = Report()
    found = scan_warc(io.BytesIO(data), "f.warc.gz", "f.warc.gz", report)
    assert report.passed, report.problems
    return [(r.offset, r.length) for r in found.records.values()]


def test_a_clean_file_passes_with_every_digest_checked() -> None:
    data = warc_bytes()
    report = Report()
    found = scan_warc(io.BytesIO(data), "f.warc.gz", "f.warc.gz", report)
    assert report.passed
    assert report.checked["warc.block_digest"] == 3
    assert report.checked["warc.payload_digest"] == 3
    assert [r.status for r in found.records.values()] == ["200"] * 3
    assert sum(r.length for r in found.records.values()) == len(data)


def test_a_changed_payload_byte_fails_block_and_payload_digest_at_its_offset() -> None:
    data = warc_bytes()
    offset, length = members(data)[1]
    record = gzip.decompress(data[offset : offset + length]).replace(b"Rally", b"Rallx")
    report = Report()
    scan_warc(io.BytesIO(data[:offset] + gzip.compress(record) + data[offset + length :]), "f", "f", report)
    assert {(p.check, p.offset) for p in report.problems} == {
        ("warc.block_digest", offset),
        ("warc.payload_digest", offset),
    }


def test_a_wrong_content_length_is_reported() -> None:
    data = warc_bytes(1)
    record = gzip.decompress(data)
    length = record.split(b"Content-Length: ", 1)[1].split(b"\r\n", 1)[0]
    bad = record.replace(b"Content-Length: " + length, b"Content-Length: " + str(int(length) - 5).encode(), 1)
    report = Report()
    scan_warc(io.BytesIO(gzip.compress(bad)), "f", "f", report)
    # the shorter block no longer has its digests either; what follows it is not the record's end
    assert [p.check for p in report.problems][-1] == "warc.content_length"
    assert "not CRLF CRLF" in report.problems[-1].what


def test_truncation_and_damage_are_reported_with_the_member_offset() -> None:
    data = warc_bytes()
    (first, _), (second, length), (third, _) = members(data)
    report = Report()
    scan_warc(io.BytesIO(data[:-20]), "f", "f", report)
    assert [(p.check, p.offset) for p in report.problems] == [("warc.truncated", third)]
    damaged = bytearray(data)
    damaged[second + length // 2] ^= 0xFF
    report = Report()
    found = scan_warc(io.BytesIO(bytes(damaged)), "f", "f", report)
    assert [(p.check, p.offset) for p in report.problems] == [("warc.gzip", second)]
    assert sorted(found.records) == [first, third]  # the scan went on after the damaged member


def test_cdxj_lines_are_checked_against_the_records_and_every_record_needs_one() -> None:
    data = warc_bytes(2)
    report = Report()
    found = scan_warc(io.BytesIO(data), "f.warc.gz", "f.warc.gz", report)
    a, b = found.records.values()
    good = cdxj_line(a.target_uri, a.timestamp, mime="text/html", status="200", digest=a.payload_digest,
                     length=a.length, offset=a.offset, filename="f.warc.gz")  # fmt: skip
    wrong = cdxj_line(b.target_uri, a.timestamp, mime="text/html", status="404", digest=b.payload_digest,
                      length=b.length, offset=b.offset, filename="f.warc.gz")  # fmt: skip
    check_cdxj([good, wrong], "index.cdxj", {"f.warc.gz": found}, report)
    assert [p.path for p in report.problems] == ["index.cdxj line 2"]
    assert "status '404' in the index, '200' in the WARC" in report.problems[0].what
    report = Report()
    check_cdxj([good], "index.cdxj", {"f.warc.gz": found}, report)
    assert [(p.check, p.offset) for p in report.problems] == [("cdxj.missing", b.offset)]
