"""Fragments from Blogger HTML pages: post and static pages (desktop and ``?m=1``) and listing pages.

Both layout families are read by the classes Blogger's templates keep (docs/BLOGGER.md#templates), never by position:

- a post is the element with ``id="post-body-POSTID"`` (or ``post-snippet-POSTID`` on Contempo listings,
  which show a snippet only: its ``.snippet-item`` is read) inside its nearest ``.post`` container; the
  sidebar, header, navbar and footer are never read, so blog chrome such as the "Who We Are" widget cannot
  leak into a record; text, HTML, images and links are all read from that one element (``text.read_body``);
- title ``.post-title``; timestamp ``abbr.published@title`` (classic) or ``time.published@datetime``
  (Contempo), ``dateModified`` of the post's JSON-LD; labels ``.post-labels a``; author ``.post-author``;
  comment count from ``.comment-link``, ``#comments h4`` or ``section.comments@data-num-comments``; the
  per-day ``.date-header`` of the enclosing ``.date-outer``; ``.jump-link`` means the body is cut;
- comments on a post page: classic ``dl#comments-block`` (``dt.comment-author`` / ``dd.comment-body`` /
  ``dd.comment-footer``) and threaded ``li.comment`` (``cite.user``, ``.datetime``, ``.comment-content``).

A page is a post page when its URL is a post or static page URL and it holds exactly one post body; its
comments are read from the whole page. Every other Blogger page is a listing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from w3lib.url import url_query_parameter

from archiver.blogger.discover import blog_id as page_blog_id
from archiver.blogger.discover import is_blogger
from archiver.blogger.urls import UrlError, canonicalize, classify
from archiver.httputil import decode_html
from archiver.records import dates
from archiver.records.model import Comment, Fragment, Origin, Person
from archiver.records.text import clean, read_body, texts

if TYPE_CHECKING:
    from archiver.records.model import WarcPointer
    from archiver.records.tamper import Flag

_BODY_ID = re.compile(r"^post-(body|snippet)-(\d+)$")
_COMMENT_ID = re.compile(r"^c(\d+)$")
_FIRST_INT = re.compile(r"\d+")
_NO_COMMENTS = ("no comment", "没有评论", "沒有留言", "没有留言")
_SAID = re.compile(r"\s*\S*(?:\.\.\.|…)$")


def _has(name: str) -> str:
    """XPath predicate: the element has CSS class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


