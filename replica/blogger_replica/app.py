"""Which page answers a request: routing by host (proxy mode) or for the blog on 127.0.0.1 (direct mode)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from blogger_replica import assets, feeds, html, sitemaps
from blogger_replica.assets import DEFAULT_PHOTO_BPP
from blogger_replica.assets_urls import ASSET_HOSTS
from blogger_replica.site import Page, Site, Theme

if TYPE_CHECKING:
    from blogger_replica.content import Blog


@dataclass(frozen=True)
class Request:
    method: str
    scheme: str  # "http" or "https" (https only inside a CONNECT tunnel)
    host: str  # lower case, without port
    path: str
    query: str
    mode: str  # "proxy" (absolute-form request), "tunnel" (inside CONNECT) or "direct"
    direct_base: str | None = None  # "http://127.0.0.1:PORT" in direct mode

    @property
    def url(self) -> str:
        if self.mode == "direct" and self.direct_base:
            return f"{self.direct_base}{self.path}{'?' + self.query if self.query else ''}"
        return f"{self.scheme}://{self.host}{self.path}{'?' + self.query if self.query else ''}"


#: Blogger's country addresses of a blog: ``NAME.blogspot.XX``, ``NAME.blogspot.co.XX``, ``NAME.blogspot.com.XX``
#: (``.de``, ``.co.uk``, ``.com.au``), where XX is a two-letter country code (the blogspot.* entries of the Public
#: Suffix List); the same rule as ``archiver.blogger.urls.BLOGSPOT_CCTLD``, kept here as the replica's own copy
BLOGSPOT_CCTLD = re.compile(r"^(?P<name>[a-z0-9-]+)\.blogspot\.(?:com?\.)?[a-z]{2}$")


class ReplicaApp:
    """Maps a request to a :class:`Page`; ``None`` means the host is not part of the replica."""

    def __init__(
        self, blog: Blog, theme: Theme = "classic", domain: str | None = None, *, photo_bpp: float = DEFAULT_PHOTO_BPP
    ) -> None:
        self.blog = blog
        self.photo_bpp = photo_bpp
        self.theme = theme
        self.domain = domain
        self.blog_host = domain or blog.host
        self.site = Site(blog, f"https://{self.blog_host}", theme)
        self._direct_sites: dict[str, Site] = {}

    def knows(self, host: str) -> bool:
        """Whether the replica answers for a host (other hosts get 502 from the proxy)."""
        return (
            host in (self.blog_host, self.blog.host)
            or host in ASSET_HOSTS
            or host.endswith(".blogspot.com")
            or BLOGSPOT_CCTLD.match(host) is not None
        )

    def handle(self, req: Request) -> Page | None:
        query = parse_qs(req.query, keep_blank_values=True)
        if req.mode == "direct":
            assert req.direct_base is not None
            site = self._direct_sites.get(req.direct_base)
            if site is None:
                site = self._direct_sites.setdefault(req.direct_base, Site(self.blog, req.direct_base, self.theme))
            return self._blog_page(site, req.path, query)
        host = req.host
        suffix = req.path + (f"?{req.query}" if req.query else "")
        if host == self.blog_host:
            if req.scheme == "http":  # Blogger's "HTTPS redirect" setting, on for blogspot blogs since 2016
                return Page.redirect(f"https://{host}{suffix}")
            return self._blog_page(self.site, req.path, query)
        if host == self.blog.host:  # a blog moved to a custom domain redirects its blogspot address
            return Page.redirect(f"https://{self.blog_host}{suffix}")
        if host == "www.blogger.com" and req.path.startswith("/feeds/"):  # feeds by blog id, e.g. rel=next
            return feeds.render(self.site, req.path, query) or _google_404(req.path)
        if host in ASSET_HOSTS or host.endswith(".bp.blogspot.com"):
            page = assets.render(self.blog, host, req.path, query, photo_bpp=self.photo_bpp)
            return page or _google_404(req.path)
        cctld = BLOGSPOT_CCTLD.match(host)
        if cctld and not host.endswith(".blogspot.com"):
            return Page.redirect(f"https://{cctld.group('name')}.blogspot.com{suffix}")
        if host.endswith(".blogspot.com"):
            return _blog_not_found(host)
        return None

    def _blog_page(self, site: Site, path: str, query: dict[str, list[str]]) -> Page:
        if path == "/favicon.ico":
            return assets.favicon_page()
        for render in (sitemaps.render, feeds.render, html.render):
            page = render(site, path, query)
            if page is not None:
                if render is html.render:
                    post = site.blog.by_path.get(path)
                    if page.last_modified is None and page.status == 200:
                        page.last_modified = post.updated if post is not None else site.blog.updated
                    if post is None:
                        page.framing = "chunked"  # Blogger streams listing pages; post pages carry a length
                return page
        return html.not_found(site)


def _google_404(path: str) -> Page:
    body = (
        "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title>"
        f"<p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL <code>{path}</code> was not found "
        "on this server. <ins>That’s all we know.</ins>"
    )
    return Page(404, "text/html; charset=UTF-8", body.encode(), cacheable=False)


def _blog_not_found(host: str) -> Page:
    body = (
        f"<!DOCTYPE html><html><head><title>Blog not found</title></head><body><h1>Blog not found</h1>"
        f"<p>Sorry, the blog at {host} has been removed. This address is not available for new blogs.</p>"
        "</body></html>"
    )
    return Page(404, "text/html; charset=UTF-8", body.encode(), cacheable=False)
