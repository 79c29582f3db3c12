"""The end-of-crawl report: ``stats.json`` and a readable ``summary.txt`` (settings ARCHIVER_REPORT_*)."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver import signals as archiver_signals
from archiver.blogger.urls import KINDS, OTHER_KIND, PAGE_KINDS, REQUISITE_KINDS, STRUCTURE_KINDS
from archiver.extensions.progress import FETCHED_PREFIX, human_bytes, kind_total
from archiver.records.changes import KINDS as CHANGE_KINDS
from archiver.records.tamper import KINDS as TAMPER_KINDS

if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

    from archiver.warc import CaptureLocation, MendResult

logger = logging.getLogger(__name__)

STATS_NAME = "stats.json"
SUMMARY_NAME = "summary.txt"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def _by_prefix(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)}


def _counts(counts: dict[str, int], kinds: Collection[str]) -> str:
    """``home 1, post 30`` for the kinds given, in the order of :data:`archiver.blogger.urls.KINDS`."""
    parts = [f"{kind} {counts[kind]}" for kind in KINDS if kind in kinds and counts.get(kind)]
    return ", ".join(parts) or "none"


def summarise(
    stats: dict[str, Any], *, seed: str, crawl_dir: str, duration_s: float, files: list[str], mended: list[str]
) -> dict[str, Any]:
    """The figures of a finished crawl, as a dict (the ``summary`` part of stats.json)."""
    fetched = _by_prefix(stats, FETCHED_PREFIX)
    failed = _by_prefix(stats, "archiver/failed/")
    http_errors = {
        status: count
        for status, count in _by_prefix(stats, "downloader/response_status_count/").items()
        if int(status) >= 400
    }
    return {
        "seed": seed,
        "crawl_dir": crawl_dir,
        "finish_reason": stats.get("finish_reason"),
        "duration_s": round(duration_s, 3),
        "posts_found": int(stats.get("archiver/posts/found", 0)),
        "posts_archived": fetched.get("post", 0),
        # a resumed crawl: captures earlier runs archived (by kind), read from the WARCs, not fetched again
        "earlier_captures": _by_prefix(stats, "archiver/resume/earlier/"),
        # by the kinds of archiver.blogger.urls, counted as the progress line counts them
        "pages": kind_total(stats, PAGE_KINDS),
        "requisites": kind_total(stats, REQUISITE_KINDS),
        "structure": kind_total(stats, STRUCTURE_KINDS),
        "other": kind_total(stats, {OTHER_KIND}),
        "fetched_by_kind": fetched,
        "responses": int(stats.get("response_received_count", 0)),
        "bytes_received": int(stats.get("downloader/response_bytes", 0)),
        "http_errors": http_errors,
        "failed_fetches": failed,
        # attempts that were tried again (all in crawl.log, none in the WARC), and URLs given up after retries
        "retries": int(stats.get("retry/count", 0)),
        "retry_reasons": {
            reason.rsplit(".", 1)[-1]: count for reason, count in _by_prefix(stats, "retry/reason_count/").items()
        },
        "gave_up": _by_prefix(stats, "archiver/gave_up/"),
        "robots_precluded": int(stats.get("archiver/precluded/robots", 0)),
        # requests left out because archived evidence proves them empty, by rule (archiver.spiders.blogspot)
        "skipped": _by_prefix(stats, "archiver/skipped/"),
        "warc_files": files,
        "warc_records": int(stats.get("archiver/warc/records", 0)),
        "warc_bytes": int(stats.get("archiver/warc/bytes", 0)),
        "warc_revisits": int(stats.get("archiver/warc/revisits", 0)),
        # an incremental crawl (archiver.incremental): known posts fetched again, carried, audited
        "incremental": _by_prefix(stats, "archiver/incremental/"),
        "mended_files": mended,
        "records_posts": int(stats.get("archiver/posts/written", 0)),
        "records_pages": int(stats.get("archiver/pages/written", 0)),
        "corpus_posts": int(stats.get("archiver/posts/corpus", 0)),
        # changes.jsonl by kind (archiver.records.changes), plus first_crawl and missing (not changes)
        "changes": _by_prefix(stats, "archiver/changes/"),
        # tamper flags of the archived HTML pages (archiver.records.tamper): pages scanned, flagged, flags by kind
        "tamper": {
            "pages": int(stats.get("archiver/tamper/pages", 0)),
            "flagged": int(stats.get("archiver/tamper/flagged", 0)),
            "flags": _by_prefix(stats, "archiver/tamper/flags/"),
        },
        "wacz": stats.get("archiver/wacz/file"),
        "wacz_bytes": int(stats.get("archiver/wacz/bytes", 0)),
        # the WACZs of earlier crawls that hold the originals of this crawl's revisits
        "wacz_requires": list(stats.get("archiver/wacz/requires") or []),
        # the fixity manifest written after this summary (archiver.extensions.fixity), when enabled
        "fixity_manifest": stats.get("archiver/fixity/manifest"),
        # the HTML report written after this summary (archiver.extensions.htmlreport), when enabled
        "report_html": stats.get("archiver/report/html"),
        # crawler trap bounds hit (archiver.blogger.traps), and what each means for a person
        "traps": {bound: count for bound, count in _by_prefix(stats, "archiver/traps/").items() if count},
        "warnings": trap_warnings(stats),
        # RFC 3161 tokens of the WARC files (archiver.timestamps): by whom, or "not timestamped (...)"
        "timestamps": {
            "status": stats.get("archiver/timestamps/status"),
            "stamped": int(stats.get("archiver/timestamps/stamped", 0)),
            "failed": int(stats.get("archiver/timestamps/failed", 0)),
        },
    }


#: what each trap bound hit means, for the summary's warnings (the count is put in front)
_TRAP_WARNINGS: dict[str, str] = {
    "feed_empty_page": "feed page(s) without entries still linked a next page: paging stopped there",
    "feed_past_total": "feed page(s) linked a next page past openSearch:totalResults: paging stopped there",
    "sitemap_no_new": "sitemap page(s) looked full but listed URLs seen before: no further page probed",
    "archive_out_of_range": "archive page(s) outside the blog's dates (from its posts, archive widget and "
    "feeds) not followed",
    "pager_no_new_posts": "pager page(s) showed no post their chain had not shown: the pager stopped there",
    "depth_limit": "URL(s) past ARCHIVER_TRAPS_MAX_DEPTH hops from the seed left out (given up)",
}


def trap_warnings(stats: dict[str, Any]) -> list[str]:
    """One line per trap bound the crawl hit (``archiver/traps/<bound>``), in a stable order."""
    lines = []
    for bound, count in _by_prefix(stats, "archiver/traps/").items():
        if not count:
            continue
        if bound.startswith("cap_"):
            text = f"{bound[4:]} URL(s) past the per-kind cap (ARCHIVER_TRAPS_MAX_PER_KIND) left out (given up)"
        else:
            text = _TRAP_WARNINGS.get(bound, "time(s)")
        lines.append(f"trap {bound}: {count} {text}")
    return lines


def add_earlier_runs(summary: dict[str, Any], previous: dict[str, Any]) -> None:
    """Add ``all_runs`` to the summary of a resumed crawl: its figures summed with the earlier runs' ones."""
    before = previous.get("all_runs") or {
        "runs": 1,
        "posts_archived": int(previous.get("posts_archived", 0)),
        "responses": int(previous.get("responses", 0)),
        "warc_files": list(previous.get("warc_files", [])),
    }
    summary["all_runs"] = {
        "runs": int(before["runs"]) + 1,
        "posts_archived": int(before["posts_archived"]) + summary["posts_archived"],
        "responses": int(before["responses"]) + summary["responses"],
        "warc_files": [*before["warc_files"], *(f for f in summary["warc_files"] if f not in before["warc_files"])],
    }