#: every element with an id, filtered in Python: three times faster than XPath's starts-with() on 60 KB pages;
#: the same elements in the same order as ``//*[@id]``, in two thirds of its time (libxml2 tests the attribute
#: axis faster than a predicate on every element)
_X_IDS = etree.XPath("//@id/..")
_X_TITLE = etree.XPath(f".//*[{_has('post-title')}]")
_X_PUBLISHED = etree.XPath(f".//*[{_has('published')} or @itemprop='datePublished']")
_X_UPDATED = etree.XPath(f".//*[{_has('updated')} or @itemprop='dateModified']")
_X_LABELS = etree.XPath(f".//*[{_has('post-labels')}]")
_X_AUTHOR = etree.XPath(f".//*[{_has('post-author')}]")
_X_COMMENT_LINK = etree.XPath(f".//a[{_has('comment-link')}]")
_X_JUMP = etree.XPath(f".//*[{_has('jump-link')}]")
_X_LD_JSON = etree.XPath(".//script[@type='application/ld+json']")
_X_BLOG_ID = etree.XPath(".//meta[@itemprop='blogId']/@content")
_X_LINKS = etree.XPath(f".//*[{_has('post-title')}]//a/@href | .//a[{_has('timestamp-link')}]/@href")
_X_DATE_HEADER = etree.XPath(f".//*[{_has('date-header')}]")
_X_CLASSIC_AUTHORS = etree.XPath(f".//dl[@id='comments-block']/dt[{_has('comment-author')}]")
_X_THREADED = etree.XPath(f".//li[{_has('comment')}][starts-with(@id, 'c')]")
_X_SNIPPET_ITEM = etree.XPath(f".//*[{_has('snippet-item')}]")
#: compiled once: ``element.xpath(text)`` compiles its expression again on every call
_X_AUTHOR_NAME = etree.XPath(f".//*[@itemprop='name'] | .//*[{_has('fn')}]")
_X_AUTHOR_URI = etree.XPath(
    f".//a[@href][{_has('g-profile')} or contains(@rel, 'author')]/@href | .//meta[@itemprop='url']/@content"
)
_X_CLASSIC_STAMP = etree.XPath(f".//*[{_has('comment-timestamp')}]//a")
_X_THREADED_CITE = etree.XPath(f"./*[{_has('comment-block')}]//cite")
_X_HREF_LINKS = etree.XPath(".//a[@href]")
_X_THREADED_STAMP = etree.XPath(f"./*[{_has('comment-block')}]//*[{_has('datetime')}]//a")
_X_THREADED_CONTENT = etree.XPath(f"./*[{_has('comment-block')}]//*[{_has('comment-content')}]")
_X_H4 = etree.XPath(".//h4")
#: the classes _Fields looks for: a class attribute without any of them as a substring has none of them
_FIELD_CLASSES = re.compile(
    "post-title|published|updated|post-labels|post-author|comment-link|jump-link|timestamp-link"
)
#: XPath's normalize-space() separators (the ones ``_has`` splits @class at); str.split() knows more
_XML_SPACE = str.maketrans("\t\n\r", "   ")
#: plain etree elements (lxml.html's element classes cost a lookup per node and add nothing used here).
#: ``huge_tree`` lifts libxml2's 10 MB text/attribute limit (a 50 MB data: URI is read whole) and its depth
#: limit from 256 to 2048; the input is already bounded by the decoded-size limit. HTML has no entities to
#: expand beyond the predefined ones, so this opens no billion-laughs door.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True, huge_tree=True)
_END = object()
#: libxml2 errors that mean the parser stopped reading before the end of the document
_GAVE_UP_TYPES = frozenset({"ERR_RESOURCE_LIMIT", "ERR_NO_MEMORY"})


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed HTML document, how it was read, and whether all of it was.

    ``limit`` names the lxml limit that was hit (None when lxml read it all); ``complete`` is False when no
    parser could read the whole document (then what was read is all there is).
    """

    doc: Any | None
    parser: str  # "lxml" or "html.parser" (BeautifulSoup's fallback)
    limit: str | None = None
    complete: bool = True


def _lxml_limit(parser: Any) -> str | None:
    """The message of the error with which lxml gave up on its last document, or None."""
    for entry in parser.error_log:
        if entry.type_name in _GAVE_UP_TYPES or "XML_PARSE_HUGE" in entry.message:
            return f"{entry.message.strip()} (line {entry.line})"
    return None


def _soup_tree(text: str) -> Any | None:
    """The document read by BeautifulSoup's ``html.parser`` (no depth or size limit), as plain lxml elements.

    The conversion is iterative, so that no nesting depth hits Python's recursion limit.
    """
    from bs4 import BeautifulSoup
    from bs4.element import Comment, Doctype, NavigableString, ProcessingInstruction, Tag

    soup = BeautifulSoup(text, "html.parser", multi_valued_attributes=None)
    builder = etree.TreeBuilder()
    top = soup.find("html")
    if isinstance(top, Tag):  # the document's own <html> is the root, not a child of a made-up one
        builder.start("html", _attributes(top))
        stack: list[Any] = [(_END, "html"), *reversed(list(top.children))]
    else:
        builder.start("html", {})
        stack = [(_END, "html"), *reversed(list(soup.children))]
    while stack:  # depth-first, with an _END marker closing each element: no recursion, no O(depth) steps
        node = stack.pop()
        if isinstance(node, tuple):
            builder.end(node[1])
        elif isinstance(node, (Comment, Doctype, ProcessingInstruction)):
            continue
        elif isinstance(node, NavigableString):
            builder.data(str(node))
        elif isinstance(node, Tag):
            name = node.name.lower()
            try:
                etree.QName(name)
            except ValueError:  # a tag name XML cannot hold
                name = "span"
            builder.start(name, _attributes(node))
            stack.append((_END, name))
            stack.extend(reversed(list(node.children)))
    return builder.close()


def _attributes(tag: Any) -> dict[str, str]:
    out = {}
    for name, value in tag.attrs.items():
        try:
            etree.QName(name)
        except ValueError:
            continue
        out[name] = value if isinstance(value, str) else " ".join(value)
    return out


def parse_html(body: bytes, charset: str | None) -> Parsed:
    """Parse an HTML page with lxml; when lxml gives up at one of its limits, read it again with BeautifulSoup.

    lxml (libxml2) stops at nesting deeper than 2048 elements even with ``huge_tree``, and says so in its
    error log: the tree it returns then ends there, and a post body inside the deep part would be cut. The
    page is then read with BeautifulSoup's ``html.parser``, which has no such limit. Only if that fails too is
    the result marked incomplete.
    """
    text = decode_html(body, charset)
    try:
        doc = etree.fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        doc = None
    limit = _lxml_limit(_PARSER)
    if limit is None:
        return Parsed(doc, "lxml")
    try:
        return Parsed(_soup_tree(text), "html.parser", limit)
    except (RecursionError, MemoryError, ValueError, ImportError):
        return Parsed(doc, "lxml", limit, complete=False)


def _text(element: Any) -> str:
    return clean(" ".join(texts(element)))


def _first(elements: list[Any]) -> Any | None:
    return elements[0] if elements else None


def _container(body: Any) -> Any:
    """The post's own container: the nearest ``.post`` ancestor, else ``.post-outer``/``article``, else the parent."""
    fallback = None
    for ancestor in body.iterancestors():
        classes = (ancestor.get("class") or "").split()
        if "post" in classes:
            return ancestor
        if fallback is None and ("post-outer" in classes or ancestor.tag == "article"):
            fallback = ancestor
    if fallback is not None:
        return fallback
    parent = body.getparent()
    return parent if parent is not None else body


