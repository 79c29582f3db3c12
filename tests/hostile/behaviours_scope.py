"""Behaviours for scope, redirect and status-line tests: hostile redirects, a bad host link, an odd status line."""

from __future__ import annotations

from tests.hostile.server import BLOG_HOST, Handler, behaviour


@behaviour("home_redirect")
def home_redirect(h: Handler) -> bool:
    """The blog's home page redirects (302) to ``--opt target=URL`` (an internal service, ``file:///...``)."""
    if h.host == BLOG_HOST and h.path == "/":
        h.respond(302, b"", headers=[("Location", h.option("target"))])
        return True
    return False


@behaviour("redirect_chain")
def redirect_chain(h: Handler) -> bool:
    """``/favicon.ico`` (fetched by every crawl) redirects to itself ``--opt hops=N`` times (default 30)."""
    if h.host != BLOG_HOST or h.path != "/favicon.ico":
        return False
    hop = int(h.params.get("hop", ["0"])[0])
    if hop >= int(h.option("hops", "30")):
        return False  # the end of the chain: the blog's own favicon
    h.respond(302, b"", headers=[("Location", f"{h.base}/favicon.ico?hop={hop + 1}")])
    return True


@behaviour("bad_host_link")
def bad_host_link(h: Handler) -> bool:
    """The home page also embeds an image on ``a%2eb.bp.blogspot.com``, a host made with a percent-escape."""
    if h.host != BLOG_HOST or h.path != "/":
        return False
    page = h.blog_page()
    if page is None or page.status != 200:
        return False
    body = page.body.replace(b"</body>", b'<img src="http://a%2eb.bp.blogspot.com/x.jpg"></body>', 1)
    h.respond(200, body, content_type=page.content_type, headers=list(page.headers))
    return True


#: the head of ``fine_by_me``: names in unusual case, in an unusual order, a repeated header
FINE_HEADERS = [
    ("x-ODD-Case", "yes"),
    ("content-TYPE", "text/html; charset=UTF-8"),
    ("Set-Cookie", "a=1"),
    ("SERVER", "hostile"),
    ("Set-Cookie", "b=2"),
]


@behaviour("fine_by_me")
def fine_by_me(h: Handler) -> bool:
    """The home page answers ``HTTP/1.1 200 Fine By Me`` with the headers of FINE_HEADERS, as given."""
    if h.host != BLOG_HOST or h.path != "/":
        return False
    page = h.blog_page()
    if page is None or page.status != 200:
        return False
    h.respond(200, page.body, reason="Fine By Me", content_type=None, headers=FINE_HEADERS)
    return True
