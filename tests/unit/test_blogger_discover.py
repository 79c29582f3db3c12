"""Link and requisite extraction of archiver.blogger.discover on small hand-written documents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from archiver.blogger.discover import (
    css_urls,
    extract,
    feed_links,
    html_links,
    robots_sitemaps,
    sitemap_links,
)

BASE = "https://name.blogspot.com/2013/09/post.html"

HTML = b"""<!DOCTYPE html><html><head>
<meta content='blogger' name='generator'/>
<link href='https://www.blogger.com/static/v1/widgets/1-css_bundle_v2.css' rel='stylesheet' type='text/css'/>
<link rel="icon" href="/favicon.ico"/>
<link rel="alternate" type="application/atom+xml" href="https://name.blogspot.com/feeds/posts/default"/>
<style>body { background: url("https://resources.blogblog.com/tile.png") repeat-x; }</style>
<script src="https://www.blogger.com/static/v1/widgets/2-widgets.js"></script>
</head><body>
<a href="/2013/09/other.html#more">other</a>
<a href="javascript:void(0)">toggle</a><a href="mailto:x@y.org">mail</a><a href="#top">top</a>
<a href="http://www.cfcr2008.org/">old site</a>
<a href="https://2.bp.blogspot.com/-A/B/C/D/s1600/x.png" imageanchor="1">
  <img src="https://2.bp.blogspot.com/-A/B/C/D/s400/x.png" srcset="a.png 1x, b.png 2x"/></a>
<div style="background-image: url(/img/bg.gif)"></div>
<iframe src="https://www.blogger.com/navbar.g?targetBlogID=6708796347548417155"></iframe>
</body></html>"""


def test_html_links_and_requisites() -> None:
    found = html_links(BASE, HTML)
    assert found.links == (
        "https://name.blogspot.com/feeds/posts/default",
        "https://name.blogspot.com/2013/09/other.html",
        "http://www.cfcr2008.org/",
        "https://2.bp.blogspot.com/-A/B/C/D/s1600/x.png",
    )
    assert found.requisites == (
        "https://www.blogger.com/static/v1/widgets/1-css_bundle_v2.css",
        "https://name.blogspot.com/favicon.ico",
        "https://resources.blogblog.com/tile.png",
        "https://www.blogger.com/static/v1/widgets/2-widgets.js",
        "https://2.bp.blogspot.com/-A/B/C/D/s400/x.png",
        "https://name.blogspot.com/2013/09/a.png",
        "https://name.blogspot.com/2013/09/b.png",
        "https://name.blogspot.com/img/bg.gif",
        "https://www.blogger.com/navbar.g?targetBlogID=6708796347548417155",
    )
    assert found.is_blogger
    assert found.blog_id == "6708796347548417155"
    assert "http://www.cfcr2008.org/" in found.outlinks


def test_html_base_href_is_honoured() -> None:
    found = html_links(
        BASE, b"<html><head><base href='https://cdn.example.org/x/'></head><body><a href='y.html'>y</a></body></html>"
    )
    assert found.links == ("https://cdn.example.org/x/y.html",)
    assert not found.is_blogger


def test_empty_or_broken_html_gives_nothing() -> None:
    assert html_links(BASE, b"").links == ()


FEED = b"""<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'
 xmlns:thr='http://purl.org/syndication/thread/1.0'>
<id>tag:blogger.com,1999:blog-6708796347548417155</id>
<link rel='alternate' type='text/html' href='https://name.blogspot.com/'/>
<link rel='next' type='application/atom+xml'
 href='https://www.blogger.com/feeds/6708796347548417155/posts/default?start-index=3&amp;max-results=2'/>
<entry><id>tag:blogger.com,1999:blog-6708796347548417155.post-1</id>
 <link rel='replies' type='application/atom+xml' href='https://name.blogspot.com/feeds/1/comments/default'/>
 <link rel='replies' type='text/html' href='https://www.blogger.com/comment.g?blogID=6708796347548417155&amp;postID=1'/>
 <link rel='alternate' type='text/html' href='https://name.blogspot.com/2016/06/a.html'/>
 <thr:total>2</thr:total></entry>
<entry><id>tag:blogger.com,1999:blog-6708796347548417155.post-2</id>
 <link rel='replies' type='application/atom+xml' href='https://name.blogspot.com/feeds/2/comments/default'/>
 <link rel='alternate' type='text/html' href='https://name.blogspot.com/2016/05/b.html'/>
 <thr:total>0</thr:total></entry>
