"""XML parsing that resolves no entity: feeds and sitemaps are read with their document type declaration replaced.

``resolve_entities=False`` keeps libxml2 from substituting entities in text and from reading external ones
(XXE), but XML requires internal entities to be expanded inside attribute values, and libxml2 does so
whatever the flag says: ``<link href="&e;"/>`` with ``<!ENTITY e "https://elsewhere/">`` gives a link the
document never wrote, and a billion-laughs chain referenced from an attribute stops the parse at libxml2's
amplification limit, losing the rest of the document. Blogger's feeds and sitemaps never carry a DOCTYPE, so
:func:`parse` replaces a document's declaration, internal subset and all, by ``<!DOCTYPE x SYSTEM
"about:blank">``, which declares nothing and is never loaded (``load_dtd`` is off): every entity reference is
then undeclared; in an attribute it is dropped, in text it stays an unexpanded reference node (its text is
the reference itself, ``&e;``). The stub is not simply left out: in a document with an external subset an
undeclared entity is a warning (XML 1.0, WFC "Entity Declared"), while without one it is a fatal error,
after which libxml2's recovery drops even ``&lt;`` and character references for the rest of the document.
Character references and the five predefined entities are not entities of a DTD and read as always.

A declaration that the byte scan cannot see (a UTF-16 document) still shows after parsing; a document whose
parsed DTD declares any entity is then not read at all (None, with a warning).
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

logger = logging.getLogger(__name__)

_SPACE = b" \t\r\n"
_STUB = b'<!DOCTYPE x SYSTEM "about:blank">'  # declares no entity; never loaded


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


def replace_doctype(body: bytes) -> bytes:
    """``body`` with the document type declaration of its prolog replaced by one that declares nothing.

    A document without one is returned as it is.

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
            return body[:i] + _STUB + body[_doctype_end(body, i + 9) :]
        else:
            break
    return body


def parse(url: str, body: bytes, parser: etree.XMLParser) -> Any | None:
    """The root element of the XML document at ``url``, its DOCTYPE replaced; None when it cannot be read.

    ``parser`` should be built with ``resolve_entities=False, no_network=True`` (and ``huge_tree=False``):
    this function removes what those flags leave open, it does not replace them.
    """
    try:
        root = etree.fromstring(replace_doctype(body), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        logger.warning(
            "Not reading %s: it declares XML entities in a DOCTYPE that could not be removed (encoding %s)",
            url,
            root.getroottree().docinfo.encoding,
        )
        return None
    return root
