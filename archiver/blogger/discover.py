"""Find the URLs a fetched Blogger resource points to: links, page requisites, feed pages, sitemaps.

Pure functions over bytes (no Scrapy, no network): HTML pages (lxml), Atom/RSS feeds, sitemaps, CSS
``url(...)``/``@import`` and robots.txt ``Sitemap:`` lines. Every URL comes back absolute, resolved against
the document (and its ``<base href>``), without its fragment, in document order and without duplicates.
Nothing is filtered by scope here: the caller decides what to fetch, and everything found is an outlink.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

from lxml import etree
from lxml import html as lxml_html

from archiver import xmlsafe
from archiver.httputil import content_type_charset, decode_html

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
SITEMAP_PAGE_SIZE = 150  # URLs on one Blogger sitemap page (sitemap.xml?page=N)

_UTF8_HTML = lxml_html.HTMLParser(encoding="utf-8")

_CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]*?)(?P=q)\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?P<q>['"])(?P<url>[^'"]+)(?P=q)""", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SKIP_SCHEMES = ("javascript:", "mailto:", "data:", "about:", "tel:", "blob:")
_SKIP_LENGTH = max(map(len, _SKIP_SCHEMES))
_REQUISITE_RELS = frozenset(
    {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "image_src", "mask-icon", "manifest"}
)
_BLOGGER_MARKERS = (
    b"_WidgetManager",
    b"content='blogger' name='generator'",
    b'content="blogger" name="generator"',
    b"www.blogger.com/static/",
    b"tag:blogger.com,1999:blog-",
)
_BLOG_ID = re.compile(rb"(?:targetBlogID=|blogId['\"]?\s*[:=]\s*['\"]?|blog-|blogID=)(\d{6,25})")
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.I | re.M)
# the widgets read apart, by a class token (XPath's ``contains(concat(' ', normalize-space(@class), ' '), ...)``,
# read in the one walk over the page): the BlogArchive widget (its lists' links and its dropdown's options) and
# the main column's Blog widget (the posts of a listing, never the sidebar)
_ARCHIVE_CLASS = "BlogArchive"
_BLOG_CLASS = "Blog"
_XML_SPACE = str.maketrans("\t\r\n", "   ")  # normalize-space() splits on these and the space, nothing else
_MISSING = object()
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass(frozen=True)
class EntryFacts:
    """What a feed entry or sitemap ``<url>`` says of one post: when it last changed, how many comments it has.

    The evidence an incremental crawl (:mod:`archiver.incremental`) decides by; every value as written.
    """

    url: str
    post_id: str | None = None  # from the entry's <id> (tag:blogger.com,1999:blog-B.post-P)
    updated: str | None = None  # the entry's <updated>, or the sitemap's <lastmod>
    comments: int | None = None  # the entry's thr:total


@dataclass(frozen=True)
class Discovered:
    """What one document points to, split by how a crawler uses it."""

    links: tuple[str, ...] = ()  # navigation: anchors, alternates, sitemap <loc>s, feed entries
    requisites: tuple[str, ...] = ()  # what the document needs to display: images, CSS, JS, icons, fonts
    next_page: str | None = None  # a feed's rel=next
    comment_feeds: tuple[str, ...] = ()  # per-post comment feeds of feed entries that have comments
    sitemaps: tuple[str, ...] = ()  # child sitemaps of a sitemap index, or robots.txt Sitemap: lines
    url_count: int = 0  # <url> entries of a sitemap page, entries of a feed page
    blog_id: str | None = None
    is_blogger: bool = False
    # what bounds paging and archives (archiver.blogger.traps)
    total_results: int | None = None  # a feed's openSearch:totalResults, when it says
    start_index: int | None = None  # a feed's openSearch:startIndex (1-based), when it says
    dates: tuple[str, ...] = ()  # a feed's <updated> and its entries' <published>, as written
    archive_links: tuple[str, ...] = ()  # the archive pages a page's BlogArchive widget lists (also in links)
    # the links of a page's main column (its Blog widget: the posts a listing shows), or None without one
    listing_links: tuple[str, ...] | None = None
    # per-post facts of an Atom feed's entries or a sitemap's <url>s (archiver.incremental)
    entries: tuple[EntryFacts, ...] = ()

    @property
    def outlinks(self) -> list[str]:
        """Every URL found, once, in a stable order (for the WARC metadata record)."""
        seen = dict.fromkeys(
            [
                *self.links,
                *self.requisites,
                *([self.next_page] if self.next_page else []),
                *self.comment_feeds,
                *self.sitemaps,
            ]
        )
        return list(seen)


