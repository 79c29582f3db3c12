"""The replica's sitemap index, sitemap pages and robots.txt."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import lxml.etree as ET
import pytest
from blogger_replica import sitemaps
from blogger_replica.content import Blog
from blogger_replica.site import Site

BASE = "https://gongminziyoulianmeng.blogspot.com"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

EXPECTED_ROBOTS = """User-agent: Mediapartners-Google
Disallow:

User-agent: *
Disallow: /search
Allow: /

Sitemap: https://gongminziyoulianmeng.blogspot.com/sitemap.xml
"""


@pytest.fixture(scope="module")
def big() -> Site:
    return Site(Blog(posts=2000), BASE)


def xml(site: Site, path: str, **params: str) -> ET._Element:
    page = sitemaps.render(site, path, {k: [v] for k, v in params.items()})
    assert page is not None
    assert page.status == 200
    assert page.content_type == "application/xml; charset=UTF-8"
    assert page.body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(page.body)


def urls(root: ET._Element) -> list[tuple[str, str]]:
    assert root.tag == f"{SM}urlset"
    out = []
    for url in root:
        assert url.tag == f"{SM}url"
        assert [c.tag for c in url] == [f"{SM}loc", f"{SM}lastmod"]
        out.append((url.findtext(f"{SM}loc"), url.findtext(f"{SM}lastmod")))
    return out


def test_index_children_reach_every_post_exactly_once(big: Site) -> None:
    blog = big.blog
    index = xml(big, "/sitemap.xml")
    assert index.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in index.findall(f"{SM}sitemap")]
    assert locs == [f"{BASE}/sitemap.xml?page={n}" for n in range(1, 15)]
    seen: list[str] = []
    for loc in locs:
        parts = urlsplit(loc)
        children = urls(xml(big, parts.path, page=parse_qs(parts.query)["page"][0]))
        assert len(children) == (150 if loc != locs[-1] else 2000 - 13 * 150)
        seen.extend(child for child, _ in children)
    assert len(seen) == len(set(seen)) == 2000
    assert seen == [big.post_url(p) for p in blog.posts]  # newest first


def test_lastmod_is_the_post_update_time_in_utc(big: Site) -> None:
    blog = big.blog
    children = urls(xml(big, "/sitemap.xml", page="3"))
    for (loc, lastmod), post in zip(children, blog.posts[300:450], strict=True):
        assert loc == big.post_url(post)
        assert lastmod.endswith("Z")
        assert datetime.fromisoformat(lastmod) == post.updated.replace(microsecond=0)


def test_pages_past_the_end_are_empty_urlsets(big: Site) -> None:
    assert urls(xml(big, "/sitemap.xml", page="15")) == []
    assert urls(xml(big, "/sitemap.xml", page="0")) == []
    assert xml(big, "/sitemap.xml", page="abc").tag == f"{SM}sitemapindex"


def test_sitemap_pages_lists_static_pages(big: Site) -> None:
    got = urls(xml(big, "/sitemap-pages.xml"))
    assert sorted(loc for loc, _ in got) == sorted(big.post_url(p) for p in big.blog.pages)
    assert all(urlsplit(loc).path.startswith("/p/") for loc, _ in got)


def test_small_blog_still_has_an_index() -> None:
    site = Site(Blog(posts=3), BASE)
    index = xml(site, "/sitemap.xml")
    assert [s.findtext(f"{SM}loc") for s in index] == [f"{BASE}/sitemap.xml?page=1"]
    assert len(urls(xml(site, "/sitemap.xml", page="1"))) == 3


def test_robots_txt_is_blogspots_default(big: Site) -> None:
    page = sitemaps.render(big, "/robots.txt", {})
    assert page is not None
    assert page.status == 200
    assert page.content_type == "text/plain; charset=UTF-8"
    assert page.body.decode("utf-8") == EXPECTED_ROBOTS


def test_direct_mode_points_at_itself() -> None:
    site = Site(Blog(posts=3), "http://127.0.0.1:8080")
    assert (
        sitemaps.render(site, "/robots.txt", {}).body.decode().endswith("Sitemap: http://127.0.0.1:8080/sitemap.xml\n")
    )
    assert xml(site, "/sitemap.xml")[0].findtext(f"{SM}loc") == "http://127.0.0.1:8080/sitemap.xml?page=1"


def test_other_paths_are_not_ours(big: Site) -> None:
    assert sitemaps.render(big, "/", {}) is None
    assert sitemaps.render(big, "/feeds/posts/default", {}) is None
