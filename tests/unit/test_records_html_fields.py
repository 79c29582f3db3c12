"""The one walk over a post's container selects what the XPath of each field selects, in the same order."""

from __future__ import annotations

from typing import Any

import pytest
from blogger_replica.site import THEMES
from lxml import etree

from archiver.records import html
from tests.records_support import BASE, app, serve

TRICKY = b"""<html><body><div class="blog-posts">
<div class="post hentry"><div class="post-body" id="post-body-1">
<h3 class="post-title\tentry-title"><a href="/a.html">A</a></h3>
<h3 class="xpost-title">not a title</h3>
<span class="post-title\xc2\xa0other">no-break space: not a separator for normalize-space()</span>
<abbr class="published" title="2020-01-01T00:00:00Z">x</abbr>
<time itemprop="datePublished" datetime="2020-01-02T00:00:00Z">y</time>
<span class=" updated
 ">z</span><meta itemprop="dateModified" content="2020-01-03">
<span class="post-labels"><a>l</a></span><span class="POST-LABELS">case counts</span>
<span class="post-author vcard"><span itemprop="name">N</span></span>
<a class="comment-link" href="#c">3 comments</a><span class="comment-link">not a link</span>
<script type="application/ld+json">{}</script><script type="application/LD+json">[]</script>
<meta itemprop="blogId" content=" 42 "><meta itemprop="blogId"><meta itemprop="blogid" content="7">
<!-- a comment --><?pi x?>
</div></div></div></body></html>"""


LISTING = b"""<html><body><div class="blog-posts">
<div class="post hentry"><a class="post-title" href="/self.html">a title's own link is not in it</a>
<h3 class="post-title"><a name="anchor">no href</a></h3>
<span class="x timestamp-link"><a href="/not-a-timestamp-link.html">the span has the class</a></span>
<a class="timestamp-link" href=" /2020/01/b.html ">first</a>
<h3 class="post-title"><b><a href="/2020/01/c.html">later</a></b></h3>
<div class="post-body" id="post-body-1">text</div>
<div class="jump-link	x"><a href="/2020/01/b.html#more">Read more</a></div>
</div></div></body></html>"""


def pairs(fields: html._Fields, container: object, *, listing: bool = False) -> list[tuple[list[object], list[object]]]:
    """What each of the walk's fields holds and what its XPath selects; with ``listing``, its link and jump too."""
    extra: list[tuple[list[object], list[object]]] = []
    if listing:
        hrefs = html._X_LINKS(container)
        extra = [([fields.link], [str(hrefs[0]) if hrefs else None]), ([fields.jump], [bool(html._X_JUMP(container))])]
    return extra + [
        (fields.title, html._X_TITLE(container)),
        (fields.published, html._X_PUBLISHED(container)),
        (fields.updated, html._X_UPDATED(container)),
        (fields.labels, html._X_LABELS(container)),
        (fields.author, html._X_AUTHOR(container)),
        (fields.comment_links, html._X_COMMENT_LINK(container)),
        (fields.ld_json, html._X_LD_JSON(container)),
        (fields.blog_ids, [str(value) for value in html._X_BLOG_ID(container)]),
    ]


def post_bodies(body: bytes) -> list[Any]:
    doc = html.parse_html(body, "utf-8").doc
    bodies = [e for e in html._X_IDS(doc) if html._BODY_ID.match(e.get("id"))]
    assert bodies
    return bodies


def containers(body: bytes) -> list[object]:
    return [html._container(e) for e in post_bodies(body)]


def test_the_id_xpath_selects_every_element_with_an_id_in_document_order() -> None:
    replica = app(30, "classic")
    for url in (f"{BASE}/", f"{BASE}{replica.blog.posts[3].path}", f"{BASE}/2015/"):
        doc = html.parse_html(serve(url, replica).body, "utf-8").doc
        assert html._X_IDS(doc) == etree.XPath("//*[@id]")(doc)
    doc = html.parse_html(TRICKY, "utf-8").doc
    assert [e.get("id") for e in html._X_IDS(doc)] == ["post-body-1"]


def date_header_by_xpath(body: Any) -> str | None:
    for ancestor in body.iterancestors():
        if "date-outer" in (ancestor.get("class") or "").split():
            header = html._first(html._X_DATE_HEADER(ancestor))
            return (html._text(header) or None) if header is not None else None
    return None


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", ["/", "post", "/search/label/Rally", "/2015/"])
def test_the_walk_selects_what_the_xpaths_select(theme: str, path: str) -> None:
    replica = app(30, theme)  # type: ignore[arg-type]
    url = f"{BASE}{replica.blog.posts[3].path}" if path == "post" else f"{BASE}{path}"
    found = 0
    for container in containers(serve(url, replica).body):
        for walked, selected in pairs(html._Fields(container, listing=True), container, listing=True):
            assert walked == selected
            found += len(walked)
        plain = html._Fields(container)  # a post page's own post: no listing fields read
        assert (plain.link, plain.jump) == (None, False)
    assert found
    headers = [(html._date_header(e), date_header_by_xpath(e)) for e in post_bodies(serve(url, replica).body)]
    assert all(walked == selected for walked, selected in headers)
    if theme == "classic" and path != "post":  # classic listings show the day above its posts
        assert any(walked for walked, _ in headers)


def test_the_walk_splits_classes_where_normalize_space_does() -> None:
    (container,) = containers(TRICKY)
    fields = html._Fields(container)
    for walked, selected in pairs(fields, container):
        assert walked == selected
    assert [e.text for e in fields.title] == [None]  # the <h3>: its text is in the <a>
    assert len(fields.published) == 2
    assert len(fields.updated) == 2
    assert fields.blog_ids == [" 42 "]
    assert len(fields.comment_links) == len(fields.ld_json) == 1


def test_a_listings_link_and_jump_are_what_their_xpaths_select() -> None:
    (container,) = containers(LISTING)
    fields = html._Fields(container, listing=True)
    for walked, selected in pairs(fields, container, listing=True):
        assert walked == selected
    assert fields.link == " /2020/01/b.html "  # stripped where it is joined
    assert fields.jump is True
