"""Incremental recrawls: which known posts to fetch again, and how an unchanged post keeps its last capture.

Pure code (no Scrapy): the spider feeds it what the blog's corpus knew and what this crawl's feeds and
sitemaps say, and asks it what to do with each known post.

What a second visit fetches (``archiver crawl --incremental``, setting ``ARCHIVER_INCREMENTAL``): robots.txt,
the sitemaps, the feeds, the home page and the listing pages always. A post the corpus knows is fetched again
(its page, its comment feed and the images it shows) only when

- its feed entry's ``<updated>`` differs from the ``updated`` the corpus holds, or its ``thr:total`` from the
  corpus's ``comment_count`` (the feeds are exact: milliseconds and the blog's offset);
- its sitemap ``<lastmod>`` differs from ``updated`` at the precision the sitemap writes (whole seconds);
- no feed entry and no sitemap line speaks of it (nothing proves it unchanged, so it is fetched);
- its last capture cannot be found any more (a WARC file moved or removed), or
- it falls in this crawl's **audit sample**: every post belongs to one of ``P = round(1 / rate)`` slots by a
  hash of its post id, and crawl number ``n`` of the blog audits slot ``n mod P``. With the default rate
  (``ARCHIVER_INCREMENTAL_AUDIT = 0.05``) 5% of the posts are fetched whatever the feeds say, and every post
  is audited once in any ``P = 20`` successive crawls: an edit the feeds never announced is found within
  ``P`` crawls.

A 304 is never relied on: no conditional request is sent at all, since a post's page also changes with its
comments and the blog's template, which no validator covers.

A post that is not fetched again is **carried**: a ``metadata`` record of the crawl's WARC
(:data:`CARRY_CONTENT_TYPE`, :class:`Carry`) names the earlier captures its record is made of (its page,
its own comment feed, its images), each by file, offset, record id and payload digest, with the evidence for
the decision. The records of the crawl are then read from those captures, live and offline alike
(:func:`archiver.records.warcread.carried_fragments`), so that ``archiver extract`` of the crawl's WARCs
gives the same ``posts.jsonl`` as the crawl did, and the unchanged posts keep pointing at their last capture.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any

from archiver.errors import ArchiverError
from archiver.records import dates

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from archiver.blogger.discover import EntryFacts
    from archiver.warc.dedup import DedupIndex, IndexedCapture

logger = logging.getLogger(__name__)

#: Content-Type of the metadata record that carries an unchanged post's earlier captures into a crawl
CARRY_CONTENT_TYPE = "application/vnd.blogspot-archiver.carried+json"
CARRY_VERSION = 1
#: roles of a record's sources that belong to the post alone (feeds and listing pages are fetched anyway)
CARRIED_ROLES = ("post_page", "mobile_page", "comment_feed")
DEFAULT_AUDIT_RATE = 0.05


class IncrementalError(ArchiverError):
    """An incremental crawl cannot run: no earlier complete crawl of the blog, or a bad setting."""


@dataclass(frozen=True)
class Known:
    """A post as the blog's corpus last recorded it."""

    post_id: str
    url: str
    updated: str | None
    comment_count: int | None
    sources: tuple[dict[str, Any], ...] = ()
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarriedCapture:
    """One earlier capture a carried post's record is read from (``file`` relative to the blog's folder)."""

    role: str
    url: str
    record_id: str
    date: str
    file: str
    offset: int
    length: int
    payload_digest: str
    status: int


@dataclass(frozen=True)
class Carry:
    """The decision not to fetch a known post again, and the earlier captures that stand for it."""

    post_id: str
    url: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    captures: tuple[CarriedCapture, ...] = ()

    def to_json(self) -> bytes:
        """The metadata record's block: UTF-8 JSON, keys sorted."""
        data = {"version": CARRY_VERSION, **asdict(self)}
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, block: bytes) -> Carry:
        """Read a metadata record's block back; raises ValueError naming what is wrong."""
        data = json.loads(block.decode("utf-8"))
        if not isinstance(data, dict) or data.get("version") != CARRY_VERSION:
            raise ValueError(f"not a version {CARRY_VERSION} carry record")
        captures = tuple(CarriedCapture(**capture) for capture in data.get("captures", ()))
        return cls(
            post_id=str(data["post_id"]),
            url=str(data["url"]),
            reason=str(data.get("reason", "")),
            evidence=dict(data.get("evidence") or {}),
            captures=captures,
        )


def _images(record: dict[str, Any]) -> tuple[str, ...]:
    urls: dict[str, None] = {}
    for image in record.get("images") or ():
        if isinstance(image, dict):
            for key in ("src", "original"):
                if isinstance(image.get(key), str):
                    urls[image[key]] = None
    return tuple(urls)


def load_known(corpus_dir: Path) -> dict[str, Known]:
    """The posts of the blog's corpus (``corpus_dir/posts.jsonl``) by URL; posts marked deleted are left out.

    Raises :class:`IncrementalError` when the corpus cannot be read.
    """
    path = corpus_dir / "posts.jsonl"
    known: dict[str, Known] = {}
    try:
        with path.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise IncrementalError(f"{path} line {number} is not JSON: {exc}") from None
                info = record.get("corpus") or {}
                url = record.get("url")
                if not isinstance(url, str) or info.get("missing_since") or info.get("deleted"):
                    continue
                count = record.get("comment_count")
                known[url] = Known(
                    post_id=str(record.get("post_id")),
                    url=url,
                    updated=record.get("updated"),
                    comment_count=count if isinstance(count, int) else None,
                    sources=tuple(s for s in record.get("sources") or () if isinstance(s, dict)),
                    images=_images(record),
                )
    except OSError as exc:
        raise IncrementalError(f"cannot read the blog's corpus {path}: {exc.strerror or exc}") from None
    return known


