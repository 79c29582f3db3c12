"""The replica's GData feeds: Atom/RSS/JSON structure, paging, caps, filters and comment feeds."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import lxml.etree as ET
import lxml.html
import pytest
from blogger_replica import feeds
from blogger_replica.content import Blog, iso_ms
from blogger_replica.site import Page, Site

BASE = "https://gongminziyoulianmeng.blogspot.com"
A = "{http://www.w3.org/2005/Atom}"
OS = "{http://a9.com/-/spec/opensearchrss/1.0/}"
THR = "{http://purl.org/syndication/thread/1.0}"
GD = "{http://schemas.google.com/g/2005}"
MEDIA = "{http://search.yahoo.com/mrss/}"


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(Blog(posts=300), BASE)


@pytest.fixture(scope="module")
def big() -> Site:
    return Site(Blog(posts=2000), BASE)


def get(site: Site, path: str, **params: str) -> Page:
    page = feeds.render(site, path, {k.replace("_", "-"): [v] for k, v in params.items()})
    assert page is not None, path
    return page


def atom(site: Site, path: str, **params: str) -> ET._Element:
    page = get(site, path, **params)
    assert page.status == 200, page.body
    assert page.content_type == "application/atom+xml; charset=UTF-8"
    return ET.fromstring(page.body)


def entries(root: ET._Element) -> list[ET._Element]:
    return root.findall(f"{A}entry")


def entry_post_id(entry: ET._Element) -> str:
    return entry.findtext(f"{A}id").rsplit(".post-", 1)[1]


def link(el: ET._Element, rel: str) -> str | None:
    found = [lk.get("href") for lk in el.findall(f"{A}link") if lk.get("rel") == rel]
    assert len(found) <= 1, (rel, found)
    return found[0] if found else None


def follow(site: Site, href: str) -> ET._Element:
    parts = urlsplit(href)
    page = feeds.render(site, parts.path, parse_qs(parts.query, keep_blank_values=True))
    assert page is not None, href
    assert page.status == 200, href
    return ET.fromstring(page.body)


def post_with_comments(site: Site):
    return next(p for p in site.blog.posts if len(site.blog.comments(p)) >= 3)


def assert_valid_entry(entry: ET._Element) -> None:
    assert entry.findtext(f"{A}id")
    assert entry.find(f"{A}title") is not None
    datetime.fromisoformat(entry.findtext(f"{A}updated"))
    assert len([lk for lk in entry.findall(f"{A}link") if lk.get("rel") == "alternate"]) == 1


def feed_paths(site: Site) -> list[str]:
    blog = site.blog
    post = post_with_comments(site)
    return [
        "/feeds/posts/default",
        "/feeds/posts/full",
        "/feeds/posts/summary",
        "/feeds/posts/default/-/Rally",
        "/feeds/posts/default/-/Rally/%E9%9B%86%E4%BC%9A",
        "/feeds/pages/default",
        "/feeds/comments/default",
        f"/feeds/{post.post_id}/comments/default",
        f"/feeds/{post.post_id}/comments/full",
        f"/feeds/{blog.blog_id}/posts/default",
        f"/feeds/{blog.blog_id}/{post.post_id}/comments/default",
    ]


def test_every_feed_variant_is_structurally_valid_atom(site: Site) -> None:
    for path in feed_paths(site):
        root = atom(site, path)
        assert root.tag == f"{A}feed", path
        assert root.findtext(f"{A}id").startswith(f"tag:blogger.com,1999:blog-{site.blog.blog_id}")
        assert root.find(f"{A}title") is not None
        datetime.fromisoformat(root.findtext(f"{A}updated"))
        assert root.find(f"{A}generator").text == "Blogger"
        assert int(root.findtext(f"{OS}totalResults")) >= len(entries(root)) > 0, path
        for entry in entries(root):
            assert_valid_entry(entry)


def test_envelope_matches_blogger(site: Site) -> None:
    blog = site.blog
    page = get(site, "/feeds/posts/default")
    text = page.body.decode()
    assert text.startswith(
        "<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet href=\"http://www.blogger.com/"
        'styles/atom.css" type="text/css"?><feed xmlns=\'http://www.w3.org/2005/Atom\' '
        "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
        "xmlns:blogger='http://schemas.google.com/blogger/2008' "
        "xmlns:georss='http://www.georss.org/georss' "
        'xmlns:gd="http://schemas.google.com/g/2005" '
        "xmlns:thr='http://purl.org/syndication/thread/1.0'><id>"
    )
    assert page.framing == "chunked"
    assert page.last_modified == blog.updated
    root = ET.fromstring(page.body)
    assert root.findtext(f"{A}id") == f"tag:blogger.com,1999:blog-{blog.blog_id}"
    assert root.findtext(f"{A}updated") == iso_ms(blog.updated)
    assert [c.get("term") for c in root.findall(f"{A}category")] == sorted(blog.label_index)
    assert root.find(f"{A}title").get("type") == "text"
    assert root.findtext(f"{A}title") == blog.title
    assert root.find(f"{A}subtitle").get("type") == "html"
    assert link(root, "http://schemas.google.com/g/2005#feed") == f"{BASE}/feeds/posts/default"
    assert link(root, "self") == f"https://www.blogger.com/feeds/{blog.blog_id}/posts/default"
    assert link(root, "alternate") == f"{BASE}/"
    assert link(root, "hub") == "http://pubsubhubbub.appspot.com/"
    assert link(root, "next") == (
        f"https://www.blogger.com/feeds/{blog.blog_id}/posts/default?start-index=26&max-results=25"
    )
    assert link(root, "previous") is None
    author = root.find(f"{A}author")
    assert author.findtext(f"{A}email") == "noreply@blogger.com"
    assert author.find(f"{GD}image") is not None
    assert root.find(f"{A}generator").attrib == {"version": "7.00", "uri": "https://www.blogger.com"}
    assert (
        root.findtext(f"{OS}totalResults"),
        root.findtext(f"{OS}startIndex"),
        root.findtext(f"{OS}itemsPerPage"),
    ) == ("300", "1", "25")


def test_entry_matches_blogger_structure(site: Site) -> None:
    blog = site.blog
    root = atom(site, "/feeds/posts/default", max_results="150")
    checked_images = checked_disabled = 0
    for entry in entries(root):
        post = blog.by_id[entry_post_id(entry)]
        children = [c.tag for c in entry]
        assert children[:3] == [f"{A}id", f"{A}published", f"{A}updated"]
        assert entry.findtext(f"{A}id") == f"tag:blogger.com,1999:blog-{blog.blog_id}.post-{post.post_id}"
        assert entry.findtext(f"{A}published") == iso_ms(post.published)
        assert entry.findtext(f"{A}updated") == iso_ms(post.updated)
        cats = entry.findall(f"{A}category")
        assert [(c.get("scheme"), c.get("term")) for c in cats] == [
            ("http://www.blogger.com/atom/ns#", label) for label in post.labels
        ]
        assert entry.findtext(f"{A}title") == post.title
        assert entry.find(f"{A}content").get("type") == "html"
        own = f"https://www.blogger.com/feeds/{blog.blog_id}/posts/default/{post.post_id}"
        assert link(entry, "edit") == own
        assert link(entry, "self") == own
        assert link(entry, "alternate") == site.post_url(post)
        author = entry.find(f"{A}author")
        assert author.findtext(f"{A}name") == post.author.name
        assert author.findtext(f"{A}uri") == post.author.uri
        replies = [lk for lk in entry.findall(f"{A}link") if lk.get("rel") == "replies"]
        total = entry.findtext(f"{THR}total")
        if post.comments_enabled:
            n = len(blog.comments(post))
            assert total == str(n)
            assert [(r.get("type"), r.get("href"), r.get("title")) for r in replies] == [
                ("application/atom+xml", f"{BASE}/feeds/{post.post_id}/comments/default", "Post Comments"),
                (
                    "text/html",
                    f"https://www.blogger.com/comment.g?blogID={blog.blog_id}&postID={post.post_id}",
                    f"{n} Comments",
                ),
            ]
        else:
            checked_disabled += 1
            assert total is None
            assert replies == []
        images = blog.body(post).images
        thumb = entry.find(f"{MEDIA}thumbnail")
        if images:
            checked_images += 1
            assert thumb.attrib == {"url": images[0].url("s72-c"), "height": "72", "width": "72"}
        else:
            assert thumb is None
    assert checked_images
    assert checked_disabled


def test_entry_content_is_the_post_html(site: Site) -> None:
    blog = site.blog
    post = next(p for p in blog.posts if p.seed_key == "seed-liu-xiaobo-2013")
    entry = atom(site, f"/feeds/posts/default/{post.post_id}")
    assert entry.tag == f"{A}entry"
    html = entry.findtext(f"{A}content")
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    text = doc.text_content()
    for paragraph in blog.body(post).paragraphs():
        assert paragraph in text
    body = blog.body(post)
    anchors = [a.get("href") for a in doc.iter("a") if a.get("imageanchor")]
    assert anchors == [im.original for im in body.images]
    assert [i.get("src") for i in doc.iter("img")] == [im.src for im in body.images]


def test_next_links_reach_every_post_exactly_once(big: Site) -> None:
    blog = big.blog
    root = atom(big, "/feeds/posts/default", max_results="150")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        assert root.findtext(f"{OS}totalResults") == "2000"
        assert root.findtext(f"{OS}itemsPerPage") == "150"
        seen.extend(entry_post_id(e) for e in entries(root))
        href = link(root, "next")
        if href is None:
            break
        assert href.startswith(f"https://www.blogger.com/feeds/{blog.blog_id}/posts/default?start-index=")
        root = follow(big, href)
    assert pages == 14
    assert len(seen) == len(set(seen)) == 2000
    assert seen == [p.post_id for p in blog.posts]  # newest first, as the blog's own index


def test_previous_link_and_start_index_past_the_end(big: Site) -> None:
    root = atom(big, "/feeds/posts/default", start_index="151", max_results="150")
    assert parse_qs(urlsplit(link(root, "previous")).query) == {"start-index": ["1"], "max-results": ["150"]}
    root = atom(big, "/feeds/posts/default", start_index="2001")
    assert entries(root) == []
    assert link(root, "next") is None
    assert root.findtext(f"{OS}totalResults") == "2000"
    assert root.findtext(f"{OS}startIndex") == "2001"
    root = atom(big, "/feeds/posts/default", start_index="1991", max_results="25")
    assert len(entries(root)) == 10
    assert link(root, "next") is None


def test_max_results_is_capped_at_150(big: Site) -> None:
    root = atom(big, "/feeds/posts/default", max_results="500")
    assert len(entries(root)) == 150
    assert root.findtext(f"{OS}itemsPerPage") == "150"
    assert parse_qs(urlsplit(link(root, "next")).query)["max-results"] == ["150"]
    assert parse_qs(urlsplit(link(root, "self")).query)["max-results"] == ["500"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max-results": "abc"}, "Invalid value for max-results parameter: abc"),
        ({"max-results": "-5"}, "Invalid value for max-results parameter: -5"),
        ({"start-index": "0"}, "Invalid value for start-index parameter: 0"),
        ({"orderby": "title"}, "Invalid value for orderby parameter: title"),
        ({"alt": "xml"}, "Invalid value for alt parameter: xml"),
        ({"published-min": "yesterday"}, "Invalid value for published-min parameter: yesterday"),
    ],
)
def test_invalid_parameters_give_400(site: Site, params: dict[str, str], message: str) -> None:
    page = feeds.render(site, "/feeds/posts/default", {k: [v] for k, v in params.items()})
    assert page is not None
    assert (page.status, page.content_type, page.body.decode()) == (400, "text/plain; charset=UTF-8", message)


def test_ignored_parameters_change_nothing(site: Site) -> None:
    plain = [entry_post_id(e) for e in entries(atom(site, "/feeds/posts/default"))]
    with_extras = atom(site, "/feeds/posts/default", redirect="false", v="2")
    assert [entry_post_id(e) for e in entries(with_extras)] == plain
    assert link(with_extras, "next").endswith("?start-index=26&max-results=25&redirect=false&v=2")
    assert [entry_post_id(e) for e in entries(atom(site, "/feeds/posts/default", max_results=""))] == plain


def test_label_feeds_contain_only_labelled_posts(site: Site) -> None:
    blog = site.blog
    root = atom(site, "/feeds/posts/default/-/%E9%9B%86%E4%BC%9A", max_results="150")  # 集会
    expected = [p.post_id for p in blog.posts if "集会" in p.labels]
    assert [entry_post_id(e) for e in entries(root)] == expected[:150]
    assert root.findtext(f"{OS}totalResults") == str(len(expected))
    assert link(root, "alternate") == f"{BASE}/search/label/%E9%9B%86%E4%BC%9A"
    both = atom(site, "/feeds/posts/default/-/Rally/Human%20Rights", max_results="150")
    expected_both = [p.post_id for p in blog.posts if {"Rally", "Human Rights"} <= set(p.labels)]
    assert expected_both
    assert [entry_post_id(e) for e in entries(both)] == expected_both
    either = atom(site, "/feeds/posts/default/-/Statement|%E5%A3%B0%E6%98%8E", max_results="150")
    expected_either = [p.post_id for p in blog.posts if {"Statement", "声明"} & set(p.labels)]
    assert [entry_post_id(e) for e in entries(either)] == expected_either[:150]
    assert entries(atom(site, "/feeds/posts/default/-/NoSuchLabel")) == []


def test_summary_feed_has_summaries_and_no_content(site: Site) -> None:
    root = atom(site, "/feeds/posts/summary")
    for entry in entries(root):
        assert entry.find(f"{A}content") is None
        summary = entry.find(f"{A}summary")
        assert summary.get("type") == "text"
        assert "<" not in summary.text
        assert 0 < len(summary.text) <= feeds.SUMMARY_CHARS
    assert link(root, "self").endswith("/posts/summary")


def test_orderby_and_date_filters(site: Site) -> None:
    blog = site.blog
    root = atom(site, "/feeds/posts/default", orderby="updated", max_results="150")
    assert [entry_post_id(e) for e in entries(root)] == [p.post_id for p in blog.by_updated()[:150]]
    low, high = blog.posts[120].published, blog.posts[20].published
    root = atom(
        site, "/feeds/posts/default", max_results="150", published_min=low.isoformat(), published_max=high.isoformat()
    )
    assert [entry_post_id(e) for e in entries(root)] == [p.post_id for p in blog.posts[21:121]]
    # updated-min/max only apply with orderby=updated, as Blogger documents
    ignored = atom(site, "/feeds/posts/default", updated_min="2016-01-01T00:00:00")
    assert ignored.findtext(f"{OS}totalResults") == "300"
    applied = atom(site, "/feeds/posts/default", orderby="UPDATED", updated_min="2016-01-01T00:00:00Z")
    since = datetime.fromisoformat("2016-01-01T00:00:00+00:00")
    expected = [p for p in blog.by_updated() if p.updated >= since]
    assert applied.findtext(f"{OS}totalResults") == str(len(expected)) != "300"


def test_json_has_gdata_shape(site: Site) -> None:
    page = get(site, "/feeds/posts/default", alt="json", max_results="150")
    assert page.content_type == "application/json; charset=UTF-8"
    assert b"\\u003c" in page.body
    assert b"<" not in page.body
    doc = json.loads(page.body)
    assert (doc["version"], doc["encoding"]) == ("1.0", "UTF-8")
    feed = doc["feed"]
    assert feed["openSearch$totalResults"]["$t"] == "300"
    assert feed["id"]["$t"] == f"tag:blogger.com,1999:blog-{site.blog.blog_id}"
    assert "alt=json" in next(lk["href"] for lk in feed["link"] if lk["rel"] == "next")
    assert len(feed["entry"]) == 150
    for item in feed["entry"]:
        post = site.blog.by_id[item["id"]["$t"].rsplit(".post-", 1)[1]]
        assert item["title"]["$t"] == post.title
        assert item["published"]["$t"] == iso_ms(post.published)
        assert [c["term"] for c in item.get("category", [])] == list(post.labels)
        assert item["author"][0]["name"]["$t"] == post.author.name
        assert sum(lk["rel"] == "alternate" for lk in item["link"]) == 1
        assert item["content"]["type"] == "html"
        assert re.search(r"<(p|div|br|table)\b", item["content"]["$t"])
        if post.comments_enabled:
            assert item["thr$total"]["$t"] == str(len(site.blog.comments(post)))
        if site.blog.body(post).images:
            assert item["media$thumbnail"]["url"].split("/")[-2] == "s72-c"


def test_json_in_script_wraps_the_json(site: Site) -> None:
    page = get(site, "/feeds/posts/summary", alt="json-in-script", callback="showrecent")
    assert page.content_type == "text/javascript; charset=UTF-8"
    text = page.body.decode()
    prefix = "// API callback\nshowrecent("
    assert text.startswith(prefix)
    assert text.endswith(");")
    doc = json.loads(text[len(prefix) : -2])
    assert "summary" in doc["feed"]["entry"][0]
    assert "content" not in doc["feed"]["entry"][0]
    bad = get(site, "/feeds/posts/default", alt="json-in-script", callback="alert(1)//")
    assert bad.status == 400


def test_rss(site: Site) -> None:
    page = get(site, "/feeds/posts/default", alt="rss", max_results="10")
    assert page.content_type == "application/rss+xml; charset=UTF-8"
    root = ET.fromstring(page.body)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext(f"{OS}totalResults") == "300"
    items = channel.findall("item")
    guids = [i.findtext("guid").rsplit(".post-", 1)[1] for i in items]
    assert guids == [p.post_id for p in site.blog.posts[:10]]
    first = site.blog.posts[0]
    assert items[0].findtext("link") == site.post_url(first)
    assert items[0].findtext("{http://www.w3.org/2005/Atom}updated") == iso_ms(first.updated)


def test_legacy_feed_urls_redirect(site: Site) -> None:
    page = feeds.render(site, "/atom.xml", {"redirect": ["false"], "max-results": ["5"]})
    assert page.status == 301
    assert dict(page.headers)["Location"] == f"{BASE}/feeds/posts/default?redirect=false&max-results=5"
    page = feeds.render(site, "/rss.xml", {})
    assert (page.status, dict(page.headers)["Location"]) == (301, f"{BASE}/feeds/posts/default?alt=rss")


def test_comment_feeds_match_the_blog(site: Site) -> None:
    blog = site.blog
    post = post_with_comments(site)
    comments = blog.comments(post)
    root = atom(site, f"/feeds/{post.post_id}/comments/default")
    assert root.findtext(f"{A}id") == f"tag:blogger.com,1999:blog-{blog.blog_id}.post{post.post_id}..comments"
    assert root.findtext(f"{A}title") == f"Comments on {blog.title}: {post.title}"
    assert link(root, "alternate") == site.post_url(post)
    got = entries(root)
    assert [entry_post_id(e) for e in got] == [c.comment_id for c in reversed(comments)]
    for entry, comment in zip(got, reversed(comments), strict=True):
        assert entry.findtext(f"{A}published") == iso_ms(comment.published)
        assert entry.findtext(f"{A}content") == comment.text
        assert entry.find(f"{A}author").findtext(f"{A}name") == comment.author.name
        assert link(entry, "alternate") == (
            f"{site.post_url(post)}?showComment={comment.show_comment}#c{comment.comment_id}"
        )
        reply = entry.find(f"{THR}in-reply-to")
        assert reply.get("ref") == f"tag:blogger.com,1999:blog-{blog.blog_id}.post-{post.post_id}"
        assert reply.get("href") == site.post_url(post)
        props = {p.get("name"): p.get("value") for p in entry.findall(f"{GD}extendedProperty")}
        assert set(props) == {"blogger.itemClass", "blogger.displayTime"}
    oldest_first = atom(site, f"/feeds/{post.post_id}/comments/default", reverse="false")
    assert [entry_post_id(e) for e in entries(oldest_first)] == [c.comment_id for c in comments]
    single = atom(site, f"/feeds/{post.post_id}/comments/default/{comments[0].comment_id}")
    assert single.tag == f"{A}entry"
    assert entry_post_id(single) == comments[0].comment_id


def test_all_comments_feed(site: Site) -> None:
    blog = site.blog
    everything = sorted(
        ((c, p) for p in blog.posts for c in blog.comments(p)), key=lambda cp: cp[0].published, reverse=True
    )
    root = atom(site, "/feeds/comments/default", max_results="150")
    assert root.findtext(f"{OS}totalResults") == str(len(everything))
    got = entries(root)
    assert [entry_post_id(e) for e in got] == [c.comment_id for c, _ in everything[:150]]
    for entry, (_, post) in zip(got, everything, strict=False):
        assert entry.find(f"{THR}in-reply-to").get("href") == site.post_url(post)
    by_blog_id = atom(site, f"/feeds/{blog.blog_id}/comments/default", max_results="150")
    assert [entry_post_id(e) for e in entries(by_blog_id)] == [entry_post_id(e) for e in got]


def test_pages_feed(site: Site) -> None:
    blog = site.blog
    root = atom(site, "/feeds/pages/default")
    got = entries(root)
    assert len(got) == len(blog.pages) == 3
    for entry in got:
        page_id = entry.findtext(f"{A}id").rsplit(".page-", 1)[1]
        page = blog.by_id[page_id]
        assert page.kind == "page"
        assert link(entry, "alternate") == site.post_url(page)
        assert entry.find(f"{THR}total") is None  # comments are off on static pages


def test_unknown_paths(site: Site) -> None:
    assert feeds.render(site, "/2013/09/x.html", {}) is None
    assert feeds.render(site, "/feeds/nonsense", {}) is None
    assert feeds.render(site, "/feeds/posts/default/12345", {}).status == 404
    assert feeds.render(site, "/feeds/12345/comments/default", {}).status == 404
    assert feeds.render(site, "/feeds/999/posts/default", {}).status == 404  # another blog's id
    assert feeds.render(site, "/feeds/posts/default/", {}).status == 200


def test_deleted_posts_are_absent() -> None:
    later = Blog(posts=300, state=1)
    first = Blog(posts=300)
    gone = {p.post_id for p in first.posts} - {p.post_id for p in later.posts}
    assert gone
    site = Site(later, BASE)
    ids = {entry_post_id(e) for e in entries(atom(site, "/feeds/posts/default", max_results="150"))}
    ids |= {entry_post_id(e) for e in entries(atom(site, "/feeds/posts/default", max_results="150", start_index="151"))}
    ids |= {entry_post_id(e) for e in entries(atom(site, "/feeds/posts/default", max_results="150", start_index="301"))}
    assert len(ids) == len(later.posts)
    assert not ids & gone


def test_a_full_page_costs_the_same_deep_in_the_blog(big: Site) -> None:
    feeds.render(big, "/feeds/posts/default", {"max-results": ["150"], "start-index": ["1851"]})  # warm-up
    started = time.perf_counter()
    page = feeds.render(big, "/feeds/posts/default", {"max-results": ["150"], "start-index": ["1851"]})
    assert page is not None
    assert len(entries(ET.fromstring(page.body))) == 150
    assert time.perf_counter() - started < 0.5