@dataclass
class _Collector:
    base: str
    links: list[str] = field(default_factory=list)
    requisites: list[str] = field(default_factory=list)
    # raw reference -> what it resolves to against ``base``: a page repeats its links (shared by its collectors)
    cache: dict[str, str | None] = field(default_factory=dict)

    def resolve(self, raw: str | None) -> str | None:
        """Absolute URL without fragment, or None for empty, script and data references."""
        if raw is None:
            return None
        found = self.cache.get(raw, _MISSING)
        if found is _MISSING:
            found = self.cache[raw] = self._resolve(raw)
        return found  # type: ignore[return-value]

    def _resolve(self, raw: str) -> str | None:
        value = raw.strip()
        if not value or value.startswith("#") or value[:_SKIP_LENGTH].lower().startswith(_SKIP_SCHEMES):
            return None
        if value.startswith("//"):  # scheme-relative (Blogger writes its image and static hosts so)
            if value[2:3] not in ("", "/", "?", "#"):
                return _resolve_absolute(self.base.partition(":")[0].lower(), value)
            return _resolve(self.base, value)
        scheme, sep, rest = value.partition("://")
        if sep and scheme.lower() in ("http", "https") and rest[:1] not in ("", "/", "?", "#"):
            # an absolute URL comes out the same on every page (urljoin looks only at the base's scheme):
            # the links a blog repeats on every page are resolved once
            return _resolve_absolute(self.base.partition(":")[0].lower(), value)
        return _resolve(self.base, value)

    def link(self, raw: str | None) -> None:
        url = self.resolve(raw)
        if url:
            self.links.append(url)

    def requisite(self, raw: str | None) -> None:
        url = self.resolve(raw)
        if url:
            self.requisites.append(url)


@functools.lru_cache(maxsize=1 << 14)  # a page repeats its relative links (labels, pager, archive months)
def _resolve(base: str, value: str) -> str | None:
    try:
        absolute = urljoin(base, value)
    except ValueError:
        return None
    absolute = urldefrag(absolute)[0]
    return absolute if absolute.startswith(("http://", "https://")) else None


@functools.lru_cache(maxsize=1 << 14)
def _resolve_absolute(base_scheme: str, value: str) -> str | None:
    return _resolve(f"{base_scheme}://host/", value)


def _unique(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urls))


def _srcset(value: str) -> list[str]:
    """The URLs of an ``srcset`` attribute (``a.jpg 1x, b.jpg 2x``)."""
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def css_urls(base: str, text: str) -> list[str]:
    """Absolute URLs referenced from CSS by ``url(...)`` and ``@import "..."``, in order, once each."""
    collector = _Collector(base)
    for match in _CSS_IMPORT.finditer(text):
        collector.requisite(match.group("url"))
    for match in _CSS_URL.finditer(text):
        collector.requisite(match.group("url"))
    return list(_unique(collector.requisites))


def is_blogger(body: bytes) -> bool:
    """Tell whether a document carries Blogger's fingerprints (widget manager, generator, static bundles)."""
    return any(marker in body for marker in _BLOGGER_MARKERS)


def blog_id(body: bytes) -> str | None:
    """The numeric Blogger blog id named in a page or feed, or None."""
    match = _BLOG_ID.search(body)
    return match.group(1).decode("ascii") if match else None


def html_links(url: str, body: bytes, encoding: str | None = None) -> Discovered:
    """Links and page requisites of an HTML page, its text read as the records read it (``decode_html``)."""
    try:
        doc = lxml_html.document_fromstring(decode_html(body, encoding).encode("utf-8"), parser=_UTF8_HTML)
    except (etree.ParserError, ValueError, LookupError) as exc:
        logger.debug("Cannot parse HTML of %s: %s", url, exc)
        doc = None
    return tree_links(url, doc, body)


