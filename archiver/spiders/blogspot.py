"""The ``blogspot`` spider: navigation only. It decides what to fetch next from what each response links to.

Discovery uses every route Blogger offers, so that a post reachable by only one of them is still found:
robots.txt ``Sitemap:`` lines, the sitemap index and its pages, the paged Atom feeds of posts, comments and
static pages, the home page and its pager, year and month archives (also derived from every post URL),
label pages, post pages (whose newer/older links chain every post) and static pages. Label pages and the
pager live under ``/search``, which blogspot's robots.txt forbids; nothing depends on them.

Parsing lives in :mod:`archiver.blogger.discover`, URL rules in :mod:`archiver.blogger.urls`, recording in the
WARC middleware. When that middleware has already read a response's links it leaves them in
``response.meta["archiver_discovered"]`` and they are not parsed twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro

from archiver.blogger import discover
from archiver.blogger.urls import (
    DEFAULT_ASSET_HOSTS,
    PAGE_KINDS,
    UrlError,
    archive_urls,
    blog_feed_url,
    blog_home,
    canonicalize,
    classify,
    in_scope,
    original_image_url,
    trap_reason,
)
from archiver.giveup import GaveUp, count_give_up
from archiver.middlewares.warc import DISCOVERED_KEY

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
    "home": 100, "robots": 90, "sitemap": 90, "feed": 80, "comment_feed": 70, "archive_year": 60,
    "archive_month": 60, "archive_day": 55, "post": 50, "page": 50, "css": 45, "label": 20, "search": 20,
    "other": 15, "js": 10, "icon": 10, "image": 5, "font": 5, "asset": 5,
}
#: WARC metadata hop letters (Heritrix): L link, E embed, R redirect, P prerequisite, X specially found
HOP_LINK, HOP_EMBED, HOP_SEED, HOP_SPECIAL = "L", "E", "-", "X"
#: key of what a resumed crawl needs in ``spider.state`` (saved in JOBDIR by Scrapy's SpiderState extension)
STATE_KEY = "archiver"


def _param(url: str, name: str) -> str | None:
    """The first value of a query parameter, or None."""
    return next((v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k == name), None)


class BlogspotSpider(Spider):
    """Crawl one Blogger blog (spider argument ``url``) and everything it needs to display.

    Reads ARCHIVER_DISCOVERY_* (feed page size, comment feeds, search pages, mobile variants, image
    originals), ARCHIVER_SCOPE_ASSET_HOSTS, ROBOTSTXT_OBEY; fills in ARCHIVER_CRAWL_DIR, ARCHIVER_CRAWL_ID,
    ARCHIVER_WARC_DIR and the User-Agent's contact when they are left empty.
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
        self.requested: set[str] = set()
        self.posts_found: set[str] = set()
        self.sitemap_pages: set[int] = set()
        # raw links already dealt with: a link repeated on every page (sidebar, archive widget) is decided once
        self._settled: set[str] = set()
        self._seeded = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Create the spider, read its settings, and fill in the output locations that depend on the blog."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.feed_page_size = settings.getint("ARCHIVER_DISCOVERY_FEED_PAGE_SIZE", 150)
        spider.comment_feeds = settings.getbool("ARCHIVER_DISCOVERY_COMMENT_FEEDS", True)
        spider.search_pages = settings.getbool("ARCHIVER_DISCOVERY_SEARCH_PAGES", True)
        spider.mobile = settings.getbool("ARCHIVER_DISCOVERY_MOBILE", False)
        spider.image_original = settings.get("ARCHIVER_DISCOVERY_IMAGE_ORIGINAL", "s1600") or ""
        spider.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        spider.asset_hosts = tuple(settings.getlist("ARCHIVER_SCOPE_ASSET_HOSTS", list(DEFAULT_ASSET_HOSTS)))
        if not settings.frozen:
            spider._fill_settings(crawler)
        crawler.signals.connect(spider.response_received, signal=signals.response_received)
        return spider

    def _fill_settings(self, crawler: Crawler) -> None:
        """Derive the crawl folder, crawl id, WARC folder and User-Agent contact when they are not set."""
        settings = crawler.settings
        crawl_id = settings.get("ARCHIVER_CRAWL_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        settings.set("ARCHIVER_CRAWL_ID", crawl_id, priority="spider")
        crawl_dir = settings.get("ARCHIVER_CRAWL_DIR")
        if not crawl_dir:
            crawl_dir = str(Path(settings.get("ARCHIVER_OUTPUT_DIR") or "output") / self.blog_host / crawl_id)
            settings.set("ARCHIVER_CRAWL_DIR", crawl_dir, priority="spider")
        if not settings.get("ARCHIVER_WARC_DIR"):
            settings.set("ARCHIVER_WARC_DIR", str(Path(crawl_dir) / "warc"), priority="spider")
        contact = settings.get("ARCHIVER_CONTACT")
        user_agent = settings.get("USER_AGENT") or ""
        if contact and contact not in user_agent:
            settings.set("USER_AGENT", f"{user_agent} (+{contact})", priority="spider")
        elif not contact and settings.get("ARCHIVER_PROFILE") != "local":
            logger.warning("No operator contact given (--contact or ARCHIVER_CONTACT): "
                           "site owners cannot reach whoever runs this crawl")

    # -- seeds ------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        """Fetch the home page first: it tells the blog's final host (custom domains) and proves it is Blogger."""
        if self._resume_state():
            return  # a resumed crawl: what is left to fetch is in Scrapy's on-disk queue
        self.requested.update((self.start_url, self.seed_url))
        yield Request(self.seed_url, callback=self.parse_home, errback=self.on_error, priority=PRIORITY["home"],
                      meta={"archiver_seed": True, "archiver_hop": HOP_SEED, "archiver_kind": "home"})
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
            self._close("not_a_blogger_blog")
            return
        self.blog_id = found.blog_id
        self._seeded = True
        self._settled.clear()  # and against its blog id (feed links on www.blogger.com)
        self._save_state()
        yield from self._seed_requests()
        yield from self._follow_all(response, found)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """Follow what any other response links to."""
        yield from self._follow_all(response, self._discovered(response))

    def on_error(self, failure: Failure) -> None:
        """Count failures by kind; the crawl log has the details of every attempt.

        This is the final outcome of a request, after its retries: a 5xx or 429 answer, or a fetch that
        failed (reset, timeout, body cut short), is counted in ``archiver/gave_up/<status or exception>``.
        """
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        stats: Any = self.crawler.stats
        if isinstance(failure.value, GaveUp):
            count_give_up(stats, failure.value.reason, request.url if request is not None else "?",
                          failure.value.message)
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
        """Read the Sitemap lines of the robots.txt that Scrapy's RobotsTxtMiddleware fetched for the blog."""
        if request.callback is not NO_CALLBACK or urlsplit(request.url).path != "/robots.txt":
            return
        if urlsplit(request.url).netloc not in self.blog_hosts or response.status != 200:
            return
        found = discover.robots_sitemaps(request.url, response.text if hasattr(response, "text") else "")
        for url in found.sitemaps:
            for follow in self.follow(url, via=request.url, hop=HOP_LINK):
                if self.crawler.engine is not None:
                    self.crawler.engine.crawl(follow)

    # -- following --------------------------------------------------------------------------------------

    def _discovered(self, response: Response) -> discover.Discovered:
        """The links of a response: the WARC middleware's reading if it made one, else parsed here."""
        found = response.meta.get(DISCOVERED_KEY)
        if isinstance(found, discover.Discovered):
            return found
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        return discover.extract(response.url, content_type, response.body)

    def _follow_all(self, response: Response, found: discover.Discovered) -> Iterator[Request]:
        """Requests for everything worth fetching that a response points to."""
        source = response.url
        source_kind = classify(source)
        for url in found.links:
            yield from self.follow(url, via=source, hop=HOP_LINK, source_kind=source_kind)
        for url in found.requisites:
            yield from self.follow(url, via=source, hop=HOP_EMBED)
        for url in found.sitemaps:
            yield from self.follow(url, via=source, hop=HOP_LINK)
        if source_kind == "sitemap":
            yield from self._probe_sitemap(source, found)
        if found.next_page and self._follows_next(source, source_kind, found.next_page):
            yield from self.follow(found.next_page, via=source, hop=HOP_LINK)
        if self.comment_feeds:
            for url in found.comment_feeds:
                yield from self.follow(url, via=source, hop=HOP_LINK)

    def _follows_next(self, source: str, source_kind: str, next_page: str) -> bool:
        """Page through our own feed chains and per-post comment feeds, not through every feed variant."""
        if source_kind == "comment_feed" and "/feeds/comments/" not in source:
            return True  # a per-post comment feed: all its comments
        return _param(next_page, "max-results") == str(self.feed_page_size)

    def _probe_sitemap(self, source: str, found: discover.Discovered) -> Iterator[Request]:
        """Blogger's index may list fewer pages than exist: after a full last page, try the next one."""
        page = _param(source, "page")
        if page is None or not page.isdigit():
            return
        number = int(page)
        self.sitemap_pages.add(number)
        if found.url_count >= discover.SITEMAP_PAGE_SIZE and number + 1 not in self.sitemap_pages:
            base = source.split("?", 1)[0]
            yield from self.follow(f"{base}?page={number + 1}", via=source, hop=HOP_SPECIAL)

    def follow(self, url: str, *, via: str | None, hop: str, source_kind: str | None = None) -> list[Request]:
        """Requests for a URL found somewhere and what it implies (archives of a post, an image's original).

        Empty when the URL is out of scope, a Blogger trap, or already asked for.
        """
        if url in self._settled:
            return []
        stats: Any = self.crawler.stats
        raw = url
        url = blog_feed_url(url, self.blog_host, self.blog_id)
        try:
            canonical = canonicalize(url, self.blog_host, blog_scheme=self.blog_scheme)
        except UrlError:
            self._settled.add(raw)
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
        requests = [self._request(canonical, kind, via=via, hop=hop)]
        if kind == "post":
            self._note_post(canonical)
            requests.extend(self._request(archive, classify(archive), via=canonical, hop=HOP_SPECIAL)
                            for archive in archive_urls(canonical))
        if kind == "image" and self.image_original:
            original = original_image_url(canonical, self.image_original)
            if original and original != canonical:
                requests.append(self._request(original, "image", via=via, hop=HOP_EMBED))
        if self.mobile and kind in ("home", "post", "page"):
            mobile = canonical + ("&" if "?" in canonical else "?") + "m=1"
            requests.append(self._request(mobile, kind, via=via, hop=HOP_SPECIAL))
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

    def _request(self, url: str, kind: str, *, via: str | None, hop: str) -> Request | None:
        if url in self.requested:
            return None
        self.requested.add(url)
        stats: Any = self.crawler.stats
        stats.inc_value(f"archiver/discovered/{kind}")
        callback = self.parse if kind in PAGE_KINDS or kind in ("feed", "comment_feed", "sitemap", "robots",
                                                                   "css", "other") else None
        return Request(url, callback=callback or self.parse_requisite, errback=self.on_error,
                       priority=PRIORITY.get(kind, 0),
                       meta={"archiver_kind": kind, "archiver_via": via, "archiver_hop": hop})

    def parse_requisite(self, response: Response) -> None:
        """Images, scripts and icons link to nothing: fetched (and archived), nothing to follow."""
        return None

    # -- resuming -------------------------------------------------------------------------------------

    def _resume_state(self) -> bool:
        """Take back what an interrupted run of this crawl knew; True when there was such a run.

        Scrapy's SpiderState extension loads ``self.state`` from JOBDIR before the crawl starts and saves it
        when the spider closes (Ctrl-C and SIGTERM included, not a hard kill). Without the blog's hosts a
        custom-domain blog would be out of its own scope after a resume, and without the URLs already asked
        for the summary would count only the second run's posts.
        """
        state = getattr(self, "state", None)
        if not isinstance(state, dict):
            return False  # no JOBDIR
        saved = state.get(STATE_KEY)
        resumed = isinstance(saved, dict) and bool(saved.get("requested"))
        if resumed:
            assert isinstance(saved, dict)
            if saved["start_url"] != self.start_url:
                logger.warning("Resuming the crawl of %s (not %s, the URL given)", saved["start_url"], self.start_url)
            self.start_url = saved["start_url"]
            self.blog_host, self.blog_scheme, self.blog_id = saved["blog_host"], saved["blog_scheme"], saved["blog_id"]
            self.blog_hosts.update(saved["blog_hosts"])
            self.requested.update(saved["requested"])
            self.posts_found.update(saved["posts_found"])
            self.sitemap_pages.update(saved["sitemap_pages"])
            self._seeded = True
            stats: Any = self.crawler.stats
            stats.set_value("archiver/posts/found", len(self.posts_found))
            stats.set_value("archiver/resumed", 1)  # the report then adds up the runs
            logger.info("Resuming the crawl of %s: %d URLs asked for and %d posts found by earlier runs",
                        self.blog_host, len(self.requested), len(self.posts_found))
        self._save_state()
        return resumed

    def _save_state(self) -> None:
        """Keep ``self.state`` pointing at the live sets; the blog's host and id are copied when they change."""
        state = getattr(self, "state", None)
        if isinstance(state, dict):
            state[STATE_KEY] = {
                "start_url": self.start_url, "blog_host": self.blog_host, "blog_scheme": self.blog_scheme,
                "blog_id": self.blog_id, "blog_hosts": self.blog_hosts, "requested": self.requested,
                "posts_found": self.posts_found, "sitemap_pages": self.sitemap_pages,
            }

    def _close(self, reason: str) -> None:
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
