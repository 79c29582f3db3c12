"""Blogger URL rules: canonical form, what kind of page a URL is, crawl scope, and image size variants.

Pure functions over strings; no network, no Scrapy. The rules follow the design notes on Blogger
(``design/BLOGGER.md`` sections 1, 3 and 5):

- one post has one canonical URL: ``https://NAME.blogspot.com/YYYY/MM/slug.html`` without fragment, ``?m=``,
  ``?showComment=`` or ``utm_*`` parameters, with ``.blogspot.<ccTLD>`` mapped to ``.blogspot.com`` and the
  ``/ncr`` prefix dropped; archive pages end in a slash (``/2015/09`` is ``/2015/09/``);
- the crawl scope is the blog's own host(s) plus Blogger's asset hosts; on ``www.blogger.com`` only static
  files are in scope, never its ``*.g`` endpoints, navbar, profiles or comment forms;
- an image on Blogger's image hosts is available in other sizes by changing its size segment
  (``/s320/`` → ``/s1600/``, ``=s320`` → ``=s1600``).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from archiver.errors import ArchiverError

Kind = Literal[
    "home",
    "post",
    "page",
    "archive_year",
    "archive_month",
    "archive_day",
    "label",
    "search",
    "feed",
    "comment_feed",
    "sitemap",
    "robots",
    "image",
    "css",
    "js",
    "icon",
    "font",
    "asset",
    "other",
]

#: kinds that are HTML pages of the blog (what a reader navigates)
PAGE_KINDS: frozenset[str] = frozenset(
    {"home", "post", "page", "archive_year", "archive_month", "archive_day", "label", "search"}
)
#: kinds that a page needs to display (page requisites)
REQUISITE_KINDS: frozenset[str] = frozenset({"image", "css", "js", "icon", "font", "asset"})

#: Blogger's asset hosts; ``*.`` matches any sub-domain
DEFAULT_ASSET_HOSTS: tuple[str, ...] = (
    "*.bp.blogspot.com",
    "blogger.googleusercontent.com",
    # Blogger's static files: resources. and www. (theme images, CSS), img1./img2. (stock comment avatars)
    "*.blogblog.com",
    "www.blogger.com",
)

BLOGSPOT_SUFFIX = ".blogspot.com"
#: hosts whose files are all images (their paths carry no extension)
IMAGE_HOST_PATTERNS: tuple[str, ...] = ("*.bp.blogspot.com", "blogger.googleusercontent.com", "*.ggpht.com")

_CCTLD = re.compile(r"^(?P<name>[a-z0-9-]+)\.blogspot\.(?:[a-z]{2,3}|com?\.[a-z]{2})$")
_DROP_PARAMS = frozenset({"m", "showcomment", "fbclid", "gclid"})
_ARCHIVE_NO_SLASH = re.compile(r"^/\d{4}(?:/\d{2})?$")
_YEAR = re.compile(r"^/(\d{4})/$")
_MONTH = re.compile(r"^/(\d{4})/(\d{2})/$")
_DAY = re.compile(r"^/\d{4}_\d{2}_\d{2}_archive\.html$")
_POST = re.compile(r"^/(\d{4})/(\d{2})/[^/]+\.html$")
_PAGE = re.compile(r"^/p/[^/]+\.html$")
_COMMENT_FEED = re.compile(r"^/feeds/(?:\d+/)?(?:\d+/)?comments/")
_BLOGGER_FEED = re.compile(r"^/feeds/(?P<blog>\d+)/(?P<rest>(?:posts|pages|comments|\d+/comments)/.*)$")
_SIZE = re.compile(r"^(?:[swh]\d+|w\d+-h\d+)(?:-[a-z0-9]+)*$|^d$")
_EQ_SIZE = re.compile(r"=(?:[swh]\d+|w\d+-h\d+|d)(?:-[a-z0-9]+)*$")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_EXTENSIONS: dict[str, Kind] = {
    ".css": "css",
    ".js": "js",
    ".ico": "icon",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".gif": "image",
    ".webp": "image",
    ".svg": "image",
    ".bmp": "image",
    ".woff": "font",
    ".woff2": "font",
    ".ttf": "font",
    ".otf": "font",
    ".eot": "font",
}
#: paths on www.blogger.com that are static files (the rest is the Blogger application)
_BLOGGER_STATIC_PREFIXES = ("/static/", "/img/")


class UrlError(ArchiverError, ValueError):
    """A string is not an absolute http(s) URL, or not one a blog can be crawled from."""


def host_matches(host: str, pattern: str) -> bool:
    """Tell whether ``host`` matches ``pattern`` (``*.example.com`` matches sub-domains only)."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _split(url: str) -> tuple[str, str, str, str]:
    """Scheme, lower-case host (without default port), path and query of an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise UrlError(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"bad port in URL {url!r}") from exc
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    return scheme, host, parts.path, parts.query


def blogspot_host(host: str) -> str:
    """Map ``NAME.blogspot.<ccTLD>`` (``.co.uk``, ``.de``, ``.com.au`` …) to ``NAME.blogspot.com``."""
    match = _CCTLD.match(host)
    return f"{match.group('name')}{BLOGSPOT_SUFFIX}" if match else host


def is_blogspot_host(host: str) -> bool:
    """Tell whether ``host`` is a ``NAME.blogspot.com`` (or ccTLD) blog address, not an image host."""
    host = blogspot_host(host.lower())
    return host.endswith(BLOGSPOT_SUFFIX) and host.count(".") == 2 and not host.endswith(".bp.blogspot.com")


def _clean_path(path: str) -> str:
    """Percent-encode what must be encoded (spaces, non-ASCII) and upper-case existing escapes."""
    path = quote(path, safe=_PATH_SAFE)
    return re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), path)


def canonicalize(url: str, blog_host: str | None = None, *, blog_scheme: str = "https") -> str:
    """Return the one URL a resource is fetched under.

    Every URL loses its fragment and gets a lower-case host. Blogspot addresses (any ccTLD) become
    ``NAME.blogspot.com``; the blog's own host and Blogger's hosts use https (``blog_scheme`` for a custom
    domain). On the blog host ``/ncr`` is dropped, ``m``, ``showComment``, ``utm_*``, ``fbclid`` and
    ``gclid`` parameters are removed, and ``/YYYY`` and ``/YYYY/MM`` get their trailing slash.
    Raises :class:`UrlError` for anything that is not an absolute http(s) URL.
    """
    scheme, host, path, query = _split(url)
    host = blogspot_host(host)
    own = host == blog_host or is_blogspot_host(host)
    if own:
        scheme = "https" if host.endswith(BLOGSPOT_SUFFIX) else blog_scheme
        if path == "/ncr" or path.startswith("/ncr/"):
            path = path[len("/ncr") :]
        if _ARCHIVE_NO_SLASH.match(path):
            path += "/"
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if k.lower() not in _DROP_PARAMS and not k.lower().startswith("utm_")]
            if len(kept) != len(pairs):
                query = urlencode(kept, safe=":/,")
    elif any(host_matches(host, p) for p in DEFAULT_ASSET_HOSTS):
        scheme = "https"
    path = _clean_path(path or "/")
    return urlunsplit((scheme, host, path, query, ""))


def blog_home(url: str) -> str:
    """The home page of the blog a URL belongs to: ``https://NAME.blogspot.com/`` or ``SCHEME://DOMAIN/``.

    Raises :class:`UrlError` naming the input when it is not an absolute http(s) URL, or when it is a
    Blogger service or image host rather than a blog.
    """
    try:
        scheme, host, _, _ = _split(url)
    except UrlError:
        raise UrlError(f"{url!r} is not a blog URL: expected an absolute http(s) URL such as "
                       "https://NAME.blogspot.com/") from None
    host = blogspot_host(host)
    if any(host_matches(host, p) for p in (*DEFAULT_ASSET_HOSTS, *IMAGE_HOST_PATTERNS, "blogger.com")):
        raise UrlError(f"{url!r} is not a blog URL: {host} is a Blogger service or image host")
    if host.endswith(BLOGSPOT_SUFFIX) and not is_blogspot_host(host):
        raise UrlError(f"{url!r} is not a blog URL: {host} is not a NAME.blogspot.com address")
    if is_blogspot_host(host):
        scheme = "https"
    return f"{scheme}://{host}/"


def archive_urls(post_url: str) -> list[str]:
    """The year and month archive pages that a post URL's ``/YYYY/MM/`` names: ``[/YYYY/, /YYYY/MM/]``."""
    parts = urlsplit(post_url)
    match = _POST.match(parts.path)
    if not match:
        return []
    year, month = match.groups()
    base = f"{parts.scheme}://{parts.netloc}"
    return [f"{base}/{year}/", f"{base}/{year}/{month}/"]


