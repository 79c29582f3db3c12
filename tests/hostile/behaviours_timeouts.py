"""Behaviours that never finish answering: a silent post page, and one that drips its body forever.

``silent_post``: the blog's newest post page reads the request and sends nothing, holding the connection
open (for an hour, or until the server process ends: the handler threads are daemon threads, so they never
hold up its shutdown).
``drip_post``: the second newest post page sends its status line and headers (with the page's real
``Content-Length``), then its body one byte per second, for as long as the client keeps the connection.

Everything else is the blog as usual, its other posts included.
"""

from __future__ import annotations

import time

from blogger_replica.content import Blog

from tests.hostile.server import BLOG_NAME, Handler, behaviour

HOLD_SECONDS = 3600.0
DRIP_INTERVAL = 1.0


SILENT_RANK, DRIP_RANK = 0, 1


def post_path(h: Handler, rank: int) -> str:
    """The path of the blog's ``rank``-th newest post (0 is the newest)."""
    return h.server.app.blog.posts[rank].path


def hostile_paths(posts: int) -> tuple[str, str]:
    """The paths of the silent and the dripping post of a hostile blog of ``posts`` posts (for the tests)."""
    blog = Blog(posts, 0, BLOG_NAME)
    return blog.posts[SILENT_RANK].path, blog.posts[DRIP_RANK].path


@behaviour("silent_post")
def silent_post(h: Handler) -> bool:
    """The newest post page: the request is read, nothing is ever sent, the connection is held."""
    if h.path != post_path(h, SILENT_RANK):
        return False
    h.close_connection = True
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(1.0)
    return True


@behaviour("drip_post")
def drip_post(h: Handler) -> bool:
    """The second newest post page: its real headers, then its body one byte per second, never finished."""
    if h.path != post_path(h, DRIP_RANK):
        return False
    page = h.blog_page()
    if page is None:
        return False
    h.close_connection = True
    head = [
        f"HTTP/1.1 {page.status} OK",
        f"Content-Type: {page.content_type}",
        *(f"{name}: {value}" for name, value in page.headers),
        f"Content-Length: {len(page.body)}",
    ]
    try:
        h.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        h.wfile.flush()
        deadline = time.monotonic() + HOLD_SECONDS
        for byte in page.body:  # a 1-byte-per-second body outlasts any test: it is never finished
            if time.monotonic() > deadline:
                break
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
            time.sleep(DRIP_INTERVAL)
    except OSError:  # BrokenPipeError, ConnectionResetError, ssl.SSLEOFError inside CONNECT
        pass  # the crawler gave up and closed the connection: what this behaviour waits for
    return True