def earlier_complete_crawls(blog_dir: Path, this_crawl: str) -> list[str]:
    """Crawl ids of the blog's earlier crawls that finished normally (their stats.json says so), sorted."""
    found = []
    for stats_path in sorted(blog_dir.glob("*/stats.json")):
        crawl_id = stats_path.parent.name
        if crawl_id == this_crawl:
            continue
        try:
            stats = json.loads(stats_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        finish = (stats.get("stats") or {}).get("finish_reason") if isinstance(stats, dict) else None
        if finish == "finished":
            found.append(crawl_id)
    return found


def audit_period(rate: float) -> int:
    """How many successive crawls audit every post once: ``round(1 / rate)``; 0 when there is no audit."""
    if rate <= 0:
        return 0
    return max(1, round(1 / min(rate, 1.0)))


def audited(post_id: str, crawl_number: int, rate: float) -> bool:
    """Whether crawl ``crawl_number`` of the blog audits this post (see the module docstring)."""
    period = audit_period(rate)
    if period == 0:
        return False
    slot = int.from_bytes(hashlib.sha256(post_id.encode("utf-8")).digest()[:8], "big") % period
    return slot == crawl_number % period


def _same_second(a: str | None, b: str | None) -> bool | None:
    """Whether two ISO times are the same instant to the second; None when either is not a time."""
    first, second = dates.parse(a), dates.parse(b)
    if first is None or second is None:
        return None
    return first.astimezone(UTC).replace(microsecond=0) == second.astimezone(UTC).replace(microsecond=0)


@dataclass
class Evidence:
    """What this crawl's posts feeds and sitemaps say of each post, by URL (the first statement wins)."""

    feed: dict[str, EntryFacts] = field(default_factory=dict)
    sitemap: dict[str, str] = field(default_factory=dict)

    def note_feed(self, facts: Iterable[EntryFacts], canonical: Any) -> None:
        """Remember the entries of a posts feed page (``canonical`` maps a URL to the corpus's form)."""
        for fact in facts:
            url = canonical(fact.url)
            if url:
                self.feed.setdefault(url, fact)

    def note_sitemap(self, facts: Iterable[EntryFacts], canonical: Any) -> None:
        """Remember the ``<lastmod>`` of a sitemap page's URLs."""
        for fact in facts:
            url = canonical(fact.url)
            if url and fact.updated:
                self.sitemap.setdefault(url, fact.updated)

    def judge(self, known: Known) -> tuple[str, str, dict[str, Any]]:
        """``(verdict, why, evidence)`` for a known post, from what the feeds and sitemaps said of it.

        The verdict is ``unchanged``, ``changed`` (a feed entry or a sitemap line says so) or ``unlisted`` (no
        feed entry and no sitemap line: deleted, perhaps, or moved; it is fetched to find out).
        """
        entry = self.feed.get(known.url)
        lastmod = self.sitemap.get(known.url)
        said: dict[str, Any] = {"corpus_updated": known.updated, "corpus_comment_count": known.comment_count}
        if entry is not None:
            said.update(feed_updated=entry.updated, feed_comments=entry.comments)
        if lastmod is not None:
            said["sitemap_lastmod"] = lastmod
        if entry is None and lastmod is None:
            return "unlisted", "not in the feeds nor the sitemaps: nothing says it is unchanged", said
        if entry is not None:
            if entry.updated is not None and dates.parse(entry.updated) != dates.parse(known.updated):
                return "changed", f"feed <updated> {entry.updated}, corpus {known.updated}", said
            if entry.comments is not None and entry.comments != known.comment_count:
                return "changed", f"feed thr:total {entry.comments}, corpus comment_count {known.comment_count}", said
        if lastmod is not None and _same_second(lastmod, known.updated) is not True:
            return "changed", f"sitemap <lastmod> {lastmod}, corpus updated {known.updated}", said
        return "unchanged", "feeds and sitemaps unchanged", said


def carried_captures(known: Known, index: DedupIndex) -> tuple[CarriedCapture, ...] | None:
    """The earlier captures that stand for a post not fetched again; None when one of them is not found.

    The post's own sources (its page, its comment feed) are looked up by URL and payload digest: the
    original response record, in whichever crawl first archived that payload. Its images are the newest
    complete 200 capture of each; an image never archived is simply not listed (it was not archived before
    either). A source that was written as a revisit resolves to the original it refers to.
    """
    own_feed = f"/feeds/{known.post_id}/comments/"
    found: list[CarriedCapture] = []
    for source in known.sources:
        role, url = source.get("role"), source.get("url")
        if role not in CARRIED_ROLES or not isinstance(url, str):
            continue
        if role == "comment_feed" and own_feed not in url:
            continue  # the blog-wide comments feed is fetched again anyway
        row = index.original(url, str(source.get("payload_digest") or ""))
        if row is None or not (index.blog_dir / row.file).is_file():
            return None
        found.append(_carried(str(role), row))
    if not any(capture.role in ("post_page", "mobile_page") for capture in found):
        return None
    for url in known.images:
        row = index.latest(url)
        if row is not None and (index.blog_dir / row.file).is_file():
            found.append(_carried("image", row))
    return tuple(found)


def _carried(role: str, row: IndexedCapture) -> CarriedCapture:
    return CarriedCapture(
        role=role,
        url=row.url,
        record_id=row.record_id,
        date=row.date,
        file=row.file,
        offset=row.offset,
        length=row.length,
        payload_digest=row.digest,
        status=row.status,
    )
