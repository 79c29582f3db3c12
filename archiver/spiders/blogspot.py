"""The ``blogspot`` spider: navigation only. It decides what to fetch next from what each response links to.

Discovery uses every route Blogger offers, so that a post reachable by only one of them is still found:
robots.txt ``Sitemap:`` lines, the sitemap index and its pages, the paged Atom feeds of posts, comments and
static pages, the home page and its pager, year and month archives (also derived from every post URL),
label pages, post pages (whose newer/older links chain every post) and static pages. Label pages and the
pager live under ``/search``, which blogspot's robots.txt forbids; nothing depends on them.

Resuming: the WARC files are the crawl's durable state. A resumed crawl (setting ``ARCHIVER_RESUME``, set by
``archiver crawl --resume``) reads the captures its folder already holds (:mod:`archiver.warc.captures`),
fetches none of them again, and runs the links of every archived page back through the same discovery code,
so the frontier is rebuilt as the earlier runs found it, whatever moment a hard kill struck. Scrapy's JOBDIR
is not used: its on-disk queue and duplicate filter do not survive a SIGKILL consistently.

No wasted requests. A request is left out only when archived evidence proves it would add nothing; each
rule is counted in ``archiver/skipped/<rule>`` and shown on the summary's ``skipped`` line
(``ARCHIVER_DISCOVERY_SKIP_PROVEN``):

- ``empty_comment_feed``: a post's own comment feed (``/feeds/POSTID/comments/...``, linked from its page and
  its mobile page) is not fetched when a posts feed entry of the post says ``thr:total`` 0 and that feed's
  response is archived (its capture written, or held by an earlier run of the crawl). When the comment-feed
  link is found before any archived posts feed spoke of the post, the request is held, not guessed: it is
  decided when such a feed is archived, and at the latest when discovery first runs dry (``spider_idle``,
  as an incremental crawl decides its known posts), when a post no archived feed spoke of is fetched. When
  several archived feed entries speak of a post, the highest count decides: a later entry with comments
  releases a skipped feed.
- Variants of one URL (``blogger.com/feeds/BLOGID/...`` and the blog's own ``/feeds/...``, ``http``/``https``,
  the ``?m=1`` page when mobile variants are off) are one URL after :func:`~archiver.blogger.urls.canonicalize`
  and are fetched once (that is not counted: the variant is never asked for). A feed's other representations
  (``?alt=rss``, another page size) are different responses a replayed page asks for, and are fetched.

Parsing lives in :mod:`archiver.blogger.discover`, URL rules in :mod:`archiver.blogger.urls`, recording in the
WARC middleware. When that middleware has already read a response's links it leaves them in
``response.meta["archiver_discovered"]`` and they are not parsed twice.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Headers
from scrapy.http.request import NO_CALLBACK
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import deferred_from_coro
from w3lib.url import url_query_parameter

from archiver import signals as archiver_signals
from archiver.blogger import discover
from archiver.blogger.seen import UrlDigests
from archiver.blogger.traps import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_PER_KIND,
    SITEMAP_NEW_FOR_PROBE,
    TrapBounds,
    date_month,
    is_pager,
    pager_chain,
    post_month,
)
from archiver.blogger.urls import (
    DEFAULT_ASSET_HOSTS,
    NEVER_PARSED_KINDS,
    UrlError,
    archive_urls,
    blog_feed_url,
    blog_home,
    blogspot_host,
    canonicalize,
    classify,
    in_scope,
    original_image_url,
    trap_reason,
)
from archiver.giveup import STATS_PREFIX, GaveUp, count_give_up
from archiver.httputil import DecodeError, decode_content, header_codings
from archiver.incremental import (
    DEFAULT_AUDIT_RATE,
    Carry,
    Evidence,
    IncrementalError,
    Known,
    audit_period,
    audited,
    carried_captures,
    earlier_complete_crawls,
    load_known,
)
from archiver.middlewares.warc import DISCOVERED_KEY
from archiver.records.warcread import Originals
from archiver.warc.captures import StoredCapture, iter_captures, warc_files
from archiver.warc.dedup import DedupIndex
from archiver.warc.writer import WarcError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://gongminziyoulianmeng.blogspot.com/"

#: scheduling priority per kind: structure first (robots, sitemaps, feeds), then pages, then requisites
PRIORITY: dict[str, int] = {
    "home": 100,
    "robots": 90,
    "sitemap": 90,
    "feed": 80,
    "comment_feed": 70,
    "archive_year": 60,
    "archive_month": 60,
    "archive_day": 55,
    "post": 50,
    "page": 50,
    "css": 45,
    "label": 20,
    "search": 20,
    "other": 15,
    "js": 10,
    "icon": 10,
    "image": 5,
    "font": 5,
    "asset": 5,
}
#: WARC metadata hop letters (Heritrix): L link, E embed, R redirect, P prerequisite, X specially found
HOP_LINK, HOP_EMBED, HOP_SEED, HOP_SPECIAL = "L", "E", "-", "X"
#: archive pages, followed only inside the blog's known date range (archiver.blogger.traps)
_ARCHIVE_KINDS = frozenset({"archive_year", "archive_month", "archive_day"})
#: URLs left out by a per-kind cap or the depth limit that are logged one by one (the rest only counted)
_REFUSALS_LOGGED = 10
#: request meta key: the URL as the spider asked for it (kept through redirects), for the unfetched check
URL_KEY = "archiver_url"
#: redirect hops followed from an archived seed before giving up on finding its archived home page
_MAX_SEED_HOPS = 10
#: a per-post comment feed: /feeds/<post id>/comments/...
_POST_COMMENT_FEED = re.compile(r"/feeds/(\d+)/comments/")
#: pages whose archived requisites an incremental crawl fetches again (the template, and posts fetched again)
_REQUISITES_REFETCHED_FOR = frozenset({"home", "post", "page"})


def _param(url: str, name: str) -> str | None:
    """The first value of a query parameter (``""`` when blank), or None."""
    return url_query_parameter(url, name, keep_blank_values=True)


class BlogspotSpider(Spider):
    """Crawl one Blogger blog (spider argument ``url``) and everything it needs to display.

    Reads ARCHIVER_DISCOVERY_* (feed page size, comment feeds, search pages, mobile variants, image
    originals, skipping what the archive proves empty), ARCHIVER_WARC_ENABLED, ARCHIVER_SCOPE_ASSET_HOSTS,
    ROBOTSTXT_OBEY, ARCHIVER_TRAPS_*, ARCHIVER_RESUME and ARCHIVER_WARC_DIR (the captures a resumed crawl
    already holds). It writes no setting: the crawl's folders
    and identity are laid out from its ``blog_host`` by :mod:`archiver.layout` before any component is built.
    """

    name = "blogspot"

    def __init__(self, url: str = DEFAULT_URL, *args: Any, **kwargs: Any) -> None:
        """Validate the blog URL; raises UrlError naming it when it cannot be a blog."""
        super().__init__(*args, **kwargs)
        self.start_url = blog_home(url)
        given = url.strip()
        # the home page is fetched as given (http:// included), so that a redirect to https is archived too
        given_parts = urlsplit(given)
        self.seed_url = self.start_url
        if given_parts.scheme.lower() == "http" and given_parts.path in ("", "/") and not given_parts.query:
            self.seed_url = "http://" + self.start_url.split("://", 1)[1]
        self.extra_seed = given if classify(given) in ("post", "page") else None
        parts = urlsplit(self.start_url)
        self.blog_scheme = parts.scheme
        self.blog_host = parts.netloc
        self.blog_hosts: set[str] = {self.blog_host}
        self.blog_id: str | None = None
        self.feed_page_size = 150
        self.comment_feeds = True
        self.search_pages = True
        self.mobile = False
        self.image_original = "s1600"
        self.obey_robots = True
        self.asset_hosts: tuple[str, ...] = DEFAULT_ASSET_HOSTS
        # every URL asked for, as 16-byte digests (about 100 bytes a URL, archiver.blogger.seen); those not
        # done yet are also kept by name in ``outstanding``, for the unfetched check at the end
        self.requested = UrlDigests()
        self.outstanding: dict[str, None] = {}
        self.posts_found: set[str] = set()
        self.sitemap_pages: set[int] = set()
        # trap bounds (ARCHIVER_TRAPS_*): the blog's date range, pager and sitemap state, per-kind caps
        self.traps = TrapBounds()
        # raw links already dealt with: a link repeated on every page (sidebar, archive widget) is decided once
        self._settled: set[str] = set()
        self._seeded = False
        self.resume = False
        # URLs (as requested) with a capture or a final failure; the rest is "unfetched" at the end
        self.done = UrlDigests()
        # WARC-Target-URIs of the captures earlier runs of this crawl archived (a resumed crawl)
        self.captured = UrlDigests()
        self.earlier_posts = 0  # post pages (not their mobile variants) among them, for the progress line
        self._earlier: list[StoredCapture] = []
        self._seed_chain: set[str] = set()
        # robots.txt Sitemap lines read before the home page passed the Blogger check
        self._pending_sitemaps: list[tuple[str, str]] = []
        self._corpus_checked = False
        # incremental recrawl (ARCHIVER_INCREMENTAL, archiver.incremental): None for a full crawl
        self.incremental: _Incremental | None = None
        # a worker of a shared frontier (ARCHIVER_FRONTIER, archiver.frontier)
        self.frontier = False
        # requests that archived evidence proves would add nothing (ARCHIVER_DISCOVERY_SKIP_PROVEN)
        self.proven = _ProvenSkips()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Create the spider, read its settings and connect it to the crawl's signals."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.feed_page_size = settings.getint("ARCHIVER_DISCOVERY_FEED_PAGE_SIZE", 150)
        spider.comment_feeds = settings.getbool("ARCHIVER_DISCOVERY_COMMENT_FEEDS", True)
        spider.search_pages = settings.getbool("ARCHIVER_DISCOVERY_SEARCH_PAGES", True)
        spider.mobile = settings.getbool("ARCHIVER_DISCOVERY_MOBILE", False)
        spider.image_original = settings.get("ARCHIVER_DISCOVERY_IMAGE_ORIGINAL", "s1600") or ""
        spider.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        spider.asset_hosts = tuple(settings.getlist("ARCHIVER_SCOPE_ASSET_HOSTS", list(DEFAULT_ASSET_HOSTS)))
        spider.traps = TrapBounds(
            max_per_kind={**DEFAULT_MAX_PER_KIND, **settings.getdict("ARCHIVER_TRAPS_MAX_PER_KIND")},
            max_depth=settings.getint("ARCHIVER_TRAPS_MAX_DEPTH", DEFAULT_MAX_DEPTH),
        )
        spider.resume = settings.getbool("ARCHIVER_RESUME")
        spider.proven.enabled = settings.getbool("ARCHIVER_DISCOVERY_SKIP_PROVEN", True)
        # without WARC files nothing is archived: the responses themselves are then the only evidence
        spider.proven.unarchived = not settings.getbool("ARCHIVER_WARC_ENABLED", True)
        # frontier mode (archiver.frontier): other workers fetch some of what this one asks for
        spider.frontier = bool(settings.get("ARCHIVER_FRONTIER"))
        if settings.getbool("ARCHIVER_INCREMENTAL"):
            rate = settings.getfloat("ARCHIVER_INCREMENTAL_AUDIT", DEFAULT_AUDIT_RATE)
            if not 0 <= rate <= 1:
                raise IncrementalError(f"ARCHIVER_INCREMENTAL_AUDIT must be between 0 and 1, not {rate}")
            spider.incremental = _Incremental(audit_rate=rate)
        crawler.signals.connect(spider.response_received, signal=signals.response_received)
        crawler.signals.connect(spider.capture_written, signal=archiver_signals.capture_written)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    # -- seeds ------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        """Fetch the home page first: it tells the blog's final host (custom domains) and proves it is Blogger."""
        if self.settings.get("JOBDIR"):
            logger.warning(
                "JOBDIR is set but not used to resume: a resumed crawl rebuilds its frontier from its "
                "WARC files (ARCHIVER_RESUME); Scrapy's queue in JOBDIR may fetch some URLs twice"
            )
        if not self._load_earlier_captures():
            return
        if self.incremental is not None and not self._start_incremental(self.incremental):
            return
        home = self._archived_home()
        if home is not None:  # the home page was archived: replay it, and every other capture after it
            for request in self.parse_home(home):
                yield request
            return
        self._ask(self.start_url)
        self._ask(self.seed_url)
        yield Request(
            self.seed_url,
            callback=self.parse_home,
            errback=self.on_error,
            priority=PRIORITY["home"],
            meta={"archiver_seed": True, "archiver_hop": HOP_SEED, "archiver_kind": "home", URL_KEY: self.seed_url},
        )
        if self.extra_seed:
            for request in self.follow(self.extra_seed, via=None, hop=HOP_SEED):
                yield request

    def _seed_requests(self) -> Iterator[Request]:
        """Every discovery route that does not need a link: robots, sitemaps, paged feeds, favicon."""
        base = f"{self.blog_scheme}://{self.blog_host}"
        size = self.feed_page_size
        seeds = [
            "/sitemap.xml",
            "/sitemap-pages.xml",
            f"/feeds/posts/default?max-results={size}",
            f"/feeds/comments/default?max-results={size}",
            f"/feeds/pages/default?max-results={size}",
            "/favicon.ico",
        ]
        if not self.obey_robots:  # when obeyed, Scrapy's RobotsTxtMiddleware fetches it (and it is archived)
            seeds.insert(0, "/robots.txt")
        for path in seeds:
            yield from self.follow(base + path, via=None, hop=HOP_SPECIAL)

    # -- callbacks --------------------------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Request]:
        """Learn the blog's host from the (possibly redirected) home page, check it is Blogger, then seed."""
        found = self._discovered(response)
        host = urlsplit(response.url).netloc
        if host != self.blog_host:
            logger.info("The blog at %s is served from %s", self.blog_host, host)
            self.blog_hosts.add(host)
            self.blog_host = host
            self.blog_scheme = urlsplit(response.url).scheme
            self._settled.clear()  # links are judged against the blog's host
        if not found.is_blogger:
            logger.error("%s is not a Blogger blog: its home page has no Blogger markup", self.start_url)
            self._pending_sitemaps.clear()  # nothing is discovered from a site that is not a Blogger blog
            self._close("not_a_blogger_blog")
            return
        self.blog_id = found.blog_id
        self._seeded = True
        self._settled.clear()  # and against its blog id (feed links on www.blogger.com)
        yield from self._seed_requests()
        yield from self._follow_all(response, found)
        for robots_url, sitemap in self._pending_sitemaps:
            yield from self.follow(sitemap, via=robots_url, hop=HOP_LINK)
        self._pending_sitemaps.clear()
        if self._earlier:
            yield from self._replay_earlier()

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """Follow what any other response links to."""
        found = self._discovered(response)
        if self.frontier and not self._seeded and found.is_blogger:
            # frontier mode: another worker may have fetched the home page; learn the blog id from this page
            self.blog_id = found.blog_id
            self._seeded = True
        yield from self._follow_all(response, found)

    def on_error(self, failure: Failure) -> None:
        """Count failures by kind; the crawl log has the details of every attempt.

        This is the final outcome of a request, after its retries: a 5xx or 429 answer, or a fetch that
        failed (reset, timeout, body cut short), is counted in ``archiver/gave_up/<status or exception>``.
        """
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        stats: Any = self.crawler.stats
        if request is not None:
            self._mark_done(request)
            self.crawler.signals.send_catch_log(archiver_signals.request_settled, request=request)
            if request.meta.get("archiver_seed") and not self._seeded:
                self._seed_failed(request, failure)
                return
        if isinstance(failure.value, GaveUp):
            count_give_up(
                stats, failure.value.reason, request.url if request is not None else "?", failure.value.message
            )
            return
        if response is not None:
            stats.inc_value(f"archiver/http_errors/{response.status}")
            if response.status >= 500 or response.status == 429:
                stats.inc_value(f"archiver/gave_up/{response.status}")
            logger.debug("HTTP %s for %s", response.status, response.url)
        elif not isinstance(failure.value, IgnoreRequest):  # robots.txt and scope refusals are decisions, not failures
            stats.inc_value(f"archiver/gave_up/{type(failure.value).__name__}")
            logger.warning("Gave up on %s: %s", request.url if request is not None else "?", failure.value)
        else:
            logger.debug("Not fetched %s: %s", request.url if request is not None else "?", failure.value)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        """Read the Sitemap lines of the robots.txt that Scrapy's RobotsTxtMiddleware fetched for the blog.

        Without WARC files (ARCHIVER_WARC_ENABLED off) no capture_written ever comes: a response that reached
        the engine is then what makes its URL done.
        """
        if self.proven.unarchived:
            self._mark_done(request)
        if request.callback is not NO_CALLBACK or urlsplit(request.url).path != "/robots.txt":
            return
        if urlsplit(request.url).netloc not in self.blog_hosts or response.status != 200:
            return
        found = discover.robots_sitemaps(request.url, response.text if hasattr(response, "text") else "")
        for follow in self._robots_requests(request.url, found.sitemaps):
            if self.crawler.engine is not None:
                self.crawler.engine.crawl(follow)

    def _robots_requests(self, robots_url: str, sitemaps: tuple[str, ...] | list[str]) -> list[Request]:
        """Requests for robots.txt's Sitemap lines; held back until the home page has proved the site is Blogger."""
        if not self._seeded:
            self._pending_sitemaps.extend((robots_url, url) for url in sitemaps)
            return []
        return [follow for url in sitemaps for follow in self.follow(url, via=robots_url, hop=HOP_LINK)]

    def capture_written(self, request: Request, **_: Any) -> None:
        """Note that a URL the spider asked for has its capture (redirect hops included).

        A posts feed read before its capture was written becomes evidence now (:meth:`_learn_comment_totals`).
        """
        self._mark_done(request)
        pending = self.proven.pending.pop(request.url, None)
        if pending is not None and self.crawler.engine is not None:
            for follow in self._learn_comment_totals(pending):
                self.crawler.engine.crawl(follow)

    def _mark_done(self, request: Request) -> None:
        """The URL the spider asked for and the one fetched (after redirects) have their answer."""
        for url in (request.meta.get(URL_KEY, request.url), request.url):
            self.done.add(url)
            self.outstanding.pop(url, None)

    def spider_idle(self, spider: Spider) -> None:
        """When discovery has run dry, ask once more for every post and page the blog's corpus knows of.

        A post deleted since an earlier crawl is linked from nothing any more, so discovery never fetches its
        URL; without the answer (404 or 410) the change history could only call it missing. Posts still
        linked were asked for already and are not fetched twice (ARCHIVER_DISCOVERY_CORPUS_RECHECK).
        """
        released: list[Request] = []
        if self._seeded and not self.proven.feeds_in:
            self.proven.feeds_in = True  # what no archived feed spoke of by now is fetched, not guessed
            released.extend(self._release_held_comment_feeds())
        if self.incremental is not None and self._seeded and not self.incremental.decided:
            released.extend(self._decide_known_posts(self.incremental))
        if released and self.crawler.engine is not None:
            for request in released:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        if self._corpus_checked or not self._seeded or not self.settings.getbool("ARCHIVER_DISCOVERY_CORPUS_RECHECK"):
            return
        self._corpus_checked = True
        # everything follow() asks for is fetched (a URL asked for and dropped would count as unfetched)
        requests = [request for url in self._corpus_urls() for request in self.follow(url, via=None, hop=HOP_SPECIAL)]
        if not requests or self.crawler.engine is None:
            return
        stats: Any = self.crawler.stats
        stats.set_value("archiver/discovered/corpus_recheck", len(requests))
        logger.info("Asking again for %d posts and pages of the corpus that discovery did not find", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _corpus_urls(self) -> list[str]:
        """The URLs of the posts and static pages in the blog's corpus, in file order."""
        folder = self.settings.get("ARCHIVER_POSTS_CORPUS_DIR")
        if not folder:
            return []
        urls: list[str] = []
        for name in ("posts.jsonl", "pages.jsonl"):
            path = Path(folder) / name
            if not path.is_file():
                continue
            with path.open(encoding="utf-8") as stream:
                for line in stream:
                    try:
                        url = json.loads(line).get("url")
                    except (ValueError, AttributeError):
                        continue  # the corpus is read again by the records extension, which reports it
                    if isinstance(url, str):
                        urls.append(url)
        return urls

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """A crawl that ran dry while URLs it asked for have neither a capture nor a failure did not finish.

        An incremental crawl also counts the archived requisites it did not fetch again, and closes the index.

        Scrapy drops some requests without an errback (its duplicate filter, spider middlewares): such a URL
        is counted in ``archiver/gave_up/unfetched`` and named, so the exit status says the crawl is incomplete.
        """
        if self.incremental is not None:
            self._close_incremental(self.incremental)
        if reason != "finished" or self.frontier:  # frontier mode: archiver.frontier checks across the workers
            return
        left = sorted(
            url
            for url in self.outstanding
            if url not in self.done
            and url not in self.captured
            and Request(url).url not in self.done
            and Request(url).url not in self.captured
        )
        if left:
            stats: Any = self.crawler.stats
            stats.inc_value(STATS_PREFIX + "unfetched", len(left))
            logger.warning(
                "%d URLs asked for were neither archived nor failed (dropped before download): %s%s",
                len(left),
                ", ".join(left[:5]),
                " ..." if len(left) > 5 else "",
            )

    # -- following --------------------------------------------------------------------------------------

    def _discovered(self, response: Response) -> discover.Discovered:
        """The links of a response: the WARC middleware's reading if it made one, else parsed here."""
        found = response.meta.get(DISCOVERED_KEY)
        if isinstance(found, discover.Discovered):
            return found
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        return discover.extract(response.url, content_type, response.body)

    def _follow_all(self, response: Response, found: discover.Discovered) -> Iterator[Request]:
        """Requests for everything worth fetching that a response points to.

        The trap bounds (:mod:`archiver.blogger.traps`) are updated here and only here, from the response: what
        it tells of the blog's date range is learnt before its archive links are judged (archive pages held
        earlier that the range now reaches come first), and a pager page that showed no new post of its chain
        does not lead to the next one.
        """
        source = response.url
        source_kind = classify(source)
        depth = int(response.meta.get("depth") or 0) + 1
        on_blog = urlsplit(source).netloc in self.blog_hosts
        if on_blog:
            yield from self._learn_range(source, source_kind, found)
        if self.incremental is not None and found.entries and on_blog:
            self._note_evidence(self.incremental, source, source_kind, found)
        if found.entries and on_blog and source_kind == "feed" and "/feeds/posts/" in source:
            yield from self._note_comment_totals(response, found)
        pager_open = on_blog and self._pager_shows_new(source, source_kind, found)
        pager_closed: list[str] = []
        for url in found.links:
            if is_pager(url) and not pager_open:
                pager_closed.append(url)
                continue
            yield from self.follow(url, via=source, hop=HOP_LINK, source_kind=source_kind, depth=depth)
        if pager_closed and pager_chain(source) is not None and source_kind in ("home", "search", "label"):
            self._count_pager_stop(source, pager_closed)
        for url in found.requisites:
            yield from self.follow(url, via=source, hop=HOP_EMBED, depth=depth)
        for url in found.sitemaps:
            yield from self.follow(url, via=source, hop=HOP_LINK, depth=depth)
        if source_kind == "sitemap":
            yield from self._probe_sitemap(source, found, depth)
        if found.next_page and self._follows_next(source, source_kind, found):
            yield from self.follow(found.next_page, via=source, hop=HOP_LINK, depth=depth)
        if self.comment_feeds:
            for url in found.comment_feeds:
                yield from self.follow(url, via=source, hop=HOP_LINK, depth=depth)

    def _learn_range(self, source: str, source_kind: str, found: discover.Discovered) -> list[Request]:
        """Widen the blog's date range with what a response of the blog shows; the held archives it now reaches."""
        grew = False
        for url in found.archive_links:  # the BlogArchive widget: months (and years) the blog says it has
            if self._on_blog_link(url):
                grew |= self.traps.learn_archive(url)
        for url in found.links:  # a post's /YYYY/MM/ is in range by definition
            if self._on_blog_link(url):
                grew |= self.traps.learn_month(post_month(url))
        if source_kind == "feed" and "/feeds/posts/" in source:  # <updated> and every post's <published>
            for text in found.dates:
                grew |= self.traps.learn_month(date_month(text))
        return self._release_archives() if grew else []

    def _on_blog_link(self, url: str) -> bool:
        netloc = urlsplit(url).netloc.lower()
        return netloc in self.blog_hosts or blogspot_host(netloc) in self.blog_hosts

    def _release_archives(self) -> list[Request]:
        """Requests for the held archive pages the blog's date range now reaches, in the order they were held."""
        requests = []
        for url, (kind, via, hop, depth) in self.traps.release():
            requests.append(self._request(url, kind, via=via, hop=hop, depth=depth))
        stats: Any = self.crawler.stats
        stats.set_value("archiver/traps/archive_out_of_range", len(self.traps.held))
        return [request for request in requests if request is not None]

    def _pager_shows_new(self, source: str, source_kind: str, found: discover.Discovered) -> bool:
        """Tell whether a listing page showed a post no earlier page of its pager chain showed."""
        chain = pager_chain(source) if source_kind in ("home", "search", "label") else None
        if chain is None:
            return False
        posts = []
        # the posts of the main column: the sidebar (an expanded archive month, popular posts) is on every page
        for url in found.listing_links if found.listing_links is not None else found.links:
            if classify(url) == "post" and self._on_blog_link(url):
                try:
                    posts.append(canonicalize(url, self.blog_host, blog_scheme=self.blog_scheme))
                except UrlError:
                    continue
        return self.traps.pager_new(chain, posts) > 0

    def _count_pager_stop(self, source: str, links: list[str]) -> None:
        """Count a pager chain stopped at a page that showed nothing new (once, if its next page is unasked)."""
        for url in links:
            try:
                canonical = canonicalize(
                    blog_feed_url(url, self.blog_host, self.blog_id), self.blog_host, blog_scheme=self.blog_scheme
                )
            except UrlError:
                continue
            if canonical not in self.requested:
                stats: Any = self.crawler.stats
                stats.inc_value("archiver/traps/pager_no_new_posts")
                logger.info("Pager stopped at %s: it shows no post its earlier pages did not show", source)
                return

    def _follows_next(self, source: str, source_kind: str, found: discover.Discovered) -> bool:
        """Page through our own feed chains and per-post comment feeds, not through every feed variant.

        Paging stops at a page without entries, or when the next page would start past the feed's
        ``openSearch:totalResults`` (counted in ``archiver/traps/feed_empty_page``/``feed_past_total``).
        """
        next_page = found.next_page or ""
        if source_kind == "comment_feed" and "/feeds/comments/" not in source:
            pass  # a per-post comment feed: all its comments
        elif _param(next_page, "max-results") != str(self.feed_page_size):
            return False
        next_start = _param(next_page, "start-index")
        stop = TrapBounds.feed_stop(
            found.url_count,
            found.total_results,
            found.start_index,
            int(next_start) if next_start and next_start.isdigit() else None,
        )
        if stop is not None:
            stats: Any = self.crawler.stats
            stats.inc_value(f"archiver/traps/{stop}")
            logger.info(
                "Feed paging stopped at %s (%s: %d entries, totalResults %s)",
                source,
                stop,
                found.url_count,
                found.total_results,
            )
            return False
        return True

    def _probe_sitemap(self, source: str, found: discover.Discovered, depth: int = 0) -> Iterator[Request]:
        """Blogger's index may list fewer pages than exist: after a full last page, try the next one.

        A page is full when it adds at least half a page of URLs no earlier sitemap page listed; a page that
        looks full but adds less ends the probing (``archiver/traps/sitemap_no_new``).
        """
        stats: Any = self.crawler.stats
        listed = {url for url in found.links if url not in self.traps.sitemap_seen and classify(url) == "post"}
        if listed:  # the live progress line's total (archiver.extensions.progress.SITEMAP_POSTS)
            stats.inc_value("archiver/sitemap/posts", len(listed))
        new = self.traps.sitemap_new(found.links)
        page = _param(source, "page")
        if page is None or not page.isdigit():
            return
        number = int(page)
        self.sitemap_pages.add(number)
        if found.url_count < discover.SITEMAP_PAGE_SIZE or number + 1 in self.sitemap_pages:
            return
        if new < SITEMAP_NEW_FOR_PROBE:
            stats.inc_value("archiver/traps/sitemap_no_new")
            logger.info("Sitemap probing stopped at %s: %d of its %d URLs are new", source, new, found.url_count)
            return
        base = source.split("?", 1)[0]
        yield from self.follow(f"{base}?page={number + 1}", via=source, hop=HOP_SPECIAL, depth=depth)

    def follow(
        self, url: str, *, via: str | None, hop: str, source_kind: str | None = None, depth: int = 0
    ) -> list[Request]:
        """Requests for a URL found somewhere and what it implies (archives of a post, an image's original).

        Empty when the URL is out of scope, a Blogger trap, already asked for, an archive page outside the
        blog's known date range (held until the range reaches it), or past a last-resort bound (a per-kind
        cap, or ``depth`` hops from the seed past the depth limit).
        """
        if url in self._settled and not self._refetch_held(url, via):
            return []
        stats: Any = self.crawler.stats
        raw = url
        url = blog_feed_url(url, self.blog_host, self.blog_id)
        try:
            canonical = canonicalize(url, self.blog_host, blog_scheme=self.blog_scheme)
        except UrlError as exc:
            self._settled.add(raw)
            if urlsplit(raw).scheme.lower() in ("http", "https", ""):  # mailto:, javascript: are not links to fetch
                stats.inc_value("archiver/links/invalid")  # once per distinct link
                logger.debug("Not followed: %s", exc)
            return []
        if not in_scope(canonical, self.blog_hosts, self.asset_hosts):
            self._settled.add(raw)
            stats.inc_value("archiver/links/out_of_scope")  # once per distinct link
            return []
        kind = classify(canonical)
        on_blog = urlsplit(canonical).netloc in self.blog_hosts
        if on_blog and not self._allowed_on_blog(canonical, kind, source_kind):
            if kind not in ("label", "search"):  # a trap is refused wherever it is linked from
                self._settled.add(raw)
            return []
        self._settled.add(raw)
        if on_blog and kind in _ARCHIVE_KINDS and not self.traps.in_range(canonical):
            if canonical not in self.requested:
                self.traps.hold(canonical, (kind, via, hop, depth))
                stats.set_value("archiver/traps/archive_out_of_range", len(self.traps.held))
                logger.debug("Held %s: outside the blog's dates known so far (%s)", canonical, self.traps.range_label())
            return []
        requests = [self._request(canonical, kind, via=via, hop=hop, depth=depth)]
        if self.incremental is not None and canonical in self.incremental.held_requisites:
            self.incremental.held_raw.add(raw)  # a page fetched again that links to it fetches it after all
        if kind == "post":
            self._note_post(canonical)
            if on_blog and self.traps.learn_month(post_month(canonical)):
                requests.extend(self._release_archives())
            requests.extend(
                self._request(archive, classify(archive), via=canonical, hop=HOP_SPECIAL, depth=depth)
                for archive in archive_urls(canonical)
            )
        if kind == "image" and self.image_original:
            original = original_image_url(canonical, self.image_original)
            if original and original != canonical:
                requests.append(self._request(original, "image", via=via, hop=HOP_EMBED, depth=depth))
        if self.mobile and kind in ("home", "post", "page"):
            mobile = canonical + ("&" if "?" in canonical else "?") + "m=1"
            requests.append(self._request(mobile, kind, via=via, hop=HOP_SPECIAL, depth=depth))
        return [request for request in requests if request is not None]

    def _allowed_on_blog(self, url: str, kind: str, source_kind: str | None) -> bool:
        """Blog-side crawl policy: no Blogger traps; search pages only when enabled and from their own chain."""
        stats: Any = self.crawler.stats
        reason = trap_reason(url)
        if reason is not None:
            stats.inc_value(f"archiver/links/skipped/{reason.replace(' ', '_')}")
            return False
        if kind in ("label", "search"):
            if not self.search_pages:
                return False
            if _param(url, "updated-max") is not None:
                # pager windows: follow the home pager chain and each label's own chain, not every archive's
                if kind == "search" and source_kind not in ("home", "search"):
                    return False
                if kind == "label" and source_kind != "label":
                    return False
        return True

    def _note_post(self, url: str) -> None:
        if url not in self.posts_found:
            self.posts_found.add(url)
            stats: Any = self.crawler.stats
            stats.set_value("archiver/posts/found", len(self.posts_found))

    def _refuse(self, url: str, bound: str, reason: str, message: str) -> None:
        """Count a URL a last-resort bound left out: a trap warning and a give-up (exit status 3), once per URL.

        The first :data:`_REFUSALS_LOGGED` of each bound are logged with their URL; the rest are only counted.
        """
        if not self.traps.refuse_once(url):
            return
        stats: Any = self.crawler.stats
        stats.inc_value(f"archiver/traps/{bound}")
        count = int(stats.get_value(f"archiver/traps/{bound}") or 0)
        if count <= _REFUSALS_LOGGED:
            count_give_up(stats, reason, url, message)
        else:
            stats.inc_value(STATS_PREFIX + reason)
        if count == _REFUSALS_LOGGED:
            logger.warning("Further URLs left out by %s are counted in archiver/gave_up/%s, not logged", bound, reason)

    def _request(self, url: str, kind: str, *, via: str | None, hop: str, depth: int = 0) -> Request | None:
        if url in self.requested:
            return None
        if self.traps.too_deep(depth):
            self._refuse(
                url,
                "depth_limit",
                "trap_depth_limit",
                f"{depth} hops from the seed, past ARCHIVER_TRAPS_MAX_DEPTH ({self.traps.max_depth})",
            )
            return None
        if self.incremental is not None and self._carried_or_held(self.incremental, url, kind, via, hop, depth):
            return None
        return self._new_request(url, kind, via=via, hop=hop, depth=depth)

    def _new_request(self, url: str, kind: str, *, via: str | None, hop: str, depth: int) -> Request | None:
        """The request for a URL that passed every discovery rule, within its kind's cap."""
        if kind == "comment_feed" and self.proven.enabled and not self._comment_feed_wanted(url, via, hop, depth):
            return None
        if not self.traps.admit(kind):
            self._refuse(
                url,
                f"cap_{kind}",
                f"trap_cap_{kind}",
                f"more than {self.traps.max_per_kind[kind]} requests of kind {kind} (ARCHIVER_TRAPS_MAX_PER_KIND)",
            )
            return None
        self._ask(url)
        stats: Any = self.crawler.stats
        stats.inc_value(f"archiver/discovered/{kind}")
        callback = self.parse_requisite if kind in NEVER_PARSED_KINDS else self.parse
        request = Request(
            url,
            callback=callback,
            errback=self.on_error,
            priority=PRIORITY.get(kind, 0),
            meta={"archiver_kind": kind, "archiver_via": via, "archiver_hop": hop, URL_KEY: url},
        )
        if self.captured and request.url in self.captured:
            return None  # archived by an earlier run of this crawl
        return request

    def _ask(self, url: str) -> None:
        """Note a URL as asked for (and pending until its capture or final failure)."""
        self.requested.add(url)
        self.outstanding[url] = None

    def parse_requisite(self, response: Response) -> None:
        """Images, scripts and icons link to nothing: fetched (and archived), nothing to follow."""
        return None

    # -- requests proven empty (ARCHIVER_DISCOVERY_SKIP_PROVEN) --------------------------------------------

    def _comment_feed_wanted(self, url: str, via: str | None, hop: str, depth: int) -> bool:
        """Whether a post's comment feed is asked for now: False when skipped (proven empty) or held (unknown)."""
        match = _POST_COMMENT_FEED.search(url)
        if match is None:  # the blog-wide comment feed
            return True
        proven, post_id = self.proven, match.group(1)
        total = proven.totals.get(post_id)
        if total == 0:
            proven.skipped.setdefault(post_id, {})[url] = ("comment_feed", via, hop, depth)
            self._count_skips()
            logger.debug("Not fetched %s: the archived posts feed says post %s has no comments", url, post_id)
            return False
        if total is None and not proven.feeds_in:
            proven.held.setdefault(post_id, {})[url] = ("comment_feed", via, hop, depth)
            return False
        return True

    def _note_comment_totals(self, response: Response, found: discover.Discovered) -> list[Request]:
        """A posts feed's ``thr:total`` of each post: evidence once the feed's capture is archived."""
        facts = {fact.post_id: fact.comments for fact in found.entries if fact.post_id and fact.comments is not None}
        if not facts or not self.proven.enabled:
            return []
        url = response.url
        if self.proven.unarchived or url in self.done or url in self.captured:
            return self._learn_comment_totals(facts)
        self.proven.pending[url] = facts  # its capture is not written yet: evidence when capture_written says so
        return []

    def _learn_comment_totals(self, facts: dict[str, int]) -> list[Request]:
        """Record archived comment counts; the held or skipped comment feeds they now decide."""
        proven = self.proven
        requests: list[Request] = []
        for post_id, count in facts.items():
            total = max(count, proven.totals.get(post_id, count))
            proven.totals[post_id] = total
            held = proven.held.pop(post_id, {})
            if total > 0:
                held.update(proven.skipped.pop(post_id, {}))  # an entry with comments: fetch what was skipped
            for url, (kind, via, hop, depth) in held.items():
                request = self._new_request(url, kind, via=via, hop=hop, depth=depth)
                if request is not None:
                    requests.append(request)
        self._count_skips()
        return requests

    def _release_held_comment_feeds(self) -> list[Request]:
        """At the first ``spider_idle``: the held comment feeds of posts no archived feed spoke of, fetched."""
        held, self.proven.held = self.proven.held, {}
        requests = []
        for feeds in held.values():
            for url, (kind, via, hop, depth) in feeds.items():
                request = self._new_request(url, kind, via=via, hop=hop, depth=depth)
                if request is not None:
                    requests.append(request)
        if requests:
            logger.info("Fetching %d comment feeds of posts no archived posts feed spoke of", len(requests))
        return requests

    def _count_skips(self) -> None:
        stats: Any = self.crawler.stats
        skipped = sum(len(feeds) for feeds in self.proven.skipped.values())
        if skipped or stats.get_value("archiver/skipped/empty_comment_feed") is not None:
            stats.set_value("archiver/skipped/empty_comment_feed", skipped)

    # -- incremental recrawls (archiver.incremental) ------------------------------------------------------

    def _start_incremental(self, state: _Incremental) -> bool:
        """Load what the blog's earlier crawls left (corpus, dedup index); False (the crawl closes) without any."""
        settings = self.settings
        index_path, corpus_dir = settings.get("ARCHIVER_DEDUP_INDEX"), settings.get("ARCHIVER_POSTS_CORPUS_DIR")
        crawl_id = str(settings.get("ARCHIVER_CRAWL_ID") or "")
        blog_dir = Path(index_path).parent if index_path else None
        earlier = earlier_complete_crawls(blog_dir, crawl_id) if blog_dir is not None else []
        missing = None
        if not index_path or not corpus_dir:
            missing = "the dedup index and the corpus are switched off (ARCHIVER_DEDUP_ENABLED, ARCHIVER_POSTS_*)"
        elif not earlier:
            missing = f"no earlier crawl of the blog in {blog_dir} finished"
        elif not Path(index_path).is_file() or not (Path(corpus_dir) / "posts.jsonl").is_file():
            missing = f"{index_path} or {Path(corpus_dir) / 'posts.jsonl'} is missing (archiver index rebuild)"
        if missing is None:
            try:
                state.known = load_known(Path(str(corpus_dir)))
                state.index = DedupIndex(Path(str(index_path)).parent, Path(str(index_path)))
            except (IncrementalError, WarcError) as exc:
                missing = str(exc)
        if missing is not None:
            logger.error(
                "An incremental crawl of %s needs an earlier complete crawl of the blog: %s. Crawl it in full "
                "first (archiver crawl without --incremental)",
                self.start_url,
                missing,
            )
            self._close("no_earlier_crawl")
            return False
        state.by_id = {known.post_id: known.url for known in state.known.values()}
        state.crawl_number = len(earlier)
        stats: Any = self.crawler.stats
        stats.set_value("archiver/incremental/known", len(state.known))
        stats.set_value("archiver/incremental/audit_period", audit_period(state.audit_rate))
        logger.info(
            "Incremental crawl %d of %s: %d known posts are fetched again only when the feeds or sitemaps say "
            "they changed, or for the audit (%.0f%% of them, every post once in %d crawls)",
            state.crawl_number + 1,
            self.start_url,
            len(state.known),
            100 * state.audit_rate,
            audit_period(state.audit_rate),
        )
        return True

    def _note_evidence(self, state: _Incremental, source: str, kind: str, found: discover.Discovered) -> None:
        """What a posts feed page or a sitemap page says of each post's last change."""
        if kind == "feed" and "/feeds/posts/" in source:
            for fact in found.entries:  # matched by post id first: the feed's URL form may differ
                url = state.by_id.get(fact.post_id or "") or self._post_url(fact.url)
                if url is not None:
                    state.evidence.feed.setdefault(url, fact)
        elif kind == "sitemap":
            state.evidence.note_sitemap(found.entries, self._post_url)

    def _post_url(self, url: str) -> str | None:
        try:
            return canonicalize(url, self.blog_host, blog_scheme=self.blog_scheme)
        except UrlError:
            return None

    def _carried_or_held(self, state: _Incremental, url: str, kind: str, via: str | None, hop: str, depth: int) -> bool:
        """True when a URL is not fetched now.

        That is a known post held for the decision or carried, its own comment feed or mobile page (they
        follow the post's decision), or an archived requisite of a page not fetched again.
        """
        if kind == "post" and url in state.known:
            if url in state.fetching:
                return False
            if url in state.carried:
                return True
            if not state.decided:
                state.held_posts.setdefault(url, (kind, via, hop, depth))
                return True
            if not self._decide(state, url):
                return True
            for request in self._held_feed_requests(state, url):  # found before the post was
                if self.crawler.engine is not None:
                    self.crawler.engine.crawl(request)
            return False
        if kind in ("comment_feed", "post"):  # a post's own comment feed, or its ?m=1 mobile page
            if kind == "comment_feed":
                match = _POST_COMMENT_FEED.search(url)
                post_url = state.by_id.get(match.group(1)) if match else None
            else:
                post_url = url.removesuffix("?m=1") if url.endswith("?m=1") else None
                post_url = post_url if post_url in state.known else None
            if post_url is None or post_url in state.fetching:
                return False
            if post_url in state.carried:
                if kind == "comment_feed":
                    state.comment_feeds_skipped.add(url)
                return True
            state.held_feeds.setdefault(post_url, {}).setdefault(url, (kind, via, hop, depth))
            return True
        if kind in NEVER_PARSED_KINDS and state.index is not None:
            if via is not None and classify(via) in _REQUISITES_REFETCHED_FOR:
                return False
            if url in state.held_requisites or state.index.latest(url) is not None:
                state.held_requisites.setdefault(url, (kind, via, hop, depth))
                return True
        return False

    def _refetch_held(self, raw: str, via: str | None) -> bool:
        """Whether a link already dealt with is looked at again.

        That is an archived requisite held back, now linked from a page that is fetched again.
        """
        state = self.incremental
        return (
            state is not None
            and raw in state.held_raw
            and via is not None
            and classify(via) in _REQUISITES_REFETCHED_FOR
        )

    def _decide(self, state: _Incremental, url: str) -> bool:
        """Fetch a known post again (True), or carry its earlier captures into this crawl (False)."""
        known = state.known[url]
        stats: Any = self.crawler.stats
        verdict, why, evidence = state.evidence.judge(known)
        reason = None if verdict == "unchanged" else verdict
        if reason is None and audited(known.post_id, state.crawl_number, state.audit_rate):
            reason, why = "audit", "in this crawl's audit sample"
            state.audited.add(known.post_id)
        captures = None if reason is not None else carried_captures(known, state.index) if state.index else None
        if reason is None and captures is None:
            reason, why = "unverifiable", "its last capture is not in the blog's WARC files any more"
        if reason is not None:
            state.fetching.add(url)
            stats.inc_value(f"archiver/incremental/fetched_{reason}")
            logger.debug("Fetching %s again: %s", url, why)
            return True
        assert captures is not None
        state.carried.add(url)
        stats.inc_value("archiver/incremental/skipped")
        self.done.add(url)
        self.crawler.signals.send_catch_log(
            signal=archiver_signals.carry_forward,
            carry=Carry(post_id=known.post_id, url=url, reason=why, evidence=evidence, captures=captures),
        )
        return False

    def _decide_known_posts(self, state: _Incremental) -> list[Request]:
        """Once the feeds, sitemaps and listing pages are in: fetch or carry every known post found so far."""
        state.decided = True
        requests: list[Request] = []
        for url, (kind, via, hop, depth) in state.held_posts.items():
            if not self._decide(state, url):
                continue
            request = self._new_request(url, kind, via=via, hop=hop, depth=depth)
            if request is not None:
                requests.append(request)
            requests.extend(self._held_feed_requests(state, url))
        for url in [url for url in state.held_feeds if url in state.carried]:  # comment feeds of carried posts
            state.comment_feeds_skipped.update(u for u in state.held_feeds.pop(url) if _POST_COMMENT_FEED.search(u))
        state.held_posts.clear()
        stats: Any = self.crawler.stats
        logger.info(
            "Incremental: %d known posts fetched again (%d changed per the feeds or sitemaps, %d in neither, %d "
            "audited, %d not verifiable), %d carried unchanged; %d new posts",
            len(state.fetching),
            int(stats.get_value("archiver/incremental/fetched_changed") or 0),
            int(stats.get_value("archiver/incremental/fetched_unlisted") or 0),
            int(stats.get_value("archiver/incremental/fetched_audit") or 0),
            int(stats.get_value("archiver/incremental/fetched_unverifiable") or 0),
            len(state.carried),
            len(self.posts_found - set(state.known)),
        )
        return requests

    def _held_feed_requests(self, state: _Incremental, url: str) -> list[Request]:
        """Requests for the comment feeds of a known post that is fetched again, held until it was decided."""
        requests = []
        for feed, (kind, via, hop, depth) in state.held_feeds.pop(url, {}).items():
            request = self._new_request(feed, kind, via=via, hop=hop, depth=depth)
            if request is not None:
                requests.append(request)
        return requests

    def _close_incremental(self, state: _Incremental) -> None:
        """Count what the crawl did not fetch again; close the index."""
        stats: Any = self.crawler.stats
        stats.set_value("archiver/incremental/new", len(self.posts_found - set(state.known)))
        stats.set_value("archiver/incremental/requisites_skipped", len(state.held_requisites))
        stats.set_value("archiver/incremental/comment_feeds_skipped", len(state.comment_feeds_skipped))
        stats.set_value("archiver/incremental/audited", len(state.audited))
        if state.index is not None:
            state.index.close()
            state.index = None

    # -- resuming ---------------------------------------------------------------------------------------

    def _load_earlier_captures(self) -> bool:
        """Read what the crawl folder's WARC files hold; False (and the crawl closes) when it must not go on.

        A folder with captures is continued only when resuming was asked for (``ARCHIVER_RESUME``): a plain
        rerun into it would otherwise be a silent second crawl mixed into the first.
        """
        warc_dir = self.settings.get("ARCHIVER_WARC_DIR")
        if not warc_dir or self.frontier:  # frontier mode: the shared frontier is the state, other workers write here
            return True
        try:
            # a revisit's body is its original's payload, in this crawl or in the blog's other crawls
            originals = Originals(warc_files(Path(warc_dir)))
            self._earlier = list(iter_captures(Path(warc_dir), originals=originals.payload))
        except WarcError as exc:
            logger.error("Cannot read the WARC files of the crawl to resume: %s", exc)
            self._close("warc_read_error")
            return False
        if not self._earlier:
            return True
        if not self.resume:
            logger.error(
                "%s already holds %d captures of an earlier run: continue it with archiver crawl --resume "
                "(setting ARCHIVER_RESUME), or crawl into another folder",
                warc_dir,
                len(self._earlier),
            )
            self._earlier = []
            self._close("crawl_folder_not_empty")
            return False
        self.captured = UrlDigests(capture.url for capture in self._earlier)
        self.requested.update(capture.url for capture in self._earlier)
        stats: Any = self.crawler.stats
        stats.set_value("archiver/resumed", 1)  # the report then adds up the runs
        stats.set_value("archiver/resume/earlier_captures", len(self._earlier))
        for capture in self._earlier:  # what earlier runs archived, by kind, for the summary's crawl-wide figures
            if 200 <= capture.status < 300:
                stats.inc_value(f"archiver/resume/earlier/{classify(capture.url)}")
        posts = {c.url for c in self._earlier if classify(c.url) == "post"}
        self.earlier_posts = len([url for url in posts if "m=1" not in url.partition("?")[2].split("&")])
        logger.info(
            "Resuming the crawl of %s: %d captures archived by earlier runs are not fetched again",
            self.start_url,
            len(self._earlier),
        )
        return True

    def _archived_home(self) -> Response | None:
        """The archived home page, reached from the seed through its archived redirects; None if not archived."""
        by_url = {capture.url: capture for capture in self._earlier}
        url = Request(self.seed_url).url
        for _ in range(_MAX_SEED_HOPS):
            capture = by_url.get(url)
            if capture is None:
                return None
            self._seed_chain.add(url)
            location = capture.header("Location")
            if 300 <= capture.status < 400 and location:
                url = Request(urljoin(url, location.strip())).url
                continue
            if not 200 <= capture.status < 300:
                return None  # the earlier run's home page failed: fetch it again
            return self._stored_response(capture, meta={"archiver_seed": True, "archiver_kind": "home"})
        return None

    def _stored_response(self, capture: StoredCapture, meta: dict[str, Any]) -> Response | None:
        """A Scrapy response made from an archived capture, its body decoded as the download was."""
        codings = header_codings(
            [value.encode("latin-1") for key, value in capture.headers if key.lower() == "content-encoding"]
        )
        try:
            body = decode_content(capture.body, codings)
        except DecodeError as exc:
            stats: Any = self.crawler.stats
            stats.inc_value("archiver/resume/unreadable")
            logger.warning("Cannot read the archived %s again to resume from it: %s", capture.url, exc)
            return None
        headers = Headers(
            [(k, v) for k, v in capture.headers if k.lower() not in ("content-encoding", "content-length")]
        )
        cls = responsetypes.from_args(headers=headers, url=capture.url, body=body)
        request = Request(capture.url, meta=dict(meta, **{URL_KEY: capture.url}))
        return cls(url=capture.url, status=capture.status, headers=headers, body=body, request=request)

    def _replay_earlier(self) -> Iterator[Request]:
        """Run every earlier capture's links through discovery again; yields what is still to be fetched."""
        earlier, self._earlier = self._earlier, []
        replayed = 0
        for capture in earlier:
            if capture.url in self._seed_chain:
                continue
            location = capture.header("Location")
            if 300 <= capture.status < 400 and location:
                yield from self.follow(urljoin(capture.url, location.strip()), via=capture.url, hop="R")
                continue
            if not 200 <= capture.status < 300 or not capture.body_read:
                continue
            kind = classify(capture.url)
            if urlsplit(capture.url).path == "/robots.txt":
                found = discover.robots_sitemaps(capture.url, capture.body.decode("utf-8", "replace"))
                yield from self._robots_requests(capture.url, found.sitemaps)
                continue
            if kind in NEVER_PARSED_KINDS:
                continue
            response = self._stored_response(capture, meta={"archiver_kind": kind})
            if response is None:
                continue
            replayed += 1
            yield from self.parse(response)
        stats: Any = self.crawler.stats
        stats.set_value("archiver/resume/replayed", replayed)
        logger.info("Resume: the links of %d archived pages, feeds and sitemaps were read again", replayed)

    def _seed_failed(self, request: Request, failure: Failure) -> None:
        """The seed (or its redirect chain) failed or was refused: the crawl ends, naming why."""
        value = failure.value
        response = getattr(value, "response", None)
        if isinstance(value, GaveUp):
            reason, why = "seed_refused", f"{value.reason}: {value.message}"
        elif response is not None:
            reason, why = "seed_failed", f"HTTP {response.status}"
        else:
            reason, why = "seed_failed", f"{type(value).__name__}: {value}"
        stats: Any = self.crawler.stats
        stats.set_value("archiver/seed/failure", why)
        logger.error("The home page %s could not be archived (%s): the crawl ends", request.url, why)
        self._close(reason)

    def _close(self, reason: str) -> None:
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))