def _canonical(url: str) -> str | None:
    try:
        return canonicalize(url, urlsplit(url).hostname or None)
    except UrlError:
        return None


def _content(body: Any, snippet: bool) -> Any:
    """The element holding a post's own content: the body, or the snippet text inside a Contempo snippet."""
    if snippet:
        item = _first(_X_SNIPPET_ITEM(body))
        if item is not None:
            return item
    return body


def _has_class(element: Any, name: str) -> bool:
    """Whether ``name`` is one of the element's classes as ``_has`` sees them (split only when it may be)."""
    value = element.get("class")
    return bool(value) and name in value and name in value.translate(_XML_SPACE).split(" ")


def _classes(element: Any) -> list[str] | tuple[()]:
    """The element's classes as ``_has`` sees them (split at XML whitespace only)."""
    value = element.get("class")
    return value.translate(_XML_SPACE).split(" ") if value else ()


def _in_title(element: Any, container: Any) -> bool:
    """Whether an element is inside a ``.post-title`` that is inside ``container``."""
    for ancestor in element.iterancestors():
        if ancestor is container:
            return False
        if _has_class(ancestor, "post-title"):
            return True
    return False


class _Fields:
    """The elements of a post's container that its fields are read from, found in one walk of its descendants.

    Each list holds what the XPath named beside it selects, in document order: one walk in Python instead of
    one XPath per field (each testing every element's @class with string functions).
    """

    __slots__ = (
        "author",
        "blog_ids",
        "comment_links",
        "jump",
        "labels",
        "ld_json",
        "link",
        "published",
        "title",
        "updated",
    )

    def __init__(self, container: Any, *, listing: bool = False) -> None:
        self.title: list[Any] = []  # _X_TITLE
        self.published: list[Any] = []  # _X_PUBLISHED
        self.updated: list[Any] = []  # _X_UPDATED
        self.labels: list[Any] = []  # _X_LABELS
        self.author: list[Any] = []  # _X_AUTHOR
        self.comment_links: list[Any] = []  # _X_COMMENT_LINK
        self.ld_json: list[Any] = []  # _X_LD_JSON
        self.blog_ids: list[str] = []  # _X_BLOG_ID
        # only for a listing (``listing``): whether _X_JUMP selects anything, and the first href of _X_LINKS
        self.jump = False
        self.link: str | None = None
        for element in container.iterdescendants(etree.Element):
            value = element.get("class")
            # split only a class that holds one of the names looked for (most hold none)
            names = value.translate(_XML_SPACE).split(" ") if value and _FIELD_CLASSES.search(value) else ()
            itemprop = element.get("itemprop")
            if "post-title" in names:
                self.title.append(element)
            if "published" in names or itemprop == "datePublished":
                self.published.append(element)
            if "updated" in names or itemprop == "dateModified":
                self.updated.append(element)
            if "post-labels" in names:
                self.labels.append(element)
            if "post-author" in names:
                self.author.append(element)
            tag = element.tag
            if listing and "jump-link" in names:
                self.jump = True
            if tag == "a":
                if "comment-link" in names:
                    self.comment_links.append(element)
                if listing and self.link is None:
                    href = element.get("href")
                    if href is not None and ("timestamp-link" in names or _in_title(element, container)):
                        self.link = href
            elif tag == "script":
                if element.get("type") == "application/ld+json":
                    self.ld_json.append(element)
            elif tag == "meta" and itemprop == "blogId":
                content = element.get("content")
                if content is not None:
                    self.blog_ids.append(content)


