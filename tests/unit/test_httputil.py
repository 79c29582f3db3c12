"""decode_content: every coding the crawler asks for, stacks of them, and bombs stopped at the limit; charsets."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from typing import TYPE_CHECKING

import pytest
from scrapy.downloadermiddlewares.httpcompression import ACCEPTED_ENCODINGS

from archiver import httputil
from archiver.httputil import (
    DEFAULT_DECODE_LIMIT,
    SUPPORTED_CODINGS,
    DecodeError,
    DecodeLimitExceeded,
    content_type_charset,
    decode_content,
    decode_html,
    header_codings,
)
from archiver.middlewares.limits import ACCEPT_ENCODING
from tests.hostile.behaviours_codings import encode, zstd

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

HTML = "<html><head><title>公民自由联盟 rally</title></head><body>".encode() + b"<p>post</p>" * 2000


def test_scrapy_asks_for_nothing_we_cannot_decode() -> None:
    scrapy_codings = {c.decode() for c in ACCEPTED_ENCODINGS}
    assert scrapy_codings <= SUPPORTED_CODINGS, scrapy_codings - SUPPORTED_CODINGS
    # and the crawler's own Accept-Encoding is exactly Scrapy's list (nothing dropped in this environment)
    assert ACCEPT_ENCODING == b", ".join(ACCEPTED_ENCODINGS)


@pytest.mark.parametrize("coding", [c.decode() for c in ACCEPTED_ENCODINGS] + ["x-gzip"])
def test_every_advertised_coding_round_trips(coding: str) -> None:
    assert decode_content(encode(HTML, [coding]), [coding]) == HTML


@pytest.mark.parametrize(
    "stack", [["gzip", "br"], ["br", "gzip"], ["deflate", "zstd"], ["zstd", "br", "gzip"], ["identity", "gzip"]]
)
def test_stacked_codings_are_undone_last_first(stack: list[str]) -> None:
    body = encode(HTML, stack)
    header = ", ".join(stack).encode()
    assert decode_content(body, header_codings([header])) == HTML


def test_header_codings_split_and_join_repeated_headers() -> None:
    assert header_codings([b"gzip, br", b" zstd "]) == ["gzip", "br", "zstd"]
    assert header_codings(["gzip,,br", ""]) == ["gzip", "br"]  # warcio gives text; empty items are no coding


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        ("text/html; charset=UTF-8", "utf-8"),
        ('text/html; charset="utf-8"', "utf-8"),
        (b"text/html;charset=gb2312", "gb18030"),  # as browsers read it: GBK-only characters are read too
        ("text/html; charset=GBK", "gb18030"),
        ("text/html; charset=big5", "big5hkscs"),
        ("text/html; charset=iso-8859-1", "cp1252"),
        ("text/html", None),
        ("text/html; charset=no-such-charset", None),
        ("text/html; charset=utf-7", None),  # a charset that turns ASCII into markup: never
        (None, None),
    ],
)
def test_content_type_charset_reads_labels_as_browsers_do(content_type: str | bytes | None, codec: str | None) -> None:
    assert content_type_charset(content_type) == codec


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        ("镕".encode("gbk"), "gb2312", "镕"),
        ('<meta charset="gbk"><p>镕'.encode("gbk"), None, '<meta charset="gbk"><p>镕'),
        # a label no browser knows counts as none: the <meta> charset is read
        ('<meta charset="gbk"><p>镕'.encode("gbk"), "no-such-charset", '<meta charset="gbk"><p>镕'),
        ("<p>é".encode(), None, "<p>é"),  # undeclared UTF-8
        (b"<p>\xff", "utf-8", "<p>\ufffd"),  # never an error
    ],
)
def test_decode_html(body: bytes, charset: str | None, text: str) -> None:
    assert decode_html(body, charset) == text


def test_several_gzip_members_and_zstd_frames_are_all_decoded() -> None:
    assert decode_content(gzip.compress(b"one ") + gzip.compress(b"two"), ["gzip"]) == b"one two"
    assert decode_content(zstd.compress(b"one ") + zstd.compress(b"two"), ["zstd"]) == b"one two"


def test_raw_deflate_without_zlib_wrapper() -> None:
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decode_content(raw.compress(HTML) + raw.flush(), ["deflate"]) == HTML


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_corrupt_body_raises_decode_error(coding: str) -> None:
    body = encode(HTML, [coding])
    broken = body[:8] + bytes(b ^ 0x5A for b in body[8:40]) + body[40:]
    with pytest.raises(DecodeError):
        decode_content(broken, [coding])


def test_unknown_coding_is_refused_by_name() -> None:
    with pytest.raises(DecodeError, match="'compress'"):
        decode_content(b"x", ["compress"])


def _zeros(total: int, step: int = 1 << 20) -> Iterator[bytes]:
    chunk = bytes(step)
    for _ in range(total // step):
        yield chunk


def _bomb(coding: str, total: int) -> bytes:
    """``total`` zero bytes compressed, built in 1 MiB steps (the bomb is never whole in memory)."""
    compressors: dict[str, Callable[[], tuple[Callable[[bytes], bytes], Callable[[], bytes]]]] = {
        "gzip": lambda: (lambda c: (c.compress, c.flush))(zlib.compressobj(9, zlib.DEFLATED, 31)),
        "deflate": lambda: (lambda c: (c.compress, c.flush))(zlib.compressobj(9)),
        "br": lambda: (lambda c: (c.process, c.finish))(httputil._BROTLI.Compressor(quality=5)),
        "zstd": lambda: (lambda c: (c.compress, lambda: c.flush()))(zstd.ZstdCompressor()),
    }
    feed, finish = compressors[coding]()
    return b"".join([*(feed(part) for part in _zeros(total)), finish()])


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_a_bomb_stops_at_the_limit_without_inflating(coding: str) -> None:
    bomb = _bomb(coding, 1 << 30)  # 1 GiB inflated
    limit = 4 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(DecodeLimitExceeded) as caught:
            decode_content(bomb, [coding], limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit == limit
    assert limit < caught.value.decoded <= limit + httputil.CHUNK_SIZE
    assert peak < limit + 8 * httputil.CHUNK_SIZE, peak  # never the 1 GiB, nor a copy of the bomb


def test_the_limit_holds_for_every_layer_of_a_stack() -> None:
    inner = gzip.compress(bytes(8 * 1024 * 1024), 9)  # 8 MiB of zeros in ~8 KB
    with pytest.raises(DecodeLimitExceeded):
        decode_content(encode(inner, ["br"]), ["gzip", "br"], 1024 * 1024)


def test_identity_body_over_the_limit_is_refused_too() -> None:
    with pytest.raises(DecodeLimitExceeded):
        decode_content(b"x" * 11, [], 10)
    assert decode_content(b"x" * 10, ["identity"], 10) == b"x" * 10


def test_a_truncated_stream_gives_what_it_decoded() -> None:
    body = gzip.compress(HTML)
    assert HTML.startswith(decode_content(body[: len(body) // 2], ["gzip"]))


def test_default_limit_is_the_settings_default() -> None:
    from archiver import settings

    assert settings.ARCHIVER_LIMITS_DECODED_SIZE == DEFAULT_DECODE_LIMIT