def _extension_kind(path: str) -> Kind | None:
    """The requisite kind a file extension implies, or None."""
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return _EXTENSIONS.get(name[dot:]) if dot >= 0 else None


def classify(url: str) -> Kind:
    """Say what a URL is on a Blogger blog: a post, an archive, a feed, an image, a stylesheet."""
    try:
        _, host, path, _ = _split(url)
    except UrlError:
        return "other"
    if any(host_matches(host, p) for p in IMAGE_HOST_PATTERNS):
        return "image"
    if host == "www.blogger.com" or host_matches(host, "*.blogblog.com"):
        if path.startswith("/feeds/"):
            return "comment_feed" if _COMMENT_FEED.match(path) else "feed"
        return _extension_kind(path) or ("asset" if host != "www.blogger.com" else "other")
    if path in ("", "/"):
        return "home"
    if path == "/robots.txt":
        return "robots"
    if path in ("/sitemap.xml", "/sitemap-pages.xml"):
        return "sitemap"
    if path.startswith("/feeds/") or path in ("/atom.xml", "/rss.xml"):
        return "comment_feed" if _COMMENT_FEED.match(path) else "feed"
    if path.startswith("/search/label/"):
        return "label"
    if path in ("/search", "/search/"):
        return "search"
    if _YEAR.match(path + ("" if path.endswith("/") else "/")):
        return "archive_year"
    if _MONTH.match(path + ("" if path.endswith("/") else "/")):
        return "archive_month"
    if _DAY.match(path):
        return "archive_day"
    if _POST.match(path):
        return "post"
    if _PAGE.match(path):
        return "page"
    if path == "/favicon.ico":
        return "icon"
    return _extension_kind(path) or "other"


