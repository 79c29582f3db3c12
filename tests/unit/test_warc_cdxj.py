"""CDXJ lines equal pywb's indexer output; SURT keys equal the ``surt`` package's."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from archiver.warc import Capture, CapturedRequest, CapturedResponse, CdxjCollector, WarcError, WarcFileWriter
from archiver.warc.cdxj import index_warc, location_to_cdxj, surt, timestamp14, write_cdxj
from tests.unit.test_warc_writer import FixedIds

if TYPE_CHECKING:
    from collections.abc import Callable

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


def _no_lookup(host: str) -> None:
    raise AssertionError(f"the surt package tried to resolve {host!r}")


@pytest.fixture
def surt_package(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    """The ``surt`` package's ``surt()``, never allowed to resolve a host (it would for numeric-looking ones)."""
    from surt import GoogleURLCanonicalizer
    from surt import surt as package_surt

    monkeypatch.setattr(GoogleURLCanonicalizer.socket, "gethostbyname_ex", _no_lookup)
    return package_surt  # type: ignore[no-any-return]


def _numeric_host(url: str) -> bool:
    """A host the surt package resolves through DNS (decimal or octal dotted numbers): never asked of it."""
    host = (urlsplit(url if "//" in url else "http://" + url).hostname or "").rstrip(".")
    return bool(re.fullmatch(r"[0-9]+(?:\.[0-9]+){0,3}", host))


@pytest.mark.parametrize(("url", "key"), SURT_CASES)
def test_surt_matches_the_surt_package(url: str, key: str, surt_package: Callable[[str], str]) -> None:
    assert surt(url) == key
    if not _numeric_host(url):
        assert surt_package(url) == key


_LABEL = st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,8}[a-zA-Z0-9]", fullmatch=True)
_HOSTS = st.one_of(
    st.builds("{}.blogspot.com".format, _LABEL),
    st.builds("{}.blogspot.{}".format, _LABEL, st.sampled_from(["de", "co.uk", "com.au", "com.br", "in", "jp"])),
    st.builds("{}.bp.blogspot.com".format, st.integers(1, 4)),
    st.sampled_from(
        [
            "blogger.googleusercontent.com",
            "www.blogger.com",
            "resources.blogblog.com",
            "www.example.org",
            "WWW2.Example.Org",
            "blog.example.org",
            "xn--mnchen-3ya.de",
            "münchen.de",
        ]
    ),
    st.builds(lambda a, b: f"{a}.{b}.org", _LABEL, _LABEL),
)
_ESCAPES = st.builds("%{:02X}".format, st.integers(0, 255)) | st.builds("%{:02x}".format, st.integers(0, 255))
_PATH_PIECES = st.one_of(
    _LABEL,
    st.sampled_from(
        [
            "2013",
            "09",
            "p",
            "search",
            "label",
            "feeds",
            "posts",
            "default",
            "s1600",
            ".",
            "..",
            "index.html",
            "post.html",
            "a.b",
            "-x_y~",
            "a+b",
            "a,b",
            "a=b",
            "a;b",
            "",
            "中文",
            "集会",
            "café",
            "a b",
            "%",
            "%%",
            "%2F",
            "%252F",
        ]
    ),
    _ESCAPES,
)
_QUERY_NAMES = st.sampled_from(
    [
        "m",
        "a",
        "b",
        "A",
        "updated-max",
        "max-results",
        "start-index",
        "showComment",
        "label",
        "q",
        "zz",
        "jsessionid",
        "x",
    ]
)
_QUERY_VALUES = st.one_of(
    st.sampled_from(["", "1", "0", "2013-09-17T21:38:00-04:00", "中", "a b", "%20", "%2F", "A%2fb", "x=y", "20"]),
    _ESCAPES,
)


