"""Scrapy's RedirectMiddleware with loud give-ups instead of debug lines (setting REDIRECT_MAX_TIMES).

Scrapy drops a chain longer than ``REDIRECT_MAX_TIMES`` with a debug message, and passes a redirect to a
``file:``, ``ftp:`` or ``data:`` target on as the 3xx response itself, which the spider then treats as an
ordinary HTTP error: a crawl whose home page redirected to ``file:///etc/passwd`` ended "finished", exit 0.
Here both are give-ups (:mod:`archiver.giveup`): ``too_many_redirects`` and ``refused_scheme``, counted in
``archiver/gave_up/<reason>``, warned about, exit status 3 (1 for the seed). Each 3xx hop is still archived
as its own capture (the WARC recorder, at 950, sees it before this middleware at 600), and crawl.log has it.
Redirects to http(s) targets go on to the engine and through :class:`~archiver.middlewares.scope.
ScopeMiddleware` like any request, so an internal or IP-literal target is refused there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from archiver.blogger.netpolicy import SCHEMES
from archiver.giveup import GaveUp

if TYPE_CHECKING:
    from typing import Any

    from scrapy import Request
    from scrapy.http import Response

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def redirect_target(request_url: str, location: bytes) -> str:
    """The absolute URL a ``Location`` header points to, resolved as Scrapy's RedirectMiddleware does."""
    target = safe_url_string(location)
    if location.startswith(b"//"):
        target = urlsplit(request_url).scheme + "://" + target.lstrip("/")
    return urljoin(request_url, target)


class LoudRedirectMiddleware(RedirectMiddleware):
    """Follow 3xx redirects; too many hops or a non-http(s) target is a give-up. Reads REDIRECT_MAX_TIMES."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        """Refuse a redirect to another scheme, then redirect as Scrapy does."""
        location = response.headers.get(b"Location")
        if response.status in REDIRECT_STATUSES and location and not self._not_followed(request, response):
            target = redirect_target(request.url, location)
            scheme = urlsplit(target).scheme.lower()
            if scheme not in SCHEMES:
                raise GaveUp(
                    "refused_scheme", f"{request.url} redirects to {target[:200]}: only http and https are followed"
                )
        return super().process_response(request, response)

    def _not_followed(self, request: Request, response: Response) -> bool:
        """The cases Scrapy's RedirectMiddleware leaves alone (``dont_redirect``, handled statuses)."""
        return bool(
            request.meta.get("dont_redirect", False)
            or response.status in getattr(self.crawler.spider, "handle_httpstatus_list", ())
            or response.status in request.meta.get("handle_httpstatus_list", ())
            or request.meta.get("handle_httpstatus_all", False)
        )

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        """Scrapy's hop counting; the end of the budget is the give-up ``too_many_redirects``."""
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            hops = len(request.meta.get("redirect_urls", [])) + 1
            raise GaveUp(
                "too_many_redirects",
                f"{request.url} redirected {hops} times, more than REDIRECT_MAX_TIMES "
                f"({self.max_redirect_times}); not following it to {redirected.url}",
            ) from None
