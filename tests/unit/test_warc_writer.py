"""WarcFileWriter: exact bytes, read-back with warcio, digests, rollover and the ``.open`` life cycle."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver import __version__
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcError, WarcFileWriter
from archiver.warc.writer import SOFTWARE

if TYPE_CHECKING:
    from pathlib import Path

CAPTURE_DATE = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
FILE_DATE = datetime(2024, 5, 6, 7, 8, 0, 987654, tzinfo=UTC)
HTML = b"<html><body>" + "caf\u00e9 ".encode() * 40 + b"</body></html>"
GZ_HTML = gzip.compress(HTML, mtime=0)


class FixedIds:
    """Deterministic record ids: ``<urn:uuid:00000000-0000-0000-0000-00000000000N>``."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        value = f"<urn:uuid:00000000-0000-0000-0000-{self.count:012d}>"
        self.count += 1
        return value


def record_id(n: int) -> str:
    """Return the n-th id FixedIds hands out."""
    return f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>"


def fixed_clock() -> datetime:
    """Return the same instant every time."""
    return FILE_DATE


def make_writer(directory: Path, **kwargs: Any) -> WarcFileWriter:
    """Build a writer with a fixed clock, fixed ids and fixed warcinfo fields."""
    kwargs.setdefault("warcinfo", {"ip": "10.1.2.3", "operator": "tests"})
    kwargs.setdefault("clock", fixed_clock)
    kwargs.setdefault("id_factory", FixedIds())
    return WarcFileWriter(directory, "BLOG", "testhost", **kwargs)


def kill(writer: WarcFileWriter) -> Path:
    """Leave what a killed crawl leaves: the current ``.open`` file as flushed so far, never renamed."""
    open_path = writer.current_path
    assert open_path is not None
    flushed = open_path.read_bytes()
    writer.close()
    writer.files_written.pop().unlink()
    open_path.write_bytes(flushed)
    return open_path


def make_capture(
    url: str = "https://foo.blogspot.com/2024/05/post.html?m=1",
    *,
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = GZ_HTML,
    date: datetime = CAPTURE_DATE,
    protocol: str | None = "HTTP/1.1",
    truncated: str | None = None,
) -> Capture:
    """Build a capture of a gzip-encoded, chunked HTML page unless told otherwise."""
    if headers is None:
        headers = [
            (b"Content-Type", b"text/html; charset=UTF-8"),
            (b"Content-Encoding", b"gzip"),
            (b"Transfer-Encoding", b"chunked"),
        ]
    return Capture(
        request=CapturedRequest("GET", url, [(b"User-Agent", b"archiver-tests")]),
        response=CapturedResponse(status, None, protocol, headers, body, "192.0.2.7", truncated),
        date=date,
        fetch_duration_s=0.042,
        outlinks=["https://foo.blogspot.com/a", "https://foo.blogspot.com/b"],
        via="https://foo.blogspot.com/",
        hop="L",
    )


def sha1_b32(data: bytes) -> str:
    """``sha1:BASE32`` computed here, independently of warcio."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def members(path: Path) -> list[tuple[int, int, bytes]]:
    """Split a file into gzip members: (offset, length, decompressed bytes), failing on trailing garbage."""
    data = path.read_bytes()
    found = []
    pos = 0
    while pos < len(data):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        content = inflater.decompress(data[pos:])
        assert inflater.eof, f"incomplete gzip member at {pos}"
        end = len(data) - len(inflater.unused_data)
        found.append((pos, end - pos, content))
        pos = end
    return found


def read_records(path: Path) -> list[dict[str, Any]]:
    """Read every record back with warcio, verifying digests, into plain dicts."""
    result = []
    with path.open("rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        for record in records:
            raw = record.raw_stream.read()
            records.read_to_end()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            result.append(
                {
                    "type": record.rec_type,
                    "version": record.rec_headers.protocol,
                    "headers": record.rec_headers,
                    "http": record.http_headers,
                    "payload": raw,
                    "offset": records.get_record_offset(),
                    "length": records.get_record_length(),
                }
            )
    return result


def warcio_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``warcio check`` command line on files."""
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


# -- exact bytes -----------------------------------------------------------------------------------------


