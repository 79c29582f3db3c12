"""Behaviours that try to exhaust the crawler's memory: gzip bombs, and bodies far larger than any limit.

``gzip_bombs``: the home page links three post-like pages and embeds three images, each a gzip bomb of about
5 MB on the wire that inflates to 5 GiB (five gzip members of 1 GiB of zeros each).
``huge_bodies``: the home page links two post-like pages of 2 GiB each, generated as they are sent, one with
a ``Content-Length``, one without (streamed until the connection closes), and embeds a 2 GiB image.
"""

from __future__ import annotations

import functools
import zlib
from typing import TYPE_CHECKING

from tests.hostile.server import Handler, behaviour

if TYPE_CHECKING:
    from collections.abc import Iterator

GiB = 1024 * 1024 * 1024
BOMB_PAGES = [f"/2099/01/bomb-{n}.html" for n in (1, 2, 3)]
BOMB_IMAGES = [f"/img/b/bomb-{n}/s1600/bomb-{n}.png" for n in (1, 2, 3)]
HUGE_PAGES = ["/2099/02/huge-length.html", "/2099/02/huge-streamed.html"]
HUGE_IMAGE = "/img/b/huge/s1600/huge.png"
IMAGE_HOST = "blogger.googleusercontent.com"


@functools.cache
def _gzip_member() -> bytes:
    """One gzip member of 1 GiB of zeros (about 1 MB), built in 1 MiB steps."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    return b"".join([*(compressor.compress(zeros) for _ in range(1024)), compressor.flush()])


def bomb() -> bytes:
    """About 5 MB that gunzip to 5 GiB (RFC 1952 allows several members; every gzip reader decodes them all)."""
    return _gzip_member() * 5


def _generated(total: int) -> Iterator[bytes]:
    chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
    for _ in range(total // len(chunk)):
        yield chunk


def _home_with(h: Handler, links: list[str], images: list[str]) -> bool:
    if h.path != "/" or h.host == IMAGE_HOST:
        return False
    page = h.blog_page()
    if page is None or page.status != 200:
        return False
    extra = "".join(f'<a href="{path}">hostile</a>' for path in links)
    extra += "".join(f'<img src="https://{IMAGE_HOST}{path}"/>' for path in images)
    body = page.body.replace(b"</body>", extra.encode() + b"</body>", 1)
    h.respond(200, body, content_type=page.content_type, headers=list(page.headers))
    return True


@behaviour("gzip_bombs")
def gzip_bombs(h: Handler) -> bool:
    """Three gzip-bomb pages linked from the home page, and three gzip-bomb images shown on it."""
    if h.path in BOMB_PAGES or (h.host == IMAGE_HOST and h.path in BOMB_IMAGES):
        content_type = "image/png" if h.host == IMAGE_HOST else "text/html; charset=UTF-8"
        h.respond(200, bomb(), content_type=content_type, headers=[("Content-Encoding", "gzip")])
        return True
    return _home_with(h, BOMB_PAGES, BOMB_IMAGES)


@behaviour("huge_bodies")
def huge_bodies(h: Handler) -> bool:
    """2 GiB pages (with and without Content-Length) and a 2 GiB image, generated as they are sent."""
    if h.path == HUGE_PAGES[0]:
        h.respond(200, _generated(2 * GiB), headers=[("Content-Length", str(2 * GiB))])
        return True
    if h.path == HUGE_PAGES[1]:
        h.respond(200, _generated(2 * GiB))
        return True
    if h.host == IMAGE_HOST and h.path == HUGE_IMAGE:
        h.respond(200, _generated(2 * GiB), content_type="image/png")
        return True
    return _home_with(h, HUGE_PAGES, [HUGE_IMAGE])
