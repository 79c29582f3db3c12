"""Behaviours that answer every HTML page and feed of the blog in a content coding: br, zstd, or stacks.

Each compresses with the libraries Scrapy itself decodes with (Google's Brotli as the archiver loads it, and
``compression.zstd`` or ``backports.zstd``). :func:`encode` is shared with the unit tests.
"""

from __future__ import annotations

import gzip
import sys
import zlib

from archiver import httputil
from tests.hostile.server import Handler, behaviour

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

#: media types of what the archiver parses (HTML pages, feeds, sitemaps)
_TEXT_TYPES = ("text/html", "application/atom+xml", "application/rss+xml", "application/xml", "text/xml")


def _brotli(data: bytes) -> bytes:
    assert httputil._BROTLI is not None, "Google's Brotli is not installed"
    compressor = httputil._BROTLI.Compressor()
    return bytes(compressor.process(data) + compressor.finish())


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data)


_ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": _deflate,
    "br": _brotli,
    "zstd": zstd.compress,
    "identity": lambda data: data,
}


def encode(body: bytes, codings: list[str]) -> bytes:
    """Apply content codings in the order named (``["gzip", "br"]``: gzip first, then br)."""
    for coding in codings:
        body = _ENCODERS[coding](body)
    return body


def _answer_encoded(h: Handler, codings: list[str]) -> bool:
    page = h.blog_page()
    if page is None or page.status != 200 or not (page.content_type or "").startswith(_TEXT_TYPES):
        return False
    headers = [(name, value) for name, value in page.headers if name.lower() != "content-encoding"]
    body = page.body
    if any(name.lower() == "content-encoding" and value.strip().lower() == "gzip" for name, value in page.headers):
        body = gzip.decompress(body)  # the replica's own gzip, undone so that only these codings are applied
    headers.append(("Content-Encoding", ", ".join(codings)))
    headers.append(("Vary", "Accept-Encoding"))
    h.respond(200, encode(body, codings), content_type=page.content_type, headers=headers)
    return True


@behaviour("br_everywhere")
def br_everywhere(h: Handler) -> bool:
    """Every HTML page, feed and sitemap of the blog in ``Content-Encoding: br``."""
    return _answer_encoded(h, ["br"])


@behaviour("zstd_everywhere")
def zstd_everywhere(h: Handler) -> bool:
    """Every HTML page, feed and sitemap of the blog in ``Content-Encoding: zstd``."""
    return _answer_encoded(h, ["zstd"])


@behaviour("gzip_br_everywhere")
def gzip_br_everywhere(h: Handler) -> bool:
    """Every HTML page, feed and sitemap gzipped, then brotli'd: ``Content-Encoding: gzip, br``."""
    return _answer_encoded(h, ["gzip", "br"])
