"""Blogger URL rules: canonical form, what kind of page a URL is, crawl scope, and image size variants.

Pure functions over strings; no network, no Scrapy. The rules follow ``docs/BLOGGER.md`` (``#hosts``,
``#url-forms``, ``#canonical-urls``, ``#traps`` and ``#images``):

- one post has one canonical URL: ``https://NAME.blogspot.com/YYYY/MM/slug.html`` without fragment or query
  string (``?m=``, ``?showComment=``, ``utm_*``, or a query a hostile post grows on every self-link), with
  ``.blogspot.<ccTLD>`` mapped to ``.blogspot.com`` and the ``/ncr`` prefix dropped; static pages alike; other
  blog URLs lose only ``m``, ``showComment``, ``utm_*``, ``fbclid`` and ``gclid``; archive pages end in a slash
  (``/2015/09`` is ``/2015/09/``);
- every URL, seed or discovered, is validated strictly (:func:`split_url`): http or https, no userinfo, a host
  of IDNA-encodable letter-digit-hyphen labels (no empty label, no percent-escape), a port from 1 to 65535;
  :func:`safe_name` turns a valid host into the one file-name form used for the crawl folder, the WARC files
  and the WACZ;
- the crawl scope is the blog's own host(s) plus Blogger's asset hosts; on ``www.blogger.com`` only static
  files are in scope, never its ``*.g`` endpoints, navbar, profiles or comment forms;
- an image on Blogger's image hosts is available in other sizes by changing its size segment
  (``/s320/`` → ``/s1600/``, ``=s320`` → ``=s1600``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal, get_args
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from archiver.errors import ArchiverError

Kind = Literal[
    # pages: the blog's HTML pages, what a reader navigates
    "home",
    "post",
    "page",
    "archive_year",
    "archive_month",
    "archive_day",
    "label",
    "search",
    # structure: how the blog lists itself to machines
    "robots",
    "sitemap",
    "feed",
    "comment_feed",
    # requisites: what a page needs to display
    "image",
    "css",
    "js",
    "icon",
    "font",
    "asset",
    # none of the above
    "other",
]

#: every kind, in the order reports list them
KINDS: tuple[Kind, ...] = get_args(Kind)
#: kinds that are HTML pages of the blog (what a reader navigates)
PAGE_KINDS: frozenset[str] = frozenset(
    {"home", "post", "page", "archive_year", "archive_month", "archive_day", "label", "search"}
)
#: kinds through which the blog lists itself: robots.txt, sitemaps, feeds
STRUCTURE_KINDS: frozenset[str] = frozenset({"robots", "sitemap", "feed", "comment_feed"})
#: the Atom/RSS feeds among them
FEED_KINDS: frozenset[str] = frozenset({"feed", "comment_feed"})
#: kinds that a page needs to display (page requisites)
REQUISITE_KINDS: frozenset[str] = frozenset({"image", "css", "js", "icon", "font", "asset"})
#: requisites that link to nothing (all but stylesheets): never parsed, so never decompressed either
NEVER_PARSED_KINDS: frozenset[str] = REQUISITE_KINDS - {"css"}
#: the kind of a URL that is none of the above (``KINDS`` is pages, structure, requisites and this)
OTHER_KIND: Kind = "other"

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

#: Blogger's country addresses of a blog: ``NAME.blogspot.XX``, ``NAME.blogspot.co.XX``, ``NAME.blogspot.com.XX``
#: (``.de``, ``.co.uk``, ``.com.au``), where XX is a two-letter country code
BLOGSPOT_CCTLD = re.compile(r"^(?P<name>[a-z0-9-]+)\.blogspot\.(?:com?\.)?[a-z]{2}$")
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
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_MAX_LABEL, _MAX_HOST, _MAX_PORT = 63, 253, 65535
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
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


def _host_error(url: str, what: str) -> UrlError:
    return UrlError(f"{url!r} is not a valid URL: {what}")


def _ascii_host(url: str, host: str) -> str:
    """The host as lower-case ASCII LDH labels (IDNA A-labels), without one trailing dot; UrlError if invalid."""
    if "%" in host:
        raise _host_error(url, f"percent-encoded bytes in the host {host!r}")
    name = host.lower()
    name = name.removesuffix(".")
    if not name:
        raise _host_error(url, "empty host name")
    labels = name.split(".")
    ascii_labels = []
    for label in labels:
        if not label:
            raise _host_error(url, f"empty label in the host {host!r}")
        if not label.isascii():
            try:
                label = label.encode("idna").decode("ascii")
            except UnicodeError:
                raise _host_error(url, f"the label {label!r} of the host cannot be IDNA-encoded") from None
        if len(label) > _MAX_LABEL:
            raise _host_error(url, f"the label {label[:20]!r}... of the host is longer than {_MAX_LABEL} characters")
        if not _LABEL.match(label):
            raise _host_error(
                url, f"the host {host!r} has a label {label!r} that is not letters, digits and inner hyphens"
            )
        ascii_labels.append(label)
    result = ".".join(ascii_labels)
    if len(result) > _MAX_HOST:
        raise _host_error(url, f"the host is longer than {_MAX_HOST} characters")
    return result


def split_url(url: str) -> tuple[str, str, str, str]:
    """Scheme, host (lower-case ASCII, ``:port`` only when not the default), path and query of a URL.

    The strict host rules of this module: an absolute http or https URL, no userinfo (``user:pw@``), a host
    of IDNA-encodable labels of letters, digits and inner hyphens (no empty label, none longer than 63, the
    whole at most 253; no percent-escapes, which once made hosts that matched ``*.bp.blogspot.com``) or a
    bracketed IPv6 literal, and a numeric port from 1 to 65535. Raises :class:`UrlError` naming the URL and
    what is wrong.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # urlsplit's own check of a bracketed IPv6 host
        raise _host_error(url, f"bad IPv6 literal host ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise UrlError(f"not an absolute http(s) URL: {url!r}")
    netloc = parts.netloc
    if "@" in netloc:
        raise _host_error(url, "user name or password in the URL (user:password@host)")
    if netloc.startswith("["):
        literal, bracket, rest = netloc[1:].partition("]")
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            raise _host_error(url, f"bad IPv6 literal [{literal}]") from None
        if not bracket or (rest and not rest.startswith(":")):
            raise _host_error(url, f"bad IPv6 literal host {netloc!r}")
        host, port_text = f"[{address.compressed}]", rest[1:]
    else:
        raw_host, _, port_text = netloc.partition(":")
        if ":" in port_text:
            raise _host_error(url, f"more than one ':' in the host {netloc!r}")
        host = _ascii_host(url, raw_host)
    port: int | None = None
    if port_text:
        if not port_text.isdigit() or not port_text.isascii() or not 0 < int(port_text) <= _MAX_PORT:
            raise _host_error(url, f"bad port {port_text!r} (a number from 1 to {_MAX_PORT})")
        port = int(port_text)
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    return scheme, host, parts.path, parts.query


_split = split_url  # the short name the helpers of this module use


def safe_name(host: str) -> str:
    """A file or folder name for a blog host (``HOST`` or ``HOST:PORT``), the same wherever one is made.

    The host is validated by the rules of :func:`split_url` (UrlError otherwise), so the name is never empty,
    ``.``, ``..`` or a path: lower-case letters, digits, dots and hyphens, with ``:`` of a port and the
    brackets of an IPv6 literal written as ``-`` (``127.0.0.1:8080`` -> ``127.0.0.1-8080``).
    """
    text = host.strip()
    if any(char in text for char in "/\\?#@"):
        raise UrlError(f"no safe file name for {host!r}: not a host name")
    _, canonical, _, _ = split_url(f"http://{text}/")
    name = re.sub(r"[^a-z0-9.-]+", "-", canonical).strip("-")
    if not _SAFE_NAME.match(name):  # cannot happen for a validated host; a guard for what reaches the disk
        raise UrlError(f"no safe file name for the host {host!r}")
    return name


def blogspot_host(host: str) -> str:
    """Map ``NAME.blogspot.<ccTLD>`` (``.co.uk``, ``.de``, ``.com.au`` …) to ``NAME.blogspot.com``."""
    match = BLOGSPOT_CCTLD.match(host)
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
    ``gclid`` parameters are removed (post and static page URLs lose their whole query string), and ``/YYYY``
    and ``/YYYY/MM`` get their trailing slash. Raises :class:`UrlError` for anything that is not an absolute
    http(s) URL with a valid host (:func:`split_url`).
    """
    scheme, host, path, query = split_url(url)
    host = blogspot_host(host)
    own = host == blog_host or is_blogspot_host(host)
    if own:
        scheme = "https" if host.endswith(BLOGSPOT_SUFFIX) else blog_scheme
        if path == "/ncr" or path.startswith("/ncr/"):
            path = path[len("/ncr") :]
        if _ARCHIVE_NO_SLASH.match(path):
            path += "/"
        if _POST.match(path) or _PAGE.match(path):
            query = ""  # a post linking to itself with a growing query string is a trap; ?m=1 is added later
        elif query:
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
        scheme, host, _, _ = split_url(url)
    except UrlError as exc:
        if not str(exc).startswith("not an absolute"):
            raise  # names the URL and what is wrong with its host
        raise UrlError(
            f"{url!r} is not a blog URL: expected an absolute http(s) URL such as https://NAME.blogspot.com/"
        ) from None
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
        _, host, path, _ = split_url(url)
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
        _, host, path, _ = split_url(url)
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
        _, _, path, query = split_url(url)
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
