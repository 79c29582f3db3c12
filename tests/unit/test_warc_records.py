"""The bytes of request and response blocks, and the transfer-encoding policy."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeadersParser

from archiver.warc.records import (
    Capture,
    CapturedRequest,
    CapturedResponse,
    build_request_block,
    build_request_head,
    build_response_block,
    build_response_head,
    reason_phrase,
    response_headers,
    warc_protocol,
)


def split_block(block: bytes) -> tuple[list[bytes], bytes]:
    """Split an HTTP block into its head lines (status line first) and its body."""
    head, sep, body = block.partition(b"\r\n\r\n")
    assert sep, "the head must end with a blank line"
    return head.split(b"\r\n"), body


def header_values(lines: list[bytes], name: bytes) -> list[bytes]:
    """Values of every header called ``name`` (case-insensitive) in head lines."""
    found = []
    for line in lines[1:]:
        key, _, value = line.partition(b": ")
        if key.lower() == name.lower():
            found.append(value)
    return found


# -- request block ---------------------------------------------------------------------------------------


def test_request_line_keeps_path_and_query_and_drops_fragment() -> None:
    request = CapturedRequest("GET", "https://foo.blogspot.com/search?q=a%20b&max-results=5#top")
    lines, body = split_block(build_request_block(request))
    assert lines[0] == b"GET /search?q=a%20b&max-results=5 HTTP/1.1"
    assert body == b""


def test_request_line_uses_slash_for_empty_path() -> None:
    lines, _ = split_block(build_request_block(CapturedRequest("GET", "https://foo.blogspot.com")))
    assert lines[0] == b"GET / HTTP/1.1"


def test_host_header_is_added_first_when_missing() -> None:
    request = CapturedRequest("GET", "https://foo.blogspot.com/", [(b"User-Agent", b"ua"), (b"Accept", b"*/*")])
    assert build_request_head(request) == (
        b"GET / HTTP/1.1\r\nHost: foo.blogspot.com\r\nUser-Agent: ua\r\nAccept: */*\r\n\r\n"
    )


def test_host_header_is_not_duplicated() -> None:
    request = CapturedRequest("GET", "https://foo.blogspot.com/", [(b"host", b"other.example")])
    lines, _ = split_block(build_request_block(request))
    assert header_values(lines, b"Host") == [b"other.example"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://example.com:80/", b"example.com"),
        ("https://example.com:443/", b"example.com"),
        ("http://127.0.0.1:8080/x", b"127.0.0.1:8080"),
        ("https://user:pw@example.com/", b"example.com"),
    ],
)
def test_host_header_port_only_when_not_default(url: str, host: bytes) -> None:
    lines, _ = split_block(build_request_block(CapturedRequest("GET", url)))
    assert header_values(lines, b"Host") == [host]


def test_request_body_is_kept_with_its_length() -> None:
    body = b"a=1&b=\xff"
    request = CapturedRequest("post", "http://example.com/form", [(b"Content-Type", b"x")], body)
    lines, stored = split_block(build_request_block(request))
    assert lines[0] == b"POST /form HTTP/1.1"
    assert header_values(lines, b"Content-Length") == [b"7"]
    assert stored == body


# -- response block --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "status_line", "warc_proto"),
    [
        (None, b"HTTP/1.1 200 OK", None),
        ("HTTP/1.1", b"HTTP/1.1 200 OK", None),
        ("HTTP/1.0", b"HTTP/1.0 200 OK", None),
        ("h2", b"HTTP/1.1 200 OK", "h2"),
        ("HTTP/2.0", b"HTTP/1.1 200 OK", "h2"),
    ],
)
def test_status_line_and_warc_protocol(protocol: str | None, status_line: bytes, warc_proto: str | None) -> None:
    lines, _ = split_block(build_response_block(CapturedResponse(200, None, protocol, [], b"x")))
    assert lines[0] == status_line
    assert warc_protocol(protocol) == warc_proto


def test_reason_phrase_is_synthesised_kept_or_empty() -> None:
    assert reason_phrase(404, None) == "Not Found"
    assert reason_phrase(301, None) == "Moved Permanently"
    assert reason_phrase(200, "Fine") == "Fine"
    assert reason_phrase(599, None) == ""
    lines, _ = split_block(build_response_block(CapturedResponse(599, body=b"")))
    assert lines[0] == b"HTTP/1.1 599 "


def test_chunked_header_is_renamed_and_length_added() -> None:
    body = b"<html>de-chunked</html>"
    response = CapturedResponse(200, None, "HTTP/1.1", [(b"Transfer-Encoding", b"chunked")], body)
    lines, stored = split_block(build_response_block(response))
    assert header_values(lines, b"Transfer-Encoding") == []
    assert header_values(lines, b"X-Orig-Transfer-Encoding") == [b"chunked"]
    assert header_values(lines, b"Content-Length") == [str(len(body)).encode()]
    assert stored == body


def test_missing_content_length_is_added() -> None:
    response = CapturedResponse(200, headers=[(b"Content-Type", b"text/html")], body=b"12345")
    lines, _ = split_block(build_response_block(response))
    assert lines[1:] == [b"Content-Type: text/html", b"Content-Length: 5"]


def test_agreeing_content_length_is_kept_in_place() -> None:
    headers = [(b"Content-Length", b"5"), (b"Content-Type", b"text/plain")]
    lines, _ = split_block(build_response_block(CapturedResponse(200, headers=headers, body=b"12345")))
    assert lines[1:] == [b"Content-Length: 5", b"Content-Type: text/plain"]


def test_disagreeing_content_length_is_kept_renamed() -> None:
    headers = [(b"Date", b"d"), (b"Content-Length", b"100000"), (b"Content-Type", b"text/plain")]
    response = CapturedResponse(200, headers=headers, body=b"cut", truncated="length")
    lines, _ = split_block(build_response_block(response))
    assert lines[1:] == [
        b"Date: d",
        b"X-Orig-Content-Length: 100000",
        b"Content-Length: 3",
        b"Content-Type: text/plain",
    ]


def test_content_encoding_and_gzip_body_are_untouched() -> None:
    body = gzip.compress(b"<html>" + b"x" * 500 + b"</html>", mtime=0)
    headers = [(b"Content-Encoding", b"gzip"), (b"Content-Length", str(len(body)).encode())]
    lines, stored = split_block(build_response_block(CapturedResponse(200, headers=headers, body=body)))
    assert header_values(lines, b"Content-Encoding") == [b"gzip"]
    assert stored == body
    assert stored[:2] == b"\x1f\x8b"


def test_repeated_set_cookie_headers_are_all_kept_in_order() -> None:
    headers = [(b"Set-Cookie", b"a=1; Path=/"), (b"Content-Type", b"text/html"), (b"Set-Cookie", b"b=2")]
    lines, _ = split_block(build_response_block(CapturedResponse(200, headers=headers, body=b"")))
    assert header_values(lines, b"Set-Cookie") == [b"a=1; Path=/", b"b=2"]


def test_binary_non_utf8_body_survives() -> None:
    body = bytes(range(256)) + b"\xff\xfe\r\n\r\n\x00"
    response = CapturedResponse(200, headers=[(b"Content-Type", b"application/octet-stream")], body=body)
    block = build_response_block(response)
    assert block.endswith(body)
    assert build_response_head(response) + body == block


def test_non_ascii_header_bytes_are_written_verbatim() -> None:
    headers = [(b"Content-Disposition", "attachment; filename=café.txt".encode())]
    lines, _ = split_block(build_response_block(CapturedResponse(200, headers=headers, body=b"")))
    assert header_values(lines, b"Content-Disposition") == ["attachment; filename=café.txt".encode()]


def test_newlines_inside_header_values_cannot_break_the_block() -> None:
    headers = [(b"X-Evil", b"a\r\nInjected: yes")]
    lines, _ = split_block(build_response_block(CapturedResponse(200, headers=headers, body=b"")))
    assert header_values(lines, b"Injected") == []
    assert header_values(lines, b"X-Evil") == [b"a Injected: yes"]


@pytest.mark.parametrize(
    ("status", "method"),
    [(304, "GET"), (204, "GET"), (200, "HEAD")],
)
def test_bodyless_responses_keep_their_content_length(status: int, method: str) -> None:
    headers = [(b"Content-Length", b"1234"), (b"Transfer-Encoding", b"chunked")]
    lines, body = split_block(build_response_block(CapturedResponse(status, headers=headers), method))
    assert body == b""
    assert header_values(lines, b"Content-Length") == [b"1234"]
    assert header_values(lines, b"X-Orig-Transfer-Encoding") == [b"chunked"]


def test_304_without_content_length_gets_none_added() -> None:
    lines, _ = split_block(build_response_block(CapturedResponse(304, headers=[(b"ETag", b'"x"')])))
    assert header_values(lines, b"Content-Length") == []


def test_response_head_parses_back_with_warcio() -> None:
    response = CapturedResponse(
        200,
        None,
        "h2",
        [(b"Content-Type", b"text/html"), (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2")],
        b"hi",
    )
    parsed = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"]).parse(BytesIO(build_response_head(response)))
    assert parsed.protocol == "HTTP/1.1"
    assert parsed.statusline == "200 OK"
    assert parsed.headers == [
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", "2"),
    ]


_header_names = st.sampled_from(
    [b"Content-Length", b"content-length", b"Transfer-Encoding", b"Content-Type", b"Set-Cookie", b"X-Other"]
)
_header_values = st.one_of(st.integers(0, 99).map(lambda n: str(n).encode()), st.sampled_from([b"chunked", b"x"]))


@given(
    headers=st.lists(st.tuples(_header_names, _header_values), max_size=8),
    body=st.binary(max_size=50),
)
def test_policy_never_lies_about_the_stored_body(headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    result = response_headers(headers, len(body))
    lengths = [value for name, value in result if name.lower() == b"content-length"]
    assert lengths
    assert all(value.strip() == str(len(body)).encode() for value in lengths)
    assert not [name for name, _ in result if name.lower() == b"transfer-encoding"]
    # Nothing received is lost: every header is either kept or kept under the X-Orig- prefix.
    originals = [(n.lower(), v) for n, v in headers]
    kept = [(n.lower().removeprefix(b"x-orig-"), v) for n, v in result]
    for pair in originals:
        assert pair in kept


# -- Capture ---------------------------------------------------------------------------------------------


def test_capture_requires_an_aware_date_and_stores_utc() -> None:
    request, response = CapturedRequest("GET", "http://example.com/"), CapturedResponse(200)
    with pytest.raises(ValueError, match="timezone-aware"):
        Capture(request, response, datetime(2024, 1, 1, 12, 0))  # noqa: DTZ001 - deliberately naive
    plus_two = timezone(timedelta(hours=2))
    capture = Capture(request, response, datetime(2024, 1, 1, 12, 0, tzinfo=plus_two))
    assert capture.date == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    assert capture.date.tzinfo is UTC
