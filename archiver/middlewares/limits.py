"""Bounded memory: size limits per kind of URL, and decompression that never inflates a bomb (ARCHIVER_LIMITS_*).

Scrapy holds a body in memory while it downloads and again while HttpCompressionMiddleware decodes it, so
both are capped, per kind of URL, because a Blogger blog's documents (HTML pages, feeds, sitemaps,
robots.txt, stylesheets) are far smaller than its files (image originals, scripts, fonts):

- **on the wire**: :class:`SizeLimitsMiddleware` sets Scrapy's per-request ``download_maxsize`` and
  ``download_warnsize`` meta keys, which the HTTP/1.1 download handler enforces while the body streams in: a
  ``Content-Length`` over the limit is refused before the body is read, and a body without one is cut as soon
  as it passes the limit. Either way the handler aborts the connection and raises
  ``DownloadCancelledError``; this middleware turns that into ``GaveUp("size_limit")``, so it is counted in
  ``archiver/gave_up/size_limit``, warned about with the URL, and makes the crawl exit 3. Nothing of such a
  response is archived (no response exists).
- **decoded**: :class:`LimitedHttpCompressionMiddleware` replaces Scrapy's HttpCompressionMiddleware at 590.
  It decodes with :func:`archiver.httputil.decode_content` (every coding it asks for, streamed, stopped at
  ``ARCHIVER_LIMITS_DECODED_SIZE``); a body that would decode past the limit becomes
  ``GaveUp("decoded_size_limit")``. The raw response was already archived by the WARC recorder at 950,
  which sees it before decompression: it is what the server sent. It is not parsed. Requisites that are
  never parsed (images, scripts, fonts, icons, other assets: not stylesheets) are not decompressed at all.

It asks only for codings it can undo: ``Accept-Encoding`` lists Scrapy's codings that
:data:`archiver.httputil.SUPPORTED_CODINGS` has.

The meta key ``archiver_decode_limit`` carries the decoded limit to every reader of the raw body below this
middleware (link discovery in the WARC recorder).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.httpcompression import ACCEPTED_ENCODINGS, HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import TextResponse
from scrapy.responsetypes import responsetypes

from archiver.blogger.urls import NEVER_PARSED_KINDS, PAGE_KINDS, STRUCTURE_KINDS, classify
from archiver.giveup import GaveUp
from archiver.httputil import SUPPORTED_CODINGS, DecodeError, DecodeLimitExceeded, decode_content, header_codings

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

DECODE_LIMIT_KEY = "archiver_decode_limit"
#: kinds read as documents (HTML pages, feeds, sitemaps, robots.txt, CSS): the document size limit; requisites
#: that are never parsed (:data:`archiver.blogger.urls.NEVER_PARSED_KINDS`) are not decompressed at all
DOCUMENT_KINDS: frozenset[str] = PAGE_KINDS | STRUCTURE_KINDS | {"css"}
#: what Accept-Encoding asks for: Scrapy's list, less any coding our decoder cannot undo
ACCEPT_ENCODING: bytes = b", ".join(c for c in ACCEPTED_ENCODINGS if c.decode() in SUPPORTED_CODINGS)


def request_kind(request: Request) -> str:
    """The kind of URL a request fetches: the spider's ``archiver_kind``, else what the URL looks like."""
    return str(request.meta.get("archiver_kind") or classify(request.url))


def _positive(crawler: Crawler, name: str) -> int:
    value = crawler.settings.getint(name)
    if value <= 0:
        raise ValueError(f"{name} must be a positive number of bytes, got {value}")
    return value


