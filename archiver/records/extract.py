"""The one extraction function: an archived HTTP response in, fragments of posts out.

The crawl calls it for every capture as it is written, and ``archiver extract`` for every response record of
a WARC, with the same arguments, so both give the same fragments. It never fetches anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver.blogger.urls import FEED_KINDS, PAGE_KINDS, classify
from archiver.errors import ArchiverError
from archiver.httputil import DecodeError, content_type_charset, decode_content, header_codings
from archiver.records import feeds, html

if TYPE_CHECKING:
    from collections.abc import Iterable

    from archiver.records.model import Fragment, WarcPointer

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/atom+xml", "application/xml", "text/xml"})


class ExtractError(ArchiverError):
    """A capture cannot be read (its body does not decode with the content codings its headers name)."""


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def header_values(headers: Iterable[tuple[str | bytes, str | bytes]], name: str) -> list[str]:
    """Every value of a header, case-insensitively, as text."""
    wanted = name.lower()
    return [_text(value) for key, value in headers if _text(key).strip().lower() == wanted]


def extract_records(
    url: str,
    http_headers: Iterable[tuple[str | bytes, str | bytes]],
    body: bytes,
    *,
    fetched_at: str,
    source: WarcPointer,
) -> list[Fragment]:
    """Fragments of the posts and static pages an archived response shows; [] for anything else.

    ``body`` is the payload as archived (still content-encoded); ``fetched_at`` its WARC-Date; ``source``
    where the response record is. Only 2xx Blogger HTML pages of the blog (posts, static pages, home,
    archives, labels, search) and Blogger Atom feeds give fragments. Malformed markup never raises; a body
    that cannot be decoded raises :class:`ExtractError` naming the URL.
    """
    if not 200 <= source.status < 300 or not body:
        return []
    kind = classify(url)
    if kind not in PAGE_KINDS and kind not in FEED_KINDS:
        return []
    headers = list(http_headers)
    content_type = next(iter(header_values(headers, "content-type")), "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime not in HTML_TYPES and mime not in FEED_TYPES:
        return []
    try:
        decoded = decode_content(body, header_codings(header_values(headers, "content-encoding")))
    except DecodeError as exc:
        raise ExtractError(f"cannot decode the body of {url}: {exc}") from exc
    if mime in HTML_TYPES:
        return html.fragments(url, decoded, content_type_charset(content_type), fetched_at=fetched_at, source=source)
    return feeds.fragments(url, decoded, fetched_at=fetched_at, source=source)