def tree_links(url: str, doc: Any | None, body: bytes) -> Discovered:
    """Links and page requisites of an HTML page already parsed (``doc``, the root of an lxml tree, or None).

    ``body`` is the decoded page, for its Blogger fingerprints. The crawl reads each page once
    (``archiver.middlewares.warc.read_response``): the tree the records are extracted from gives the links too.
    """
    if doc is None:
        return Discovered(is_blogger=is_blogger(body))
    bases = doc.xpath("//base/@href")
    collector = _Collector(urljoin(url, str(bases[0]).strip()) if bases else url)
    archives: list[Any] = []  # the BlogArchive and Blog widgets, in document order
    blogs: list[Any] = []
    for element in doc.iter(etree.Element):
        tag = element.tag if isinstance(element.tag, str) else ""
        get = element.get
        classes = get("class")
        if classes and ("Blog" in classes):
            tokens = classes.translate(_XML_SPACE).split(" ")
            if _ARCHIVE_CLASS in tokens:
                archives.append(element)
            if _BLOG_CLASS in tokens:
                blogs.append(element)
        if tag in ("a", "area"):
            collector.link(get("href"))
        elif tag == "link":
            rels = set((get("rel") or "").lower().split())
            if rels & _REQUISITE_RELS:
                collector.requisite(get("href"))
            else:
                collector.link(get("href"))
        elif tag in ("img", "source", "input", "embed", "track", "audio", "video"):
            if tag != "input" or (get("type") or "").lower() == "image":
                collector.requisite(get("src"))
            for candidate in _srcset(get("srcset") or ""):
                collector.requisite(candidate)
            collector.requisite(get("poster"))
        elif tag in ("script", "iframe", "frame"):
            collector.requisite(get("src"))
        elif tag == "object":
            collector.requisite(get("data"))
        elif tag == "style" and element.text:
            collector.requisites.extend(css_urls(collector.base, element.text))
        background = get("background")
        if background:
            collector.requisite(background)
        style = get("style")
        if style and "url(" in style:
            collector.requisites.extend(css_urls(collector.base, style))
    archive = _Collector(collector.base, cache=collector.cache)
    for widget in _outermost(archives):
        for node in widget.iterdescendants("a", "option"):
            for name, value in node.attrib.items():
                if name in ("href", "value"):
                    archive.link(value)
    listing: tuple[str, ...] | None = None
    if blogs:
        main = _Collector(collector.base, cache=collector.cache)
        for widget in _outermost(blogs):
            for node in widget.iterdescendants("a"):
                main.link(node.get("href"))
        listing = _unique(main.links)
    return Discovered(
        links=_unique(collector.links),
        requisites=_unique(collector.requisites),
        blog_id=blog_id(body),
        is_blogger=is_blogger(body),
        archive_links=_unique(archive.links),
        listing_links=listing,
    )


