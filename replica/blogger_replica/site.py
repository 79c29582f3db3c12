"""What every renderer of the replica shares: the site being served and the page it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

if TYPE_CHECKING:
    from datetime import datetime

    from blogger_replica.content import Blog, Post

Theme = Literal["classic", "contempo"]
THEMES: tuple[Theme, ...] = ("classic", "contempo")


@dataclass(frozen=True)
class Site:
    """A blog as one client sees it: through the proxy (real https URLs) or directly on 127.0.0.1."""

    blog: Blog
    base: str  # "https://gongminziyoulianmeng.blogspot.com" (proxy mode) or "http://127.0.0.1:8080" (direct)
    theme: Theme = "classic"

    def url(self, path: str, *, mobile: bool = False) -> str:
        """Absolute URL of a path on the blog, with ``?m=1`` appended on mobile pages as Blogger does."""
        url = f"{self.base}{path}"
        if mobile:
            url += ("&" if "?" in url else "?") + "m=1"
        return url

    def post_url(self, post: Post, *, mobile: bool = False) -> str:
        return self.url(post.path, mobile=mobile)

    def label_url(self, label: str, *, mobile: bool = False) -> str:
        return self.url(f"/search/label/{quote(label, safe='')}", mobile=mobile)

    def year_url(self, year: int) -> str:
        return self.url(f"/{year:04d}/")

    def month_url(self, year: int, month: int) -> str:
        return self.url(f"/{year:04d}/{month:02d}/")

    @property
    def feed_url(self) -> str:
        return self.url("/feeds/posts/default")


@dataclass
class Page:
    """A rendered response before transport concerns (compression, chunking, faults) are applied."""

    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    # "length": Content-Length; "chunked": Transfer-Encoding: chunked (as Blogger serves many pages)
    framing: Literal["length", "chunked"] = "length"
    cacheable: bool = True  # ETag / Last-Modified / 304 apply

    @classmethod
    def html(cls, text: str, status: int = 200, **kw: object) -> Page:
        return cls(status, "text/html; charset=UTF-8", text.encode("utf-8"), **kw)  # type: ignore[arg-type]

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Page:
        body = f'<HTML><HEAD><TITLE>Moved Permanently</TITLE></HEAD><BODY><A HREF="{location}">here</A></BODY></HTML>'
        return cls(status, "text/html; charset=UTF-8", body.encode(), headers=[("Location", location)], cacheable=False)
