"""Crawler traps: a blog whose calendar, pager, feeds, sitemap or post links go on forever.

Each behaviour answers only the requests its trap is about and leaves the rest to the blog, so the blog's real
posts are still there to be archived:

- ``endless_calendar``: every year and month archive page, any year from 1900 to 9999, links the month before
  and after it and the year before and after it;
- ``endless_pager``: the home page, every ``/search?updated-max=`` page and every label page link an older
  page one day further back, forever, whatever they show (soon nothing);
- ``endless_feed``: every feed page links a next page, forever, and says no ``openSearch:totalResults``
  (so that only the empty page can stop it);
- ``sitemap_repeats``: the sitemap index lists ``?page=1`` and every ``?page=N`` lists the blog's posts
  over and over, 150 ``<loc>`` lines, as if full;
- ``growing_query``: every post page links itself with one more character of query string.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import quote

from tests.hostile.server import Handler, behaviour

_YEAR = re.compile(r"^/(\d{4})/?$")
_MONTH = re.compile(r"^/(\d{4})/(\d{2})/?$")
_POST = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
_NEXT = re.compile(rb"<link rel='next'[^>]*/>")
_TOTAL = re.compile(rb"<openSearch:totalResults>\d+</openSearch:totalResults>")
_LOC = re.compile(rb"<loc>([^<]+)</loc>")


def _with_links(h: Handler, hrefs: list[str]) -> bool:
    """Answer with the blog's page for this request (200 even where the blog has none), plus these links."""
    page = h.blog_page()
    body = page.body if page is not None and isinstance(page.body, bytes) else None
    if page is None or body is None:
        return False
    links = "".join(f"<a href='{href}'>{href}</a>\n" for href in hrefs).encode()
    body = body.replace(b"</body>", links + b"</body>", 1) if b"</body>" in body else body + links
    h.respond(200, body, content_type=page.content_type)
    return True


def _month_path(year: int, month: int) -> str:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"/{year:04d}/{month:02d}/"


@behaviour("endless_calendar")
def endless_calendar(h: Handler) -> bool:
    """Archive pages that link the next and previous month and year, from 1900 to 9999."""
    match = _MONTH.match(h.path)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            return False
        hrefs = [_month_path(year, month - 1), _month_path(year, month + 1)]
    else:
        match = _YEAR.match(h.path)
        if not match:
            return False
        year = int(match.group(1))
        hrefs = [f"/{year - 1:04d}/", f"/{year + 1:04d}/", f"/{year:04d}/01/", f"/{year:04d}/12/"]
    return _with_links(h, [href for href in hrefs if "/1899/" not in href and "/10000/" not in href])


def _older(updated_max: str | None) -> str:
    try:
        when = datetime.fromisoformat((updated_max or "").replace(" ", "+"))
    except ValueError:
        when = datetime.fromisoformat("2020-01-01T00:00:00-05:00")
    return (when - timedelta(days=1)).isoformat()


@behaviour("endless_pager")
def endless_pager(h: Handler) -> bool:
    """Listing pages whose "older posts" link never runs out."""
    if h.path == "/":
        base = "/search"
    elif (h.path in ("/search", "/search/") and "q" not in h.params) or h.path.startswith("/search/label/"):
        base = h.path
    else:
        return False
    older = _older((h.params.get("updated-max") or [None])[0])
    return _with_links(h, [f"{base}?updated-max={quote(older, safe=':')}&max-results=7"])


@behaviour("endless_feed")
def endless_feed(h: Handler) -> bool:
    """Feeds that always have a next page and never say how many entries there are."""
    if not h.path.startswith("/feeds/"):
        return False
    page = h.blog_page()
    if page is None or page.status != 200 or not isinstance(page.body, bytes):
        return False
    start = int((h.params.get("start-index") or ["1"])[0] or 1)
    size = int((h.params.get("max-results") or ["25"])[0] or 25)
    following = f"{h.base}{h.path}?start-index={start + size}&max-results={size}"
    link = f"<link rel='next' type='application/atom+xml' href='{following.replace('&', '&amp;')}'/>".encode()
    body = _TOTAL.sub(b"", _NEXT.sub(b"", page.body))
    body = body.replace(b"<author>", link + b"<author>", 1)
    h.respond(200, body, content_type=page.content_type)
    return True


@behaviour("sitemap_repeats")
def sitemap_repeats(h: Handler) -> bool:
    """A sitemap whose every page lists the same few posts 150 times over."""
    if h.path != "/sitemap.xml":
        return False
    xml = "application/xml; charset=UTF-8"
    if "page" not in h.params:
        index = (
            f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/"
            f"sitemap/0.9'><sitemap><loc>{h.base}/sitemap.xml?page=1</loc></sitemap></sitemapindex>"
        )
        h.respond(200, index.encode(), content_type=xml)
        return True
    real = h.blog_page("/sitemap.xml", "page=1")
    locs = _LOC.findall(real.body) if real is not None and isinstance(real.body, bytes) else []
    if not locs:
        return False
    urls = b"".join(b"<url><loc>" + locs[i % len(locs)] + b"</loc></url>" for i in range(150))
    h.respond(
        200,
        b"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/"
        b"sitemap/0.9'>" + urls + b"</urlset>",
        content_type=xml,
    )
    return True


@behaviour("growing_query")
def growing_query(h: Handler) -> bool:
    """Post pages that link themselves with a query string one character longer each time."""
    if not _POST.match(h.path):
        return False
    grown = (h.query + "&" if h.query else "") + "x" * (len(h.query) % 7 + 1)
    return _with_links(h, [f"{h.path}?{grown}"])
