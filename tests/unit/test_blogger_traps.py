"""The trap bounds of archiver.blogger.traps, as pure decisions: feeds, sitemaps, archive range, pagers, caps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import archiver.settings
from archiver.blogger.traps import (
    DEFAULT_MAX_PER_KIND,
    SITEMAP_NEW_FOR_PROBE,
    TrapBounds,
    archive_months,
    date_month,
    is_pager,
    month_label,
    pager_chain,
    post_month,
)

B = "https://name.blogspot.com"


def month(year: int, number: int) -> int:
    return year * 12 + number - 1


def test_archive_pages_and_post_urls_name_their_months() -> None:
    assert archive_months(f"{B}/2013/") == (month(2013, 1), month(2013, 12))
    assert archive_months(f"{B}/2013/09/") == (month(2013, 9), month(2013, 9))
    assert archive_months(f"{B}/2013/09/?m=1") == (month(2013, 9), month(2013, 9))
    assert archive_months(f"{B}/2013_09_17_archive.html") == (month(2013, 9), month(2013, 9))
    assert archive_months(f"{B}/2013/13/") == (1, 0)  # no such month: covers nothing
    assert archive_months(f"{B}/2013/09/post.html") is None
    assert post_month(f"{B}/2013/09/post.html") == month(2013, 9)
    assert post_month(f"{B}/2013/09/") is None
    assert date_month("2013-09-17T21:38:00.001-04:00") == month(2013, 9)  # the blog's own time zone
    assert date_month("garbage") is None
    assert month_label(month(2013, 9)) == "2013-09"


def test_an_unknown_range_holds_archive_pages_and_releases_them_when_it_grows() -> None:
    traps = TrapBounds()
    assert not traps.in_range(f"{B}/2013/09/")  # nothing known yet: held, not dropped
    traps.hold(f"{B}/2013/09/", "a")
    traps.hold(f"{B}/2011/01/", "b")
    traps.hold(f"{B}/2013/", "c")
    assert traps.release() == []
    assert traps.learn_month(post_month(f"{B}/2013/09/post.html"))
    assert traps.release() == [(f"{B}/2013/09/", "a"), (f"{B}/2013/", "c")]  # in the order held
    assert list(traps.held) == [f"{B}/2011/01/"]
    assert not traps.learn_month(month(2013, 9))  # did not grow
    assert traps.learn_archive(f"{B}/2011/")  # the widget lists 2011: its page is in range, not its months
    assert traps.in_range(f"{B}/2011/")
    assert not traps.in_range(f"{B}/2011/01/")
    assert traps.release() == []
    assert traps.learn_archive(f"{B}/2011/01/")  # ...which the widget lists one by one
    assert traps.release() == [(f"{B}/2011/01/", "b")]
    assert traps.range_label() == "2011-01..2013-09"


def test_the_endless_calendar_stays_inside_the_blogs_dates() -> None:
    traps = TrapBounds()
    for url in (f"{B}/2012/05/", f"{B}/2013/09/"):  # what the widget lists
        traps.learn_archive(url)
    assert traps.in_range(f"{B}/2012/05/")
    assert traps.in_range(f"{B}/2013/01/")
    assert traps.in_range(f"{B}/2012/")  # a year that overlaps the range
    assert not traps.in_range(f"{B}/2012/04/")
    assert not traps.in_range(f"{B}/2013/10/")
    assert not traps.in_range(f"{B}/1900/01/")
    assert not traps.in_range(f"{B}/9999/12/")
    assert not traps.in_range(f"{B}/2011/")
    assert not traps.in_range(f"{B}/2013/00/")
    assert traps.in_range(f"{B}/2013/09/post.html")  # not an archive page: not this bound's business


@given(st.lists(st.tuples(st.integers(1900, 2100), st.integers(1, 12)), min_size=1, max_size=30))
def test_every_month_learnt_stays_in_range_whatever_the_order(months: list[tuple[int, int]]) -> None:
    traps = TrapBounds()
    for year, number in months:
        traps.learn_month(month(year, number))
    for year, number in months:  # the range only grows: nothing learnt is ever refused later
        assert traps.in_range(f"{B}/{year:04d}/{number:02d}/")
        assert traps.in_range(f"{B}/{year:04d}/")
    assert traps.first_month == min(month(y, n) for y, n in months)
    assert traps.last_month == max(month(y, n) for y, n in months)


def test_feed_paging_stops_at_an_empty_page_or_past_the_total() -> None:
    stop = TrapBounds.feed_stop
    assert stop(150, 400, 1, 151) is None
    assert stop(150, None, None, 151) is None  # a feed that does not say: follow while it has entries
    assert stop(0, None, None, 1_700_001) == "feed_empty_page"
    assert stop(0, 400, 1_700_001, 1_700_151) == "feed_empty_page"
    assert stop(100, 400, 301, 401) == "feed_past_total"
    assert stop(100, 400, 301, None) == "feed_past_total"  # next start computed from this page
    assert stop(100, 401, 301, 401) is None  # the 401st entry is on the next page


def test_sitemap_urls_count_once_across_pages() -> None:
    traps = TrapBounds()
    page = [f"{B}/2013/09/p{i}.html" for i in range(150)]
    assert traps.sitemap_new(page) == 150
    assert traps.sitemap_new(page) == 0  # the same page again adds nothing: not "full"
    assert traps.sitemap_new([page[0]] * 150) == 0
    shifted = page[1:] + [f"{B}/2013/08/new.html"]
    assert traps.sitemap_new(shifted) == 1 < SITEMAP_NEW_FOR_PROBE


def test_pager_chains_count_their_own_posts() -> None:
    assert pager_chain(f"{B}/") == pager_chain(f"{B}/search?updated-max=2013-09-01T00:00:00-04:00") == "/search"
    assert (
        pager_chain(f"{B}/search/label/Rally?updated-max=x")
        == pager_chain(f"{B}/search/label/Rally")
        == "/search/label/Rally"
    )
    assert pager_chain(f"{B}/2013/09/") is None
    assert is_pager(f"{B}/search?updated-max=2013-09-01T00:00:00-04:00&max-results=7")
    assert is_pager(f"{B}/search/label/Rally?updated-max=x")
    assert not is_pager(f"{B}/search/label/Rally")
    assert not is_pager(f"{B}/2013/09/?updated-max=x")
    traps = TrapBounds()
    assert traps.pager_new("/search", ["a", "b"]) == 2
    assert traps.pager_new("/search", ["b", "c"]) == 1
    assert traps.pager_new("/search", ["a", "c"]) == 0  # an endless pager repeating itself
    assert traps.pager_new("/search", []) == 0  # or showing nothing
    assert traps.pager_new("/search/label/Rally", ["a"]) == 1  # each label is its own chain


def test_caps_and_depth_are_last_resorts() -> None:
    traps = TrapBounds(max_per_kind={"archive_month": 2, "post": 0}, max_depth=3)
    assert traps.admit("archive_month")
    assert traps.admit("archive_month")
    assert not traps.admit("archive_month")
    assert all(traps.admit("post") for _ in range(1000))  # 0: no cap
    assert all(traps.admit("image") for _ in range(1000))  # kinds not named are not capped
    assert not traps.too_deep(3)
    assert traps.too_deep(4)
    assert not TrapBounds(max_depth=0).too_deep(10**9)
    assert traps.refuse_once("u")
    assert not traps.refuse_once("u")


def test_the_default_caps_are_the_settings_defaults_and_let_a_big_blog_through() -> None:
    assert archiver.settings.ARCHIVER_TRAPS_MAX_PER_KIND == DEFAULT_MAX_PER_KIND
    # a 20,000-post blog: every post, a label page per post, its pager at one post a page, 30 years of months
    for kind, needed in {
        "post": 20_000,
        "label": 20_000,
        "search": 20_000,
        "archive_month": 360,
        "archive_day": 11_000,
        "comment_feed": 20_000 + 700,
    }.items():
        assert DEFAULT_MAX_PER_KIND[kind] >= 5 * needed, kind