def test_exact_bytes_of_a_small_capture(tmp_path: Path) -> None:
    body = b"\x1f\x8b binary \xff\x00 body"
    capture = Capture(
        request=CapturedRequest("GET", "https://foo.blogspot.com/p?q=1#frag", [(b"User-Agent", b"t")]),
        response=CapturedResponse(
            200,
            None,
            "h2",
            [
                (b"Content-Type", b"text/html"),
                (b"Content-Encoding", b"gzip"),
                (b"Transfer-Encoding", b"chunked"),
            ],
            body,
            "192.0.2.1",
        ),
        date=CAPTURE_DATE,
        fetch_duration_s=1.5,
        outlinks=["https://foo.blogspot.com/x"],
        via="https://foo.blogspot.com/",
        hop="LL",
    )
    with make_writer(tmp_path, warcinfo={"ip": "10.1.2.3", "operator": "tests"}) as writer:
        location = writer.write_capture(capture)
    (path,) = writer.files_written
    name = "BLOG-20240506070800987-00000-testhost.warc.gz"
    assert path == tmp_path / name
    url = "https://foo.blogspot.com/p?q=1#frag"
    date = "2024-05-06T07:08:09.123456Z"

    info = (
        f"software: blogspot-archiver/{__version__} warcio/{SOFTWARE.rsplit('/', 1)[1]}\r\n"
        "format: WARC File Format 1.1\r\n"
        "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
        "hostname: testhost\r\n"
        "ip: 10.1.2.3\r\n"
        "operator: tests\r\n"
    ).encode()
    request_block = b"GET /p?q=1 HTTP/1.1\r\nHost: foo.blogspot.com\r\nUser-Agent: t\r\n\r\n"
    response_block = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        b"X-Orig-Transfer-Encoding: chunked\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    metadata_block = (
        b"outlink: https://foo.blogspot.com/x L\r\nvia: https://foo.blogspot.com/\r\n"
        b"hopsFromSeed: LL\r\nfetchTimeMs: 1500\r\n"
    )
    expected = [
        (
            "WARC/1.1\r\nWARC-Type: warcinfo\r\n"
            f"WARC-Record-ID: {record_id(0)}\r\nWARC-Date: 2024-05-06T07:08:00.987654Z\r\n"
            f"WARC-Filename: {name}\r\nWARC-Block-Digest: {sha1_b32(info)}\r\n"
            f"Content-Type: application/warc-fields\r\nContent-Length: {len(info)}\r\n\r\n"
        ).encode()
        + info
        + b"\r\n\r\n",
        (
            "WARC/1.1\r\nWARC-Type: request\r\n"
            f"WARC-Record-ID: {record_id(1)}\r\nWARC-Date: {date}\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Warcinfo-ID: {record_id(0)}\r\nWARC-Concurrent-To: {record_id(2)}\r\n"
            f"WARC-Payload-Digest: {sha1_b32(b'')}\r\nWARC-Block-Digest: {sha1_b32(request_block)}\r\n"
            f"Content-Type: application/http; msgtype=request\r\nContent-Length: {len(request_block)}\r\n\r\n"
        ).encode()
        + request_block
        + b"\r\n\r\n",
        (
            "WARC/1.1\r\nWARC-Type: response\r\n"
            f"WARC-Record-ID: {record_id(2)}\r\nWARC-Date: {date}\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Warcinfo-ID: {record_id(0)}\r\nWARC-Concurrent-To: {record_id(1)}\r\n"
            "WARC-IP-Address: 192.0.2.1\r\nWARC-Protocol: h2\r\n"
            f"WARC-Payload-Digest: {sha1_b32(body)}\r\nWARC-Block-Digest: {sha1_b32(response_block)}\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(response_block)}\r\n\r\n"
        ).encode()
        + response_block
        + b"\r\n\r\n",
        (
            "WARC/1.1\r\nWARC-Type: metadata\r\n"
            f"WARC-Record-ID: {record_id(3)}\r\nWARC-Date: {date}\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Warcinfo-ID: {record_id(0)}\r\nWARC-Concurrent-To: {record_id(2)}\r\n"
            "Content-Type: application/warc-fields\r\n"
            f"WARC-Payload-Digest: {sha1_b32(metadata_block)}\r\n"
            f"WARC-Block-Digest: {sha1_b32(metadata_block)}\r\n"
            f"Content-Length: {len(metadata_block)}\r\n\r\n"
        ).encode()
        + metadata_block
        + b"\r\n\r\n",
    ]
    found = members(path)
    assert [content for _, _, content in found] == expected
    spots = [(offset, length) for offset, length, _ in found]
    assert [(location.request.offset, location.request.length)] == spots[1:2]
    assert [(location.response.offset, location.response.length)] == spots[2:3]
    assert [(location.metadata.offset, location.metadata.length)] == spots[3:4]
    assert location.filename == name
    assert location.payload_digest == sha1_b32(body)
    assert (location.status, location.mime, location.url) == (200, "text/html", url)
    assert (location.request.record_id, location.response.record_id) == (record_id(1), record_id(2))