def _outermost(elements: list[Any]) -> list[Any]:
    """The elements (in document order) that are not inside another of them: each descendant is read once."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())] if len(elements) > 1 else elements


def _xml_root(url: str, body: bytes) -> etree._Element | None:
    root: etree._Element | None = xmlsafe.parse(url, body, _XML_PARSER)  # no entity expanded, even in attributes
    return root


def feed_links(url: str, body: bytes) -> Discovered:
    """Entry pages, the next page and per-post comment feeds (with comments) of an Atom or RSS feed."""
    root = _xml_root(url, body)
    if root is None:
        return Discovered()
    collector = _Collector(url)
    next_page: str | None = None
    comment_feeds: list[str] = []
    entries = 0
    facts: list[EntryFacts] = []
    dates: list[str] = []
    total_results: int | None = None
    start_index: int | None = None
    if root.tag == f"{ATOM}feed":
        for child in root:
            name = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else ""
            if name == "totalResults":
                total_results = _count(child.text)
            elif name == "startIndex":
                start_index = _count(child.text)
            elif child.tag == f"{ATOM}updated" and child.text:
                dates.append(child.text.strip())
        for link in root.findall(f"{ATOM}link"):
            rel = link.get("rel")
            if rel == "next":
                next_page = collector.resolve(link.get("href"))
            elif rel == "alternate":
                collector.link(link.get("href"))
        for entry in root.iter(f"{ATOM}entry"):
            entries += 1
            published = entry.findtext(f"{ATOM}published")
            if published:
                dates.append(published.strip())
            total_text = entry.findtext(f"{THR}total")
            for link in entry.findall(f"{ATOM}link"):
                rel, kind = link.get("rel"), link.get("type") or ""
                if rel == "alternate":
                    collector.link(link.get("href"))
                    alternate = collector.resolve(link.get("href"))
                    if alternate:
                        facts.append(_entry_facts(entry, alternate, total_text))
                elif rel == "replies" and "atom" in kind:
                    total = int(total_text) if total_text and total_text.strip().isdigit() else None
                    feed = collector.resolve(link.get("href"))
                    if feed and (total is None or total > 0):
                        comment_feeds.append(feed)
    else:
        for item in root.iter("item"):
            entries += 1
            collector.link(item.findtext("link"))
        for channel_link in root.findall("channel/link"):
            collector.link(channel_link.text)
    return Discovered(
        links=_unique(collector.links),
        next_page=next_page,
        comment_feeds=_unique(comment_feeds),
        url_count=entries,
        blog_id=blog_id(body),
        is_blogger=is_blogger(body),
        total_results=total_results,
        start_index=start_index,
        dates=tuple(dates),
        entries=tuple(facts),
    )


def _entry_facts(entry: etree._Element, url: str, total_text: str | None) -> EntryFacts:
    """The facts of one Atom entry whose alternate link is ``url``."""
    entry_id = (entry.findtext(f"{ATOM}id") or "").strip()
    post_id = entry_id.rpartition(".post-")[2] if ".post-" in entry_id else None
    updated = (entry.findtext(f"{ATOM}updated") or "").strip() or None
    return EntryFacts(url=url, post_id=post_id or None, updated=updated, comments=_count(total_text))


def _count(text: str | None) -> int | None:
    """A non-negative integer element's value, or None when it is not one."""
    value = (text or "").strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None


def sitemap_links(url: str, body: bytes) -> Discovered:
    """The pages of a ``<urlset>`` or the child sitemaps of a ``<sitemapindex>``."""
    root = _xml_root(url, body)
    if root is None:
        return Discovered()
    collector = _Collector(url)
    locs = [el.text for el in root.iter() if isinstance(el.tag, str) and (el.tag == "loc" or el.tag.endswith("}loc"))]
    for loc in locs:
        collector.link(loc)
    if root.tag.endswith("sitemapindex"):
        return Discovered(sitemaps=_unique(collector.links))
    facts = []
    for node in root:
        if not isinstance(node.tag, str) or node.tag.rpartition("}")[2] != "url":
            continue
        loc = lastmod = None
        for child in node:
            name = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else ""
            if name == "loc":
                loc = collector.resolve(child.text)
            elif name == "lastmod":
                lastmod = (child.text or "").strip() or None
        if loc and lastmod:
            facts.append(EntryFacts(url=loc, updated=lastmod))
    return Discovered(links=_unique(collector.links), url_count=len(locs), entries=tuple(facts))


def robots_sitemaps(url: str, text: str) -> Discovered:
    """The ``Sitemap:`` lines of a robots.txt."""
    collector = _Collector(url)
    for match in _SITEMAP_LINE.finditer(text):
        collector.link(match.group(1))
    return Discovered(sitemaps=_unique(collector.links))


def _is_robots(url: str) -> bool:
    return url.split("?", 1)[0].split("#", 1)[0].endswith("/robots.txt")


def is_html(url: str, content_type: str) -> bool:
    """Tell whether :func:`extract` reads a response as an HTML page (then :func:`tree_links` can take its tree)."""
    return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES and not _is_robots(url)


def extract(url: str, content_type: str, body: bytes) -> Discovered:
    """Dispatch on the media type (and the URL for robots.txt and sitemaps) to the right extractor."""
    mime = content_type.split(";", 1)[0].strip().lower()
    charset = content_type_charset(content_type)
    if _is_robots(url):
        return robots_sitemaps(url, body.decode(charset or "utf-8", errors="replace"))
    if mime in _HTML_TYPES:
        return html_links(url, body, charset)
    if mime == "text/css":
        return Discovered(requisites=tuple(css_urls(url, body.decode(charset or "utf-8", errors="replace"))))
    if mime in ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml"):
        head = body[:2048]
        if b"<urlset" in head or b"<sitemapindex" in head:
            return sitemap_links(url, body)
        return feed_links(url, body)
    return Discovered()
