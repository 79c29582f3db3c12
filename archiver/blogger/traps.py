"""Crawler trap bounds: when to stop paging, probing and following, so that a hostile blog cannot run forever.

Pure code (no Scrapy, no network): :class:`TrapBounds` holds what the crawl has learnt so far and answers the
spider's questions. Its state changes only while the spider reads a response (links, feeds, sitemaps), so
feeding the captured responses of a crawl through the same code in the same order rebuilds it.

Natural stops end a chain that has nothing more to give; they are counted (``archiver/traps/<bound>``) and
shown as warnings in the summary, but lose nothing known and leave the exit status alone:

- **feed paging** (``feed_empty_page``, ``feed_past_total``): a feed page's ``rel=next`` is not followed when
  the page has no entries, or when the next page would start past ``openSearch:totalResults``;
- **sitemap probing** (``sitemap_no_new``): the page after the last one is probed only when this page added at
  least half a page (:data:`SITEMAP_NEW_FOR_PROBE`) of URLs no earlier sitemap page listed; a page of repeated
  URLs is not "full";
- **archive pages** (``archive_out_of_range``): a year, month or day archive is followed only inside the blog's
  date range, learnt from the months of post URLs (a post's ``/YYYY/MM/`` is in range by definition), the
  months and years the BlogArchive widget lists, the ``published`` dates of feed entries and the feeds'
  ``<updated>`` of the posts feeds (a year the widget lists makes its own year page in range). The range only
  grows; an archive page outside it is held, not dropped, and followed as soon as the range reaches it (so an
  unknown range at the start loses no real month). Those still held at the end were never followed; the
  counter is the number currently held;
- **the** ``updated-max`` **pager** (``pager_no_new_posts``): the home pager (``/search``) and each label's
  pager (``/search/label/NAME``) are chains; a page's pager link is followed only when the page showed a post
  that no earlier page of its chain showed (a real pager never repeats itself; an endless one shows nothing
  new, or nothing at all).

Last resorts, for whatever gets past those: a cap on the requests of each kind (``cap_<kind>``) and a depth
limit in hops from the seed (``depth_limit``). Hitting one means something known was left out, so each URL
refused is also a give-up (``archiver/gave_up/trap_cap_<kind>``, ``trap_depth_limit``): exit status 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from w3lib.url import url_query_parameter

from archiver.blogger.seen import UrlDigests

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SITEMAP_PAGE_SIZE = 150  # URLs on one of Blogger's sitemap pages (sitemap.xml?page=N)
#: new URLs a sitemap page must add before the page after it is probed: half a page tolerates pages that
#: shift while the blog is crawled (a post published meanwhile), a page of repeated URLs adds none
SITEMAP_NEW_FOR_PROBE = SITEMAP_PAGE_SIZE // 2

#: default cap on the requests of each kind: a 20,000-post blog with comment feeds, 1-post pager pages and a
#: label per post stays well inside every one (page requisites are not capped: they link to nothing)
DEFAULT_MAX_PER_KIND: dict[str, int] = {
    "home": 100,
    "post": 200_000,
    "page": 10_000,
    "archive_year": 1_000,
    "archive_month": 12_000,
    "archive_day": 200_000,
    "label": 200_000,
    "search": 200_000,
    "feed": 20_000,
    "comment_feed": 500_000,
    "sitemap": 10_000,
    "other": 100_000,
}
#: default depth limit, in hops from the seed: a chain of newer/older links through every post of a
#: 20,000-post blog, or its pager at one post a page, is 20,000 hops
DEFAULT_MAX_DEPTH = 100_000

Stop = Literal["feed_empty_page", "feed_past_total"]

_YEAR = re.compile(r"^/(\d{4})/?$")
_MONTH = re.compile(r"^/(\d{4})/(\d{2})/?$")
_DAY = re.compile(r"^/(\d{4})_(\d{2})_(\d{2})_archive\.html$")
_POST = re.compile(r"^/(\d{4})/(\d{2})/[^/]+\.html$")
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})")


def _month_number(year: int, month: int) -> int | None:
    """Months since year 0 (``year * 12 + month - 1``), or None for a month that does not exist."""
    if not (1 <= month <= 12) or year < 1:
        return None
    return year * 12 + month - 1


def month_label(number: int) -> str:
    """``YYYY-MM`` of a month number."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def archive_months(url: str) -> tuple[int, int] | None:
    """The first and last month an archive page covers (month numbers), or None when it is no archive page.

    ``/YYYY/`` covers its twelve months, ``/YYYY/MM/`` and ``/YYYY_MM_DD_archive.html`` their month. A month
    that does not exist (``/2013/13/``) covers nothing: ``(1, 0)``, outside every range.
    """
    path = urlsplit(url).path
    match = _YEAR.match(path)
    if match:
        year = int(match.group(1))
        first, last = _month_number(year, 1), _month_number(year, 12)
        return (first, last) if first is not None and last is not None else (1, 0)
    match = _MONTH.match(path) or _DAY.match(path)
    if match:
        number = _month_number(int(match.group(1)), int(match.group(2)))
        return (number, number) if number is not None else (1, 0)
    return None


