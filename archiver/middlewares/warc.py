"""Record raw Scrapy responses into WARC files through ``archiver.warc`` (settings ARCHIVER_WARC_*)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from archiver import __version__
from archiver import signals as archiver_signals
from archiver.blogger.discover import Discovered, extract, is_html, tree_links
from archiver.blogger.urls import FEED_KINDS, NEVER_PARSED_KINDS, PAGE_KINDS, classify
from archiver.downloader import HEADERS_KEY, REASON_KEY, TLS_KEY
from archiver.errors import ConfigError
from archiver.httputil import (
    DEFAULT_DECODE_LIMIT,
    DecodeError,
    content_type_charset,
    decode_content,
    header_codings,
)
from archiver.incremental import CARRY_CONTENT_TYPE
from archiver.layout import check_folder
from archiver.middlewares.limits import DECODE_LIMIT_KEY
from archiver.middlewares.timing import fetch_timing, stamp_headers_received
from archiver.records import html, tamper
from archiver.records.extract import HTML_TYPES, Page, extract_records, read_page
from archiver.records.model import WarcPointer
from archiver.tlsinfo import CHAIN_CONTENT_TYPE, TlsSession, chain_fields, metadata_annotations
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcError, WarcFileWriter, mend_directory
from archiver.warc.dedup import DedupIndex
from archiver.warc.writer import RevisitOf, new_record_id, payload_digest, utc_now, warc_date

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import Settings

    from archiver.incremental import Carry
    from archiver.records.model import Fragment
    from archiver.warc import CaptureLocation, RecordLocation

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: ARCHIVER_DEDUP_REVISITS values: store every payload, refer to the same URL's, or to any URL's
REVISIT_MODES = ("off", "url", "any")
DISCOVERED_KEY = "archiver_discovered"
DONT_ARCHIVE_KEY = "archiver_dont_archive"
#: request headers that never reach the origin server (the proxy consumes them)
_NOT_SENT_TO_ORIGIN = frozenset({b"proxy-authorization", b"proxy-connection"})
#: Scrapy response flags that mean the body was cut, and the WARC-Truncated reason for each
_TRUNCATION_FLAGS = {"dataloss": "disconnect", "partial": "unspecified"}
#: the URL kinds whose 2xx HTML answers are pages of the blog (read for records and tamper flags)
_PAGE_KINDS = PAGE_KINDS | FEED_KINDS


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


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


@dataclass(frozen=True, slots=True)
class Reading:
    """A response read once for the crawl: the links found (None when unreadable) and, for a page, its Page."""

    discovered: Discovered | None = None
    page: Page | None = None


def read_response(
    url: str, kind: str | None, headers: list[tuple[bytes, bytes]], body: bytes, *, status: int, limit: int
) -> Reading:
    """Decode a raw (still content-encoded) response once, parse it once, and read its links and its page.

    ``kind`` is the request's ``archiver_kind`` (else the URL's). Requisites that are never parsed (images,
    scripts, fonts: not stylesheets) are not decoded; the rest is decoded within ``limit``
    (ARCHIVER_LIMITS_DECODED_SIZE): a body past it gives no links and no page, and the decompression
    middleware at 590 counts it as a give-up. An HTML page is parsed by ``archiver.records.html.parse_html``;
    its links come from that tree, and a 2xx page of the blog is the :class:`Page` the records and the tamper
    scan read (:func:`archiver.records.extract.read_page`, handed the decoded body and the tree).
    """
    types = [value.decode("latin-1") for name, value in headers if name.lower() == b"content-type"]
    # as Scrapy's Headers read it (the last value) for links; as the WARC reader reads it (the first) for records
    links_type, page_type = (types[-1], types[0]) if types else ("", "")
    links_wanted = bool(links_type) and (kind or classify(url)) not in NEVER_PARSED_KINDS
    page_wanted = 200 <= status < 300 and classify(url) in _PAGE_KINDS and _mime(page_type) in HTML_TYPES
    if not body or not (links_wanted or page_wanted):
        return Reading()
    codings = header_codings([value for name, value in headers if name.lower() == b"content-encoding"])
    try:
        decoded = decode_content(body, codings, limit)
    except DecodeError as exc:
        logger.debug("Cannot read links of %s, not scanned for tamper flags: %s", url, exc)
        return Reading()
    page = None
    if page_wanted:
        charset = content_type_charset(page_type)
        parsed = html.parse_html(decoded, charset)
        page = read_page(url, headers, body, status=status, decoded=decoded, parsed=parsed)
    discovered = None
    if links_wanted:
        if page is not None and is_html(url, links_type) and content_type_charset(links_type) == page.charset:
            discovered = tree_links(url, page.parsed.doc, decoded)  # the records' tree: the page is parsed once
        else:
            discovered = extract(url, links_type, decoded)
    return Reading(discovered, page)


def discover_raw(request: Request, response: Response) -> Discovered | None:
    """Links of a raw (still content-encoded) response (:func:`read_response`); None when unreadable."""
    return read_response(
        request.url,
        request.meta.get("archiver_kind"),
        _header_pairs(response.headers),
        response.body,
        status=response.status,
        limit=int(request.meta.get(DECODE_LIMIT_KEY, DEFAULT_DECODE_LIMIT)),
    ).discovered


@dataclass(slots=True)
class _Outcome:
    """What the writer thread did with one capture, for the reactor to count and announce."""

    reading: Reading = field(default_factory=Reading)
    location: CaptureLocation | None = None
    skipped: bool = False  # an earlier write failed: nothing more is written
    error: BaseException | None = None
    error_of: str = ""  # "chain" or "capture": which write failed
    records: int = 0
    bytes: int = 0
    fragments: list[Fragment] | None = None  # the capture's post fragments, when extracted in the thread


async def _settled(future: Future[_T]) -> _T:
    """Wait for a writer-thread future without blocking the reactor (asyncio's loop, else Twisted's reactor)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a Twisted reactor without asyncio: a Deferred fired from the reactor thread
        from twisted.internet import reactor

        done: Deferred[_T] = Deferred()

        def settle(finished: Future[_T]) -> None:
            error = finished.exception()
            if error is not None:
                done.errback(error)
            else:
                done.callback(finished.result())

        future.add_done_callback(lambda finished: reactor.callFromThread(settle, finished))
        return await maybe_deferred_to_future(done)
    return await asyncio.wrap_future(future)


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

    Off the reactor, as warcprox's writer thread: each response is decoded and parsed once, its records
    gzipped, hashed and written, and its post fragments extracted, in one writer thread that takes the captures
    in the order they arrive (so the WARC's record order is theirs, a TLS chain record before the captures that
    name it). zlib, hashlib and lxml's parser release the GIL, so this work uses the second core. The reactor
    awaits each capture and only then counts it and sends ``capture_written`` (the record is on disk); carry
    records go through the same thread, waited for; ``spider_closed`` lets the thread finish before the file
    is closed. Only the writer thread touches the :class:`WarcFileWriter` once the crawl runs.
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
            store_compressed=settings.getbool("ARCHIVER_WARC_STORE_COMPRESSED"),
        )
        self.files: set[str] = set()
        # the one writer thread (created on the first capture): every write to self.writer happens in it, in order
        self._executor: ThreadPoolExecutor | None = None
        self._write_failed = False  # set in the writer thread: the captures queued after a failed write are skipped
        # extract each capture's post fragments in the writer thread, for the records extension
        self.extract_records = settings.getbool("ARCHIVER_POSTS_ENABLED")
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
        """Open the blog's dedup index for revisits; mend ``.open`` files a killed crawl left, and report them.

        Fragments are extracted in the writer thread only when the records extension is there to take them.
        """
        from archiver.pipelines.records import PostRecordsExtension

        self.extract_records = self.extract_records and self.crawler.get_extension(PostRecordsExtension) is not None
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
        """Let the writer thread write what it holds, then close the current file, renaming it from ``.open``."""
        self._drain()
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
            sha256, size = self.writer.file_digests.get(path, (None, None))
            self.crawler.signals.send_catch_log(
                signal=archiver_signals.warc_closed, path=path, sha256=sha256, size=size
            )

    async def process_response(self, request: Request, response: Response) -> Response:
        """Record the exchange in the writer thread, share the links found with the spider, pass the response on.

        The reading, the WARC records (compressed, hashed, written) and the post fragments are made in the one
        writer thread (:meth:`_archive`), in the order the responses arrive; the reactor waits for this capture
        without blocking, then counts it and sends ``capture_written`` once it is on disk.
        """
        if self._skips(request, response):
            return response
        job = self._job(request, response)
        outcome: _Outcome = await _settled(self._in_writer(self._archive, *job))
        self._finish(request, response, outcome)
        return response

    def record(self, request: Request, response: Response) -> Response:
        """:meth:`process_response` done in the calling thread, start to end (tests, tools without a reactor)."""
        if self._skips(request, response):
            return response
        self._finish(request, response, self._archive(*self._job(request, response)))
        return response

    def _skips(self, request: Request, response: Response) -> bool:
        """Tell (and count) whether a response is not recorded: cached, opted out, or after a write error."""
        if "cached" in response.flags or request.meta.get(DONT_ARCHIVE_KEY) or self.failed:
            self.stats.inc_value("archiver/warc/skipped")
            return True
        return False

    def _job(self, request: Request, response: Response) -> tuple[Any, ...]:
        """What the writer thread needs of one exchange, read on the reactor (the dedup index lives here)."""
        start, duration = fetch_timing(request)
        location_header = response.headers.get(b"Location")
        redirect = None
        if 300 <= response.status < 400 and location_header:
            redirect = urljoin(request.url, location_header.decode("latin-1").strip())
        capture = Capture(
            request=captured_request(request),
            response=captured_response(response, request.meta),
            date=start,
            fetch_duration_s=duration,
            via=request.meta.get("archiver_via"),
            hop=request.meta.get("archiver_hop"),
        )
        tls = request.meta.get(TLS_KEY)
        return (
            capture,
            request.meta.get("archiver_kind"),
            _header_pairs(response.headers),
            int(request.meta.get(DECODE_LIMIT_KEY, DEFAULT_DECODE_LIMIT)),
            redirect,
            tls if isinstance(tls, TlsSession) else None,
            self._revisit_of(request.url, response),
        )

    def _archive(
        self,
        capture: Capture,
        kind: str | None,
        headers: list[tuple[bytes, bytes]],
        limit: int,
        redirect: str | None,
        tls: TlsSession | None,
        revisit_of: RevisitOf | None,
    ) -> _Outcome:
        """Read, write and extract one capture (in the writer thread): touches the writer, never the crawler."""
        if self._write_failed:
            return _Outcome(skipped=True)
        url, response = capture.request.url, capture.response
        reading = read_response(url, kind, headers, response.body, status=response.status, limit=limit)
        outcome = _Outcome(reading)
        outlinks = reading.discovered.outlinks if reading.discovered is not None else []
        records_before, bytes_before = self.writer.records_written, self.writer.bytes_written
        try:
            outcome.error_of = "chain"
            tls_lines = self._tls_evidence(tls, capture.date)
            outcome.error_of = "capture"
            page = reading.page
            capture = replace(
                capture,
                outlinks=[redirect, *outlinks] if redirect else outlinks,
                annotations=tls_lines + tamper.metadata_lines(page.flags if page is not None else ()),
            )
            outcome.location = self.writer.write_capture(capture, revisit_of=revisit_of)
        except (WarcError, OSError) as exc:
            self._write_failed = True
            outcome.error = exc
        outcome.records = self.writer.records_written - records_before
        outcome.bytes = self.writer.bytes_written - bytes_before
        if outcome.location is not None and self.extract_records:
            outcome.fragments = self._fragments(outcome.location, headers, response.body, reading.page)
        return outcome

    def _fragments(
        self, location: CaptureLocation, headers: list[tuple[bytes, bytes]], body: bytes, page: Page | None
    ) -> list[Fragment] | None:
        """The post fragments of a capture just written, as the records extension would extract them.

        None when extraction fails: the extension then extracts it again itself, and counts and logs the error.
        """
        pointer = WarcPointer.from_location(location)
        try:
            return extract_records(
                location.url, headers, body, fetched_at=warc_date(location.date), source=pointer, page=page
            )
        except Exception:  # noqa: BLE001 - the records extension counts and logs it when it extracts again
            return None

    def _tls_evidence(self, tls: TlsSession | None, when: datetime) -> tuple[tuple[str, str], ...]:
        """The metadata lines of an https capture's TLS session, its chain stored once in the current file.

        Returns ``()`` for plain http; a chain record that cannot be written raises (the crawl stops).
        """
        if tls is None:
            return ()
        record_id = None
        if tls.chain_urn is not None:
            record_id = self.writer.metadata_once_per_file(
                tls.chain_urn, chain_fields(tls.chain), content_type=CHAIN_CONTENT_TYPE, when=when
            )
        return metadata_annotations(tls, record_id)

    def _finish(self, request: Request, response: Response, outcome: _Outcome) -> None:
        """On the reactor: share the links, count the capture, announce it; on a write error stop the crawl."""
        if outcome.skipped:
            self.stats.inc_value("archiver/warc/skipped")
            return
        reading = outcome.reading
        if reading.discovered is not None and 200 <= response.status < 300:
            request.meta[DISCOVERED_KEY] = reading.discovered
        self.stats.inc_value("archiver/warc/records", outcome.records)
        self.stats.inc_value("archiver/warc/bytes", outcome.bytes)
        if outcome.error is not None:
            self._stop(
                "Cannot write the TLS chain of %s, stopping the crawl: %s"
                if outcome.error_of == "chain"
                else "Cannot write WARC records for %s, stopping the crawl: %s",
                request.url,
                outcome.error,
            )
            if outcome.error_of == "chain":
                return
        self._count_tamper(request.url, reading.page)
        location = outcome.location
        if location is None:
            return
        if location.filename not in self.files:
            self.files.add(location.filename)
            self.stats.inc_value("archiver/warc/files")
        self.crawler.signals.send_catch_log(
            signal=archiver_signals.capture_written,
            location=location,
            request=request,
            response=response,
            page=reading.page,
            fragments=outcome.fragments,
        )
        self._announce_closed()

    def _count_tamper(self, url: str, page: Page | None) -> None:
        """Count a page scanned for tamper flags and its flags, and warn of them.

        Counts ``archiver/tamper/pages`` (pages scanned), ``archiver/tamper/flagged`` (pages with a flag) and
        ``archiver/tamper/flags/<kind>``.
        """
        if page is None:
            return
        self.stats.inc_value("archiver/tamper/pages")
        if page.flags:
            self.stats.inc_value("archiver/tamper/flagged")
            logger.warning(
                "Tamper flags on %s: %s", url, ", ".join(f"{f.kind} {f.host or ''}".strip() for f in page.flags)
            )
        for flag in page.flags:
            self.stats.inc_value(f"archiver/tamper/flags/{flag.kind}")

    def _stop(self, message: str, url: str, exc: BaseException) -> None:
        """A WARC write failed: log it, count it and close the spider (``warc_write_error``)."""
        self.failed = True
        logger.error(message, url, exc, exc_info=exc)
        self.stats.inc_value("archiver/warc/errors")
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_write_error"))

    def _in_writer(self, function: Callable[..., _T], *args: Any) -> Future[_T]:
        """Run ``function`` in the writer thread after everything submitted before it."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-writer")
        return self._executor.submit(function, *args)

    def _in_writer_now(self, function: Callable[..., _T], *args: Any) -> _T:
        """Run ``function`` in the writer thread after everything submitted before it, and wait for it here."""
        if self._executor is None:
            return function(*args)
        return self._executor.submit(function, *args).result()

    def _drain(self) -> None:
        """Wait (blocking) until the writer thread has written everything submitted, and end it."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

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
        """Write an incremental crawl's decision to carry a known post's earlier captures (a metadata record).

        Written after every capture submitted before it (the writer thread's order), waited for here, so that
        ``carry_written`` has gone out before the crawl can close.
        """
        if self.failed:
            return
        first = next((c for c in carry.captures if c.role in ("post_page", "mobile_page")), None)
        try:
            filename, location = self._in_writer_now(self._write_carry, carry, first.record_id if first else None)
        except (WarcError, OSError) as exc:
            self._write_failed = True
            self._stop("Cannot write the carry record of %s, stopping the crawl: %s", carry.url, exc)
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

    def _write_carry(self, carry: Carry, refers_to: str | None) -> tuple[str, RecordLocation]:
        return self.writer.write_metadata(
            carry.url, carry.to_json(), content_type=CARRY_CONTENT_TYPE, when=self.writer.clock(), refers_to=refers_to
        )


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
