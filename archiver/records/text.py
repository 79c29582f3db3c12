"""Text of HTML as a reader sees it: paragraphs split at blocks and ``<br>``, whitespace collapsed, NFC.

Rules (the same for post bodies, feed content and comments):

- a block element (``p``, ``div``, table cells, list items, headings …) and every ``<br>`` end a paragraph,
  so the old compose mode (paragraphs separated by ``<br /><br />`` only) and the rich editor (one ``<p>`` or
  ``<div>`` per paragraph) give the same paragraphs, and each line of a poem is its own paragraph;
- an image caption (``td.tr-caption`` of Blogger's caption table) is a table cell, hence its own paragraph;
- runs of ASCII whitespace collapse to one space, as a browser renders them; paragraphs are stripped, and
  empty ones (``<p><br /></p>``, ``&nbsp;``) dropped; text is Unicode NFC;
- ``script``, ``style`` and form controls contribute nothing.

Language per paragraph, a character-class heuristic sized for bilingual English/Chinese blogs: count Han
ideographs and Latin *words* (a run of Latin letters); ``share = han / (han + words)``. ``share <= 0.15`` is
``en``, ``share >= 0.85`` is ``zh``, anything between is ``mixed``, and a paragraph with neither (digits,
punctuation) has no language (``None``). Counting words rather than letters makes one ideograph weigh about
one English word, so ``"Free Liu Xiaobo" Rally (释放刘晓波)`` is mixed while an English paragraph naming one
Chinese place stays English.

A body element as a whole (:func:`read_body`): its paragraphs; its images, each with the full-size URL of
:func:`full_size`; its links, every ``<a href>`` in document order except the ones that gave an image its
``original`` (those are recorded in ``images``); and its markup by :func:`inner_html`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archiver.blogger.urls import original_image_url, with_image_size
from archiver.records.model import Body, Image, Lang, Link, Paragraph

BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
        "body",
        "html",
    }
)
SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "select",
        "button",
        "input",
        "textarea",
        "head",
        "title",
        "meta",
        "link",
        "svg",
        "canvas",
    }
)

EN_MAX_SHARE = 0.15
ZH_MIN_SHARE = 0.85

_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")
_ASCII_LETTER = re.compile("[A-Za-z]")
_CLEAR_BOTH = re.compile(r"^\s*clear\s*:\s*both\s*;?\s*$", re.I)
_ASCII_SPACE = " \t\n\r\f"


def clean(text: str) -> str:
    """Collapse ASCII whitespace runs to one space, strip, and normalise to NFC."""
    return unicodedata.normalize("NFC", _SPACE.sub(" ", text).strip())


def language(text: str) -> Lang | None:
    """``en``, ``zh`` or ``mixed`` by the share of Han ideographs among ideographs and Latin words."""
    if text.isascii():  # no ideograph: English as soon as it has a word, whatever the count
        return "en" if _ASCII_LETTER.search(text) else None
    han = len(_HAN.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if han + words == 0:
        return None
    share = han / (han + words)
    if share <= EN_MAX_SHARE:
        return "en"
    if share >= ZH_MIN_SHARE:
        return "zh"
    return "mixed"


def _tag(node: Any) -> str | None:
    """The lower-case tag of an element; None for comments and processing instructions."""
    tag = node.tag
    return tag.lower() if isinstance(tag, str) else None


def texts(root: Any) -> list[str]:
    """The paragraphs of an lxml element, by the rules above (iterative: no recursion limit to hit).

    lxml's ``iterwalk`` reports each element's start and end (and each comment and processing instruction,
    whose tail is text) from C, in document order; the subtree of a skipped element is not entered.
    """
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            text = clean("".join(buf))
            buf.clear()
            if text:
                out.append(text)

    if not isinstance(root.tag, str):  # a comment or processing instruction has no paragraphs
        return out
    if len(root) == 0:  # no children (a link, a cell, a caption): its own text is all there is
        tag = root.tag.lower()
        text = clean(root.text) if root.text and tag not in SKIP_TAGS and tag != "br" else ""
        return [text] if text else out
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walk:
        if event == "start":
            tag = node.tag.lower()
            if tag in BLOCK_TAGS:
                if buf:
                    flush()
            elif tag in SKIP_TAGS or tag == "br":
                if tag == "br" and buf:
                    flush()
                walk.skip_subtree()  # its end still comes, right after: its tail is read there
                continue
            if node.text:
                buf.append(node.text)
            continue
        if event == "end" and buf and node.tag.lower() in BLOCK_TAGS:
            flush()
        if node is not root and node.tail:
            buf.append(node.tail)
    flush()
    return out


def paragraphs(root: Any) -> tuple[Paragraph, ...]:
    """The paragraphs of an lxml element with their language."""
    return tuple(Paragraph(text, language(text)) for text in texts(root))


def _has_class(node: Any, name: str) -> bool:
    return name in (node.get("class") or "").split()


@lru_cache(maxsize=512)
def _scheme(base_url: str) -> str:
    return urlsplit(base_url).scheme  # raises ValueError where urljoin(base_url, ...) does


@lru_cache(maxsize=8192)  # the same image, widget and profile URLs recur on every page of a blog
def _join_absolute(scheme: str, value: str) -> str | None:
    """``urljoin`` of an http(s) URL against any base URL of ``scheme``; None when the base's host is needed."""
    if not urlsplit(value).netloc:
        return None
    return urljoin(f"{scheme}://base.invalid/", value)


