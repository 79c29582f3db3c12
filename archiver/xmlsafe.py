"""XML parsing that resolves no entity: feeds and sitemaps are read with their document type declaration cut out.

``resolve_entities=False`` keeps libxml2 from substituting entities in text and from reading external ones
(XXE), but XML requires internal entities to be expanded inside attribute values, and libxml2 does so
whatever the flag says: ``<link href="&e;"/>`` with ``<!ENTITY e "https://elsewhere/">`` gives a link the
document never wrote, and a billion-laughs chain referenced from an attribute stops the parse at libxml2's
amplification limit, losing the rest of the document. Blogger's feeds and sitemaps never carry a DOCTYPE, so
:func:`parse` removes the declaration (its internal subset included) before parsing: every entity reference
is then undeclared, and libxml2's recovery drops it, in text and attributes alike. Character references and
the five predefined entities (``&amp;`` ...) are not entities of a DTD and read as always.

A declaration that the byte scan cannot see (a UTF-16 document) still shows after parsing; a document whose
parsed DTD declares any entity is then not read at all (None, with a warning).
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

logger = logging.getLogger(__name__)

_SPACE = b" \t\r\n"


def _skip_quoted(body: bytes, i: int) -> int:
    """The index after the quoted literal starting at ``body[i]`` (the end of ``body`` when unterminated)."""
    end = body.find(body[i : i + 1], i + 1)
    return len(body) if end < 0 else end + 1


def _after(body: bytes, i: int, closer: bytes) -> int:
    end = body.find(closer, i)
    return len(body) if end < 0 else end + len(closer)


def _doctype_end(body: bytes, i: int) -> int:
    """The index after the ``>`` that closes the DOCTYPE whose name starts at ``i``.

    Quoted literals, the internal subset and the comments and processing instructions inside it are stepped
    over whole, so a ``>`` or ``]`` inside them ends nothing.
    """
    n = len(body)
    subset = False
    while i < n:
        char = body[i : i + 1]
        if char in (b'"', b"'"):
            i = _skip_quoted(body, i)
        elif subset and body.startswith(b"<!--", i):
            i = _after(body, i + 4, b"-->")
        elif subset and body.startswith(b"<?", i):
            i = _after(body, i + 2, b"?>")
        elif char == b"[":
            subset, i = True, i + 1
        elif char == b"]" and subset:
            subset, i = False, i + 1
        elif char == b">" and not subset:
            return i + 1
        else:
            i += 1
    return n


def without_doctype(body: bytes) -> bytes:
    """``body`` without its document type declaration, when its prolog has one; otherwise ``body`` itself.

    Only the prolog is scanned (XML declaration, processing instructions, comments, white space), so the cost
    is that of the prolog, and nothing after the root element's start is touched.
    """
    n = len(body)
    i = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    while i < n:
        if body[i] in _SPACE:
            i += 1
        elif body.startswith(b"<?", i):
            i = _after(body, i + 2, b"?>")
        elif body.startswith(b"<!--", i):
            i = _after(body, i + 4, b"-->")
        elif body.startswith(b"<!DOCTYPE", i):
            return body[:i] + body[_doctype_end(body, i + 9) :]
        else:
            break
    return body


def parse(url: str, body: bytes, parser: etree.XMLParser) -> Any | None:
    """The root element of the XML document at ``url`` read without its DOCTYPE; None when it cannot be read.

    ``parser`` should be built with ``resolve_entities=False, no_network=True`` (and ``huge_tree=False``):
    this function removes what those flags leave open, it does not replace them.
    """
    try:
        root = etree.fromstring(without_doctype(body), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        logger.warning("Not reading %s: it declares XML entities in a DOCTYPE that could not be removed "
                       "(encoding %s)", url, root.getroottree().docinfo.encoding)
        return None
    return root