# -- read back with warcio -------------------------------------------------------------------------------


def test_records_read_back_in_order_with_links_lengths_and_digests(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_capture(make_capture())
        writer.write_capture(make_capture("https://foo.blogspot.com/other", date=CAPTURE_DATE + timedelta(1)))
    (path,) = writer.files_written
    records = read_records(path)
    assert [r["type"] for r in records] == ["warcinfo"] + ["request", "response", "metadata"] * 2
    assert {r["version"] for r in records} == {"WARC/1.1"}

    warcinfo_id = records[0]["headers"]["WARC-Record-ID"]
    for r in records[1:]:
        assert r["headers"]["WARC-Warcinfo-ID"] == warcinfo_id
    for request, response, metadata in (records[1:4], records[4:7]):
        req_id, resp_id = request["headers"]["WARC-Record-ID"], response["headers"]["WARC-Record-ID"]
        assert request["headers"]["WARC-Concurrent-To"] == resp_id
        assert response["headers"]["WARC-Concurrent-To"] == req_id
        assert metadata["headers"]["WARC-Concurrent-To"] == resp_id
        assert request["headers"]["WARC-Date"] == response["headers"]["WARC-Date"]
        assert request["headers"]["WARC-Target-URI"] == response["headers"]["WARC-Target-URI"]
        assert not response["headers"]["WARC-Target-URI"].startswith("<")
        assert response["headers"]["WARC-IP-Address"] == "192.0.2.7"
        assert response["headers"]["WARC-Protocol"] is None
        assert response["headers"]["WARC-Truncated"] is None
        assert metadata["headers"]["Content-Type"] == "application/warc-fields"

    response = records[2]
    assert response["payload"] == GZ_HTML
    assert response["headers"]["WARC-Payload-Digest"] == sha1_b32(GZ_HTML)
    assert response["http"].get_header("Content-Length") == str(len(GZ_HTML))
    block_length = len(response["http"].to_ascii_bytes()) + len(GZ_HTML)
    assert int(response["headers"]["Content-Length"]) == block_length
    for r in records:
        assert r["headers"]["WARC-Block-Digest"].startswith("sha1:")


def test_warcio_check_passes(tmp_path: Path) -> None:
    with make_writer(tmp_path, max_size=2000) as writer:
        for i in range(4):
            writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}"))
    result = warcio_check(*writer.files_written)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout
    assert "fail" not in result.stdout


def test_warcio_check_catches_a_broken_digest(tmp_path: Path) -> None:
    """The check above can fail: flip one body byte and it must."""
    with make_writer(tmp_path) as writer:
        location = writer.write_capture(make_capture(body=b"plain body", headers=[]))
    (path,) = writer.files_written
    data = bytearray(path.read_bytes())
    start, length = location.response.offset, location.response.length
    member = bytearray(gzip.decompress(bytes(data[start : start + length])))
    member[member.rindex(b"plain body")] ^= 1
    path.write_bytes(bytes(data[:start]) + gzip.compress(bytes(member)) + bytes(data[start + length :]))
    assert warcio_check(path).returncode == 1