def joined(base_url: str, value: str) -> str:
    """``urljoin(base_url, value)``, with the URLs that name their own host resolved once for every page.

    For a ``value`` with a scheme and a host, urljoin reads nothing of the base but its scheme (the same
    scheme: the URL re-assembled from its parts; another: the URL as it is). Raises ValueError as urljoin does.
    """
    if base_url and value.startswith(("https://", "http://")):
        done = _join_absolute(_scheme(base_url), value)
        if done is not None:
            return done
    return urljoin(base_url, value)


def absolute(base_url: str, value: str) -> str:
    """``value`` resolved against ``base_url``; unchanged when it is too malformed to resolve."""
    try:
        return joined(base_url, value)
    except ValueError:  # "http://[" and the like
        return value


def same_image(href: str, src: str) -> bool:
    """Whether two URLs on Blogger's image hosts are sizes of one image (same path once the size is set)."""
    a, b = with_image_size(href, "s0"), with_image_size(src, "s0")
    return a is not None and b is not None and urlsplit(a).path == urlsplit(b).path


@lru_cache(maxsize=4096)  # an image appears on its page, in the feed and on listings: parse its URL once
def full_size(src: str, href: str | None) -> str:
    """The full-size URL of an image shown at ``src`` inside a link to ``href`` (None: no link).

    The link when it is the same image on a Blogger image host; else ``src`` with its size segment set to
    ``s1600`` (Blogger's "original size", what its editor links); else ``src`` itself (an image that is not
    on a Blogger image host, or has no size segment: the file shown is the largest one known).
    """
    if href is not None and same_image(href, src):
        return href
    return original_image_url(src, "s1600") or src


def _link_around(img: Any, root: Any) -> Any | None:
    """The nearest ``<a href>`` enclosing an image, inside ``root``."""
    for ancestor in img.iterancestors():
        if ancestor is root:
            return None
        if _tag(ancestor) == "a" and (ancestor.get("href") or "").strip():
            return ancestor
    return None


def _images(root: Any, base_url: str) -> tuple[tuple[Image, ...], set[Any]]:
    """The images of a body, and the links that gave their ``original`` (so that ``links`` can leave them out)."""
    found: list[Image] = []
    used: set[Any] = set()
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if not src or src.startswith("data:"):
            continue
        src = absolute(base_url, src)
        anchor = _link_around(img, root)
        href = absolute(base_url, anchor.get("href").strip()) if anchor is not None else None
        original = full_size(src, href)
        if anchor is not None and original == href:
            used.add(anchor)
        caption = ""
        for ancestor in img.iterancestors():
            if _tag(ancestor) == "table" and _has_class(ancestor, "tr-caption-container"):
                cells = [td for td in ancestor.iter("td") if _has_class(td, "tr-caption")]
                caption = " ".join(" ".join(texts(td)) for td in cells)
                break
            if ancestor is root:
                break
        found.append(Image(src, original, clean(img.get("alt") or ""), clean(caption)))
    return tuple(found), used


def images(root: Any, base_url: str) -> tuple[Image, ...]:
    """Images of a body in order: ``src`` (absolute), full-size ``original``, ``alt`` and caption-table caption."""
    return _images(root, base_url)[0]


def links(root: Any, base_url: str, skip: set[Any] | frozenset[Any] = frozenset()) -> tuple[Link, ...]:
    """Every ``<a href>`` of a body in document order, absolute, with its visible text; ``skip`` left out."""
    out: list[Link] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and anchor not in skip:
            out.append(Link(absolute(base_url, href), clean(" ".join(texts(anchor)))))
    return tuple(out)


def _escape(text: str) -> str:
    """Text escaped as lxml's HTML serializer escapes text nodes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _template_clear(node: Any) -> bool:
    """Whether a node is the template's empty ``<div style='clear: both;'></div>``."""
    return (
        _tag(node) == "div"
        and len(node) == 0
        and not (node.text or "").strip()
        and not (node.tail or "").strip()
        and list(node.keys()) == ["style"]
        and _CLEAR_BOTH.match(node.get("style") or "") is not None
    )


def inner_html(root: Any) -> str:
    """The markup inside an element, serialized deterministically.

    lxml's HTML serialization of the element's text and children (attributes in document order, values in
    double quotes, single ones when the value holds a double quote, ``<br>`` without a slash, text escaping
    ``&``, ``<`` and ``>`` only, characters as themselves); the template's trailing empty
    ``<div style='clear: both;'></div>`` is left out, and so is ASCII whitespace at both ends; then NFC,
    with a combining long solidus overlay (U+0338) right after a tag written ``&#824;`` so that NFC cannot
    fuse it with the tag's ``>`` into ``≯``. HTML comments are already gone (the parsers drop them).
    """
    children = list(root)
    if children and _template_clear(children[-1]):
        children.pop()
    parts = [_escape(root.text or "")]
    parts.extend(etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in children)
    markup = "".join(parts).strip(_ASCII_SPACE).replace(">\u0338", ">&#824;")
    return unicodedata.normalize("NFC", markup)


def read_body(root: Any, base_url: str, *, complete: bool) -> Body:
    """Everything a body element gives: paragraphs, images, links (image links left out), HTML."""
    found, used = _images(root, base_url)
    return Body(paragraphs(root), found, links(root, base_url, used), inner_html(root), complete)