def in_scope(
    url: str, blog_hosts: frozenset[str] | set[str], asset_hosts: tuple[str, ...] = DEFAULT_ASSET_HOSTS
) -> bool:
    """Tell whether a URL may be fetched: on a blog host, or a static file on one of Blogger's asset hosts."""
    try:
        _, host, path, _ = _split(url)
    except UrlError:
        return False
    if host in blog_hosts or blogspot_host(host) in blog_hosts:
        return True
    if not any(host_matches(host, pattern) for pattern in asset_hosts):
        return False
    if host == "www.blogger.com":
        if path.endswith(".g") or path.startswith("/dyn-css/"):
            return False
        return path.startswith(_BLOGGER_STATIC_PREFIXES) or _extension_kind(path) is not None
    return True


def trap_reason(url: str) -> str | None:
    """Why a blog URL should not be followed although it is in scope (None when it may be).

    These are Blogger's endless or duplicate views that ArchiveTeam's grab also rejects: the archive
    widget's AJAX toggles, "newer posts" pages (``reverse-paginate``), free-text searches and ``?m=0``.
    """
    try:
        _, _, path, query = _split(url)
    except UrlError:
        return "not http"
    params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
    if "widgettype" in params or "action" in params:
        return "widget"
    if params.get("reverse-paginate"):
        return "reverse-paginate"
    if "q" in params and path.startswith("/search"):
        return "search query"
    if params.get("m") == "0":
        return "desktop switch"
    segments = [s for s in path.split("/") if s]
    if segments and max(segments.count(s) for s in segments) >= 4:
        return "path loop"
    return None


def blog_feed_url(url: str, blog_host: str, blog_id: str | None = None) -> str:
    """Map a ``www.blogger.com/feeds/BLOGID/…`` link to the same feed on the blog's host.

    Blogger's feeds point their ``next`` and ``self`` links at ``www.blogger.com/feeds/BLOGID/posts/…``,
    which is the Blogger application, out of scope; the blog host serves the same feed at ``/feeds/…``.
    URLs that are not such a link (or belong to another blog id when one is given) come back unchanged.
    """
    parts = urlsplit(url)
    if parts.hostname != "www.blogger.com":
        return url
    match = _BLOGGER_FEED.match(parts.path)
    if not match or (blog_id is not None and match.group("blog") != blog_id):
        return url
    return urlunsplit(("https", blog_host, f"/feeds/{match.group('rest')}", parts.query, ""))


def image_size(url: str) -> str | None:
    """The size segment of a Blogger image URL (``s320``, ``w640-h480``, ``s72-c``, ``d``), or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not any(host_matches(host, p) for p in IMAGE_HOST_PATTERNS):
        return None
    match = _EQ_SIZE.search(parts.path)
    if match:
        return match.group(0)[1:]
    segments = parts.path.split("/")
    if len(segments) >= 3 and _SIZE.match(segments[-2]):
        return segments[-2]
    return None


def with_image_size(url: str, size: str) -> str | None:
    """The same Blogger image at another size (``s1600``, ``s0``, ``d``), or None when not a sized image URL."""
    parts = urlsplit(url)
    current = image_size(url)
    if current is None:
        return None
    match = _EQ_SIZE.search(parts.path)
    if match:
        path = parts.path[: match.start()] + "=" + size
    else:
        segments = parts.path.split("/")
        segments[-2] = size
        path = "/".join(segments)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def original_image_url(url: str, size: str = "s1600") -> str | None:
    """The "original size" link Blogger's editor puts around a displayed image (``s1600``), or None."""
    return with_image_size(url, size)
