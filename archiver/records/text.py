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
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urljoin

from archiver.records.model import Image, Lang, Paragraph

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "caption", "body", "html",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "button", "input",
    "textarea", "head", "title", "meta", "link", "svg", "canvas",
})

EN_MAX_SHARE = 0.15
ZH_MIN_SHARE = 0.85

_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")


def clean(text: str) -> str:
    """Collapse ASCII whitespace runs to one space, strip, and normalise to NFC."""
    return unicodedata.normalize("NFC", _SPACE.sub(" ", text).strip())


def language(text: str) -> Lang | None:
    """``en``, ``zh`` or ``mixed`` by the share of Han ideographs among ideographs and Latin words."""
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
    """The paragraphs of an lxml element, by the rules above (iterative: no recursion limit to hit)."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            text = clean("".join(buf))
            buf.clear()
            if text:
                out.append(text)

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = _tag(node)
        if closing:
            if tag in BLOCK_TAGS:
                flush()
            if node is not root and node.tail:
                buf.append(node.tail)
            continue
        if tag is None or tag in SKIP_TAGS or tag == "br":
            if tag == "br":
                flush()
            if node is not root and node.tail:
                buf.append(node.tail)
            continue
        if tag in BLOCK_TAGS:
            flush()
        if node.text:
            buf.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    flush()
    return out


def paragraphs(root: Any) -> tuple[Paragraph, ...]:
    """The paragraphs of an lxml element with their language."""
    return tuple(Paragraph(text, language(text)) for text in texts(root))


def _has_class(node: Any, name: str) -> bool:
    return name in (node.get("class") or "").split()


def images(root: Any, base_url: str) -> tuple[Image, ...]:
    """Images of a body in order: ``src``, the enclosing link's target, and the caption-table caption."""
    found: list[Image] = []
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if not src or src.startswith("data:"):
            continue
        original = None
        caption = ""
        parent = img.getparent()
        if parent is not None and _tag(parent) == "a" and parent.get("href"):
            original = urljoin(base_url, parent.get("href").strip())
        for ancestor in img.iterancestors():
            if _tag(ancestor) == "table" and _has_class(ancestor, "tr-caption-container"):
                cells = [td for td in ancestor.iter("td") if _has_class(td, "tr-caption")]
                caption = " ".join(" ".join(texts(td)) for td in cells)
                break
            if ancestor is root:
                break
        found.append(Image(urljoin(base_url, src), original, clean(caption)))
    return tuple(found)
