"""Post records at the end of a crawl: posts.jsonl, pages.jsonl and the blog's corpus (settings ARCHIVER_POSTS_*).

Records are a function of the crawl's WARC files alone. The component therefore reads captures, not spider
items: every capture the WARC middleware writes reaches it through the ``capture_written`` signal with its
location, and goes through :func:`archiver.records.extract_records` exactly as ``archiver extract`` replays
the WARC record later; WARC files of the folder that this run did not write (the earlier runs of a resumed
crawl) are read back from disk at the end. The spider stays navigation-only, and the crawl's files are
byte-identical to ``archiver extract`` of its WARCs. It is a Scrapy extension rather than an item pipeline
because items would miss what never reaches a spider callback (a capture written as the crawl closes, one
handled by an errback).

The change history (``changes.jsonl``, :mod:`archiver.records.changes`) compares the crawl's posts with the
blog's corpus as it was just before this crawl updated it, with the 404/410 answers of all the crawl's WARC
files as the evidence of deletions. A resumed crawl keeps the changes its earlier runs reported (the corpus
already holds their records) and adds those of the posts only this run found. Without the corpus there is
nothing to compare with, and no change file.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.exceptions import ArchiveLoadFailed

from archiver import signals as archiver_signals
from archiver.errors import ConfigError
from archiver.giveup import count_give_up
from archiver.records import ExtractError, WarcPointer, changes, corpus, extract_records, jsonl, merge
from archiver.records.warcread import Originals, ReadStats, WarcReadError, carried_fragments, iter_fragments
from archiver.warc.writer import WARC_SUFFIX, warc_date

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from archiver.incremental import Carry
    from archiver.records import Fragment
    from archiver.records.extract import Page
    from archiver.warc import CaptureLocation

logger = logging.getLogger(__name__)


class PostRecordsExtension:
    """Extract records from every written capture; write CRAWL_DIR/posts.jsonl, pages.jsonl and the corpus.

    Reads ARCHIVER_POSTS_ENABLED, ARCHIVER_POSTS_FILE, ARCHIVER_POSTS_PAGES_FILE, ARCHIVER_POSTS_CORPUS_ENABLED,
    ARCHIVER_POSTS_CORPUS_DIR, ARCHIVER_POSTS_CHANGES_FILE, ARCHIVER_POSTS_CHANGES_DIFF_LINES, ARCHIVER_CRAWL_DIR,
    ARCHIVER_CRAWL_ID, ARCHIVER_WARC_ENABLED and ARCHIVER_WARC_DIR (the folders and crawl id as
    :mod:`archiver.layout` filled them in).
    Counts ``archiver/records/fragments``, ``archiver/records/errors``, ``archiver/posts/written``,
    ``archiver/pages/written``, ``archiver/posts/dropped/<reason>``, ``archiver/changes/total`` and
    ``archiver/changes/<kind>``, ``archiver/changes/missing`` (posts not reached, not proven deleted) and
    ``archiver/changes/first_crawl``.
    """

    def __init__(self, crawler: Crawler) -> None:
        """Read the settings once."""
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_POSTS_ENABLED"):
            raise NotConfigured("ARCHIVER_POSTS_ENABLED is false")
        if not settings.getbool("ARCHIVER_WARC_ENABLED"):
            raise NotConfigured("post records are read from the WARC files, and ARCHIVER_WARC_ENABLED is false")
        crawl_dir, warc_dir = settings.get("ARCHIVER_CRAWL_DIR"), settings.get("ARCHIVER_WARC_DIR")
        crawl_id = settings.get("ARCHIVER_CRAWL_ID")
        if not crawl_dir or not warc_dir or not crawl_id:
            raise NotConfigured("ARCHIVER_CRAWL_DIR or ARCHIVER_WARC_DIR is not set (no crawl laid out)")
        posts_file, pages_file = settings.get("ARCHIVER_POSTS_FILE"), settings.get("ARCHIVER_POSTS_PAGES_FILE")
        if not posts_file or not pages_file:
            raise NotConfigured("ARCHIVER_POSTS_FILE or ARCHIVER_POSTS_PAGES_FILE is empty")
        self.crawler = crawler
        self.posts_path = Path(crawl_dir) / posts_file
        self.pages_path = Path(crawl_dir) / pages_file
        self.warc_dir = Path(warc_dir)
        self.crawl_id = str(crawl_id)
        self.corpus_dir: Path | None = None
        if settings.getbool("ARCHIVER_POSTS_CORPUS_ENABLED"):
            corpus_dir = settings.get("ARCHIVER_POSTS_CORPUS_DIR")  # unset only for a crawler without a blog
            if corpus_dir is not None and not str(corpus_dir).strip():
                raise ConfigError(
                    "ARCHIVER_POSTS_CORPUS_DIR is empty: leave it unset for OUTPUT/<blog host>/corpus, "
                    "or set ARCHIVER_POSTS_CORPUS_ENABLED=False"
                )
            self.corpus_dir = Path(corpus_dir) if corpus_dir else None
        changes_file = settings.get("ARCHIVER_POSTS_CHANGES_FILE")
        self.changes_path = Path(crawl_dir) / changes_file if changes_file else None
        self.diff_lines = settings.getint("ARCHIVER_POSTS_CHANGES_DIFF_LINES")
        if self.diff_lines < 1:
            raise ConfigError(f"ARCHIVER_POSTS_CHANGES_DIFF_LINES must be at least 1, not {self.diff_lines}")
        # URLs answered 404/410 in this crawl, each with its capture's pointer: the evidence of a deletion
        self.gone: dict[str, dict[str, Any]] = {}
        self.fragments: list[Fragment] = []
        self.files: set[str] = set()
        self.archived: set[str] = set()  # URLs of this run's 200 responses, as ReadStats.archived offline
        self.carried: list[Carry] = []  # an incremental crawl's unchanged posts (archiver.incremental)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        extension = cls(crawler)
        crawler.signals.connect(extension.capture_written, signal=archiver_signals.capture_written)
        crawler.signals.connect(extension.carry_written, signal=archiver_signals.carry_written)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @property
    def stats(self) -> Any:
        """The crawler's stats collector."""
        return self.crawler.stats

    def capture_written(
        self, location: CaptureLocation, response: Response, page: Page | None = None, **_: Any
    ) -> None:
        """Extract the fragments of one capture, as the WARC now holds it (``page``: as the WARC middleware read it)."""
        self.files.add(location.filename)
        if location.status == 200:
            self.archived.add(location.url)
        elif location.status in changes.GONE_STATUSES:
            changes.note_gone(
                self.gone,
                changes.gone_pointer(
                    location.url,
                    warc_date(location.date),
                    location.status,
                    location.filename,
                    location.response.offset,
                    location.response.length,
                    location.response.record_id,
                    location.payload_digest,
                ),
            )
        pointer = WarcPointer(
            location.filename,
            location.response.offset,
            location.response.length,
            location.response.record_id,
            location.payload_digest,
            location.status,
        )
        try:
            headers = [(name, value) for name, values in response.headers.items() for value in values]
            found = extract_records(
                location.url, headers, response.body, fetched_at=warc_date(location.date), source=pointer, page=page
            )
        except ExtractError as exc:
            self.stats.inc_value("archiver/records/errors")
            logger.warning("%s", exc)
            return
        except Exception:
            self.stats.inc_value("archiver/records/errors")
            logger.error(
                "Extraction failed for %s (%s at offset %d)",
                location.url,
                location.filename,
                pointer.offset,
                exc_info=True,
            )
            return
        self.stats.inc_value("archiver/records/fragments", len(found))
        for fragment in found:
            if fragment.parser_limit is not None:  # decided by the extractor; counted here, once per capture
                count_give_up(
                    self.stats,
                    "parser_limit",
                    location.url,
                    f"post {fragment.post_id} cut by a parser limit ({fragment.parser_limit}): body_complete is false",
                )
                break
        self.fragments.extend(found)

    def carry_written(self, carry: Carry, filename: str, **_: Any) -> None:
        """An unchanged post of an incremental crawl: its record is read from its earlier captures at the end."""
        self.files.add(filename)
        self.carried.append(carry)

    def _carried_fragments(self) -> list[Fragment]:
        """Fragments of the earlier captures this run's carry records name, read as ``archiver extract`` does."""
        read = ReadStats()
        found: list[Fragment] = []
        for carry in self.carried:
            found.extend(carried_fragments(carry, self.warc_dir.parent.parent, read))
        self.archived |= read.archived
        if read.errors:
            self.stats.inc_value("archiver/records/errors", read.errors)
        self.stats.inc_value("archiver/records/fragments", len(found))
        return found

    def _earlier_fragments(self) -> list[Fragment]:
        """Fragments of the folder's WARC files that this run did not write (an earlier run of the crawl).

        Their 200 URLs join ``self.archived``.
        """
        found: list[Fragment] = []
        if not self.warc_dir.is_dir():
            return found
        paths = [path for path in sorted(self.warc_dir.glob(f"*{WARC_SUFFIX}")) if path.name not in self.files]
        originals = Originals(paths)  # the payloads of their revisits, in the blog's crawls (this one included)
        for path in paths:
            read = ReadStats()
            try:
                found.extend(iter_fragments(path, read, originals))
            except WarcReadError as exc:
                self.stats.inc_value("archiver/records/errors")
                logger.error("Records of %s are incomplete: %s", path.name, exc)
            self.stats.inc_value("archiver/records/errors", read.errors)
            self.archived |= read.archived
            try:
                for pointer in changes.gone_captures([path]).values():
                    changes.note_gone(self.gone, pointer)
            except (ArchiveLoadFailed, OSError, zlib.error) as exc:  # iter_fragments counted it already
                logger.warning("404/410 answers of %s not all read: %s", path.name, exc)
        return found

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Merge all fragments into records and write the crawl's files and the corpus."""
        earlier = self._earlier_fragments()
        carried = self._carried_fragments()
        result = merge([*self.fragments, *earlier, *carried], archived=self.archived)
        posts = jsonl.write_file(result.posts, self.posts_path)
        pages = jsonl.write_file(result.pages, self.pages_path)
        self.stats.set_value("archiver/posts/written", posts)
        self.stats.set_value("archiver/pages/written", pages)
        for why, count in result.dropped.items():
            self.stats.set_value(f"archiver/posts/dropped/{why}", count)
        logger.info(
            "Post records: %d posts in %s, %d static pages in %s%s",
            posts,
            self.posts_path,
            pages,
            self.pages_path,
            _dropped_note(result.dropped),
        )
        if self.corpus_dir is not None:
            try:
                # only a crawl that ended normally and found posts can tell that a post is no longer there
                complete = reason == "finished" and bool(result.posts)
                folded = corpus.fold_files(
                    self.corpus_dir,
                    result.posts,
                    result.pages,
                    crawl_id=self.crawl_id,
                    complete=complete,
                    gone=self.gone,
                )
            except OSError as exc:
                self.stats.inc_value("archiver/records/errors")
                logger.error("Cannot update the corpus in %s: %s", self.corpus_dir, exc, exc_info=True)
            else:
                self.stats.set_value("archiver/posts/corpus", folded.sizes["posts.jsonl"])
                self._write_changes(folded.previous_posts, result.posts, complete=complete)
                self._check_audit(spider, folded.previous_posts, result.posts)

    def _check_audit(self, spider: Spider, previous: list[dict[str, Any]], posts: list[dict[str, Any]]) -> None:
        """An incremental crawl's audit sample: say loudly which posts changed although nothing announced it."""
        state = getattr(spider, "incremental", None)
        audited = set(getattr(state, "audited", ()) or ())
        if not audited:
            return
        before = {str(r.get("post_id")): r.get("content_sha256") for r in previous}
        changed = sorted(
            str(r.get("url") or r.get("post_id"))
            for r in posts
            if str(r.get("post_id")) in audited
            and before.get(str(r.get("post_id"))) not in (None, r.get("content_sha256"))
        )
        self.stats.set_value("archiver/incremental/audit_changed", len(changed))
        if changed:
            logger.warning(
                "AUDIT: %d of the %d posts audited changed although their feed entry and sitemap line did not say "
                "so (an unannounced edit: see changes.jsonl): %s",
                len(changed),
                len(audited),
                ", ".join(changed),
            )

    def _write_changes(self, previous: list[dict[str, Any]], posts: list[dict[str, Any]], *, complete: bool) -> None:
        """Write CRAWL_DIR/changes.jsonl: this crawl's posts against the corpus as it was before it."""
        if self.changes_path is None:
            return
        # the blog's first crawl (perhaps resumed): every post is new, and posts.jsonl already lists them
        first = not any(set(r.get("corpus", {}).get("seen_in_crawls", ())) - {self.crawl_id} for r in previous)
        if first:
            jsonl.write_file([], self.changes_path)
            self.stats.set_value("archiver/changes/first_crawl", 1)
            logger.info("Changes: first crawl of the blog, nothing to compare with (%s is empty)", self.changes_path)
            return
        earlier: list[dict[str, Any]] = []
        if any(r.get("corpus", {}).get("crawl_id") == self.crawl_id for r in previous):
            # resumed: the posts an earlier run of this crawl folded in keep the changes that run reported
            ours = {str(r["post_id"]) for r in previous if r.get("corpus", {}).get("crawl_id") == self.crawl_id}
            if self.changes_path.exists():
                earlier = [c for c in jsonl.read_file(self.changes_path) if str(c["post_id"]) in ours]
            previous = [r for r in previous if str(r["post_id"]) not in ours]
            posts = [r for r in posts if str(r["post_id"]) not in ours]
        found = changes.compare(previous, posts, gone=self.gone, complete=complete, diff_lines=self.diff_lines)
        lost = changes.missing(previous, posts, gone=self.gone, complete=complete)
        records = sorted([*earlier, *(change.as_record() for change in found)], key=changes.sort_key)
        jsonl.write_file(records, self.changes_path)
        found_kinds = Counter(str(c["change"]) for c in records)
        by_kind = {kind: found_kinds[kind] for kind in changes.KINDS if found_kinds[kind]}
        self.stats.set_value("archiver/changes/total", len(records))
        for kind, count in by_kind.items():
            self.stats.set_value(f"archiver/changes/{kind}", count)
        if lost:
            self.stats.set_value("archiver/changes/missing", len(lost))
            logger.warning(
                "%d posts of the corpus not found by this crawl, and not answered 404/410 (not counted as deleted): %s",
                len(lost),
                ", ".join(str(p["url"] or p["post_id"]) for p in lost[:5]) + (" ..." if len(lost) > 5 else ""),
            )
        logger.info(
            "Changes: %s in %s",
            ", ".join(f"{count} {kind}" for kind, count in by_kind.items()) or "none",
            self.changes_path,
        )


def _dropped_note(dropped: Counter[str]) -> str:
    return "".join(f"; {count} dropped ({why})" for why, count in sorted(dropped.items()))