def test_gzip_body_stays_gzip_under_content_encoding(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_capture(make_capture())
    response = read_records(writer.files_written[0])[2]
    assert response["http"].get_header("Content-Encoding") == "gzip"
    assert response["payload"][:2] == b"\x1f\x8b"
    assert gzip.decompress(response["payload"]) == HTML


def test_chunked_response_has_no_chunked_header_and_a_true_length(tmp_path: Path) -> None:
    body = b"0123456789" * 7
    headers = [(b"Transfer-Encoding", b"chunked"), (b"Content-Type", b"text/plain")]
    with make_writer(tmp_path) as writer:
        writer.write_capture(make_capture(headers=headers, body=body))
    response = read_records(writer.files_written[0])[2]
    http = response["http"]
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Orig-Transfer-Encoding") == "chunked"
    assert http.get_header("Content-Length") == "70"
    assert response["payload"] == body


def test_repeated_set_cookie_and_binary_body_survive(tmp_path: Path) -> None:
    body = bytes(range(256)) * 3
    headers = [(b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"Content-Type", b"image/png")]
    with make_writer(tmp_path) as writer:
        writer.write_capture(make_capture(headers=headers, body=body))
    response = read_records(writer.files_written[0])[2]
    assert [v for k, v in response["http"].headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert response["payload"] == body
    assert response["headers"]["WARC-Payload-Digest"] == sha1_b32(body)


def test_truncated_and_h2_captures_are_marked(tmp_path: Path) -> None:
    headers = [(b"Content-Length", b"999999"), (b"Content-Type", b"text/html")]
    with make_writer(tmp_path) as writer:
        writer.write_capture(make_capture(headers=headers, body=b"partial", protocol="h2", truncated="length"))
    response = read_records(writer.files_written[0])[2]
    assert response["headers"]["WARC-Truncated"] == "length"
    assert response["headers"]["WARC-Protocol"] == "h2"
    assert response["http"].protocol == "HTTP/1.1"
    assert response["http"].get_header("Content-Length") == "7"
    assert response["http"].get_header("X-Orig-Content-Length") == "999999"


def test_locations_point_at_the_records(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        locations = [writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}")) for i in range(3)]
    path = writer.files_written[0]
    data = path.read_bytes()
    for location in locations:
        for spot in (location.request, location.response, location.metadata):
            content = gzip.decompress(data[spot.offset : spot.offset + spot.length])
            assert f"WARC-Record-ID: {spot.record_id}\r\n".encode() in content
            assert f"WARC-Type: {spot.record_type}\r\n".encode() in content
    last = locations[-1].metadata
    assert last.offset + last.length == len(data)


# -- file life cycle -------------------------------------------------------------------------------------


def test_file_opens_lazily_and_a_writer_without_records_leaves_nothing(tmp_path: Path) -> None:
    writer = make_writer(tmp_path / "warcs")
    assert writer.current_path is None
    writer.close()
    assert not (tmp_path / "warcs").exists()
    assert writer.files_written == []


def test_open_suffix_while_writing_and_rename_on_close(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    writer.write_capture(make_capture())
    assert writer.current_path is not None
    assert writer.current_path.name.endswith(".warc.gz.open")
    assert [p.name for p in tmp_path.iterdir()] == [writer.current_path.name]
    writer.close()
    writer.close()  # idempotent
    assert [p.name for p in tmp_path.iterdir()] == ["BLOG-20240506070800987-00000-testhost.warc.gz"]


def test_rollover_starts_each_file_with_warcinfo_and_never_splits_a_capture(tmp_path: Path) -> None:
    with make_writer(tmp_path, max_size=1500) as writer:
        for i in range(5):
            writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [p.name for p in writer.files_written]
    assert len(names) == 5
    assert [re.search(r"-(\d{5})-testhost\.warc\.gz$", n).group(1) for n in names] == [  # type: ignore[union-attr]
        "00000",
        "00001",
        "00002",
        "00003",
        "00004",
    ]
    assert not [n for n in names if n.endswith(".open")]
    for path in writer.files_written:
        records = read_records(path)
        assert [r["type"] for r in records] == ["warcinfo", "request", "response", "metadata"]
        assert records[0]["headers"]["WARC-Filename"] == path.name
        assert records[1]["headers"]["WARC-Warcinfo-ID"] == records[0]["headers"]["WARC-Record-ID"]
    assert writer.records_written == 5 * 4
    assert sum(r["type"] == "response" for p in writer.files_written for r in read_records(p)) == 5
    assert writer.bytes_written == sum(p.stat().st_size for p in writer.files_written)


def test_rollover_keeps_several_captures_per_file_below_max_size(tmp_path: Path) -> None:
    with make_writer(tmp_path, max_size=5000) as writer:
        for i in range(12):
            writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}"))
    assert len(writer.files_written) > 1
    for path in writer.files_written[:-1]:
        types = [r["type"] for r in read_records(path)]
        assert types[0] == "warcinfo"
        assert len(types) > 4
        assert types[1:] == ["request", "response", "metadata"] * ((len(types) - 1) // 3)
        # Each file passed max_size only with its last capture.
        assert path.stat().st_size >= 5000
        last_capture = sum(length for _, length, _ in members(path)[-3:])
        assert path.stat().st_size - last_capture < 5000


def test_existing_names_are_never_overwritten(tmp_path: Path) -> None:
    taken = tmp_path / "BLOG-20240506070800987-00000-testhost.warc.gz"
    taken.write_bytes(b"precious")
    (tmp_path / "BLOG-20240506070800987-00001-testhost.warc.gz.open").write_bytes(b"also precious")
    with make_writer(tmp_path) as writer:
        writer.write_capture(make_capture())
    assert taken.read_bytes() == b"precious"
    assert [p.name for p in writer.files_written] == ["BLOG-20240506070800987-00002-testhost.warc.gz"]


def test_unclosed_writer_leaves_only_open_files_flushed_to_disk(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    for i in range(3):
        writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}"))
        assert writer.current_path is not None
        # Flushed after every capture: what is on disk already reads back complete.
        assert writer.current_path.stat().st_size == writer.bytes_written
        types = [r["type"] for r in read_records(writer.current_path)]
        assert types == ["warcinfo"] + ["request", "response", "metadata"] * (i + 1)
        # until it is closed, the file has only its .open name
        assert [p.name for p in tmp_path.iterdir()] == ["BLOG-20240506070800987-00000-testhost.warc.gz.open"]
        assert writer.files_written == []
    writer.close()


def test_warcinfo_fields(tmp_path: Path) -> None:
    fields = {
        "operator": "Jane <jane@example.org>",
        "robots": "obey",
        "crawl-settings": "a\nb",
        "ip": "10.9.9.9",
    }
    with make_writer(tmp_path, warcinfo=fields) as writer:
        writer.write_capture(make_capture())
    warcinfo = read_records(writer.files_written[0])[0]
    text = warcinfo["payload"].decode()
    assert f"software: blogspot-archiver/{__version__} warcio/" in text
    assert "format: WARC File Format 1.1\r\n" in text
    assert "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/" in text
    assert "hostname: testhost\r\n" in text
    assert "ip: 10.9.9.9\r\n" in text
    assert "operator: Jane <jane@example.org>\r\nrobots: obey\r\ncrawl-settings: a b\r\n" in text


def test_unwritable_directory_is_a_warc_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    writer = make_writer(blocker / "warcs")
    with pytest.raises(WarcError, match="cannot create WARC directory"):
        writer.write_capture(make_capture())


def test_invalid_max_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_size"):
        make_writer(tmp_path, max_size=0)


def test_default_ids_and_clock_are_unique_and_aware(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "P", "h", warcinfo={"ip": "10.0.0.1"})
    first = writer.write_capture(make_capture(date=datetime.now(UTC)))
    second = writer.write_capture(make_capture(date=datetime.now(UTC)))
    writer.close()
    ids = {first.request.record_id, first.response.record_id, second.request.record_id}
    assert len(ids) == 3
    assert all(re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", i) for i in ids)
    assert re.fullmatch(r"P-\d{17}-00000-h\.warc\.gz", writer.files_written[0].name)
    assert warcio_check(*writer.files_written).returncode == 0


def test_each_record_is_one_gzip_member_holding_what_warcio_would_write() -> None:
    """Compressed at zlib's level 6, not warcio's 9: the member decompresses to warcio's exact record bytes."""
    from io import BytesIO

    from warcio.recordbuilder import RecordBuilder
    from warcio.warcwriter import WARCWriter

    from archiver.warc.writer import GZIP_LEVEL

    payload = bytes(range(256)) * 200 + "中文 text".encode() * 500

    def record() -> Any:
        builder = RecordBuilder(warc_version="WARC/1.1")
        return builder.create_warc_record(
            "https://foo.blogspot.com/x.bin",
            "resource",
            payload=BytesIO(payload),
            length=len(payload),
            warc_headers_dict={
                "WARC-Record-ID": "<urn:uuid:00000000-0000-0000-0000-000000000001>",
                "WARC-Date": "2024-01-02T03:04:05.123456Z",
            },
        )

    ours = WarcFileWriter._serialise(record())
    theirs = BytesIO()
    WARCWriter(theirs, gzip=True, warc_version="WARC/1.1").write_record(record())
    decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
    whole = decompressor.decompress(ours)
    assert decompressor.eof  # exactly one member
    assert decompressor.unused_data == b""
    assert whole == gzip.decompress(theirs.getvalue())
    assert GZIP_LEVEL == 6
    assert ours[8] == 0  # the gzip header's XFL byte: 0 for the default level, 2 for warcio's 9


def test_an_already_compressed_payload_is_stored_not_deflated_again(tmp_path: Path) -> None:
    """A JPEG or a gzip-encoded page gets a stored gzip member; the records are the same bytes as deflated ones.

    A body labelled as compressed that deflate would shrink (a lying server) is deflated all the same.
    """
    import random

    photo = random.Random(7).randbytes(60_000)  # what a JPEG's entropy-coded data looks like to deflate
    compressible = b"\xff\xd8\xff\xe0" + b"not really a photo " * 4000
    jpeg = [(b"Content-Type", b"image/jpeg")]
    captures = [
        make_capture("https://1.bp.blogspot.com/a/s1600/x.jpg", headers=jpeg, body=photo),
        make_capture(),  # gzip-encoded HTML
        make_capture("https://foo.blogspot.com/p.html", headers=[(b"Content-Type", b"text/html")], body=compressible),
        make_capture("https://1.bp.blogspot.com/a/s1600/lie.jpg", headers=jpeg, body=compressible),
    ]
    files = {}
    for store in (True, False):
        writer = WarcFileWriter(
            tmp_path / str(store), "P", "h", clock=lambda: CAPTURE_DATE, id_factory=FixedIds(), store_compressed=store
        )
        with writer:
            for capture in captures:
                writer.write_capture(capture)
        (files[store],) = writer.files_written
    stored, deflated = members(files[True]), members(files[False])
    assert [whole for _, _, whole in stored] == [whole for _, _, whole in deflated]  # the same records
    # warcinfo, then request, response, metadata per capture: the responses are members 2, 5, 8 and 11
    photo_member, page, text, lie = stored[2], stored[5], stored[8], stored[11]
    assert photo_member[1] > len(photo_member[2])  # stored: the member is the record plus gzip's framing
    assert page[1] > len(page[2])
    assert text[1] < len(text[2]) // 10  # an uncompressed text payload is still deflated
    assert lie[1] < len(lie[2]) // 10  # labelled image/jpeg, but deflate shrinks it: deflated
    assert warcio_check(files[True]).returncode == 0


@pytest.mark.parametrize(
    ("headers", "compressed"),
    [
        ([(b"Content-Type", b"image/jpeg")], True),
        ([(b"content-type", b"IMAGE/PNG; charset=binary")], True),
        ([(b"Content-Type", b"video/mp4")], True),
        ([(b"Content-Type", b"audio/x-wav")], False),
        ([(b"Content-Type", b"image/svg+xml")], False),
        ([(b"Content-Type", b"image/bmp")], False),
        ([(b"Content-Type", b"text/html"), (b"Content-Encoding", b"br")], True),
        ([(b"Content-Encoding", b"identity"), (b"Content-Type", b"text/css")], False),
        ([(b"Content-Type", b"application/atom+xml")], False),
        ([], False),
    ],
)
def test_compressed_payload(headers: list[tuple[bytes, bytes]], compressed: bool) -> None:
    from archiver.warc.writer import compressed_payload

    assert compressed_payload(headers) is compressed
