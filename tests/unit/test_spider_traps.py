"""The spider's trap bounds on the discovery path: archive range, feed and sitemap paging, pagers, caps, depth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import HtmlResponse

from archiver.blogger.discover import Discovered
from tests.spider_support import HOME, make_spider

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.spiders.blogspot import BlogspotSpider

FEED = f"{HOME}feeds/posts/default?max-results=150"


def respond(spider: BlogspotSpider, url: str, found: Discovered, depth: int = 0) -> list[str]:
    """The URLs the spider asks for after reading a response with these links."""
    response = HtmlResponse(url, body=b"<html></html>", request=Request(url, meta={"depth": depth}))
    return [request.url for request in spider._follow_all(response, found)]


def stat(spider: BlogspotSpider, key: str) -> Any:
    stats: Any = spider.crawler.stats
    return stats.get_value(key)


def test_an_endless_calendar_is_followed_only_inside_the_blogs_dates(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    widget = (f"{HOME}2013/", f"{HOME}2013/08/", f"{HOME}2013/09/")
    home = Discovered(links=(f"{HOME}2013/09/a.html", *widget), archive_links=widget)
    asked = respond(spider, HOME, home)
    assert f"{HOME}2013/08/" in asked
    assert f"{HOME}2013/09/" in asked
    assert f"{HOME}2013/" in asked
    # each archive page links the month before and after it, forever
    assert respond(spider, f"{HOME}2013/09/", Discovered(links=(f"{HOME}2013/08/", f"{HOME}2013/10/"))) == []
    assert respond(spider, f"{HOME}2013/08/", Discovered(links=(f"{HOME}2013/07/", f"{HOME}2013/09/"))) == []
    assert respond(spider, f"{HOME}2013/", Discovered(links=(f"{HOME}2014/", f"{HOME}2012/"))) == []
    assert stat(spider, "archiver/traps/archive_out_of_range") == 4
    # a post of October shows up (in a feed, a sitemap, a post's links): its month is never refused
    asked = respond(spider, f"{HOME}sitemap.xml?page=1", Discovered(links=(f"{HOME}2013/10/b.html",)))
    assert asked == [f"{HOME}2013/10/", f"{HOME}2013/10/b.html"]  # the held month first, as held
    assert stat(spider, "archiver/traps/archive_out_of_range") == 3
    assert stat(spider, "archiver/gave_up/trap_cap_archive_month") is None  # a natural stop: no give-up


def test_an_unknown_range_drops_no_real_month(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    # a page with an archive link and nothing that dates the blog: held, not refused
    assert respond(spider, f"{HOME}p/about.html", Discovered(links=(f"{HOME}2012/05/",))) == []
    assert stat(spider, "archiver/traps/archive_out_of_range") == 1
    feed = Discovered(dates=("2016-06-24T15:03:00.798-04:00", "2012-05-01T10:00:00.000-04:00"))
    assert respond(spider, FEED, feed) == [f"{HOME}2012/05/"]  # the feed's dates reach it
    assert stat(spider, "archiver/traps/archive_out_of_range") == 0


def test_feed_paging_stops_at_an_empty_page(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    next_page = f"{HOME}feeds/posts/default?start-index=151&max-results=150"
    full = Discovered(
        links=(f"{HOME}2013/09/a.html",), next_page=next_page, url_count=150, total_results=400, start_index=1
    )
    assert next_page in respond(spider, FEED, full)
    far = f"{HOME}feeds/posts/default?start-index=1700151&max-results=150"
    empty = Discovered(next_page=far, url_count=0, total_results=400, start_index=1700001)
    assert respond(spider, f"{HOME}feeds/posts/default?start-index=1700001&max-results=150", empty) == []
    assert stat(spider, "archiver/traps/feed_empty_page") == 1
    last = Discovered(
        links=(f"{HOME}2013/08/b.html",), next_page=far, url_count=100, total_results=400, start_index=301
    )
    assert far not in respond(spider, f"{HOME}feeds/posts/default?start-index=301&max-results=150", last)
    assert stat(spider, "archiver/traps/feed_past_total") == 1


def test_sitemap_probing_counts_only_new_urls(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    repeated = Discovered(links=tuple(f"{HOME}2013/09/p{i}.html" for i in range(5)), url_count=150)
    asked = respond(spider, f"{HOME}sitemap.xml?page=1", repeated)
    assert f"{HOME}sitemap.xml?page=2" not in asked  # 150 <loc>s, 5 URLs: not a full page
    assert stat(spider, "archiver/traps/sitemap_no_new") == 1
    full = Discovered(links=tuple(f"{HOME}2013/08/q{i}.html" for i in range(150)), url_count=150)
    assert f"{HOME}sitemap.xml?page=3" in respond(spider, f"{HOME}sitemap.xml?page=2", full)
    assert f"{HOME}sitemap.xml?page=4" not in respond(spider, f"{HOME}sitemap.xml?page=3", full)  # the same again
    assert stat(spider, "archiver/traps/sitemap_no_new") == 2


def test_the_pager_stops_at_a_page_without_new_posts(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    older = f"{HOME}search?updated-max=2013-09-01T00:00:00-04:00&max-results=7"
    home = Discovered(links=(f"{HOME}2013/09/a.html", f"{HOME}2013/09/b.html", older))
    assert older in respond(spider, HOME, home)
    older2 = f"{HOME}search?updated-max=2013-08-01T00:00:00-04:00&max-results=7"
    page2 = Discovered(links=(f"{HOME}2013/09/b.html", f"{HOME}2013/08/c.html", older2))
    assert older2 in respond(spider, older, page2)  # one new post: the chain goes on
    older3 = f"{HOME}search?updated-max=2013-07-01T00:00:00-04:00&max-results=7"
    page3 = Discovered(links=(f"{HOME}2013/09/a.html", f"{HOME}2013/08/c.html", older3))
    assert respond(spider, older2, page3) == []
    empty = Discovered(links=(f"{HOME}search?updated-max=2013-06-01T00:00:00-04:00&max-results=7",))
    assert respond(spider, older3, empty) == []
    assert stat(spider, "archiver/traps/pager_no_new_posts") == 2
    # a label's pager is a chain of its own: posts the home pager showed are new to it
    label_older = f"{HOME}search/label/Rally?updated-max=2013-09-01T00:00:00-04:00&max-results=20"
    label = Discovered(links=(f"{HOME}2013/09/a.html", label_older))
    assert label_older in respond(spider, f"{HOME}search/label/Rally", label)


def test_the_pager_counts_the_posts_of_the_main_column_not_the_sidebar(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    sidebar = tuple(f"{HOME}2013/09/s{i}.html" for i in range(30))  # the expanded newest month, on every page
    older = f"{HOME}search?updated-max=2013-09-20T00:00:00-04:00&max-results=7"
    home = Discovered(
        links=(f"{HOME}2013/09/s0.html", older, *sidebar), listing_links=(f"{HOME}2013/09/s0.html", older)
    )
    assert older in respond(spider, HOME, home)
    older2 = f"{HOME}search?updated-max=2013-09-10T00:00:00-04:00&max-results=7"
    page2 = Discovered(
        links=(f"{HOME}2013/09/s1.html", older2, *sidebar), listing_links=(f"{HOME}2013/09/s1.html", older2)
    )
    assert older2 in respond(spider, older, page2)  # s1 was in the sidebar, never in the chain's main column


def test_a_cap_leaves_out_urls_as_give_ups(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_TRAPS_MAX_PER_KIND={"label": 2})
    labels = tuple(f"{HOME}search/label/L{i}" for i in range(5))
    assert respond(spider, HOME, Discovered(links=labels)) == list(labels[:2])
    assert respond(spider, f"{HOME}2013/09/a.html", Discovered(links=labels)) == []
    assert stat(spider, "archiver/traps/cap_label") == 3  # once per URL, however often linked
    assert stat(spider, "archiver/gave_up/trap_cap_label") == 3
    assert spider.traps.max_per_kind["post"] == 200_000  # a partial dict is merged over the defaults


def test_the_depth_limit_is_a_last_resort(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_TRAPS_MAX_DEPTH=3)
    assert respond(spider, f"{HOME}p/a.html", Discovered(links=(f"{HOME}p/b.html",)), depth=2) == [f"{HOME}p/b.html"]
    assert respond(spider, f"{HOME}p/b.html", Discovered(links=(f"{HOME}p/c.html",)), depth=3) == []
    assert stat(spider, "archiver/traps/depth_limit") == 1
    assert stat(spider, "archiver/gave_up/trap_depth_limit") == 1