def _published(elements: list[Any]) -> str | None:
    for element in elements:
        for attr in ("title", "datetime", "content"):
            value = dates.stated(element.get(attr))
            if value is not None:
                return value
    return None


def _updated(elements: list[Any], ld: dict[str, Any]) -> str | None:
    for element in elements:
        for attr in ("title", "datetime", "content"):
            value = dates.stated(element.get(attr))
            if value is not None:
                return value
    modified = ld.get("dateModified")
    return dates.stated(modified) if isinstance(modified, str) else None


def _ld_json(scripts: list[Any]) -> dict[str, Any]:
    for script in scripts:
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return {}


def _labels(blocks: list[Any]) -> tuple[str, ...] | None:
    if not blocks:
        return None
    found = {_text(a) for block in blocks for a in block.iter("a")}
    return tuple(sorted(label for label in found if label))


def _author(blocks: list[Any]) -> Person | None:
    block = _first(blocks)
    if block is None:
        return None
    named = _X_AUTHOR_NAME(block)
    name = _text(named[0]) if named else ""
    links = _X_AUTHOR_URI(block)
    uri = str(links[0]).strip() if links else None
    return Person(name, uri or None) if name else None


def _count(text: str) -> int | None:
    match = _FIRST_INT.search(text)
    if match:
        return int(match.group(0))
    lowered = text.lower()
    return 0 if any(word in lowered for word in _NO_COMMENTS) else None


def _listing_count(links: list[Any]) -> int | None:
    link = _first(links)
    return _count(_text(link)) if link is not None else None


def _date_header(body: Any) -> str | None:
    for ancestor in body.iterancestors():
        if "date-outer" in (ancestor.get("class") or "").split():
            header = next(  # the first in document order (_X_DATE_HEADER), without walking the posts after it
                (e for e in ancestor.iterdescendants(etree.Element) if _has_class(e, "date-header")), None
            )
            return (_text(header) or None) if header is not None else None
    return None


def _show_comment(href: str | None) -> int | None:
    if not href:
        return None
    value = url_query_parameter(href, "showComment")
    return int(value) if value is not None and value.isdigit() else None


def _comment_time(link: Any | None) -> str | None:
    if link is None:
        return None
    millis = _show_comment(link.get("href"))
    return dates.comment_time(millis, _text(link)) if millis is not None else None


def _classic_comments(section: Any, base: str) -> list[Comment]:
    out = []
    for dt in _X_CLASSIC_AUTHORS(section):
        match = _COMMENT_ID.match(dt.get("id") or "")
        if not match:
            continue
        links = [a for a in dt.iter("a") if a.get("href")]
        if links:
            author = Person(_text(links[0]), urljoin(base, links[0].get("href").strip()))
        else:
            name = _text(dt)
            author = Person(_SAID.sub("", name) or name, None)
        body = footer = None
        for sibling in dt.itersiblings():
            if sibling.tag == "dt":
                break
            classes = (sibling.get("class") or "").split()
            if "comment-body" in classes:
                body = sibling
            elif "comment-footer" in classes:
                footer = sibling
        stamp = _X_CLASSIC_STAMP(footer) if footer is not None else []
        text = "\n".join(texts(body)) if body is not None else ""
        out.append(Comment(match.group(1), author if author.name else None, _comment_time(_first(stamp)), text))
    return out