def changes_text(counts: dict[str, int]) -> str:
    """The ``changes`` line: counts by kind in the order of :data:`archiver.records.changes.KINDS`."""
    if counts.get("first_crawl"):
        return "first crawl of the blog: nothing to compare with (changes.jsonl is empty)"
    text = ", ".join(f"{counts[kind]} {kind}" for kind in CHANGE_KINDS if counts.get(kind)) or "none"
    if counts.get("missing"):
        text += f"; {counts['missing']} posts missing (not found, not answered 404/410: not counted as deleted)"
    return text + " (changes.jsonl)"


def tamper_text(tamper: dict[str, Any]) -> str:
    """The ``tamper`` line: flags found in the archived HTML pages, by kind, or that there were none."""
    flags = tamper.get("flags") or {}
    if not flags:
        return f"no flag in {tamper['pages']} HTML pages scanned"
    kinds = ", ".join(f"{kind} {flags[kind]}" for kind in TAMPER_KINDS if flags.get(kind))
    return (
        f"{sum(flags.values())} FLAGS on {tamper['flagged']} of {tamper['pages']} HTML pages ({kinds}): "
        "see `flags` in posts.jsonl and the tamperFlag lines of the pages' metadata records"
    )


def incremental_text(counts: dict[str, int]) -> str:
    """The ``incremental`` line: what an incremental crawl fetched again, carried, audited."""
    fetched = sum(counts.get(f"fetched_{why}", 0) for why in ("changed", "unlisted", "audit", "unverifiable"))
    audit = counts.get("audited", 0)
    found = counts.get("audit_changed", 0)
    return (
        f"{counts.get('known', 0)} known posts: {fetched} fetched again ({counts.get('fetched_changed', 0)} "
        f"changed per the feeds or sitemaps, {counts.get('fetched_unlisted', 0)} in neither, "
        f"{counts.get('fetched_audit', 0)} audited, "
        f"{counts.get('fetched_unverifiable', 0)} not verifiable), {counts.get('skipped', 0)} skipped as unchanged, "
        f"{counts.get('new', 0)} new; audit of {audit}: "
        + (f"{found} CHANGED WITHOUT THE FEEDS SAYING SO" if found else "no unannounced change")
        + f"; not fetched again: {counts.get('requisites_skipped', 0)} archived requisites, "
        f"{counts.get('comment_feeds_skipped', 0)} comment feeds"
    )


