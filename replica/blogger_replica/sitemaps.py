"""``/sitemap.xml``, ``/sitemap-pages.xml`` and ``/robots.txt`` as blogspot serves them (since Nov 2014).

``/sitemap.xml`` is a ``<sitemapindex>`` of ``/sitemap.xml?page=1..N``; each child lists 150 posts, newest
first by publication, with ``<loc>`` and ``<lastmod>`` (the post's ``updated`` in UTC, ``…Z``). A ``page``
past the last gives an empty ``<urlset>`` with 200, so a crawler probing beyond the index ends cleanly; a
``page`` that is not a number gives the index. URLs use ``site.base``, so direct mode points at itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

from blogger_replica.site import Page, Site

POSTS_PER_SITEMAP = 150
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_TYPE = "application/xml; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"
_DECL = "<?xml version='1.0' encoding='UTF-8'?>"


def robots_txt(base: str) -> str:
    """Blogspot's default robots.txt (no custom robots.txt set by the owner)."""
    return (
        "User-agent: Mediapartners-Google\n"
        "Disallow:\n"
        "\n"
        "User-agent: *\n"
        "Disallow: /search\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {base}/sitemap.xml\n"
    )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lastmod(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sitemap_count(site: Site) -> int:
    """How many ``?page=N`` children the index lists (at least one)."""
    return max(1, -(-len(site.blog.posts) // POSTS_PER_SITEMAP))


def _index(site: Site) -> str:
    parts = [_DECL, f"<sitemapindex xmlns='{SITEMAP_NS}'>"]
    for number in range(1, sitemap_count(site) + 1):
        parts.append(f"<sitemap><loc>{_esc(site.url(f'/sitemap.xml?page={number}'))}</loc></sitemap>")
    parts.append("</sitemapindex>")
    return "".join(parts)


def _urlset(entries: list[tuple[str, datetime]]) -> str:
    parts = [_DECL, f"<urlset xmlns='{SITEMAP_NS}'>"]
    for loc, updated in entries:
        parts.append(f"<url><loc>{_esc(loc)}</loc><lastmod>{_lastmod(updated)}</lastmod></url>")
    parts.append("</urlset>")
    return "".join(parts)


def render(site: Site, path: str, query: dict[str, list[str]]) -> Page | None:
    """Serve the sitemaps and robots.txt; None for any other path."""
    blog = site.blog
    if path == "/robots.txt":
        return Page(200, TEXT_TYPE, robots_txt(site.base).encode("utf-8"))
    if path == "/sitemap-pages.xml":
        pages = sorted(blog.pages, key=lambda p: p.published, reverse=True)
        body = _urlset([(site.post_url(p), p.updated) for p in pages])
        return Page(200, XML_TYPE, body.encode("utf-8"), last_modified=blog.updated)
    if path != "/sitemap.xml":
        return None
    raw = (query.get("page") or [""])[0].strip()
    if not raw.lstrip("-").isdigit():
        return Page(200, XML_TYPE, _index(site).encode("utf-8"), last_modified=blog.updated)
    number = int(raw)
    start = (number - 1) * POSTS_PER_SITEMAP
    chunk = blog.posts[start : start + POSTS_PER_SITEMAP] if number >= 1 else []
    body = _urlset([(site.post_url(p), p.updated) for p in chunk])
    return Page(200, XML_TYPE, body.encode("utf-8"), last_modified=blog.updated)