def post_month(url: str) -> int | None:
    """The month number a post URL's ``/YYYY/MM/`` names, or None."""
    match = _POST.match(urlsplit(url).path)
    return _month_number(int(match.group(1)), int(match.group(2))) if match else None


def date_month(text: str | None) -> int | None:
    """The month number of an ISO 8601 date as Blogger writes it (``2013-09-17T21:38:00.001-04:00``).

    The month is read as written, in the blog's own time zone, which is the one its archive URLs use.
    """
    match = _DATE.match(text or "")
    return _month_number(int(match.group(1)), int(match.group(2))) if match else None


def is_pager(url: str) -> bool:
    """Tell whether a URL is a page of an ``updated-max`` pager (``/search?…`` or ``/search/label/NAME?…``)."""
    parts = urlsplit(url)
    if not (parts.path in ("/search", "/search/") or parts.path.startswith("/search/label/")):
        return False
    return url_query_parameter(url, "updated-max", keep_blank_values=True) is not None


def pager_chain(url: str) -> str | None:
    """The pager chain a listing page belongs to: ``/search`` (home and its pager) or ``/search/label/NAME``."""
    path = urlsplit(url).path
    if path in ("", "/", "/search", "/search/"):
        return "/search"
    if path.startswith("/search/label/"):
        return path.rstrip("/")
    return None