def summary_text(summary: dict[str, Any]) -> str:
    """The summary as lines a person reads at the end of a crawl."""
    fetched = summary["fetched_by_kind"]
    earlier = summary.get("earlier_captures") or {}
    failed = summary["failed_fetches"]
    errors = ", ".join(f"{name} {count}" for name, count in failed.items()) or "none"
    http = ", ".join(f"{status}: {count}" for status, count in summary["http_errors"].items()) or "none"
    gave_up = summary.get("gave_up") or {}
    lost = (
        f"{sum(gave_up.values())} URLs (" + ", ".join(f"{kind} {n}" for kind, n in gave_up.items()) + ")"
        if gave_up
        else "none"
    )
    reasons = ", ".join(f"{reason} {n}" for reason, n in (summary.get("retry_reasons") or {}).items())
    incremental = summary.get("incremental") or {}
    lines = [
        f"Crawl of {summary['seed']}: {summary['finish_reason']} in {summary['duration_s']:.1f} s",
        f"  posts       {summary['posts_found']} found, {summary['posts_archived']} archived"
        + (f" by this run, {summary['posts_archived'] + earlier.get('post', 0)} in all" if earlier else "")
        + (
            f", {incremental.get('skipped', 0)} unchanged (their last captures carried)"
            if incremental.get("known") is not None
            else ""
        ),
        *([f"  incremental {incremental_text(incremental)}"] if incremental.get("known") is not None else []),
        *(
            [
                f"  resumed     {sum(earlier.values())} captures of earlier runs not fetched again "
                f"({_counts(earlier, KINDS)}); "
                "the lines below are this run's"
            ]
            if earlier
            else []
        ),
        *(
            [
                f"  all runs    {summary['all_runs']['runs']} runs of this crawl (resumed): "
                f"{summary['all_runs']['posts_archived']} posts archived, "
                f"{summary['all_runs']['responses']} responses, "
                f"{len(summary['all_runs']['warc_files'])} WARC files; the other lines are this run's"
            ]
            if summary.get("all_runs")
            else []
        ),
        f"  pages       {summary['pages']} ({_counts(fetched, PAGE_KINDS)})",
        f"  structure   {summary['structure']} ({_counts(fetched, STRUCTURE_KINDS)})",
        f"  requisites  {summary['requisites']} ({_counts(fetched, REQUISITE_KINDS)})",
        *([f"  other       {summary['other']} (URLs of no known kind)"] if summary.get("other") else []),
        f"  received    {summary['responses']} responses, {human_bytes(summary['bytes_received'])}",
        *(
            [
                f"  skipped     {sum(summary['skipped'].values())} requests the archived feeds prove empty ("
                + ", ".join(f"{rule} {n}" for rule, n in summary["skipped"].items())
                + ")"
            ]
            if summary.get("skipped") and sum(summary["skipped"].values())
            else []
        ),
        f"  errors      gave up on: {lost}; HTTP errors: {http}; robots.txt precluded: {summary['robots_precluded']}",
        f"  retries     {summary.get('retries', 0)}"
        + (f" ({reasons})" if reasons else "")
        + f"; failed attempts: {errors} (every attempt is in crawl.log)",
        f"  WARC        {len(summary['warc_files'])} files, {summary['warc_records']} records"
        + (f" ({summary['warc_revisits']} revisits)" if summary.get("warc_revisits") else "")
        + f", {human_bytes(summary['warc_bytes'])}",
    ]
    for number, warning in enumerate(summary.get("warnings") or []):
        lines.append(f"  {'warnings' if number == 0 else '':<11} {warning}")
    if summary["mended_files"]:
        lines.append(f"  mended      {', '.join(summary['mended_files'])} (left by an interrupted crawl)")
    if summary.get("records_posts") or summary.get("records_pages"):
        lines.append(
            f"  records     {summary['records_posts']} posts in posts.jsonl, {summary['records_pages']} "
            f"pages in pages.jsonl; corpus holds {summary['corpus_posts']} posts"
        )
    if summary.get("changes"):
        lines.append(f"  changes     {changes_text(summary['changes'])}")
    if (summary.get("tamper") or {}).get("pages"):
        lines.append(f"  tamper      {tamper_text(summary['tamper'])}")
    stamps = summary.get("timestamps") or {}
    if stamps.get("status"):
        lines.append(
            f"  timestamps  {stamps['status']}"
            if not stamps.get("stamped") and not stamps.get("failed")
            else f"  timestamps  {stamps['stamped']} WARC files stamped {stamps['status']}"
            + (f", {stamps['failed']} failed (stamp them later with `archiver timestamp`)" if stamps["failed"] else "")
        )
    if summary.get("wacz"):
        lines.append(f"  WACZ        {summary['wacz']}, {human_bytes(summary['wacz_bytes'])}")
    if summary.get("wacz_requires"):
        blog = str(Path(summary["crawl_dir"]).parent)
        lines.append(
            f"  replay      its revisits' originals are in {', '.join(summary['wacz_requires'])}: replay every "
            f"visit from one file with `archiver package {blog}`"
        )
    package = f", {summary['wacz']}" if summary.get("wacz") else ""
    manifest = f", {summary['fixity_manifest']}" if summary.get("fixity_manifest") else ""
    html = f", {summary['report_html']}" if summary.get("report_html") else ""
    lines.append(
        f"  output      {summary['crawl_dir']}/ (warc/, index.cdxj, crawl.log, stats.json, summary.txt{html}{package}"
        f"{manifest})"
    )
    lines.extend(f"    {name}" for name in summary["warc_files"])
    if summary.get("fixity_manifest"):
        lines.append(f"  verify      archiver verify {summary['crawl_dir']}  (every digest, pointer and token)")
    return "\n".join(lines) + "\n"


