"""CDXJ lines equal pywb's indexer output; SURT keys equal the ``surt`` package's."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc import Capture, CapturedRequest, CapturedResponse, CdxjCollector, WarcError, WarcFileWriter
from archiver.warc.cdxj import index_warc, location_to_cdxj, surt, timestamp14, write_cdxj
from tests.unit.test_warc_writer import FixedIds

if TYPE_CHECKING:
    from archiver.warc import CaptureLocation

# Produced by `surt.surt(url)` (surt 0.3.1, the package pywb 2.10 uses) for each URL.
SURT_CASES = [
    ("http://example.com", "com,example)/"),
    (
        "https://Foo.Blogspot.com/2024/01/My-Post.html?b=2&a=1#frag",
        "com,blogspot,foo)/2024/01/my-post.html?a=1&b=2",
    ),
    (
        "https://www.blogger.com/feeds/123/posts/default?alt=json&max-results=25&start-index=1",
        "com,blogger)/feeds/123/posts/default?alt=json&max-results=25&start-index=1",
    ),
    ("http://www2.example.com:80/a/./b/../c/", "com,example)/a/c"),
    ("https://example.com:443/", "com,example)/"),
    ("https://example.com:8443/x", "com,example:8443)/x"),
    ("http://user:pw@example.com/p", "com,example)/p"),
    (
        "http://example.com/a%20b/%7Euser/caf%C3%A9?q=%2F%20x&z",
        "com,example)/a%20b/~user/caf%c3%a9?q=/%20x&z",
    ),
    ("http://example.com/?", "com,example)/"),
    ("http://example.com/path/?a&b=&a=", "com,example)/path?a&a=&b="),
    ("http://EXAMPLE.com//double//slash/", "com,example)/double/slash"),
    ("http://127.0.0.1:8080/foo", "1,0,0,127:8080)/foo"),
    ("http://2130706433/", "1,0,0,127)/"),
    ("http://0177.0.0.1/", "1,0,0,127)/"),
    ("http://[::1]:8080/x", "::1:8080)/x"),
    ("http://example.com/search?jsessionid=0123456789abcdef0123456789abcdef&x=1", "com,example)/search?x=1"),
    ("http://m\u00fcnchen.de/stra\u00dfe", "de,xn--mnchen-3ya)/stra%c3%9fe"),
    ("http://example.com/a b", "com,example)/a%20b"),
    (
        "https://foo.blogspot.com/search/label/Some%20Label?updated-max=2024-01-01T00:00:00-08:00&max-results=20",
        "com,blogspot,foo)/search/label/some%20label?max-results=20&updated-max=2024-01-01t00:00:00-08:00",
    ),
    (
        "https://1.bp.blogspot.com/-abc/XYZ/AAAA/s1600/Image.JPG",
        "com,blogspot,bp,1)/-abc/xyz/aaaa/s1600/image.jpg",
    ),
    ("http://example.com/%25252525", "com,example)/%25"),
    ("http://www.example.com/index.html?A=B", "com,example)/index.html?a=b"),
    ("example.com/noscheme", "com,example)/noscheme"),
    ("http:////www.vikings.com/x", "com,vikings)/x"),
    ("http://http://example.com/double", "com,example)/double"),
    ("http://example.com/a/../../b", "com,example)/../b"),
    ("http://a..b...c.com./", "com,c,,b,a)/"),
    ("http://example.com/%2e%2e/x", "com,example)/../x"),
    ("http://example.com/p;params?x", "com,example)/p;params?x"),
    ("http://example.com/#only", "com,example)/"),
]


@pytest.mark.parametrize(("url", "key"), SURT_CASES)
def test_surt_matches_the_surt_package(url: str, key: str) -> None:
    assert surt(url) == key


def test_surt_rejects_a_bad_port() -> None:
    with pytest.raises(WarcError, match="port"):
        surt("http://example.com:99999/")


def test_timestamp14() -> None:
    assert timestamp14("2024-01-02T03:04:05.123456Z") == "20240102030405"
    assert timestamp14("2024-01-02T03:04:05Z") == "20240102030405"


# A WARC written from these captures was indexed with pywb 2.10.0's `cdx-indexer -j`
# (pywb.indexer.cdxindexer); its output lines are below, verbatim. Offsets and lengths depend on the zlib
# build that compressed the file, so the test compares them with what warcio reads from the file instead of
# with the numbers recorded here.
PYWB_CAPTURES: list[tuple[str, int, list[tuple[bytes, bytes]], bytes]] = [
    (
        "https://Foo.blogspot.com/2024/01/x.html?b=2&a=1",
        200,
        [(b"Content-Type", b"text/html; charset=UTF-8"), (b"Content-Encoding", b"gzip")],
        gzip.compress(b"<html>hi</html>", mtime=0),
    ),
    ("https://foo.blogspot.com/", 301, [(b"Location", b"https://foo.blogspot.com/x")], b""),
    (
        "https://www.foo.blogspot.com/feeds/posts/default?alt=json",
        200,
        [(b"Content-Type", b"application/json")],
        b'{"a":1}',
    ),
    ("https://foo.blogspot.com/missing", 404, [(b"Content-Type", b"text/html")], b"nope"),
    ("https://foo.blogspot.com/img.png", 200, [(b"Content-Type", b"image/png")], bytes(range(256))),
    (
        "https://foo.blogspot.com/caf%C3%A9?q=%E2%82%AC",
        200,
        [(b"content-type", b"Text/HTML;charset=utf-8")],
        b"x",
    ),
    ("https://foo.blogspot.com/sp", 200, [(b"Content-Type", b" text/plain")], b"y"),
    ("https://foo.blogspot.com/\u00fcn\u00ef?x=\u00e9", 200, [(b"Content-Type", b"; charset=utf-8")], b"z"),
    (
        "https://foo.blogspot.com/trunc",
        200,
        [(b"Content-Type", b"text/html"), (b"Content-Length", b"5000"), (b"Transfer-Encoding", b"chunked")],
        b"<p>cut",
    ),
]
PYWB_FILENAME = "T-20240102030405678-00000-h.warc.gz"
PYWB_LINES = r"""
com,blogspot,foo)/2024/01/x.html?a=1&b=2 20240102030405 {"url": "https://Foo.blogspot.com/2024/01/x.html?b=2&a=1", "mime": "text/html", "status": "200", "digest": "ZTLFWMGOXLTZXZHCONP4G4QPNSCAPHD4", "length": "433", "offset": "679", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/ 20240102030406 {"url": "https://foo.blogspot.com/", "mime": "unk", "status": "301", "digest": "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", "length": "353", "offset": "1729", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/feeds/posts/default?alt=json 20240102030407 {"url": "https://www.foo.blogspot.com/feeds/posts/default?alt=json", "mime": "application/json", "status": "200", "digest": "T6E4OQGOWRWXIGGJESTYVRLZIHK6SZJA", "length": "371", "offset": "2710", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/missing 20240102030408 {"url": "https://foo.blogspot.com/missing", "mime": "text/html", "status": "404", "digest": "OYTS3RH26ZQHGNYR6WGHG2BQ2JYVT62V", "length": "355", "offset": "3714", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/img.png 20240102030409 {"url": "https://foo.blogspot.com/img.png", "mime": "image/png", "status": "200", "digest": "JELNNPNX66HGQA3JRSVTFUKYN2SFPX6I", "length": "655", "offset": "4684", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/caf%c3%a9?q=%e2%82%ac 20240102030410 {"url": "https://foo.blogspot.com/caf%C3%A9?q=%E2%82%AC", "mime": "Text/HTML", "status": "200", "digest": "CH3K3DWFFIUYJK5K7V6DWULFAN4FYIDS", "length": "381", "offset": "5966", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/sp 20240102030411 {"url": "https://foo.blogspot.com/sp", "mime": "text/plain", "status": "200", "digest": "SXFQX7JJO7DWCKMNSYSOJNGUY4VDTF2K", "length": "344", "offset": "6970", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/%c3%bcn%c3%af?x=%c3%a9 20240102030412 {"url": "https://foo.blogspot.com/\u00fcn\u00ef?x=\u00e9", "status": "200", "digest": "HFO7R56FD4AHAGOLGAQBYSPIQS2GXEX2", "length": "367", "offset": "7933", "filename": "T-20240102030405678-00000-h.warc.gz"}
com,blogspot,foo)/trunc 20240102030413 {"url": "https://foo.blogspot.com/trunc", "mime": "text/html", "status": "200", "digest": "65MCTEAX6JJRZDJO3LB2Z7FM4CQ2W3S6", "length": "382", "offset": "8924", "filename": "T-20240102030405678-00000-h.warc.gz"}
""".strip().splitlines()  # noqa: E501

_POSITION = re.compile(r'"length": "\d+", "offset": "\d+"')


def write_pywb_warc(directory: Path) -> tuple[Path, list[CaptureLocation]]:
    """Write the WARC the golden lines were produced from (same clock, ids, captures)."""
    clock_time = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    start = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    writer = WarcFileWriter(
        directory, "T", "h", warcinfo={"ip": "10.0.0.1"}, clock=lambda: clock_time, id_factory=FixedIds()
    )
    locations = []
    with writer:
        for i, (url, status, headers, body) in enumerate(PYWB_CAPTURES):
            capture = Capture(
                CapturedRequest("GET", url),
                CapturedResponse(status, None, "HTTP/1.1", headers, body, "1.2.3.4"),
                start + timedelta(seconds=i),
            )
            locations.append(writer.write_capture(capture))
    (path,) = writer.files_written
    assert path.name == PYWB_FILENAME
    return path, locations


def response_positions(path: Path) -> list[str]:
    """``"length": …, "offset": …`` of every response record, as warcio (and so pywb) measures them."""
    found = []
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type == "response":
                records.read_to_end()
                found.append(
                    f'"length": "{records.get_record_length()}", "offset": "{records.get_record_offset()}"'
                )
    return found


def expected_lines(path: Path) -> list[str]:
    """Return the pywb golden lines with this file's record positions."""
    positions = response_positions(path)
    assert len(positions) == len(PYWB_LINES)
    return [_POSITION.sub(position, line) for line, position in zip(PYWB_LINES, positions, strict=True)]


def test_lines_from_locations_equal_pywb_indexer_output(tmp_path: Path) -> None:
    path, locations = write_pywb_warc(tmp_path)
    assert [location_to_cdxj(location) for location in locations] == expected_lines(path)


def test_index_warc_equals_pywb_indexer_output(tmp_path: Path) -> None:
    path, _ = write_pywb_warc(tmp_path)
    assert index_warc(path) == expected_lines(path)


def test_index_warc_of_an_open_file_uses_the_final_name(tmp_path: Path) -> None:
    path, _ = write_pywb_warc(tmp_path)
    open_path = path.with_name(path.name + ".open")
    path.rename(open_path)
    lines = index_warc(open_path)
    assert all(json.loads(line.split(" ", 2)[2])["filename"] == PYWB_FILENAME for line in lines)
    assert len(lines) == len(PYWB_LINES)


def test_index_warc_reports_unreadable_files(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.warc.gz"
    bogus.write_bytes(gzip.compress(b"garbage\r\n\r\n"))
    with pytest.raises(WarcError, match="cannot index"):
        index_warc(bogus)


def test_sorted_output_and_collector(tmp_path: Path) -> None:
    path, locations = write_pywb_warc(tmp_path)
    collector = CdxjCollector()
    for location in reversed(locations):
        collector.add(location)
    out = tmp_path / "index.cdxj"
    assert collector.write(out) == len(locations)
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert text.splitlines() == sorted(expected_lines(path))
    # Code-point order, as `LC_ALL=C sort` (what pywb's `cdx-indexer --sort` produces).
    assert text.splitlines()[0].startswith("com,blogspot,foo)/ ")
    assert write_cdxj([], tmp_path / "empty.cdxj") == 0
    assert (tmp_path / "empty.cdxj").read_text() == ""


def _pywb_indexer() -> Path:
    """The ``cdx-indexer`` of ARCHIVER_PYWB_CDX_INDEXER, else the venv's (its bin is not on PATH in pytest)."""
    # pywb is a test dependency: a missing indexer is a broken environment, not a reason to skip
    override = os.environ.get("ARCHIVER_PYWB_CDX_INDEXER")
    return Path(override) if override else Path(sys.executable).parent / "cdx-indexer"


def test_against_a_live_pywb_indexer(tmp_path: Path) -> None:
    path, locations = write_pywb_warc(tmp_path)
    indexer = _pywb_indexer()
    assert indexer.is_file(), f"{indexer} is missing: install the test dependencies (pip install -e .[test])"
    result = subprocess.run(
        [str(indexer), "-j", str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.splitlines() == [location_to_cdxj(location) for location in locations]
    assert result.stdout.splitlines() == index_warc(path)
