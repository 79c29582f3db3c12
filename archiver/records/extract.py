"""The one extraction function: an archived HTTP response in, fragments of posts out.

The crawl calls it for every capture as it is written, and ``archiver extract`` for every response record of
a WARC, with the same arguments, so both give the same fragments. It never fetches anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.blogger.urls import FEED_KINDS, PAGE_KINDS, classify
from archiver.errors import ArchiverError
from archiver.httputil import (
    DEFAULT_DECODE_LIMIT,
    DecodeError,
    content_type_charset,
    decode_content,
    header_codings,
)
from archiver.records import feeds, html, tamper

if TYPE_CHECKING:
    from collections.abc import Iterable

    from archiver.records.model import Fragment, WarcPointer

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/atom+xml", "application/xml", "text/xml"})
_READ_KINDS = PAGE_KINDS | FEED_KINDS


class ExtractError(ArchiverError):
    """A capture cannot be read (its body does not decode with the content codings its headers name)."""


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def header_values(headers: Iterable[tuple[str | bytes, str | bytes]], name: str) -> list[str]:
    """Every value of a header, case-insensitively, as text."""
    wanted = name.lower()
    return [_text(value) for key, value in headers if _text(key).strip().lower() == wanted]


@dataclass(frozen=True, slots=True)
class Page:
    """An archived HTML page of the blog read once: its decoded body, charset, parsed tree and tamper flags.

    The crawl reads it before writing the capture (its flags go into the capture's metadata record) and hands
    the same object to :func:`extract_records`, so that the page is parsed once.
    """

    decoded: bytes
    charset: str | None
    parsed: html.Parsed
    flags: tuple[tamper.Flag, ...]


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def read_page(
    url: str,
    http_headers: Iterable[tuple[str | bytes, str | bytes]],
    body: bytes,
    *,
    status: int,
    limit: int = DEFAULT_DECODE_LIMIT,
    decoded: bytes | None = None,
    parsed: html.Parsed | None = None,
) -> Page | None:
    """A 2xx HTML page of the blog, parsed and scanned for tamper flags; None for any other response.

    Pages are posts, static pages, home, archives, labels and search (and a feed URL answering HTML).
    ``body`` is the payload as archived (still content-encoded), decoded here within ``limit`` bytes;
    a body that cannot be decoded raises :class:`ExtractError` naming the URL. ``decoded`` and ``parsed``:
    the body as the caller already decoded it and ``html.parse_html`` parsed it (the crawl reads a page once).
    """
    if not 200 <= status < 300 or not body or classify(url) not in _READ_KINDS:
        return None
    headers = list(http_headers)
    content_type = next(iter(header_values(headers, "content-type")), "")
    if _mime(content_type) not in HTML_TYPES:
        return None
    if decoded is None:
        try:
            decoded = decode_content(body, header_codings(header_values(headers, "content-encoding")), limit)
        except DecodeError as exc:
            raise ExtractError(f"cannot decode the body of {url}: {exc}") from exc
    charset = content_type_charset(content_type)
    if parsed is None:
        parsed = html.parse_html(decoded, charset)
    return Page(decoded, charset, parsed, tamper.scan(parsed.doc, url))


def extract_records(
    url: str,
    http_headers: Iterable[tuple[str | bytes, str | bytes]],
    body: bytes,
    *,
    fetched_at: str,
    source: WarcPointer,
    page: Page | None = None,
) -> list[Fragment]:
    """Fragments of the posts and static pages an archived response shows; [] for anything else.

    ``body`` is the payload as archived (still content-encoded); ``fetched_at`` its WARC-Date; ``source``
    where the response record is. Only 2xx Blogger HTML pages of the blog (posts, static pages, home,
    archives, labels, search) and Blogger Atom feeds give fragments. Malformed markup never raises; a body
    that cannot be decoded raises :class:`ExtractError` naming the URL. ``page``: the capture as
    :func:`read_page` already read it (read here when None); a post page's fragment carries its tamper flags.
    """
    if not 200 <= source.status < 300 or not body:
        return []
    kind = classify(url)
    if kind not in PAGE_KINDS and kind not in FEED_KINDS:
        return []
    headers = list(http_headers)
    content_type = next(iter(header_values(headers, "content-type")), "")
    mime = _mime(content_type)
    if mime not in HTML_TYPES and mime not in FEED_TYPES:
        return []
    if mime in HTML_TYPES:
        page = page if page is not None else read_page(url, headers, body, status=source.status)
        if page is None:
            return []
        return html.fragments(
            url,
            page.decoded,
            page.charset,
            fetched_at=fetched_at,
            source=source,
            parsed=page.parsed,
            flags=page.flags,
        )
    try:
        decoded = decode_content(body, header_codings(header_values(headers, "content-encoding")))
    except DecodeError as exc:
        raise ExtractError(f"cannot decode the body of {url}: {exc}") from exc
    return feeds.fragments(url, decoded, fetched_at=fetched_at, source=source)
