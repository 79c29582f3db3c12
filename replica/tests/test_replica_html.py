"""The replica's HTML pages, parsed as a crawler would parse them."""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import lxml.html
import pytest
from blogger_replica import seeds
from blogger_replica.content import Blog, Post, iso_seconds
from blogger_replica.html import not_found, render
from blogger_replica.site import Site

BASE = "https://gongminziyoulianmeng.blogspot.com"
THEMES = ("classic", "contempo")


@pytest.fixture(scope="module")
def blog() -> Blog:
    return Blog(posts=60)


@pytest.fixture(scope="module")
def big_blog() -> Blog:
    return Blog(posts=2000)


def site_for(blog: Blog, theme: str) -> Site:
    return Site(blog, BASE, theme)  # type: ignore[arg-type]


def get(site: Site, url_or_path: str, query: dict[str, list[str]] | None = None) -> tuple[int, lxml.html.HtmlElement]:
    """Render a path (or an absolute URL of the site, query included) and parse it."""
    if url_or_path.startswith(BASE):
        parts = urlsplit(url_or_path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
    else:
        path = url_or_path
    page = render(site, path, query or {})
    assert page is not None, url_or_path
    assert page.content_type == "text/html; charset=UTF-8"
    return page.status, lxml.html.document_fromstring(page.body.decode("utf-8"))


def norm(text: str) -> str:
    return " ".join(text.split())


def visible_text(element: lxml.html.HtmlElement) -> str:
    """Text as a reader sees it: ``<br>`` and block elements break lines (``text_content`` alone glues)."""
    element = copy.deepcopy(element)
    for node in element.iter("br", "p", "div", "table", "tr", "td", "li", "h3"):
        node.tail = "\n" + (node.tail or "")
        if node.tag != "br":
            node.text = "\n" + (node.text or "")
    return norm(element.text_content())


def one(root: lxml.html.HtmlElement, css: str) -> lxml.html.HtmlElement:
    found = root.cssselect(css)
    assert len(found) == 1, (css, len(found))
    return found[0]


def post_links(root: lxml.html.HtmlElement) -> list[str]:
    """Permalinks of the posts on a listing page, in page order (the timestamp link: every post has one)."""
    return [a.get("href") for a in root.cssselect("a.timestamp-link")]


def older_link(root: lxml.html.HtmlElement) -> str | None:
    links = root.cssselect("a.blog-pager-older-link")
    return links[0].get("href") if links else None


# --- paging -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_every_post_reachable_through_older_links(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    seen: list[str] = []
    url: str | None = BASE + "/"
    pages = 0
    while url is not None:
        status, root = get(site, url)
        assert status == 200
        links = post_links(root)
        assert links, url
        seen.extend(links)
        url = older_link(root)
        pages += 1
        assert pages < 50
    assert seen == [BASE + p.path for p in blog.posts]  # every post once, newest first
    assert pages == -(-len(blog.posts) // 7)


def test_home_shows_seven_and_older_link_is_bloggers(blog: Blog) -> None:
    status, root = get(site_for(blog, "classic"), "/")
    assert status == 200
    assert post_links(root) == [BASE + p.path for p in blog.posts[:7]]
    oldest = blog.posts[6].published
    expected = f"{BASE}/search?updated-max={quote(iso_seconds(oldest), safe=':')}&max-results=7"
    assert older_link(root) == expected
    assert re.search(r"updated-max=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00&max-results=7$", expected)
    assert not root.cssselect("a.blog-pager-newer-link")
    assert one(root, "a.home-link").get("href") == BASE + "/"


@pytest.mark.parametrize("theme", THEMES)
def test_newer_link_reverse_paginates_back(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    _, home = get(site, "/")
    _, second = get(site, older_link(home) or "")
    _, third = get(site, older_link(second) or "")
    newer = one(third, "a.blog-pager-newer-link").get("href")
    assert "reverse-paginate=true" in newer
    assert "updated-min=" in newer
    _, back = get(site, newer)
    assert post_links(back) == post_links(second)
    _, back_home = get(site, one(back, "a.blog-pager-newer-link").get("href"))
    assert post_links(back_home) == post_links(home)
    assert not back_home.cssselect("a.blog-pager-newer-link")


def test_max_results_is_capped(big_blog: Blog) -> None:
    site = site_for(big_blog, "contempo")
    _, root = get(site, "/search", {"max-results": ["100000"], "updated-max": ["2016-01-01T00:00:00-05:00"]})
    assert len(post_links(root)) == 500
    assert "max-results=500" in (older_link(root) or "")


def test_search_query_matches_titles_case_insensitively(blog: Blog) -> None:
    site = site_for(blog, "classic")
    expected = [BASE + p.path for p in blog.posts if "rally" in p.title.lower()]
    assert expected
    found: list[str] = []
    url: str | None = None
    status, root = get(site, "/search", {"q": ["RALLY"]})
    while True:
        assert status == 200
        found.extend(post_links(root))
        url = older_link(root)
        if url is None:
            break
        assert "q=RALLY" in url
        assert "by-date=false" in url
        status, root = get(site, url)
    assert found == expected


# --- date headers -------------------------------------------------------------------------------------


def _day_with_two_posts(blog: Blog) -> tuple[Post, Post]:
    for newer, older in zip(blog.posts, blog.posts[1:], strict=False):
        if newer.day == older.day:
            return newer, older
    raise AssertionError("no day with two posts")


def _just_after(post: Post) -> str:
    return iso_seconds(post.published + timedelta(seconds=1))


def test_date_header_only_above_first_post_of_a_day(big_blog: Blog) -> None:
    site = site_for(big_blog, "classic")
    newer, older = _day_with_two_posts(big_blog)
    # a window that starts with the two posts of the same day
    _, root = get(site, "/search", {"updated-max": [_just_after(newer)], "max-results": ["7"]})
    outers = root.cssselect("div.blog-posts div.date-outer")
    first = outers[0]
    assert [a.get("href") for a in first.cssselect("a.timestamp-link")][:2] == [BASE + newer.path, BASE + older.path]
    assert len(first.cssselect("h2.date-header")) == 1
    assert len(first.cssselect("div.post-outer")) >= 2
    assert one(first, "h2.date-header > span").text == newer.date_header
    # one header per distinct day on the page, each the first element of its date-outer
    shown = [big_blog.by_path[h[len(BASE) :]] for h in post_links(root)]
    headers = [h.text_content() for h in root.cssselect("h2.date-header")]
    assert headers == list(dict.fromkeys(p.date_header for p in shown))
    assert len(outers) == len(headers)


def test_post_page_has_no_date_header(blog: Blog) -> None:
    _, root = get(site_for(blog, "classic"), blog.posts[3].path)
    assert not root.cssselect("h2.date-header")
    assert one(root, "abbr.published").get("title") == iso_seconds(blog.posts[3].published)


def test_contempo_has_no_date_headers_but_time_published(blog: Blog) -> None:
    _, root = get(site_for(blog, "contempo"), "/")
    assert not root.cssselect(".date-header")
    times = root.cssselect("time.published")
    assert [t.get("datetime") for t in times] == [iso_seconds(p.published) for p in blog.posts[:7]]


# --- post bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_post_page_body_text_equals_content_model(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    styles: Counter[str] = Counter()
    captions = lines = 0
    for post in [*blog.posts, *blog.pages]:
        body = blog.body(post)
        styles[body.style] += 1
        captions += sum(1 for i in body.images if i.caption)
        lines += sum(1 for b in body.blocks if b.kind == "lines")
        status, root = get(site, post.path)
        assert status == 200
        div = one(root, f"div.post-body#post-body-{post.post_id}")
        assert visible_text(div) == norm(body.text), post.path
        assert len(div.cssselect("img")) == len(body.images)
    assert set(styles) == {"br", "p", "div"}  # every style was checked
    assert captions
    assert lines


def test_br_style_body_is_old_compose_mode(blog: Blog) -> None:
    post = next(p for p in blog.posts if p.seed_key == "seed-zhu-yufu-2012")
    _, root = get(site_for(blog, "classic"), post.path)
    div = one(root, "div.post-body")
    html = lxml.html.tostring(div, encoding="unicode")
    assert "<p>" not in html
    assert "<br><br>" in html
    assert div.cssselect("table.tr-caption-container td.tr-caption")[0].text == "Zhu Yufu"
    anchor = div.cssselect("table.tr-caption-container a[imageanchor='1']")[0]
    image = blog.body(post).images[0]
    assert anchor.get("href") == image.original
    assert anchor.find("img").get("src") == image.src


def test_jump_break_listing_shows_part_post_page_all(big_blog: Blog) -> None:
    post = next(p for p in big_blog.posts if big_blog.body(p).jump_after is not None)
    body = big_blog.body(post)
    assert body.jump_after is not None
    site = site_for(big_blog, "classic")
    _, listing = get(site, "/search", {"updated-max": [_just_after(post)]})
    div = one(listing, f"#post-body-{post.post_id}")
    kept = body.blocks[: body.jump_after + 1]
    assert visible_text(div) != norm(body.text)
    assert norm(body.text).startswith(visible_text(div))
    assert len(div.cssselect("img")) == sum(1 for b in kept if b.kind == "img")
    jump = div.getparent().cssselect("div.jump-link > a")[0]
    assert jump.get("href") == BASE + post.path + "#more"
    _, page = get(site, post.path)
    full = one(page, f"#post-body-{post.post_id}")
    assert visible_text(full) == norm(body.text)
    assert full.cssselect("a[name='more']")


def test_titles_are_escaped_and_empty_titles_have_no_h3(big_blog: Blog) -> None:
    site = site_for(big_blog, "classic")
    for quoted in (
        next(p for p in big_blog.posts if '"' in p.title),
        next(p for p in big_blog.posts if p.seed_key == "seed-zhu-yufu-2012"),
    ):  # "Zhu Yufu's"
        _, root = get(site, quoted.path)
        assert norm(one(root, "h3.post-title").text_content()) == quoted.title
        assert one(root, "title").text == f"{big_blog.title}: {quoted.title}"
        assert one(root, "meta[property='og:title']").get("content") == quoted.title
        _, listing = get(site, "/search", {"updated-max": [_just_after(quoted)]})
        assert norm(listing.cssselect("h3.post-title a")[0].text_content()) == quoted.title
    untitled = next(p for p in big_blog.posts if not p.title)
    _, root = get(site, untitled.path)
    assert not root.cssselect("h3.post-title")
    assert one(root, f"#post-body-{untitled.post_id}") is not None


# --- chrome -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_sidebar_text_is_never_in_a_post_body(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    for path in ("/", blog.posts[0].path, "/2013/09/"):
        _, root = get(site, path)
        page_text = norm(root.text_content())
        assert norm(seeds.SIDEBAR_WHO_WE_ARE) in page_text
        assert norm(seeds.SIDEBAR_FREEDOM) in page_text
        bodies = root.cssselect("div.post-body")
        assert bodies
        for body in bodies:
            text = body.text_content()
            assert "Who We Are" not in text
            assert "Coalition for Citizens Rights is an human" not in text
        old_site = root.xpath("//a[@href='http://www.cfcr2008.org/']")
        assert root.cssselect("div.widget.HTML#HTML1 a[href='http://www.cfcr2008.org/']"), "linked in Who We Are"
        assert len(old_site) == 2, "and in the link list"
        assert all(not a.xpath("ancestor::div[contains(@class, 'post-body')]") for a in old_site)


def test_classic_page_text_starts_with_sidebar_as_captured(blog: Blog) -> None:
    _, root = get(site_for(blog, "classic"), "/2013/09/")
    text = norm(one(root, "div.content").text_content())
    who = text.index(norm(seeds.SIDEBAR_WHO_WE_ARE))
    freedom = text.index(norm(seeds.SIDEBAR_FREEDOM))
    first_post = text.index("2013年9月17日星期二")
    assert who < freedom < first_post
    widget = one(root, "div.widget.Image#Image1")
    assert norm(widget.text_content()) == "Liu Xiaobo Liu Xiaobo"
    assert widget.find(".//img").get("alt") == "Liu Xiaobo"
    image_srcs = {img.get("src") for img in root.cssselect("div.widget.Image div.widget-content img")}
    assert len(image_srcs) == 2


@pytest.mark.parametrize("theme", THEMES)
def test_archive_widget_lists_posts_of_one_month_only(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    post = blog.posts[20]
    year, month = post.published.year, post.published.month
    for path, expanded in (
        ("/", (blog.posts[0].published.year, blog.posts[0].published.month)),
        (post.path, (year, month)),
        (f"/{year}/{month:02d}/", (year, month)),
    ):
        _, root = get(site, path)
        widget = one(root, "div.widget.BlogArchive#BlogArchive1")
        lists = widget.cssselect("ul.posts")
        assert len(lists) == 1, path
        month_url = f"{BASE}/{expanded[0]}/{expanded[1]:02d}/"
        month_item = lists[0].getparent() if theme == "classic" else lists[0].getparent().getparent()
        assert month_item.cssselect("a.post-count-link")[0].get("href") == month_url
        assert [a.get("href") for a in lists[0].cssselect("a")] == [BASE + p.path for p in blog.months[expanded]]
        links = [a.get("href") for a in widget.cssselect("a.post-count-link")]
        months = [f"{BASE}/{y}/{m:02d}/" for (y, m) in blog.months]
        years = [f"{BASE}/{y}/" for y in blog.years]
        assert sorted(links) == sorted(months + years)
        counts = [norm(s.text_content()) for s in widget.cssselect("span.post-count")]
        if theme == "classic":
            assert all(re.fullmatch(r"\(\d+\)", c) for c in counts)
            assert widget.cssselect("li.archivedate.expanded")
            assert widget.cssselect("li.archivedate.collapsed")
        else:
            assert all(re.fullmatch(r"\d+", c) for c in counts)
            assert widget.cssselect("details.collapsible.extendable")
            assert widget.cssselect("div.hierarchy-title a.post-count-link")
        assert sum(int(c.strip("()")) for c in counts) == 2 * len(blog.posts)


def test_label_widget_counts(blog: Blog) -> None:
    _, root = get(site_for(blog, "classic"), "/")
    items = one(root, "div.widget.Label#Label1").cssselect("li")
    found = {norm(li.cssselect("a")[0].text_content()): li.cssselect("span")[0].text for li in items}
    assert found == {label: f"({len(index.posts)})" for label, index in blog.label_index.items()}


@pytest.mark.parametrize("theme", THEMES)
def test_archive_with_and_without_slash_identical(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    post = blog.posts[10]
    year, month = post.published.year, post.published.month
    for bare in (f"/{year}/{month:02d}", f"/{year}"):
        with_slash = render(site, bare + "/", {})
        without = render(site, bare, {})
        assert with_slash is not None
        assert without is not None
        assert with_slash.status == without.status == 200
        assert with_slash.body == without.body
    _, root = get(site, f"/{year}/{month:02d}")
    assert post_links(root) == [BASE + p.path for p in blog.months[(year, month)]]
    _, root = get(site, f"/{year}/")
    assert post_links(root) == [BASE + p.path for p in blog.years[year]][:50]


def test_empty_archive_period_is_200_with_no_posts(blog: Blog) -> None:
    empty = next((y, m) for y in range(2011, 2017) for m in range(1, 13) if (y, m) not in blog.months)
    status, root = get(site_for(blog, "classic"), f"/{empty[0]}/{empty[1]:02d}/")
    assert status == 200
    assert not post_links(root)
    assert "没有博文" in one(root, "div.status-msg-body").text_content()


def test_daily_archive(blog: Blog) -> None:
    post = blog.posts[5]
    day = post.day
    status, root = get(site_for(blog, "classic"), f"/{day.year}_{day.month:02d}_{day.day:02d}_archive.html")
    assert status == 200
    assert BASE + post.path in post_links(root)
    page = render(site_for(blog, "classic"), "/2011_01_01_archive.html", {})
    assert page is not None
    assert page.status == 404


def test_year_archive_continues_with_search_window(big_blog: Blog) -> None:
    site = site_for(big_blog, "classic")
    year = 2014
    _, root = get(site, f"/{year}/")
    shown = post_links(root)
    assert len(shown) == 50 < len(big_blog.years[year])
    _, nxt = get(site, older_link(root) or "")
    assert post_links(nxt)[0] == BASE + big_blog.years[year][50].path


# --- mobile -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_mobile_links_carry_m1(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    post = next(p for p in blog.posts if blog.comments(p))
    label = blog.posts[0].labels[0]
    checked = 0
    for path in ("/", post.path, "/2013/09/", f"/search/label/{quote(label)}", "/p/about-us.html"):
        _, root = get(site, path, {"m": ["1"]})
        for a in root.xpath("//a[@href]"):
            href = a.get("href")
            if not href.startswith(BASE):
                continue
            query = parse_qs(urlsplit(href).query)
            if "mobile-desktop-link" in (a.getparent().get("class") or ""):
                assert query["m"] == ["0"]
                continue
            assert query.get("m") == ["1"], (path, href)
            checked += 1
    assert checked > 50
    if theme == "classic":
        _, root = get(site, "/", {"m": ["1"]})
        assert "mobile" in one(root, "body").get("class").split()
        assert not root.cssselect("div.widget.BlogArchive")
        links = [a.get("href") for a in root.cssselect("div.mobile-post-outer > a")]
        assert links == [site.post_url(p, mobile=True) for p in blog.posts[:7]]


def test_m0_and_unknown_params_give_desktop(blog: Blog) -> None:
    site = site_for(blog, "classic")
    plain = render(site, "/", {})
    assert plain is not None
    for query in ({"m": ["0"]}, {"foo": ["bar"]}, {"m": [""]}):
        page = render(site, "/", query)
        assert page is not None
        assert page.body == plain.body


# --- labels -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_chinese_label_pages(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    label = max((lb for lb in blog.label_index if not lb.isascii()), key=lambda lb: len(blog.label_index[lb].posts))
    expected = [BASE + p.path for p in blog.label_index[label].posts]
    encoded = f"/search/label/{quote(label)}"
    assert site.label_url(label) == BASE + encoded
    found: list[str] = []
    status, root = get(site, encoded)
    raw, percent = render(site, f"/search/label/{label}", {}), render(site, encoded, {})
    assert raw is not None
    assert percent is not None
    assert raw.body == percent.body
    while True:
        assert status == 200
        links = post_links(root)
        assert len(links) <= 20
        found.extend(links)
        nxt = older_link(root)
        if nxt is None:
            break
        assert nxt.startswith(BASE + encoded + "?updated-max=")
        assert "max-results=20" in nxt
        status, root = get(site, nxt)
    assert found == expected
    assert len(expected) > 1


def test_unknown_label_is_empty_listing(blog: Blog) -> None:
    status, root = get(site_for(blog, "classic"), "/search/label/NoSuchLabel")
    assert status == 200
    assert not post_links(root)
    assert "NoSuchLabel" in one(root, "div.status-msg-body").text_content()


# --- contempo -----------------------------------------------------------------------------------------


def test_contempo_listings_are_snippets_post_pages_bodies(blog: Blog) -> None:
    site = site_for(blog, "contempo")
    for path in ("/", "/2013/", f"/search/label/{quote('集会')}"):
        _, root = get(site, path)
        assert not root.xpath("//div[starts-with(@id, 'post-body-')]"), path
        snippets = root.cssselect("div.container.post-body.entry-content[id^='post-snippet-'] div.snippet-item")
        assert len(snippets) == len(post_links(root)) > 0
        for snip in snippets:
            assert len(norm(snip.text_content())) <= 151
        assert root.cssselect("main#main div.widget.Blog[data-version='2']")
    _, home = get(site, "/")
    with_images = [p for p in blog.posts[:7] if blog.body(p).images]
    thumbs = [img.get("src") for img in home.cssselect("div.snippet-thumbnail img")]
    assert thumbs == [blog.body(p).images[0].url("w640-h400-p-k-no-nu") for p in with_images]
    post = blog.posts[0]
    _, page = get(site, post.path)
    body = one(page, f"div.post-body.entry-content.float-container#post-body-{post.post_id}")
    assert visible_text(body) == norm(blog.body(post).text)
    ld = one(page, "script[type='application/ld+json']").text
    assert '"@type": "BlogPosting"' in ld
    assert f'"datePublished": "{iso_seconds(post.published)}"' in ld
    assert f'"dateModified": "{iso_seconds(post.updated)}"' in ld


# --- comments -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_comments_and_show_comment(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    post = next(p for p in blog.posts if len(blog.comments(p)) >= 2)
    comments = blog.comments(post)
    _, root = get(site, post.path)
    if theme == "classic":
        block = one(root, "div.comments#comments dl#comments-block")
        assert [dt.get("id") for dt in block.cssselect("dt.comment-author")] == [f"c{c.comment_id}" for c in comments]
        assert [norm(p.text_content()) for p in block.cssselect("dd.comment-body > p")] == [c.text for c in comments]
        stamps = block.cssselect("dd.comment-footer span.comment-timestamp > a")
        assert f"{len(comments)} 条评论:" == one(root, "div.comments h4").text
        assert root.xpath(f"//a[@href='https://www.blogger.com/comment.g?blogID={blog.blog_id}&postID={post.post_id}']")
    else:
        thread = one(root, "div.comment-thread > ol")
        assert [li.get("id") for li in thread.cssselect("li.comment")] == [f"c{c.comment_id}" for c in comments]
        assert [p.text for p in thread.cssselect("p.comment-content")] == [c.text for c in comments]
        stamps = thread.cssselect("div.comment-header span.datetime.secondary-text > a")
        for li, comment in zip(thread.cssselect("li.comment"), comments, strict=True):
            cite = li.cssselect("div.comment-block > div.comment-header > cite.user")[0]
            assert norm(cite.text_content()) == comment.author.name
            assert bool(cite.cssselect("a")) == bool(comment.author.uri)
    assert [a.get("href") for a in stamps] == [
        f"{BASE}{post.path}?showComment={c.show_comment}#c{c.comment_id}" for c in comments
    ]
    plain = render(site, post.path, {})
    shown = render(site, post.path, {"showComment": [str(comments[0].show_comment)]})
    assert plain is not None
    assert shown is not None
    assert plain.body == shown.body


def test_post_page_links_feeds_and_blogger_endpoints(blog: Blog) -> None:
    site = site_for(blog, "classic")
    post = next(p for p in blog.posts if p.comments_enabled and p.labels)
    _, root = get(site, post.path)
    feed = f"{BASE}/feeds/{post.post_id}/comments/default"
    assert root.xpath(f"//link[@rel='alternate'][@type='application/atom+xml'][@href='{feed}']")
    assert one(root, "link[rel='canonical']").get("href") == BASE + post.path
    assert one(root, "meta[property='og:url']").get("content") == BASE + post.path
    assert one(root, "div.post-feeds a.feed-link").get("href") == feed
    targets = [parse_qs(urlsplit(a.get("href")).query)["target"][0] for a in root.cssselect("a.share-button")]
    assert targets == ["email", "blog", "twitter", "facebook", "pinterest"]
    icons = [a.get("href") for a in root.cssselect("span.post-icons a")]
    assert icons[0].startswith("https://www.blogger.com/email-post.g?blogID=")
    assert icons[1].startswith("https://www.blogger.com/post-edit.g?blogID=")
    labels = root.cssselect("span.post-labels a[rel='tag']")
    assert [a.text for a in labels] == list(post.labels)
    assert [a.get("href") for a in labels] == [site.label_url(lb) for lb in post.labels]
    author = one(root, "span.post-author.vcard span.fn")
    assert norm(author.text_content()) == post.author.name
    assert root.xpath("//iframe[starts-with(@src, 'https://www.blogger.com/navbar.g?targetBlogID=')]")
    newer, older = blog.neighbours(post)
    assert older_link(root) == (BASE + older.path if older else None)
    newer_links = root.cssselect("a.blog-pager-newer-link")
    assert [a.get("href") for a in newer_links] == ([BASE + newer.path] if newer else [])
    scripts = " ".join(s.text or "" for s in root.cssselect("script"))
    assert f"'blogId': '{blog.blog_id}'" in scripts
    assert "_WidgetManager._Init(" in scripts


def test_static_page_has_no_date_comments_or_labels(blog: Blog) -> None:
    page = blog.pages[0]
    for theme in THEMES:
        status, root = get(site_for(blog, theme), page.path)
        assert status == 200
        assert not root.cssselect("abbr.published, time.published, h2.date-header")
        assert not root.cssselect("#comments, .post-labels a, a.blog-pager-older-link")
        assert visible_text(one(root, f"#post-body-{page.post_id}")) == norm(blog.body(page).text)


# --- 404 ----------------------------------------------------------------------------------------------


def test_deleted_post_is_404() -> None:
    first, later = Blog(posts=200, state=0), Blog(posts=200, state=1)
    gone = next(p.path for p in first.posts if p.path not in later.by_path)
    assert later.is_deleted(gone)
    for theme in THEMES:
        ok = render(site_for(first, theme), gone, {})
        assert ok is not None
        assert ok.status == 200
        page = render(site_for(later, theme), gone, {})
        assert page is not None
        assert page.status == 404
        root = lxml.html.document_fromstring(page.body.decode("utf-8"))
        assert "抱歉，您在此博客中查找的网页不存在。" in root.text_content()
        assert not root.cssselect("div.post-body")


@pytest.mark.parametrize("theme", THEMES)
def test_not_found_and_non_html_routes(blog: Blog, theme: str) -> None:
    site = site_for(blog, theme)
    page = not_found(site)
    assert page.status == 404
    assert "不存在" in page.body.decode("utf-8")
    for path in ("/feeds/posts/default", "/robots.txt", "/favicon.ico", "/sitemap.xml", "/foo/bar"):
        assert render(site, path, {}) is None
    for path in ("/2013/09/no-such-post.html", "/p/nothing.html", "/2013/13/"):
        missing = render(site, path, {})
        assert missing is not None
        assert missing.status == 404


def test_direct_mode_links_use_site_base(blog: Blog) -> None:
    site = Site(blog, "http://127.0.0.1:8080", "classic")
    _, root = get(site, "/")
    hrefs = [a.get("href") for a in root.xpath("//a[@href]")]
    internal = [h for h in hrefs if "blogspot.com/" in h and "bp.blogspot.com" not in h]
    assert not internal
    assert all(h.startswith("http://127.0.0.1:8080/") for h in post_links(root))
