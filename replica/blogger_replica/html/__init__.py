"""The replica's HTML pages: home, listings, archives, posts, static pages and the 404 page, in two themes.

``render(site, path, query)`` answers the blog's HTML routes (None for anything else: feeds, assets,
robots.txt …); ``not_found(site)`` is Blogger's 404 page in the site's theme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogger_replica.html import classic, contempo
from blogger_replica.html.routes import View, not_found_view, resolve

if TYPE_CHECKING:
    from blogger_replica.site import Page, Site


def render_view(site: Site, view: View) -> Page:
    if site.theme == "contempo":
        return contempo.render(site, view)
    return classic.render(site, view)


def render(site: Site, path: str, query: dict[str, list[str]]) -> Page | None:
    """The HTML page at ``path`` (``query`` as from ``parse_qs(keep_blank_values=True)``), or None."""
    view = resolve(site.blog, path, query)
    if view is None:
        return None
    return render_view(site, view)


def not_found(site: Site, *, mobile: bool = False) -> Page:
    """Blogger's 404 page: "抱歉，您在此博客中查找的网页不存在。" in the blog's template, status 404."""
    return render_view(site, not_found_view(site.blog, mobile))


__all__ = ["not_found", "render", "render_view"]
