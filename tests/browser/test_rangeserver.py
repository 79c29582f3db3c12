"""The browser tests' static server answers Range requests as ReplayWeb.page needs: 206 and exactly those bytes."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.browser.rangeserver import RangeServer, parse_range

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

BODY = bytes(range(256)) * 40  # 10,240 bytes, every position distinguishable by its neighbours


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RangeServer]:
    archive = tmp_path / "archive.wacz"
    archive.write_bytes(BODY)
    with RangeServer({"/archive.wacz": archive, "/page.html": b"<p>hi"}) as server:
        yield server


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name)


def get(server: RangeServer, path: str, headers: dict[str, str] | None = None) -> Answer:
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=10000-", 10000, 10239),  # open-ended: to the end
        ("bytes=-22", 10218, 10239),  # suffix: the zip's end-of-central-directory read
        ("bytes=10200-99999", 10200, 10239),  # a last position past the end is clamped
        ("bytes=5-5", 5, 5),
    ],
)
def test_a_range_request_gets_206_with_exactly_those_bytes(
    served: RangeServer, header: str, first: int, last: int
) -> None:
    response = get(served, "/archive.wacz", {"Range": header})
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {first}-{last}/{len(BODY)}"
    assert int(response.getheader("Content-Length") or -1) == last - first + 1
    assert response.body == BODY[first : last + 1]
    assert response.getheader("Accept-Ranges") == "bytes"


def test_no_range_gets_the_whole_file_with_200(served: RangeServer) -> None:
    response = get(served, "/archive.wacz")
    assert response.status == 200
    assert response.body == BODY
    assert response.getheader("Accept-Ranges") == "bytes"  # tells the client it may ask for ranges


def test_a_range_past_the_end_gets_416_naming_the_size(served: RangeServer) -> None:
    response = get(served, "/archive.wacz", {"Range": "bytes=20000-20010"})
    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{len(BODY)}"


def test_a_multi_range_request_gets_the_whole_file(served: RangeServer) -> None:
    response = get(served, "/archive.wacz", {"Range": "bytes=0-1,5-6"})
    assert response.status == 200
    assert response.body == BODY


def test_in_memory_bodies_and_unknown_paths(served: RangeServer) -> None:
    page = get(served, "/page.html", {"Range": "bytes=1-"})
    assert (page.status, page.body) == (206, b"p>hi")
    assert get(served, "/nothing.js").status == 404
    assert [(entry.path, entry.status) for entry in served.log] == [("/page.html", 206), ("/nothing.js", 404)]


def test_parse_range_rejects_what_is_not_one_byte_range() -> None:
    for header in ("bytes=", "items=0-1", "bytes=0-1,3-4", "bytes=a-b"):
        with pytest.raises(ValueError, match="byte range"):
            parse_range(header, 100)
    assert parse_range("bytes=-0", 100) is None
    assert parse_range("bytes=0-", 0) is None