def _threaded_comments(section: Any, base: str) -> list[Comment]:
    out = []
    for li in _X_THREADED(section):
        match = _COMMENT_ID.match(li.get("id") or "")
        if not match:
            continue
        cite = _first(_X_THREADED_CITE(li))
        author = None
        if cite is not None:
            link = _first(_X_HREF_LINKS(cite))
            uri = urljoin(base, link.get("href").strip()) if link is not None else None
            name = _text(cite)
            author = Person(name, uri) if name else None
        stamp = _first(_X_THREADED_STAMP(li))
        content = _first(_X_THREADED_CONTENT(li))
        text = "\n".join(texts(content)) if content is not None else ""
        out.append(Comment(match.group(1), author, _comment_time(stamp), text))
    return out


def _page_comments(section: Any | None, base: str) -> tuple[tuple[Comment, ...] | None, int | None]:
    """The comments shown on a post page and the count its heading states; (None, None) without a section."""
    if section is None:
        return None, None
    comments = _classic_comments(section, base) or _threaded_comments(section, base)
    count = None
    num = section.get("data-num-comments")
    if num is not None and num.strip().isdigit():
        count = int(num.strip())
    else:
        heading = _first(_X_H4(section))
        if heading is not None:
            count = _count(_text(heading))
    return tuple(comments), count


def fragments(
    url: str,
    body: bytes,
    charset: str | None,
    *,
    fetched_at: str,
    source: WarcPointer,
    parsed: Parsed | None = None,
    flags: tuple[Flag, ...] = (),
) -> list[Fragment]:
    """Fragments of every post a Blogger HTML page shows; [] for a page without Blogger markup.

    ``parsed``: the page as :func:`parse_html` already read it (it is parsed here when None); ``flags``: the
    page's tamper flags, which the fragment of the post a post page shows carries.
    """
    if not is_blogger(body):
        return []
    parsed = parsed if parsed is not None else parse_html(body, charset)
    doc = parsed.doc
    if doc is None:
        return []
    bodies = []
    section = None
    for element in _X_IDS(doc):
        match = _BODY_ID.match(element.get("id"))
        if match:
            bodies.append((element, match.group(1) == "snippet", match.group(2)))
        elif section is None and element.get("id") == "comments":
            section = element
    if not bodies:
        return []
    page_kind = classify(url)
    full_ids = {post_id for _, snippet, post_id in bodies if not snippet}
    item = page_kind in ("post", "page") and len(full_ids) == 1
    mobile = url_query_parameter(url, "m") == "1"
    out = []
    for element, snippet, post_id in bodies:
        is_item = item and not snippet
        origin: Origin = ("mobile_page" if mobile else "post_page") if is_item else "listing"
        container = _container(element)
        found = _Fields(container, listing=not is_item)
        ld = _ld_json(found.ld_json)
        title_el = _first(found.title)
        if is_item:
            post_url = _canonical(url)
        else:
            link = found.link
            post_url = _canonical(urljoin(url, link.strip())) if link is not None else None
        cut = snippet or (not is_item and found.jump)
        comments, count = _page_comments(section, url) if is_item else (None, None)
        if count is None:
            count = _listing_count(found.comment_links)
        blog_ids = found.blog_ids
        out.append(
            Fragment(
                post_id=post_id,
                kind="page" if is_item and page_kind == "page" else "post",
                origin=origin,
                url=url,
                fetched_at=fetched_at,
                source=source,
                blog_id=str(blog_ids[0]).strip() if blog_ids else page_blog_id(body),
                post_url=post_url,
                title=_text(title_el) if title_el is not None else None,
                published=_published(found.published),
                updated=_updated(found.updated, ld),
                labels=_labels(found.labels),
                author=_author(found.author),
                body=read_body(_content(element, snippet), url, complete=not cut and parsed.complete),
                parser_limit=parsed.limit if not parsed.complete else None,
                comments=comments,
                comment_count=count,
                date_header=_date_header(element),
                flags=flags if is_item else None,
            )
        )
    return out
