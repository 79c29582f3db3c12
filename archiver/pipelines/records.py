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

Memory does not grow with the blog's text. Fragments wait on disk (:class:`archiver.records.spill.FragmentSpill`,
an unnamed file in the crawl folder) and are merged one post at a time; the records wait on disk too
(:class:`~archiver.records.spill.SortedLines`) until they are written in order, and the corpus is folded and
compared one post at a time (:class:`archiver.records.corpus.CorpusFold`, :class:`_Tracker`). What stays in
memory for the whole crawl, per URL or post (CPython 3.11 sizes):

- the spill's index: about 100 bytes per post plus 8 per fragment (3 to 4 fragments per post);
- ``archived``: the URL of every 200 response (pages, feeds, images: 4 to 5 per post on the replica), about
  150 bytes each, read by ``images[].archived`` at the end;
- ``gone``: only the 404/410 answers, about 600 bytes each (their WARC pointers, the proof of a deletion);
- ``files``: one name per WARC file (files roll over at ARCHIVER_WARC_MAX_SIZE): a few;
- ``carried``: an incremental crawl's unchanged posts (their carry records, a few hundred bytes each), read and
  dropped at the end.

At the end, for a moment: a sort key and an offset per post for each output file (about 150 bytes), the old
corpus's index (about 150 bytes per post), and the changes found.
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
from archiver.records import ExtractError, WarcPointer, changes, corpus, extract_records, jsonl
from archiver.records.merge import Held, build_record, sort_key
from archiver.records.spill import FragmentSpill, SortedLines
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
        self.crawl_dir = Path(crawl_dir)
        # URLs answered 404/410 in this crawl, each with its capture's pointer: the evidence of a deletion
        self.gone: dict[str, dict[str, Any]] = {}
        self._spill: FragmentSpill | None = None  # opened with the first fragment
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
        self,
        location: CaptureLocation,
        response: Response,
        page: Page | None = None,
        fragments: list[Fragment] | None = None,
        **_: Any,
    ) -> None:
        """Extract the fragments of one capture, as the WARC now holds it, and spill them to disk.

        ``page``: the capture as the WARC middleware read it; ``fragments``: its fragments when the middleware
        extracted them already (with this capture as their source), used instead of extracting again.
        """
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
        pointer = WarcPointer.from_location(location)
        try:
            if fragments is not None:
                found = fragments
            else:
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
        try:
            self.spill.add(found)
        except OSError as exc:  # the crawl folder's disk is full, say: the WARC still holds the capture
            self.stats.inc_value("archiver/records/errors")
            logger.error("Cannot keep the fragments of %s for the records: %s", location.url, exc, exc_info=exc)

    @property
    def spill(self) -> FragmentSpill:
        """Where the fragments wait for the merge: an unnamed file in the crawl folder, opened when first needed."""
        if self._spill is None:
            self.crawl_dir.mkdir(parents=True, exist_ok=True)
            self._spill = FragmentSpill(self.crawl_dir)
        return self._spill

    def carry_written(self, carry: Carry, filename: str, **_: Any) -> None:
        """An unchanged post of an incremental crawl: its record is read from its earlier captures at the end."""
        self.files.add(filename)
        self.carried.append(carry)

    def _spill_carried(self) -> None:
        """Spill the fragments of the earlier captures this run's carry records name (read as ``archiver extract``)."""
        read = ReadStats()
        count = 0
        for carry in self.carried:
            found = carried_fragments(carry, self.warc_dir.parent.parent, read)
            self.spill.add(found)
            count += len(found)
        self.carried.clear()
        self.archived |= read.archived
        if read.errors:
            self.stats.inc_value("archiver/records/errors", read.errors)
        self.stats.inc_value("archiver/records/fragments", count)

    def _spill_earlier(self) -> None:
        """Spill the fragments of the folder's WARC files that this run did not write (an earlier run of the crawl).

        Read one capture at a time; their 200 URLs join ``self.archived``, their 404/410 answers ``self.gone``.
        """
        if not self.warc_dir.is_dir():
            return
        paths = [path for path in sorted(self.warc_dir.glob(f"*{WARC_SUFFIX}")) if path.name not in self.files]
        originals = Originals(paths)  # the payloads of their revisits, in the blog's crawls (this one included)
        for path in paths:
            read = ReadStats()
            try:
                for fragment in iter_fragments(path, read, originals):
                    self.spill.add((fragment,))
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

    def _open_fold(self) -> corpus.CorpusFold | None:
        """The corpus fold (its lock taken), or None without a corpus or when it cannot be read (counted, logged)."""
        if self.corpus_dir is None:
            return None
        try:
            return corpus.CorpusFold(self.corpus_dir, crawl_id=self.crawl_id, scratch=self.crawl_dir)
        except (OSError, ValueError) as exc:
            self._corpus_failed(exc)
            return None

    def _corpus_failed(self, exc: Exception) -> None:
        self.stats.inc_value("archiver/records/errors")
        logger.error("Cannot update the corpus in %s: %s", self.corpus_dir, exc, exc_info=exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Merge the fragments into records one post at a time; write the crawl's files, the corpus and the changes.

        Memory: one post's fragments at a time, and per post a sort key and file offsets (the records wait in
        unnamed files of the crawl folder until they are written in order); the change history holds the changes.
        """
        self._spill_earlier()
        self._spill_carried()
        held = Held(self.archived)
        dropped: Counter[str] = Counter()
        fold = self._open_fold()
        try:
            tracker = _Tracker(self, spider, fold) if fold is not None else None
            self.crawl_dir.mkdir(parents=True, exist_ok=True)
            with SortedLines(self.crawl_dir) as posts_out, SortedLines(self.crawl_dir) as pages_out:
                for group in self._spill.posts() if self._spill is not None else ():
                    record = build_record(group, held)
                    if record is None:
                        dropped["comments_only"] += 1
                        continue
                    name, out = ("pages.jsonl", pages_out) if record["kind"] == "page" else ("posts.jsonl", posts_out)
                    out.add(sort_key(record), jsonl.dumps(record))
                    if fold is not None and tracker is not None:
                        try:
                            old = fold.add(name, record)
                        except (OSError, ValueError) as exc:
                            self._corpus_failed(exc)
                            fold.close()
                            fold = tracker = None
                        else:
                            tracker.post(old, record)
                posts, pages = posts_out.write(self.posts_path), pages_out.write(self.pages_path)
            self._close_spill()
            self.stats.set_value("archiver/posts/written", posts)
            self.stats.set_value("archiver/pages/written", pages)
            for why, count in dropped.items():
                self.stats.set_value(f"archiver/posts/dropped/{why}", count)
            logger.info(
                "Post records: %d posts in %s, %d static pages in %s%s",
                posts,
                self.posts_path,
                pages,
                self.pages_path,
                _dropped_note(dropped),
            )
            if fold is None or tracker is None:
                return
            # only a crawl that ended normally and found posts can tell that a post is no longer there
            complete = reason == "finished" and bool(posts)
            try:
                sizes = fold.finish(complete=complete, gone=self.gone, unseen=tracker.earlier)
            except OSError as exc:
                self._corpus_failed(exc)
                return
            self.stats.set_value("archiver/posts/corpus", sizes["posts.jsonl"])
            self._write_changes(tracker, complete=complete)
            tracker.audit()
        finally:
            self._close_spill()
            if fold is not None:
                fold.close()

    def _close_spill(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def _write_changes(self, tracker: _Tracker, *, complete: bool) -> None:
        """Write CRAWL_DIR/changes.jsonl: this crawl's posts against the corpus as it was before it."""
        if self.changes_path is None:
            return
        if tracker.first:
            jsonl.write_file([], self.changes_path)
            self.stats.set_value("archiver/changes/first_crawl", 1)
            logger.info("Changes: first crawl of the blog, nothing to compare with (%s is empty)", self.changes_path)
            return
        earlier: list[dict[str, Any]] = []
        if tracker.ours and self.changes_path.exists():
            # resumed: the posts an earlier run of this crawl folded in keep the changes that run reported
            earlier = [c for c in jsonl.read_file(self.changes_path) if str(c["post_id"]) in tracker.ours]
        found = tracker.changes if complete else [c for c in tracker.changes if c.change != "deleted"]
        lost = sorted(tracker.lost, key=lambda entry: str(entry["post_id"])) if complete else []
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