@st.composite
def blogger_urls(draw: st.DrawFn) -> str:
    """URLs like those a Blogger crawl archives, hosts with letters only (no numeric host)."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = draw(_HOSTS)
    port = draw(st.sampled_from(["", "", ":80", ":443", ":8080"]))
    segments = draw(st.lists(st.lists(_PATH_PIECES, min_size=1, max_size=3).map("".join), max_size=5))
    path = "/" + "/".join(segments) + draw(st.sampled_from(["", "/"]))
    pairs = draw(st.lists(st.tuples(_QUERY_NAMES, st.sampled_from(["=", "=", ""]), _QUERY_VALUES), max_size=5))
    query = "&".join(name + eq + (value if eq else "") for name, eq, value in pairs)
    url = f"{scheme}://{host}{port}{path}"
    if query or draw(st.booleans()):
        url += "?" + query
    if draw(st.booleans()):
        url += "#" + draw(st.sampled_from(["", "more", "c123", "中"]))
    return url


#: forms of a URL the crawl may meet besides the plain one (WARC-Target-URI is what Scrapy asked for)
_URL_FORMS = st.one_of(
    blogger_urls(),
    st.builds(
        lambda url, user: url.replace("://", f"://{user}@", 1),
        blogger_urls(),
        st.sampled_from(["user", "u:p", "a%40b"]),
    ),
    st.builds(lambda url: url + "\t\n", blogger_urls()),
    st.builds(str.upper, blogger_urls()),
    st.builds(lambda url: url.lower().replace("/", "//"), blogger_urls()),
    st.builds(lambda url: url.split("://", 1)[1], blogger_urls()),
)
_SCHEMELESS_WITH_PORT = re.compile(r"^[^/?#:]*:[0-9]")
_UPPER_SCHEME_EXTRA_SLASHES = re.compile(r"^[a-zA-Z]*[A-Z][a-zA-Z]*:///")


def differs_on_purpose(url: str) -> str | None:
    """The classes of input where ``surt()`` and the package differ on purpose (archiver.warc.cdxj docstring)."""
    if _numeric_host(url):
        return "numeric host"
    if _SCHEMELESS_WITH_PORT.match(url):
        return "no scheme, a port"
    if _UPPER_SCHEME_EXTRA_SLASHES.match(url):
        return "upper-case scheme, extra slashes"
    return None


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(url=_URL_FORMS)
def test_surt_equals_the_surt_package_on_blogger_urls(url: str) -> None:
    """Property: outside the classes that differ on purpose, the key is the one pywb's ``surt`` package makes."""
    from surt import GoogleURLCanonicalizer
    from surt import surt as package_surt

    assume(differs_on_purpose(url) is None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GoogleURLCanonicalizer.socket, "gethostbyname_ex", _no_lookup)
        assert surt(url) == package_surt(url), url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://2130706433/", "numeric host"),
        ("http://0177.0.0.1/x", "numeric host"),
        ("Name.blogspot.com:8080/x", "no scheme, a port"),
        ("HTTPS:////name.blogspot.com/x", "upper-case scheme, extra slashes"),
    ],
)
def test_the_classes_that_differ_on_purpose(url: str, reason: str, surt_package: Callable[[str], str]) -> None:
    """Each excluded class is named, and the property above really excludes it."""
    assert differs_on_purpose(url) == reason
    if reason == "numeric host":  # the package would resolve it; ours reads the number
        assert surt(url).startswith("1,0,0,127)")
        return
    assert surt(url) != surt_package(url)


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
                found.append(f'"length": "{records.get_record_length()}", "offset": "{records.get_record_offset()}"')
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
    out = tmp_path / "index.cdxj"
    with CdxjCollector(spool_dir=tmp_path / "spool") as collector:
        for location in reversed(locations):
            collector.add(location)
        assert write_cdxj(collector.lines, out) == len(locations)  # as the index extension writes them
        assert list(tmp_path.joinpath("spool").iterdir()) == []  # the spool file has no name
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert text.splitlines() == sorted(expected_lines(path))
    # Code-point order, as `LC_ALL=C sort` (what pywb's `cdx-indexer --sort` produces).
    assert text.splitlines()[0].startswith("com,blogspot,foo)/ ")
    assert write_cdxj([], tmp_path / "empty.cdxj") == 0
    assert (tmp_path / "empty.cdxj").read_text() == ""


def test_external_sort_gives_the_bytes_of_a_sort_in_memory(tmp_path: Path) -> None:
    """An index bigger than one sort run comes out byte for byte as ``sorted()`` gives it, duplicates kept."""
    rng = random.Random(12)
    lines = [f"com,blogspot,x)/{rng.randrange(500):03d} 2024{rng.randrange(10**10):010d} {{}}" for _ in range(2_000)]
    lines += ["é) 1 {}", "z) 1 {}", "Z) 1 {}", lines[0], lines[1]]
    assert write_cdxj(iter(lines), tmp_path / "runs.cdxj", run_lines=7) == len(lines)
    assert write_cdxj(lines, tmp_path / "one.cdxj") == len(lines)
    expected = "".join(line + "\n" for line in sorted(lines)).encode()
    assert (tmp_path / "runs.cdxj").read_bytes() == expected
    assert (tmp_path / "one.cdxj").read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.cdxj", "runs.cdxj"]  # no run file is left


def _pywb_indexer() -> Path:
    """The ``cdx-indexer`` of ARCHIVER_PYWB_CDX_INDEXER, else the venv's (its bin is not on PATH in pytest)."""
    # pywb is a test dependency: a missing indexer is a broken environment, not a reason to skip
    override = os.environ.get("ARCHIVER_PYWB_CDX_INDEXER")
    return Path(override) if override else Path(sys.executable).parent / "cdx-indexer"


def test_against_a_live_pywb_indexer(tmp_path: Path) -> None:
    path, locations = write_pywb_warc(tmp_path)
    indexer = _pywb_indexer()
    assert indexer.is_file(), f"{indexer} is missing: install the test dependencies (pip install -e .[test])"
    result = subprocess.run([str(indexer), "-j", str(path)], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.splitlines() == [location_to_cdxj(location) for location in locations]
    assert result.stdout.splitlines() == index_warc(path)


def test_index_extension_spools_lines_and_indexes_earlier_files(tmp_path: Path) -> None:
    """The crawl's lines (spooled to an unnamed file) and an earlier run's WARC make one sorted index."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from archiver.extensions.cdxj import CdxjIndexExtension

    warc_dir = tmp_path / "crawl" / "warc"
    path, locations = write_pywb_warc(warc_dir)
    earlier = warc_dir / "earlier-00000.warc.gz"
    earlier.write_bytes(path.read_bytes())  # the same captures, as an earlier run of the crawl wrote them
    settings = {
        "ARCHIVER_CDXJ_ENABLED": True,
        "ARCHIVER_CRAWL_DIR": str(tmp_path / "crawl"),
        "ARCHIVER_WARC_DIR": str(warc_dir),
    }
    extension = CdxjIndexExtension(get_crawler(Spider, settings))
    for location in reversed(locations):
        extension.capture_written(location)
    before = sorted(p.name for p in (tmp_path / "crawl").iterdir())
    extension.spider_closed(Spider("s"), "finished")
    index = (tmp_path / "crawl" / "index.cdxj").read_text(encoding="utf-8")
    assert index == "".join(line + "\n" for line in sorted(expected_lines(path) + index_warc(earlier)))
    assert sorted(p.name for p in (tmp_path / "crawl").iterdir()) == sorted([*before, "index.cdxj"])
    assert extension.crawler.stats.get_value("archiver/cdxj/lines") == 2 * len(locations)
