"""Record raw Scrapy responses into WARC files through ``archiver.warc`` (settings ARCHIVER_WARC_*)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from archiver import __version__
from archiver import signals as archiver_signals
from archiver.blogger.discover import Discovered, extract
from archiver.blogger.urls import NEVER_PARSED_KINDS, classify
from archiver.downloader import HEADERS_KEY, REASON_KEY, TLS_KEY
from archiver.errors import ConfigError
from archiver.httputil import DEFAULT_DECODE_LIMIT, DecodeError, decode_content, header_codings
from archiver.incremental import CARRY_CONTENT_TYPE
from archiver.layout import check_folder
from archiver.middlewares.limits import DECODE_LIMIT_KEY
from archiver.middlewares.timing import fetch_timing, stamp_headers_received
from archiver.records import tamper
from archiver.records.extract import ExtractError, Page, read_page
from archiver.tlsinfo import CHAIN_CONTENT_TYPE, TlsSession, chain_fields, metadata_annotations
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcError, WarcFileWriter, mend_directory
from archiver.warc.dedup import DedupIndex
from archiver.warc.writer import RevisitOf, new_record_id, payload_digest, utc_now

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import Settings

    from archiver.incremental import Carry
    from archiver.warc import CaptureLocation

logger = logging.getLogger(__name__)

#: ARCHIVER_DEDUP_REVISITS values: store every payload, refer to the same URL's, or to any URL's
REVISIT_MODES = ("off", "url", "any")
DISCOVERED_KEY = "archiver_discovered"
DONT_ARCHIVE_KEY = "archiver_dont_archive"
#: request headers that never reach the origin server (the proxy consumes them)
_NOT_SENT_TO_ORIGIN = frozenset({b"proxy-authorization", b"proxy-connection"})
#: Scrapy response flags that mean the body was cut, and the WARC-Truncated reason for each
_TRUNCATION_FLAGS = {"dataloss": "disconnect", "partial": "unspecified"}


def _header_pairs(headers: Any, skip: frozenset[bytes] = frozenset()) -> list[tuple[bytes, bytes]]:
    """Scrapy ``Headers`` as ordered (name, value) pairs, one pair per value (repeated headers kept)."""
    return [(name, value) for name, values in headers.items() for value in values if name.lower() not in skip]


def captured_request(request: Request) -> CapturedRequest:
    """The request as the origin received it: no proxy credentials; the WARC layer adds Host, origin-form."""
    return CapturedRequest(
        request.method, request.url, _header_pairs(request.headers, _NOT_SENT_TO_ORIGIN), request.body or b""
    )


def captured_response(response: Response, meta: Mapping[str, Any] | None = None) -> CapturedResponse:
    """The response as received: still content-encoded body, real protocol, reason phrase and peer address.

    ``meta`` is the request's: when the download handler (:mod:`archiver.downloader`) recorded the reason
    phrase and the header lines as received there, those are stored; otherwise Scrapy's headers and the
    standard phrase of the status.
    """
    truncated = next((_TRUNCATION_FLAGS[f] for f in response.flags if f in _TRUNCATION_FLAGS), None)
    ip = str(response.ip_address) if response.ip_address is not None else None
    meta = meta or {}
    raw_headers = meta.get(HEADERS_KEY)
    headers = list(raw_headers) if raw_headers is not None else _header_pairs(response.headers)
    reason = meta.get(REASON_KEY)
    tls = meta.get(TLS_KEY)
    return CapturedResponse(
        status=response.status,
        reason=reason if isinstance(reason, str) else None,
        protocol=response.protocol,
        headers=headers,
        body=response.body,
        ip_address=ip,
        truncated=truncated,
        tls_protocol=tls.protocol if isinstance(tls, TlsSession) else None,
        tls_cipher=tls.cipher_suite if isinstance(tls, TlsSession) else None,
    )


def discover_raw(request: Request, response: Response) -> Discovered | None:
    """Links of a raw (still content-encoded) response: decode a copy to read it; None when unreadable.

    Requisites that are never parsed (images, scripts, fonts: not stylesheets) are not decoded; the rest is
    decoded within the request's ``archiver_decode_limit`` (ARCHIVER_LIMITS_DECODED_SIZE): a body past it
    gives no links here, and the decompression middleware at 590 counts it as a give-up.
    """
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    if not content_type or not response.body:
        return None
    if (request.meta.get("archiver_kind") or classify(request.url)) in NEVER_PARSED_KINDS:
        return None
    limit = int(request.meta.get(DECODE_LIMIT_KEY, DEFAULT_DECODE_LIMIT))
    try:
        body = decode_content(response.body, header_codings(response.headers.getlist(b"Content-Encoding")), limit)
    except DecodeError as exc:
        logger.debug("Cannot read links of %s: %s", request.url, exc)
        return None
    return extract(request.url, content_type, body)


class WarcRecorderMiddleware:
    """Write request, response and metadata records of every download to rolling WARC files.

    Reads ARCHIVER_WARC_ENABLED, ARCHIVER_WARC_DIR, ARCHIVER_WARC_PREFIX, ARCHIVER_WARC_MAX_SIZE,
    ARCHIVER_WARC_FSYNC, ARCHIVER_WARC_MEND_ON_START, ARCHIVER_DEDUP_REVISITS and ARCHIVER_DEDUP_INDEX
    (a payload an earlier crawl archived is written as a revisit record), and for warcinfo ARCHIVER_CONTACT,
    ARCHIVER_CRAWL_ID, ARCHIVER_PROFILE, ROBOTSTXT_OBEY, USER_AGENT and the politeness settings (the folder,
    prefix, crawl id and User-Agent as :mod:`archiver.layout` filled them in). A core component: switched off it answers
    ``NotConfigured``; switched on with an empty or unwritable ARCHIVER_WARC_DIR or a non-positive
    ARCHIVER_WARC_MAX_SIZE it raises ConfigError naming the setting, and the crawl does not start (Scrapy would
    run on without any WARC after a ``NotConfigured``). Placed at 950 it sees every
    response before decompression, redirects and the HTTP cache; responses flagged ``cached`` and requests
    with ``archiver_dont_archive`` in meta are not recorded. Counts ``archiver/warc/records``,
    ``archiver/warc/bytes``, ``archiver/warc/files``.
    """

    def __init__(
        self,
        crawler: Crawler,
        *,
        clock: Callable[[], datetime] = utc_now,
        id_factory: Callable[[], str] = new_record_id,
    ) -> None:
        """Read the settings once and prepare (not open) the writer; raises ConfigError naming a bad setting."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WARC_ENABLED"):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is false")
        directory = settings.get("ARCHIVER_WARC_DIR")
        if directory is None:
            raise ConfigError("ARCHIVER_WARC_DIR is not set (archiver.layout fills it in for a crawl of a blog)")
        if not str(directory).strip():
            raise ConfigError(
                "ARCHIVER_WARC_DIR is empty: leave it unset for CRAWL_DIR/warc, or name a folder "
                "(ARCHIVER_WARC_ENABLED=False crawls without WARC files)"
            )
        check_folder(Path(directory), "ARCHIVER_WARC_DIR")
        try:
            max_size = settings.getint("ARCHIVER_WARC_MAX_SIZE")
        except ValueError:
            raise ConfigError(
                f"ARCHIVER_WARC_MAX_SIZE {settings.get('ARCHIVER_WARC_MAX_SIZE')!r} is not a whole number of bytes"
            ) from None
        if max_size <= 0:
            raise ConfigError(f"ARCHIVER_WARC_MAX_SIZE must be a positive number of bytes, got {max_size}")
        self.crawler = crawler
        self.directory = Path(directory)
        self.mend_on_start = settings.getbool("ARCHIVER_WARC_MEND_ON_START")
        # a file name: the operator's prefix, else the blog's host folder (archiver.layout)
        prefix = settings.get("ARCHIVER_WARC_PREFIX") or "archiver"
        self.writer = WarcFileWriter(
            self.directory,
            prefix,
            max_size=max_size,
            warcinfo=warcinfo_fields(settings, crawler.spider),
            clock=clock,
            id_factory=id_factory,
            fsync=settings.getbool("ARCHIVER_WARC_FSYNC"),
        )
        self.files: set[str] = set()
        self._closed_announced = 0  # how many of writer.files_written were sent as warc_closed
        self.failed = False
        self.revisits = str(settings.get("ARCHIVER_DEDUP_REVISITS") or "off").strip().lower()
        if self.revisits not in REVISIT_MODES:
            raise ConfigError(
                f"ARCHIVER_DEDUP_REVISITS {settings.get('ARCHIVER_DEDUP_REVISITS')!r}: choose one of "
                + ", ".join(REVISIT_MODES)
            )
        index = settings.get("ARCHIVER_DEDUP_INDEX")
        self.index_path = Path(index) if index and self.revisits != "off" else None
        self.index: DedupIndex | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware and connect it to the crawl's signals."""
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(stamp_headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.carry_forward, signal=archiver_signals.carry_forward)
        return middleware

    @property
    def stats(self) -> Any:
        """The crawler's stats collector."""
        return self.crawler.stats

    def spider_opened(self, spider: Spider) -> None:
        """Open the blog's dedup index for revisits; mend ``.open`` files a killed crawl left, and report them."""
        if self.index_path is not None and self.index_path.is_file():
            try:
                self.index = DedupIndex(self.index_path.parent, self.index_path)
            except WarcError as exc:
                logger.warning("Every payload is stored in full: %s", exc)
        elif self.index_path is not None:
            logger.info("No dedup index at %s yet: every payload is stored in full", self.index_path)
        if not self.mend_on_start or not self.directory.is_dir():
            return
        try:
            results = mend_directory(self.directory)
        except WarcError as exc:
            logger.error("Cannot mend the WARC files in %s: %s", self.directory, exc)
            self.stats.inc_value("archiver/warc/mend_errors")
            return
        for result in results:
            logger.warning(
                "Mended %s left by an interrupted crawl: kept %d records, cut %d bytes -> %s",
                result.original.name,
                result.records_kept,
                result.bytes_cut,
                result.path.name if result.path else "removed (nothing complete)",
            )
        if results:
            self.stats.set_value("archiver/warc/mended", len(results))
            self.crawler.signals.send_catch_log(signal=archiver_signals.warcs_mended, results=results)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the current file, renaming it from ``.open`` to its final name."""
        if self.index is not None:
            self.index.close()
            self.index = None
        try:
            self.writer.close()
        except OSError as exc:
            logger.error("Cannot close WARC file %s: %s", self.writer.current_path, exc)
        self._announce_closed()

    def _announce_closed(self) -> None:
        """Send ``warc_closed`` for each file the writer closed since the last call (rollover, the end)."""
        for path in self.writer.files_written[self._closed_announced :]:
            self._closed_announced += 1
            self.crawler.signals.send_catch_log(signal=archiver_signals.warc_closed, path=path)

    def process_response(self, request: Request, response: Response) -> Response:
        """Record the exchange, share the links found with the spider, and pass the response on."""
        if "cached" in response.flags or request.meta.get(DONT_ARCHIVE_KEY) or self.failed:
            self.stats.inc_value("archiver/warc/skipped")
            return response
        discovered = discover_raw(request, response)
        outlinks = discovered.outlinks if discovered is not None else []
        location_header = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location_header:
            outlinks = [urljoin(request.url, location_header.decode("latin-1").strip()), *outlinks]
        if discovered is not None and 200 <= response.status < 300:
            request.meta[DISCOVERED_KEY] = discovered
        start, duration = fetch_timing(request)
        tls_lines = self._tls_evidence(request, start)
        if tls_lines is None:
            return response
        page = self._read_page(request, response)
        capture = Capture(
            request=captured_request(request),
            response=captured_response(response, request.meta),
            date=start,
            fetch_duration_s=duration,
            outlinks=outlinks,
            via=request.meta.get("archiver_via"),
            hop=request.meta.get("archiver_hop"),
            annotations=tls_lines + tamper.metadata_lines(page.flags if page is not None else ()),
        )
        self._write(capture, request, response, self._revisit_of(request.url, response), page)
        return response

    def _read_page(self, request: Request, response: Response) -> Page | None:
        """A 2xx HTML page of the blog parsed once and scanned for tamper flags (counted), or None.

        The same :class:`Page` goes with the ``capture_written`` signal, so the records extraction reads it
        without parsing it again. Counts ``archiver/tamper/pages`` (pages scanned), ``archiver/tamper/flagged``
        (pages with a flag) and ``archiver/tamper/flags/<kind>``.
        """
        limit = int(request.meta.get(DECODE_LIMIT_KEY, DEFAULT_DECODE_LIMIT))
        try:
            page = read_page(
                request.url, _header_pairs(response.headers), response.body, status=response.status, limit=limit
            )
        except ExtractError as exc:
            logger.debug("Not scanned for tamper flags: %s", exc)
            return None
        if page is not None:
            self.stats.inc_value("archiver/tamper/pages")
            if page.flags:
                self.stats.inc_value("archiver/tamper/flagged")
                logger.warning(
                    "Tamper flags on %s: %s",
                    request.url,
                    ", ".join(f"{f.kind} {f.host or ''}".strip() for f in page.flags),
                )
            for flag in page.flags:
                self.stats.inc_value(f"archiver/tamper/flags/{flag.kind}")
        return page

    def _tls_evidence(self, request: Request, when: datetime) -> tuple[tuple[str, str], ...] | None:
        """The metadata lines of an https capture's TLS session, its chain stored once in the current file.

        Returns ``()`` for plain http, None when the chain record could not be written (the crawl stops).
        """
        tls = request.meta.get(TLS_KEY)
        if not isinstance(tls, TlsSession):
            return ()
        record_id = None
        if tls.chain_urn is not None:
            records_before, bytes_before = self.writer.records_written, self.writer.bytes_written
            try:
                record_id = self.writer.metadata_once_per_file(
                    tls.chain_urn, chain_fields(tls.chain), content_type=CHAIN_CONTENT_TYPE, when=when
                )
            except (WarcError, OSError) as exc:
                self.failed = True
                logger.error("Cannot write the TLS chain of %s, stopping the crawl: %s", request.url, exc)
                self.stats.inc_value("archiver/warc/errors")
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_write_error"))
                return None
            self.stats.inc_value("archiver/warc/records", self.writer.records_written - records_before)
            self.stats.inc_value("archiver/warc/bytes", self.writer.bytes_written - bytes_before)
        return metadata_annotations(tls, record_id)

    def _revisit_of(self, url: str, response: Response) -> RevisitOf | None:
        """The earlier capture with this payload (same URL, or any with ``any``), when there is one to refer to.

        Only complete 200 responses with a body are candidates (an empty payload is never deduplicated: every
        304 and empty answer would share its digest), and the original's WARC file must still be there.
        """
        if self.index is None or response.status != 200 or not response.body or response.flags:
            return None
        digest = payload_digest(response.body)
        try:
            found = self.index.original(url, digest)
            if found is None and self.revisits == "any":
                found = self.index.original_any(digest)
        except WarcError as exc:
            logger.warning("Dedup index lookup failed, storing %s in full: %s", url, exc)
            return None
        if found is None or not (self.index.blog_dir / found.file).is_file():
            return None
        self.stats.inc_value("archiver/warc/revisits")
        self.stats.inc_value("archiver/warc/revisit_bytes_saved", len(response.body))
        return RevisitOf(found.url, found.date, found.record_id)

    def _write(
        self,
        capture: Capture,
        request: Request,
        response: Response,
        revisit_of: RevisitOf | None = None,
        page: Page | None = None,
    ) -> None:
        """Write one capture, count it, announce it (with its parsed ``page``); on a write error stop the crawl."""
        records_before, bytes_before = self.writer.records_written, self.writer.bytes_written
        try:
            location: CaptureLocation = self.writer.write_capture(capture, revisit_of=revisit_of)
        except (WarcError, OSError) as exc:
            self.failed = True
            logger.error("Cannot write WARC records for %s, stopping the crawl: %s", request.url, exc, exc_info=True)
            self.stats.inc_value("archiver/warc/errors")
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_write_error"))
            return
        self.stats.inc_value("archiver/warc/records", self.writer.records_written - records_before)
        self.stats.inc_value("archiver/warc/bytes", self.writer.bytes_written - bytes_before)
        if location.filename not in self.files:
            self.files.add(location.filename)
            self.stats.inc_value("archiver/warc/files")
        self.crawler.signals.send_catch_log(
            signal=archiver_signals.capture_written, location=location, request=request, response=response, page=page
        )
        self._announce_closed()

    def carry_forward(self, carry: Carry, **_: Any) -> None:
        """Write an incremental crawl's decision to carry a known post's earlier captures (a metadata record)."""
        if self.failed:
            return
        first = next((c for c in carry.captures if c.role in ("post_page", "mobile_page")), None)
        try:
            filename, location = self.writer.write_metadata(
                carry.url,
                carry.to_json(),
                content_type=CARRY_CONTENT_TYPE,
                when=self.writer.clock(),
                refers_to=first.record_id if first is not None else None,
            )
        except (WarcError, OSError) as exc:
            self.failed = True
            logger.error("Cannot write the carry record of %s, stopping the crawl: %s", carry.url, exc)
            self.stats.inc_value("archiver/warc/errors")
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_write_error"))
            return
        self.stats.inc_value("archiver/warc/records")
        self.stats.inc_value("archiver/warc/bytes", location.length)
        if filename not in self.files:
            self.files.add(filename)
            self.stats.inc_value("archiver/warc/files")
        self.crawler.signals.send_catch_log(
            signal=archiver_signals.carry_written, carry=carry, filename=filename, location=location
        )
        self._announce_closed()


def warcinfo_fields(settings: Settings, spider: Spider | None) -> dict[str, str]:
    """The crawl's description for every warcinfo record: operator, robots policy, seed, settings."""
    import scrapy

    obey = settings.getbool("ROBOTSTXT_OBEY")
    seed = getattr(spider, "start_url", None)
    contact = settings.get("ARCHIVER_CONTACT") or ""
    fields = {
        "operator": contact,
        "isPartOf": settings.get("ARCHIVER_CRAWL_ID") or "",
        "description": f"Blogger blog archived by blogspot-archiver {__version__}" + (f" from {seed}" if seed else ""),
        "robots": "obey" if obey else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT") or "",
        "scrapy-version": scrapy.__version__,
        "crawl-profile": settings.get("ARCHIVER_PROFILE") or "",
        "crawl-settings": (
            f"AUTOTHROTTLE_ENABLED={settings.getbool('AUTOTHROTTLE_ENABLED')} "
            f"DOWNLOAD_DELAY={settings.getfloat('DOWNLOAD_DELAY')} "
            f"CONCURRENT_REQUESTS_PER_DOMAIN={settings.getint('CONCURRENT_REQUESTS_PER_DOMAIN')} "
            f"RETRY_TIMES={settings.getint('RETRY_TIMES')} "
            f"ARCHIVER_WARC_MAX_SIZE={settings.getint('ARCHIVER_WARC_MAX_SIZE')}"
        ),
    }
    return {key: value for key, value in fields.items() if value}