</feed>"""


def test_feed_links() -> None:
    found = feed_links("https://name.blogspot.com/feeds/posts/default?max-results=2", FEED)
    assert found.links == (
        "https://name.blogspot.com/",
        "https://name.blogspot.com/2016/06/a.html",
        "https://name.blogspot.com/2016/05/b.html",
    )
    assert found.next_page == (
        "https://www.blogger.com/feeds/6708796347548417155/posts/default?start-index=3&max-results=2"
    )
    assert found.comment_feeds == ("https://name.blogspot.com/feeds/1/comments/default",)  # not the one with 0
    assert found.url_count == 2
    assert found.blog_id == "6708796347548417155"


PAGED_FEED = b"""<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'
 xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>
<updated>2016-06-24T15:03:00.798-04:00</updated>
<link rel='next' type='application/atom+xml' href='https://name.blogspot.com/feeds/posts/default?start-index=3'/>
<openSearch:totalResults>40</openSearch:totalResults><openSearch:startIndex>1</openSearch:startIndex>
<openSearch:itemsPerPage>2</openSearch:itemsPerPage>
<entry><published>2016-06-22T20:40:00.001-04:00</published><updated>2016-07-01T10:00:00.000-04:00</updated></entry>
<entry><published>2011-03-01T09:00:00.000-05:00</published></entry>
</feed>"""


def test_feed_paging_and_dates() -> None:
    found = feed_links("https://name.blogspot.com/feeds/posts/default", PAGED_FEED)
    assert (found.url_count, found.total_results, found.start_index) == (2, 40, 1)
    # the feed's <updated> and each entry's <published>, never an entry's <updated> (an edit is not a date of
    # the archive)
    assert found.dates == (
        "2016-06-24T15:03:00.798-04:00",
        "2016-06-22T20:40:00.001-04:00",
        "2011-03-01T09:00:00.000-05:00",
    )
    empty = feed_links(
        "https://name.blogspot.com/feeds/posts/default?start-index=1700001",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><link rel='next' href='/x'/>"
        b"<openSearch:totalResults xmlns:openSearch='http://a9.com/-/spec/opensearch/1.1/'>"
        b"many</openSearch:totalResults></feed>",
    )
    assert (empty.url_count, empty.total_results, empty.start_index, empty.dates) == (0, None, None, ())
    assert feed_links("https://name.blogspot.com/feeds/posts/default", FEED).total_results is None


def test_archive_widget_links() -> None:
    page = b"""<html><body><a href='/2013/09/post.html'>post</a>
    <div class='widget BlogArchive' id='BlogArchive1'><ul class='hierarchy'><li class='archivedate'>
      <a class='toggle' href='javascript:void(0)'>v</a><a class='post-count-link' href='/2013/'>2013</a>
      <ul><li><a class='post-count-link' href='https://name.blogspot.com/2013/09/'>September</a>
      <ul class='posts'><li><a href='/2013/09/post.html'>post</a></li></ul></li></ul></li></ul>
      <select><option value=''>Archive</option><option value='https://name.blogspot.com/2012/05/'>May</option>
      </select></div>
    <div class='widget BlogArchiveX'><a href='/1900/01/'>not the widget</a></div>
    <a href='/2099/01/'>calendar</a></body></html>"""
    found = html_links(BASE, page)
    assert found.archive_links == (
        "https://name.blogspot.com/2013/",
        "https://name.blogspot.com/2013/09/",
        "https://name.blogspot.com/2013/09/post.html",
        "https://name.blogspot.com/2012/05/",
    )
    assert "https://name.blogspot.com/2099/01/" in found.links  # still a link, but not the widget's
    assert found.listing_links is None  # no Blog widget: no main column to tell apart


def test_listing_links_are_the_blog_widgets() -> None:
    page = b"""<html><body><div class='main section'><div class='widget Blog' id='Blog1'>
    <h3 class='post-title'><a href='/2013/09/shown.html'>shown</a></h3>
    <a class='blog-pager-older-link' href='/search?updated-max=2013-09-01T00:00:00-04:00'>older</a></div></div>
    <div class='widget BlogArchive'><a href='/2013/09/sidebar.html'>sidebar</a></div></body></html>"""
    found = html_links(BASE, page)
    assert found.listing_links == (
        "https://name.blogspot.com/2013/09/shown.html",
        "https://name.blogspot.com/search?updated-max=2013-09-01T00:00:00-04:00",
    )


def test_rss_items() -> None:
    rss = b"<rss><channel><link>https://name.blogspot.com/</link><item><link>https://name.blogspot.com/2016/06/a.html</link></item></channel></rss>"
    assert feed_links("https://name.blogspot.com/feeds/posts/default?alt=rss", rss).links == (
        "https://name.blogspot.com/2016/06/a.html",
        "https://name.blogspot.com/",
    )


def test_sitemap_index_and_page() -> None:
    index = (
        b"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        b"<sitemap><loc>https://name.blogspot.com/sitemap.xml?page=1</loc></sitemap>"
        b"<sitemap><loc>https://name.blogspot.com/sitemap.xml?page=2</loc></sitemap></sitemapindex>"
    )
    found = sitemap_links("https://name.blogspot.com/sitemap.xml", index)
    assert found.sitemaps == (
        "https://name.blogspot.com/sitemap.xml?page=1",
        "https://name.blogspot.com/sitemap.xml?page=2",
    )
    assert found.links == ()
    page = (
        b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://name.blogspot.com/2016/06/a.html"
        b"</loc><lastmod>2016-06-17T18:30:14Z</lastmod></url></urlset>"
    )
    found = sitemap_links("https://name.blogspot.com/sitemap.xml?page=1", page)
    assert found.links == ("https://name.blogspot.com/2016/06/a.html",)
    assert found.url_count == 1


def test_robots_sitemap_lines() -> None:
    text = "User-agent: *\nDisallow: /search\nAllow: /\n\nSitemap: https://name.blogspot.com/sitemap.xml\n"
    assert robots_sitemaps("https://name.blogspot.com/robots.txt", text).sitemaps == (
        "https://name.blogspot.com/sitemap.xml",
    )


def test_css_urls() -> None:
    css = """@import "print.css"; body { background: #fff url(img/tile.png) repeat-x; }
    .a { background: url('data:image/png;base64,AAAA'); } .b { src: url( "/fonts/x.woff2" ) }"""
    assert css_urls("https://www.blogblog.com/1kt/simple/bundle.css", css) == [
        "https://www.blogblog.com/1kt/simple/print.css",
        "https://www.blogblog.com/1kt/simple/img/tile.png",
        "https://www.blogblog.com/fonts/x.woff2",
    ]


def test_extract_dispatches_on_media_type() -> None:
    assert extract(BASE, "text/html; charset=UTF-8", HTML).is_blogger
    assert extract(
        "https://name.blogspot.com/feeds/posts/default", "application/atom+xml; charset=UTF-8", FEED
    ).next_page
    assert extract("https://x.org/a.css", "text/css", b"a{background:url(b.png)}").requisites == (
        "https://x.org/b.png",
    )
    assert extract(
        "https://name.blogspot.com/robots.txt", "text/plain", b"Sitemap: https://name.blogspot.com/sitemap.xml"
    ).sitemaps
    assert extract("https://x.org/a.png", "image/png", b"\x89PNG").outlinks == []


# -- resolving: the cache of absolute links gives what urljoin gives ------------------------------------------


def _urljoin_reference(base: str, raw: str) -> str | None:
    """What _Collector.resolve did before absolute links were cached: urljoin, drop the fragment, http(s) only."""
    from urllib.parse import urldefrag, urljoin

    value = raw.strip()
    if (
        not value
        or value.startswith("#")
        or value.lower().startswith(("javascript:", "mailto:", "data:", "about:", "tel:", "blob:"))
    ):
        return None
    try:
        absolute = urldefrag(urljoin(base, value))[0]
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


@given(
    base=st.sampled_from([BASE, "http://name.blogspot.com/", "https://blog.example.org/a/b/?q=1"]),
    raw=st.one_of(
        st.sampled_from(
            [
                "https://x.org/a/../b?c#d",
                "HTTP://X.org",
                "https:///path",
                "http:relative",
                "https://",
                "http://x.org?",
                "https://[::1]:8080/a",
                " https://x.org/#",
                "https://x.org/a b",
                "//1.bp.blogspot.com/-a/s400/x.png",
                "//x.org",
                "///x.org/a",
                "//?q",
                "//#f",
            ]
        ),
        st.builds(
            lambda scheme, rest: scheme + rest,
            st.sampled_from(["http://", "https://", "HTTPS://", "//", ""]),
            st.text(alphabet="ab/.?#:@[]% ", max_size=12),
        ),
    ),
)
def test_resolving_is_urljoin(base: str, raw: str) -> None:
    from archiver.blogger.discover import _Collector

    assert _Collector(base).resolve(raw) == _urljoin_reference(base, raw)
