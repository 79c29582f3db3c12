"""Write the finished crawl as CRAWL_DIR/HOST-CRAWLID.wacz, a WACZ 1.1.1 package (settings ARCHIVER_WACZ_*)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver import signals as archiver_signals
from archiver.errors import ArchiverError, ConfigError
from archiver.extensions.cdxj import INDEX_NAME
from archiver.extensions.progress import human_bytes
from archiver.signing import Signer, SigningError
from archiver.warc.livewacz import LivePackage
from archiver.warc.wacz import (
    HTML_MIMES,
    WACZ_SUFFIX,
    CaptureSpill,
    KnownCapture,
    PackageWriter,
    WaczError,
    crawl_warcs,
    decoded_title,
    gather,
    required_waczs,
    response_title,
    wacz_name,
    write_wacz,
)
from archiver.warc.writer import OPEN_SUFFIX, SOFTWARE, warc_date

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from archiver.records.extract import Page as ParsedPage
    from archiver.warc import CaptureLocation

logger = logging.getLogger(__name__)

CRAWL_LOG_NAME = "crawl.log"
#: the package being written while the crawl runs (ARCHIVER_WACZ_LIVE), renamed ``HOST-CRAWLID.wacz`` at the end
LIVE_SUFFIX = "-live" + WACZ_SUFFIX + OPEN_SUFFIX
#: finish reasons after which no package is written: the crawl was interrupted and is meant to be resumed
INTERRUPTED = frozenset({"shutdown"})


class WaczPackageExtension:
    """Write the crawl's WACZ package once the engine has stopped and every WARC file has its final name.

    Reads ARCHIVER_WACZ_ENABLED, ARCHIVER_WARC_ENABLED, ARCHIVER_CRAWL_DIR, ARCHIVER_CRAWL_ID,
    ARCHIVER_WARC_DIR and ARCHIVER_DEDUP_INDEX (as :mod:`archiver.layout` filled them in), and
    ARCHIVER_SIGNING_KEY: when set, the package is signed (:mod:`archiver.signing`), and a key that cannot be
    used stops the crawl before anything is fetched (ConfigError); unset, the log says the package is
    unsigned and the stat ``archiver/wacz/signed_by`` is ``unsigned``. The package holds
    the WARCs, the index (CRAWL_DIR/index.cdxj when it covers them), the page lists and crawl.log; when the
    crawl wrote revisits, datapackage.json's ``relation.requires`` names the other crawls' WACZs holding the
    originals (Browsertrix's convention) and the log says to replay with ``archiver package OUTPUT/<host>``.
    An interrupted crawl (Ctrl-C, SIGTERM) is not packaged: ``archiver package CRAWL_DIR`` does it on demand.
    Sets the stats ``archiver/wacz/file``, ``archiver/wacz/bytes``, ``archiver/wacz/pages``,
    ``archiver/wacz/requires``, ``archiver/wacz/live_warcs`` (WARC files copied in while crawling),
    ``archiver/wacz/live_abandoned``, ``archiver/wacz/records_read`` (read by the crawl report, which runs after this
    extension) or ``archiver/wacz/errors``.

    Nothing is read twice that the crawl already knew: each 200 HTML capture's title (from the page the WARC
    middleware parsed, with ``page_title``'s rule, as ``archiver package`` reads it from the WARC) and each
    revisit's head are spilled on ``capture_written`` to an unnamed scratch file in CRAWL_DIR (never held in
    memory, never a file of the crawl folder), and each WARC file's sha256 comes with ``warc_closed``. Records and files
    this run did not write (a resumed crawl's earlier files) are read, as ``archiver package`` reads them all;
    both give the same datapackage.json and pages. The package's own sha256, hashed as it was written, goes
    out with the ``wacz_written`` signal (for the fixity manifest).

    With ARCHIVER_WACZ_LIVE (on), the WARC files are copied into the package while the crawl writes them
    (:mod:`archiver.warc.livewacz`, one thread, begun with the crawl's first record), so that the end of the
    crawl adds only the last bytes, the index, the page lists and the log: the package is ``CRAWLID-live.wacz.open``
    until then. When that copy could not be used (the log says why), the package is written from the
    finished files at the end, as without the setting; an interrupted crawl removes it.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WACZ_ENABLED"):
            raise NotConfigured("ARCHIVER_WACZ_ENABLED is false")
        if not settings.getbool("ARCHIVER_WARC_ENABLED"):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is false: no WARC files to package")
        crawl_dir, warc_dir = settings.get("ARCHIVER_CRAWL_DIR"), settings.get("ARCHIVER_WARC_DIR")
        crawl_id = settings.get("ARCHIVER_CRAWL_ID")
        if not crawl_dir or not warc_dir or not crawl_id:
            raise NotConfigured(
                "ARCHIVER_CRAWL_DIR, ARCHIVER_CRAWL_ID or ARCHIVER_WARC_DIR is not set (no crawl laid out)"
            )
        self.crawler = crawler
        self.crawl_dir = Path(crawl_dir)
        self.crawl_id = str(crawl_id)
        self.warc_dir = Path(warc_dir)
        index = settings.get("ARCHIVER_DEDUP_INDEX")
        self.dedup_index = Path(index) if index else None
        # the blog folder OUTPUT/<host> (archiver.layout), where the other crawls and their WACZs are
        self.blog_dir = self.dedup_index.parent if self.dedup_index is not None else self.crawl_dir.parent
        self.reason: str | None = None
        self.host: str | None = None
        self.spill: CaptureSpill | None = None
        self.digests: dict[str, tuple[str, int]] = {}  # WARC file name -> (sha256, size), hashed as written
        self.live_enabled = settings.getbool("ARCHIVER_WACZ_LIVE")
        self.warc_max_size = settings.getint("ARCHIVER_WARC_MAX_SIZE")
        self.live: LivePackage | None = None
        key = settings.get("ARCHIVER_SIGNING_KEY")
        try:
            self.signer = Signer.from_file(Path(key), SOFTWARE) if key else None
        except SigningError as exc:
            raise ConfigError(f"ARCHIVER_SIGNING_KEY: {exc}") from exc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.capture_written, signal=archiver_signals.capture_written)
        crawler.signals.connect(extension.warc_closed, signal=archiver_signals.warc_closed)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        # after spider_closed, when the WARC middleware has renamed its files and index.cdxj is written
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self) -> None:
        """Start the spill file of page facts."""
        try:
            self.crawl_dir.mkdir(parents=True, exist_ok=True)
            self.spill = CaptureSpill(self.crawl_dir)
        except OSError as exc:  # then the package reads every record, as `archiver package` does
            logger.warning("Cannot spill page titles (%s): the WACZ will read them from the WARCs", exc)

    def capture_written(
        self,
        location: CaptureLocation,
        response: Response | None = None,
        page: ParsedPage | None = None,
        **_: Any,
    ) -> None:
        """Spill what the pages list needs of a 200 HTML response or a revisit, read from what the crawl has."""
        if self.live_enabled and self.live is None:
            self._start_live()
        if self.spill is None:
            return
        record = location.response
        date = warc_date(location.date)
        if location.revisit_of is not None:
            known = KnownCapture(
                date,
                record.record_id,
                status=str(location.status),
                mime=location.mime,
                refers_to=location.revisit_of.record_id,
            )
        elif location.status == 200 and location.mime in HTML_MIMES:
            if page is not None:
                title = decoded_title(page.decoded, page.charset)
            elif response is not None:
                headers = [
                    (key.decode("latin-1"), value.decode("latin-1"))
                    for key, values in response.headers.items()
                    for value in values
                ]
                title = response_title(location.url, headers, response.body)
            else:
                return  # not known: read from the WARC at the end
            known = KnownCapture(date, record.record_id, title=title)
        else:
            return
        try:
            self.spill.add(location.filename, record.offset, known)
        except (OSError, ArchiverError) as exc:
            logger.warning("Cannot spill page titles (%s): the WACZ will read them from the WARCs", exc)
            self.spill.close()
            self.spill = None

    def _live_path(self) -> Path:
        return self.crawl_dir / f"{self.crawl_id}{LIVE_SUFFIX}"

    def _start_live(self) -> None:
        """Begin the package and its copying thread (once: the first record was written, any mending is done)."""
        self.live_enabled = False  # one attempt
        try:
            writer = PackageWriter(self._live_path(), datetime.now(UTC))
        except OSError as exc:
            logger.warning("Cannot begin the WACZ while crawling (%s): it will be written at the end", exc)
            return
        self.live = LivePackage(writer, self.warc_dir, self.warc_max_size)
        self.live.start()

    def warc_closed(self, path: Path, sha256: str | None = None, size: int | None = None, **_: Any) -> None:
        """Keep the sha256 and size of a WARC file the crawl wrote and closed."""
        if sha256 is not None and size is not None:
            self.digests[path.name] = (sha256, size)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Remember why the crawl ended and which host the blog was served from."""
        self.reason = reason
        self.host = getattr(spider, "blog_host", None)

    def engine_stopped(self) -> None:
        """Write the package (a failure is logged and counted, never raised into Scrapy); remove the spill."""
        try:
            self._package()
        finally:
            if self.live is not None:  # not finished: the crawl was interrupted, or packaging failed
                self.live.abandon()
                self.live = None
            self._live_path().unlink(missing_ok=True)  # a killed run's
            if self.spill is not None:
                self.spill.close()
                self.spill = None

    def _finish_live(self) -> PackageWriter | None:
        """The live package with every WARC file copied in, or None (why is logged; the partial is removed)."""
        live, self.live = self.live, None
        if live is None:
            return None
        started = time.monotonic()
        writer = live.finish(self.digests)
        if writer is None:
            logger.warning(
                "The WACZ copied while crawling cannot be used (%s): writing it from the WARC files", live.error
            )
            self.crawler.stats.inc_value("archiver/wacz/live_abandoned")
            return None
        self.crawler.stats.set_value("archiver/wacz/live_warcs", len(writer.warcs))
        logger.info(
            "%d WARC files were copied into the WACZ while crawling (%d as they were written); "
            "the rest of the last took %.1f s",
            len(writer.warcs),
            live.followed,
            time.monotonic() - started,
        )
        return writer

    def _package(self) -> None:
        stats: Any = self.crawler.stats
        if self.reason in INTERRUPTED:
            if self.live is not None:
                self.live.abandon()
                self.live = None
            logger.info(
                "Crawl interrupted (%s): no WACZ written; run `archiver package %s` to make one",
                self.reason,
                self.crawl_dir,
            )
            return
        if not any(self.warc_dir.glob("*.warc.gz*")):
            logger.info("No WARC file was written to %s: no WACZ", self.warc_dir)
            return
        started = time.monotonic()
        try:
            begun = self._finish_live()
            known = self.spill.load() if self.spill is not None else {}
            contents = gather(
                crawl_warcs(self.crawl_dir, self.warc_dir),
                self.crawl_dir / INDEX_NAME,
                known=known,
                digests=self.digests,
            )
            host = self.host or contents.main_page.url.split("/")[2]
            requires = required_waczs(contents, self.blog_dir, host, self.crawl_id, self.dedup_index)
            output, logs = self.crawl_dir / wacz_name(host, self.crawl_id), [self.crawl_dir / CRAWL_LOG_NAME]
            result = None
            if begun is not None:
                try:
                    result = begun.finish(output, contents, logs=logs, requires=requires, signer=self.signer)
                except WaczError as exc:  # e.g. a WARC file the copy did not see: package the files as they are
                    logger.warning("The WACZ copied while crawling cannot be used (%s): writing it again", exc)
                    stats.inc_value("archiver/wacz/live_abandoned")
            if result is None:
                result = write_wacz(output, contents, logs=logs, requires=requires, signer=self.signer)
        except (ArchiverError, OSError) as exc:
            stats.inc_value("archiver/wacz/errors")
            logger.error("Cannot write the WACZ package of %s: %s", self.crawl_dir, exc, exc_info=True)
            return
        self.crawler.signals.send_catch_log(
            signal=archiver_signals.wacz_written, path=result.path, sha256=result.sha256, size=result.size
        )
        stats.set_value("archiver/wacz/file", result.path.name)
        stats.set_value("archiver/wacz/records_read", contents.records_read)
        stats.set_value("archiver/wacz/bytes", result.size)
        stats.set_value("archiver/wacz/pages", len(result.pages))
        stats.set_value("archiver/wacz/signed_by", result.signed_by or "unsigned")
        if result.signed_by:
            logger.info("Signed %s with the key %s (ARCHIVER_SIGNING_KEY)", result.path.name, result.signed_by)
        else:
            logger.info("The WACZ is unsigned: no ARCHIVER_SIGNING_KEY (make a key with `archiver keys init`)")
        logger.info(
            "Wrote %s (%d pages, %d extra pages, %s) in %.1f s; %d WARC records read again",
            result.path,
            len(result.pages),
            len(result.extra_pages),
            human_bytes(result.size),
            time.monotonic() - started,
            contents.records_read,
        )
        revisits = stats.get_value("archiver/warc/revisits", 0)
        if revisits or result.requires:
            stats.set_value("archiver/wacz/requires", [entry["filename"] for entry in result.requires])
            logger.warning(
                "This crawl wrote %d revisit records; its WACZ needs the originals in %s. "
                "Replay with the blog WACZ: archiver package %s",
                revisits,
                ", ".join(entry["filename"] for entry in result.requires) or "other crawls",
                self.blog_dir,
            )