class _Tracker:
    """The change history and the audit check, fed one post at a time as the corpus fold meets them.

    Holds the changes found (and the missing posts, and the audited posts that changed), never the records.
    """

    def __init__(self, extension: PostRecordsExtension, spider: Spider, fold: corpus.CorpusFold) -> None:
        previous = fold.previous["posts.jsonl"]
        self.extension = extension
        # the blog's first crawl (perhaps resumed): every post is new, and posts.jsonl already lists them
        self.first = not (previous.crawls - {extension.crawl_id})
        self.ours = previous.of_crawl(extension.crawl_id)  # resumed: what an earlier run of this crawl folded in
        self.gone_keys = {changes.url_key(url) for url in extension.gone}
        self.proofs = changes.proofs(extension.gone)
        self.changes: list[changes.Change] = []
        self.lost: list[dict[str, Any]] = []
        state = getattr(spider, "incremental", None)
        self.audited = {str(post_id) for post_id in (getattr(state, "audited", ()) or ())}
        self.audit_changed: list[str] = []

    def post(self, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        """A record of this crawl, and the corpus entry of the post before it (None: none)."""
        post_id = str(new["post_id"])
        if not changes.is_post(new):
            return
        if post_id in self.audited and old is not None:
            if old.get("content_sha256") not in (None, new.get("content_sha256")):
                self.audit_changed.append(str(new.get("url") or post_id))
        if self.first or post_id in self.ours:
            return
        earlier = old if old is not None and changes.is_post(old) else None
        self.changes.extend(changes.post_changes(earlier, new, self.extension.diff_lines))

    def earlier(self, name: str, old: dict[str, Any]) -> None:
        """A corpus entry this crawl did not find (as it was before the fold)."""
        if name != "posts.jsonl" or self.first or str(old["post_id"]) in self.ours or not changes.is_post(old):
            return
        deleted = changes.deleted_change(old, self.gone_keys, self.proofs)
        if deleted is not None:
            self.changes.append(deleted)
            return
        lost = changes.missing_post(old, self.gone_keys)
        if lost is not None:
            self.lost.append(lost)

    def audit(self) -> None:
        """An incremental crawl's audit sample: say loudly which posts changed although nothing announced it."""
        if not self.audited:
            return
        changed = sorted(self.audit_changed)
        self.extension.stats.set_value("archiver/incremental/audit_changed", len(changed))
        if changed:
            logger.warning(
                "AUDIT: %d of the %d posts audited changed although their feed entry and sitemap line did not say "
                "so (an unannounced edit: see changes.jsonl): %s",
                len(changed),
                len(self.audited),
                ", ".join(changed),
            )


def _dropped_note(dropped: Counter[str]) -> str:
    return "".join(f"; {count} dropped ({why})" for why, count in sorted(dropped.items()))
