"""Fragments from Blogger's Atom feeds: post and static-page entries, and comment entries.

An entry belongs to Blogger when its id is ``tag:blogger.com,1999:blog-BLOGID.post-ID`` (``.page-ID`` for
static pages); any other feed gives nothing. A comment entry is one with ``thr:in-reply-to``, whose ``ref``
names the post; comments of one post in one feed document form one fragment. A post entry gives the exact
``published``/``updated`` (milliseconds and the blog's offset), labels (``category`` with Blogger's label
scheme), title, author, ``thr:total`` and the body: ``content type='html'`` (complete; its relative URLs
resolved against the entry's ``alternate`` link, the post page) or ``summary`` (a cut text, no HTML).
RSS and JSON variants of the feeds are not read: they carry the same entries with less.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from archiver import xmlsafe
from archiver.blogger.urls import UrlError, canonicalize
from archiver.records import dates
from archiver.records.html import parse_html
from archiver.records.model import Body, Comment, Fragment, Kind, Paragraph, Person
from archiver.records.text import absolute, clean, language, read_body, texts

if TYPE_CHECKING:
    from archiver.records.model import WarcPointer

ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
_TAG = re.compile(r"^tag:blogger\.com,1999:blog-(\d+)\.(post|page)-(\d+)$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_comments=True)


def _root(url: str, body: bytes) -> Any | None:
    return xmlsafe.parse(url, body, _PARSER)  # the DOCTYPE cut out: no entity is expanded, not even in attributes


def _html(markup: str) -> tuple[Any | None, bool]:
    """An lxml element holding an HTML fragment (a feed's escaped ``content``), and whether all of it was read.

    The element is None when the fragment is empty; ``html.parse_html`` reads it (huge_tree, then BeautifulSoup
    past lxml's depth limit).
    """
    if not markup.strip():
        return None, True
    # parsed as a document and read from its body: a stray </div> in the markup cannot cut it short
    parsed = parse_html(markup.encode("utf-8", errors="replace"), "utf-8")
    root = parsed.doc
    return (root.find("body") if root is not None else None), parsed.complete


def _person(entry: Any) -> Person | None:
    author = entry.find(f"{ATOM}author")
    if author is None:
        return None
    name = clean(author.findtext(f"{ATOM}name") or "")
    uri = (author.findtext(f"{ATOM}uri") or "").strip()
    return Person(name, uri or None) if name else None


def _link(entry: Any, rel: str, mime: str) -> str | None:
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel") == rel and (link.get("type") or "").startswith(mime) and link.get("href"):
            return str(link.get("href")).strip()
    return None


def _canonical(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonicalize(url)
    except UrlError:
        return None


def _text_body(text: str, *, complete: bool) -> Body:
    text = clean(text)
    return Body((Paragraph(text, language(text)),) if text else (), (), (), None, complete)


def _body(entry: Any, base: str) -> Body | None:
    """The entry's body: ``content`` (HTML, relative URLs resolved against ``base``), else a cut ``summary``."""
    content = entry.find(f"{ATOM}content")
    if content is not None:
        if (content.get("type") or "text") in ("html", "xhtml", "text/html"):
            element, whole = _html(content.text or "")
            if element is None:
                return Body((), (), (), "", complete=whole)
            return read_body(element, base, complete=whole)
        return _text_body(content.text or "", complete=True)
    summary = entry.find(f"{ATOM}summary")
    if summary is not None:
        return _text_body(summary.text or "", complete=False)
    return None


def _comment_text(entry: Any) -> str:
    content = entry.find(f"{ATOM}content")
    if content is None:
        content = entry.find(f"{ATOM}summary")
    if content is None:
        return ""
    if (content.get("type") or "text") == "html":
        element, _ = _html(content.text or "")
        return "\n".join(texts(element)) if element is not None else ""
    return clean(content.text or "")


def _total(entry: Any) -> int | None:
    text = (entry.findtext(f"{THR}total") or "").strip()
    return int(text) if text.isdigit() else None


def fragments(url: str, body: bytes, *, fetched_at: str, source: WarcPointer) -> list[Fragment]:
    """Fragments of the Blogger entries of an Atom feed document; [] for anything else."""
    root = _root(url, body)
    if root is None:
        return []
    if root.tag == f"{ATOM}feed":
        entries = root.findall(f"{ATOM}entry")
    elif root.tag == f"{ATOM}entry":
        entries = [root]
    else:
        return []
    out: list[Fragment] = []
    comments: dict[tuple[str, str, Kind], list[Comment]] = {}
    for entry in entries:
        match = _TAG.match((entry.findtext(f"{ATOM}id") or "").strip())
        if not match:
            continue
        blog_id, item_kind, item_id = match.groups()
        reply = entry.find(f"{THR}in-reply-to")
        if reply is not None:
            target = _TAG.match((reply.get("ref") or "").strip())
            if target is None:
                continue
            target_kind: Kind = "page" if target.group(2) == "page" else "post"
            key = (target.group(3), target.group(1), target_kind)
            comments.setdefault(key, []).append(
                Comment(item_id, _person(entry), dates.stated(entry.findtext(f"{ATOM}published")), _comment_text(entry))
            )
            continue
        kind: Kind = "page" if item_kind == "page" else "post"
        alternate = _link(entry, "alternate", "text/html")
        labels = {
            clean(c.get("term") or "")
            for c in entry.findall(f"{ATOM}category")
            if c.get("scheme") in (None, LABEL_SCHEME)
        }
        out.append(
            Fragment(
                post_id=item_id,
                kind=kind,
                origin="feed",
                url=url,
                fetched_at=fetched_at,
                source=source,
                blog_id=blog_id,
                post_url=_canonical(alternate),
                title=clean(entry.findtext(f"{ATOM}title") or ""),
                published=dates.stated(entry.findtext(f"{ATOM}published")),
                updated=dates.stated(entry.findtext(f"{ATOM}updated")),
                labels=tuple(sorted(label for label in labels if label)),
                author=_person(entry),
                body=_body(entry, absolute(url, alternate) if alternate else url),
                comment_count=_total(entry),
            )
        )
    for (post_id, blog_id, kind), found in comments.items():
        out.append(
            Fragment(
                post_id=post_id,
                kind=kind,
                origin="comment_feed",
                url=url,
                fetched_at=fetched_at,
                source=source,
                blog_id=blog_id,
                comments=tuple(found),
            )
        )
    return out