@dataclass
class _Incremental:
    """The state of an incremental crawl: what the corpus knew, what this crawl said, what was decided."""

    audit_rate: float
    known: dict[str, Known] = field(default_factory=dict)  # corpus posts by URL
    by_id: dict[str, str] = field(default_factory=dict)  # post id -> URL
    index: DedupIndex | None = None
    crawl_number: int = 0  # earlier complete crawls of the blog: picks the audit slot
    evidence: Evidence = field(default_factory=Evidence)
    decided: bool = False  # the decisions are made once the first discovery ran dry
    held_posts: dict[str, tuple[str, str | None, str, int]] = field(default_factory=dict)
    held_feeds: dict[str, dict[str, tuple[str, str | None, str, int]]] = field(default_factory=dict)
    held_requisites: dict[str, tuple[str, str | None, str, int]] = field(default_factory=dict)
    held_raw: set[str] = field(default_factory=set)
    fetching: set[str] = field(default_factory=set)  # known posts fetched again
    carried: set[str] = field(default_factory=set)  # known posts carried unchanged
    audited: set[str] = field(default_factory=set)  # post ids of the audit sample
    comment_feeds_skipped: set[str] = field(default_factory=set)


@dataclass
class _ProvenSkips:
    """Requests left out because archived evidence proves them empty (ARCHIVER_DISCOVERY_SKIP_PROVEN)."""

    enabled: bool = True
    unarchived: bool = False  # ARCHIVER_WARC_ENABLED is off: a response is its own evidence
    feeds_in: bool = False  # discovery ran dry once: a comment feed no archived feed spoke of is fetched
    totals: dict[str, int] = field(default_factory=dict)  # post id -> highest archived thr:total
    pending: dict[str, dict[str, int]] = field(default_factory=dict)  # feed URL -> its totals, capture not written
    held: dict[str, dict[str, tuple[str, str | None, str, int]]] = field(default_factory=dict)
    skipped: dict[str, dict[str, tuple[str, str | None, str, int]]] = field(default_factory=dict)