@dataclass
class TrapBounds:
    """What the crawl knows that bounds it, and the spider's decisions from it.

    It holds the blog's date range, the sitemap URLs and pager posts seen, and how many requests of each kind
    were let through. Every method is a decision of the spider's.
    """

    max_per_kind: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_PER_KIND))
    max_depth: int = DEFAULT_MAX_DEPTH  # 0: no limit
    first_month: int | None = None
    last_month: int | None = None
    years: set[int] = field(default_factory=set)  # years the BlogArchive widget lists
    admitted: dict[str, int] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    # post URLs listed by the sitemaps, and shown by each pager chain: 16-byte digests (about 100 bytes a URL)
    sitemap_seen: UrlDigests = field(default_factory=UrlDigests)
    pager_seen: dict[str, UrlDigests] = field(default_factory=dict)
    held: dict[str, Any] = field(default_factory=dict)  # archive URL -> the caller's payload, in arrival order

    # -- the blog's date range -------------------------------------------------------------------------

    def learn_month(self, number: int | None) -> bool:
        """Widen the range to include a month; True when it grew."""
        if number is None:
            return False
        grew = False
        if self.first_month is None or number < self.first_month:
            self.first_month, grew = number, True
        if self.last_month is None or number > self.last_month:
            self.last_month, grew = number, True
        return grew

    def learn_archive(self, url: str) -> bool:
        """Take in an archive page the blog itself lists (its BlogArchive widget); True when the range grew.

        A month (or day) widens the range to it; a year makes its own page in range, not its twelve months
        (the widget lists a year's months, or its posts name them).
        """
        months = archive_months(url)
        if months is None or months[0] > months[1]:
            return False
        if months[0] != months[1]:
            year = months[0] // 12
            if year in self.years:
                return False
            self.years.add(year)
            return True
        return self.learn_month(months[0])

    def in_range(self, url: str) -> bool:
        """Tell whether an archive page covers a month of the known range (False while no range is known)."""
        months = archive_months(url)
        if months is None:
            return True  # not an archive page: not this bound's business
        if months[0] != months[1] and months[0] <= months[1] and months[0] // 12 in self.years:
            return True
        if self.first_month is None or self.last_month is None:
            return False
        return months[0] <= self.last_month and months[1] >= self.first_month

    def hold(self, url: str, payload: Any) -> None:
        """Keep an archive page outside the range until the range reaches it."""
        self.held.setdefault(url, payload)

    def release(self) -> list[tuple[str, Any]]:
        """The held archive pages the range now reaches, in the order they were held; no longer held."""
        ready = [(url, payload) for url, payload in self.held.items() if self.in_range(url)]
        for url, _ in ready:
            del self.held[url]
        return ready

    def range_label(self) -> str:
        """``YYYY-MM..YYYY-MM``, or ``unknown``."""
        if self.first_month is None or self.last_month is None:
            return "unknown"
        return f"{month_label(self.first_month)}..{month_label(self.last_month)}"

    # -- feeds, sitemaps, pagers -----------------------------------------------------------------------

    @staticmethod
    def feed_stop(entries: int, total: int | None, start_index: int | None, next_start: int | None) -> Stop | None:
        """Why a feed page's ``rel=next`` is not followed, or None to follow it.

        ``entries`` on this page; ``total`` is ``openSearch:totalResults``, ``start_index`` this page's
        ``openSearch:startIndex`` (1-based), ``next_start`` the ``start-index`` of the next link; each None
        when the feed does not say.
        """
        if entries <= 0:
            return "feed_empty_page"
        if total is not None:
            if next_start is None and start_index is not None:
                next_start = start_index + entries
            if next_start is not None and next_start > total:
                return "feed_past_total"
        return None

    def sitemap_new(self, urls: Iterable[str]) -> int:
        """Remember a sitemap page's URLs; how many no earlier sitemap page listed."""
        new = 0
        for url in urls:
            if url not in self.sitemap_seen:
                self.sitemap_seen.add(url)
                new += 1
        return new

    def pager_new(self, chain: str, posts: Iterable[str]) -> int:
        """Remember the posts a page of a pager chain shows; how many no earlier page of the chain showed."""
        seen = self.pager_seen.get(chain)
        if seen is None:
            seen = self.pager_seen[chain] = UrlDigests()
        new = 0
        for post in posts:
            if post not in seen:
                seen.add(post)
                new += 1
        return new

    # -- last resorts ----------------------------------------------------------------------------------

    def admit(self, kind: str) -> bool:
        """Count one more request of a kind; False (and not counted) when its cap is reached."""
        count = self.admitted.get(kind, 0)
        cap = self.max_per_kind.get(kind)
        if cap is not None and cap > 0 and count >= cap:
            return False
        self.admitted[kind] = count + 1
        return True

    def too_deep(self, depth: int) -> bool:
        """Tell whether a request this many hops from the seed is past the depth limit."""
        return self.max_depth > 0 and depth > self.max_depth

    def refuse_once(self, url: str) -> bool:
        """Remember a URL a last resort refused; True the first time (count it once, however often linked)."""
        if url in self.refused:
            return False
        self.refused.add(url)
        return True