class CrawlReportExtension:
    """Write CRAWL_DIR/stats.json and CRAWL_DIR/summary.txt, and log the summary, once the engine stops.

    Reads ARCHIVER_REPORT_ENABLED and ARCHIVER_CRAWL_DIR.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_REPORT_ENABLED"):
            raise NotConfigured("ARCHIVER_REPORT_ENABLED is false")
        crawl_dir = settings.get("ARCHIVER_CRAWL_DIR")
        if not crawl_dir:
            raise NotConfigured("ARCHIVER_CRAWL_DIR is not set")
        self.crawler = crawler
        self.crawl_dir = Path(crawl_dir)
        self.started = time.monotonic()
        self.files: list[str] = []
        self.mended: list[str] = []
        self.previous: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.capture_written, signal=archiver_signals.capture_written)
        crawler.signals.connect(extension.warcs_mended, signal=archiver_signals.warcs_mended)
        # after spider_closed, when the WARC files have their final names and the stats are complete
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Start the clock; keep the summary of an earlier run of the crawl, for a resumed one."""
        self.started = time.monotonic()
        path = self.crawl_dir / STATS_NAME
        if path.exists():
            try:
                self.previous = dict(json.loads(path.read_text(encoding="utf-8"))["summary"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                logger.warning("Cannot read the summary of the earlier run in %s: %s", path, exc)

    def capture_written(self, location: CaptureLocation, **_: Any) -> None:
        """Remember which WARC files this run wrote."""
        if location.filename not in self.files:
            self.files.append(location.filename)

    def warcs_mended(self, results: list[MendResult], **_: Any) -> None:
        """Remember which files were mended at start."""
        self.mended.extend(r.original.name for r in results)

    def engine_stopped(self) -> None:
        """Write stats.json and summary.txt, and log the summary."""
        stats: dict[str, Any] = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
        summary = summarise(
            stats,
            seed=getattr(self.crawler.spider, "start_url", "?"),
            crawl_dir=str(self.crawl_dir),
            duration_s=time.monotonic() - self.started,
            files=self.files,
            mended=self.mended,
        )
        if stats.get("archiver/resumed") and self.previous is not None:
            add_earlier_runs(summary, self.previous)
        text = summary_text(summary)
        self.crawl_dir.mkdir(parents=True, exist_ok=True)
        document = {"summary": summary, "stats": {k: _json_value(v) for k, v in sorted(stats.items())}}
        (self.crawl_dir / STATS_NAME).write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (self.crawl_dir / SUMMARY_NAME).write_text(text, encoding="utf-8")
        logger.info("Crawl summary:\n%s", text.rstrip())