class SizeLimitsMiddleware:
    """Per-kind download limits, enforced while streaming; an oversized download is a ``size_limit`` give-up.

    Reads ARCHIVER_LIMITS_DOCUMENT_SIZE, ARCHIVER_LIMITS_FILE_SIZE, ARCHIVER_LIMITS_DOCUMENT_WARN_SIZE,
    ARCHIVER_LIMITS_FILE_WARN_SIZE and ARCHIVER_LIMITS_DECODED_SIZE (passed on in ``archiver_decode_limit``).
    A request that already carries ``download_maxsize``/``download_warnsize`` keeps them. A core component:
    a limit that is not a positive number stops the crawl with an error naming the setting.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the limits once."""
        self.crawler = crawler
        self.document_size = _positive(crawler, "ARCHIVER_LIMITS_DOCUMENT_SIZE")
        self.file_size = _positive(crawler, "ARCHIVER_LIMITS_FILE_SIZE")
        self.document_warn_size = _positive(crawler, "ARCHIVER_LIMITS_DOCUMENT_WARN_SIZE")
        self.file_warn_size = _positive(crawler, "ARCHIVER_LIMITS_FILE_WARN_SIZE")
        self.decoded_size = _positive(crawler, "ARCHIVER_LIMITS_DECODED_SIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def limits(self, kind: str) -> tuple[int, int]:
        """(download limit, warning size) in bytes for a kind of URL."""
        if kind in DOCUMENT_KINDS:
            return self.document_size, self.document_warn_size
        return self.file_size, self.file_warn_size

    def process_request(self, request: Request) -> None:
        """Put the kind's limits into the request's meta, where the download handler and decoders read them."""
        maxsize, warnsize = self.limits(request_kind(request))
        request.meta.setdefault("download_maxsize", maxsize)
        request.meta.setdefault("download_warnsize", warnsize)
        request.meta.setdefault(DECODE_LIMIT_KEY, self.decoded_size)

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Turn the handler's cancellation of an oversized download into ``GaveUp("size_limit")``.

        Scrapy's HTTP/1.1 handler raises ``DownloadCancelledError`` for a download it cut at
        ``download_maxsize`` (its timeouts are ``DownloadTimeoutError``), so with the limit in meta that is
        what the error means.
        """
        limit = request.meta.get("download_maxsize")
        if isinstance(exception, DownloadCancelledError) and limit:
            raise GaveUp(
                "size_limit",
                f"body larger than the download limit of {limit} bytes for a {request_kind(request)} URL; not archived",
            ) from exception


class LimitedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware with per-request decoded limits, every coding asked for, no bombs.

    Decodes with :func:`archiver.httputil.decode_content` under the request's ``archiver_decode_limit``
    (ARCHIVER_LIMITS_DECODED_SIZE; Scrapy's DOWNLOAD_MAXSIZE without it); a body past it raises
    ``GaveUp("decoded_size_limit")``. Responses of kinds that are never parsed pass through still encoded.
    A body that cannot be decoded (corrupt) passes through still encoded, counted in
    ``archiver/decode/errors`` and warned about: the WARC has it as sent. Counts Scrapy's
    ``httpcompression/*`` stats and ``archiver/decode/skipped`` (requisites left encoded).
    """

    def process_request(self, request: Request) -> None:  # type: ignore[override]
        """Ask only for the codings both Scrapy and :mod:`archiver.httputil` can undo."""
        request.headers.setdefault("Accept-Encoding", ACCEPT_ENCODING)

    def process_response(self, request: Request, response: Response) -> Response:  # type: ignore[override]
        """Decode the body for the spider, within the limit; leave never-parsed requisites as they are."""
        if request.method == "HEAD":
            return response
        codings = header_codings(response.headers.getlist(b"Content-Encoding"))
        if not codings:
            return response
        kind = request_kind(request)
        if kind in NEVER_PARSED_KINDS:
            if self.stats:
                self.stats.inc_value("archiver/decode/skipped")
            return response
        keep = list(codings)
        undo: list[str] = []
        while keep and keep[-1].strip().lower() in SUPPORTED_CODINGS:  # the codings applied last come off
            undo.insert(0, keep.pop())
        if not undo:
            logger.warning("Cannot decode %s: unsupported content coding(s) %s", response.url, ", ".join(keep))
            return response
        limit = int(request.meta.get(DECODE_LIMIT_KEY, self._max_size))
        try:
            body = decode_content(response.body, undo, limit)
        except DecodeLimitExceeded as exc:
            raise GaveUp(
                "decoded_size_limit",
                f"{len(response.body)} bytes that decode to more than {limit} bytes ({exc.coding}): "
                f"archived as sent, not parsed",
            ) from exc
        except DecodeError as exc:
            if self.stats:
                self.stats.inc_value("archiver/decode/errors")
            logger.warning("Cannot decode %s (archived as sent, not parsed): %s", response.url, exc)
            return response
        warn_size = request.meta.get("download_warnsize", self._warn_size)
        if len(response.body) < warn_size <= len(body):
            logger.warning(
                "%s decodes to %d bytes, more than the warning size (%d bytes)", response.url, len(body), warn_size
            )
        if self.stats:
            self.stats.inc_value("httpcompression/response_bytes", len(body))
            self.stats.inc_value("httpcompression/response_count")
        respcls = responsetypes.from_args(headers=response.headers, url=response.url, body=body)
        kwargs: dict[str, Any] = {"body": body}
        if issubclass(respcls, TextResponse):
            kwargs["encoding"] = None  # as Scrapy: the encoding is read again from the decoded body
        decoded = response.replace(cls=respcls, **kwargs)
        if keep:
            decoded.headers[b"Content-Encoding"] = ", ".join(keep).encode("latin-1")
        else:
            del decoded.headers[b"Content-Encoding"]
        return decoded
