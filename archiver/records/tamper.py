r"""Tamper flags: what in an archived HTML page a reviewer needs to look at for planted code.

The blog's earlier site had code planted in it. Every archived HTML page of the blog is scanned here, on the
tree the records extraction already parsed (``archiver.records.html.parse_html``), never executed and never
fetched. A :class:`Flag` names what was found; the kinds, in the order a page's flags are listed:

=====================  ========  ========================================================================
kind                   severity  what
=====================  ========  ========================================================================
``hidden_iframe``      high      an ``<iframe>`` to a host off the blog and Blogger that a reader cannot
                                 see: ``width`` or ``height`` 0 or 1, ``display:none``,
                                 ``visibility:hidden`` or the ``hidden`` attribute (on it or an ancestor)
``external_script``    high      ``<script src>`` on a host off the blog and Blogger
``obfuscated_script``  high      an inline script (or an ``on*`` handler, or a ``data:`` script) shaped
                                 like injected code: a decoder fed straight into a sink
                                 (``eval(atob(``, ``document.write(unescape(`` …), a long encoded string
                                 (base64, ``%XX`` or ``\xXX``/``\uXXXX`` escapes over
                                 :data:`LONG_ENCODED` characters) in a script that calls ``eval``,
                                 ``unescape``, ``atob``, ``document.write``, ``Function`` or
                                 ``String.fromCharCode``, or a ``String.fromCharCode`` chain of
                                 :data:`CHAR_CODES` codes or more
``meta_refresh``       high      ``<meta http-equiv=refresh>`` to a host off the blog and Blogger
``js_redirect``        high      an inline script setting ``location`` (``location.href =``,
                                 ``location.replace(`` …) to a literal URL off the blog and Blogger
``external_form``      medium    ``<form action>`` posting to a host off the blog and Blogger
``external_embed``     low       a visible ``<iframe>``, ``<object data>`` or ``<embed src>`` off the blog
                                 and Blogger: a third-party embed (a YouTube video is one), not code
=====================  ========  ========================================================================

"Off the blog and Blogger": the host is neither the page's own (and its ``NAME.blogspot.com`` form) nor one of
:data:`BLOGGER_HOSTS` (Blogger's widgets and static files, its image hosts, Google's script and font hosts
Blogger's templates load). Relative URLs are the blog's. Flags of one page are unique and sorted
(:func:`Flag.sort_key`), so the same page always gives the same list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree

from archiver.blogger.urls import blogspot_host, host_matches
from archiver.records.text import joined

if TYPE_CHECKING:
    from collections.abc import Iterable

#: every kind, in the order a page's flags are listed
KINDS = (
    "hidden_iframe",
    "external_script",
    "obfuscated_script",
    "meta_refresh",
    "js_redirect",
    "external_form",
    "external_embed",
)
SEVERITY = {
    "hidden_iframe": "high",
    "external_script": "high",
    "obfuscated_script": "high",
    "meta_refresh": "high",
    "js_redirect": "high",
    "external_form": "medium",
    "external_embed": "low",
}
#: hosts that are Blogger's own (``*.`` matches any sub-domain): widgets, static files, images, Google's loaders
BLOGGER_HOSTS: tuple[str, ...] = (
    "www.blogger.com",
    "blogger.com",
    "*.blogger.com",
    "*.blogblog.com",
    "*.bp.blogspot.com",
    "*.googleusercontent.com",
    "*.ggpht.com",
    "*.gstatic.com",
    "apis.google.com",
)
#: an encoded string at least this long (characters) counts as a payload
LONG_ENCODED = 200
#: a ``String.fromCharCode`` chain of at least this many codes counts as obfuscation
CHAR_CODES = 20
#: the longest excerpt a flag keeps, in characters
EXCERPT = 160

#: what is scanned: the elements XPath ``//script | //iframe | //object | //embed | //form[@action] |
#: //meta[@http-equiv] | //*[@*[starts-with(name(), 'on')]]`` selects (:func:`_scanned`). libxml2 ran that union
#: as seven walks of the tree and merged their node-sets, which was most of the time of a scan; lxml's tag
#: filter and one walk for the ``on*`` attributes find the same elements in about two thirds of that time.
_TAGS = ("script", "iframe", "object", "embed")
_X_HANDLERS = etree.XPath("//@*[starts-with(name(), 'on')]/..")
_SINK = re.compile(r"\b(?:eval|unescape|atob|document\s*\.\s*write(?:ln)?|Function|String\s*\.\s*fromCharCode)\s*\(")
_DECODER_INTO_SINK = re.compile(
    r"\b(?:eval|document\s*\.\s*write(?:ln)?|Function|setTimeout|setInterval)\s*\(\s*"
    r"(?:window\s*\.\s*)?(?:unescape|atob|decodeURIComponent|decodeURI|String\s*\.\s*fromCharCode)\s*\("
)
#: the words without which _DECODER_INTO_SINK (besides ``fromCharCode``) and _SINK cannot match
_DECODER_WORDS = ("unescape", "atob", "decodeURI")
_SINK_WORDS = ("eval", "unescape", "atob", "write", "Function", "fromCharCode")
_ENCODED = re.compile(
    rf"[A-Za-z0-9+/]{{{LONG_ENCODED},}}={{0,2}}|(?:%[0-9A-Fa-f]{{2}}){{{LONG_ENCODED // 3},}}"
    rf"|(?:\\x[0-9A-Fa-f]{{2}}){{{LONG_ENCODED // 4},}}|(?:\\u[0-9A-Fa-f]{{4}}){{{LONG_ENCODED // 6},}}"
)
_CHAR_CODE_CHAIN = re.compile(rf"String\s*\.\s*fromCharCode\s*\(\s*\d+(?:\s*[,+]\s*\d+){{{CHAR_CODES - 1},}}")
_CHAR_CODE_CALL = re.compile(r"String\s*\.\s*fromCharCode\s*\(")
_REDIRECT = re.compile(
    r"\blocation\s*(?:\.\s*href\s*)?=\s*[\"']([^\"']+)[\"']|\blocation\s*\.\s*(?:replace|assign)\s*\(\s*[\"']([^\"']+)[\"']"
)
_REFRESH_URL = re.compile(r"url\s*=\s*[\"']?([^\"'\s;]+)", re.IGNORECASE)
_SIZE = re.compile(r"^\s*([01])(?:\.0*)?\s*(?:px)?\s*$", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?<![-\w])(?:width|height)\s*:\s*[01](?:\.0*)?(?:px)?\s*(?:;|$|!)",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
#: ``<script type>`` values that a browser runs ("" is no type)
_JS_TYPES = frozenset({"", "text/javascript", "application/javascript", "module", "text/ecmascript"})


@dataclass(frozen=True, slots=True)
class Flag:
    """One finding: its kind and severity, the element and attribute it is in, the host named, an excerpt."""

    kind: str
    severity: str
    element: str
    attribute: str | None
    host: str | None
    excerpt: str

    def sort_key(self) -> tuple[int, str, str, str, str]:
        """Kind in the order of :data:`KINDS`, then host, element, attribute and excerpt."""
        return (KINDS.index(self.kind), self.host or "", self.element, self.attribute or "", self.excerpt)

    def as_json(self) -> dict[str, Any]:
        """The flag as the records and metadata records hold it."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "element": self.element,
            "attribute": self.attribute,
            "host": self.host,
            "excerpt": self.excerpt,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Flag:
        """The flag of :meth:`as_json`."""
        return cls(
            str(data["kind"]),
            str(data["severity"]),
            str(data["element"]),
            data.get("attribute"),
            data.get("host"),
            str(data.get("excerpt") or ""),
        )


def _flag(kind: str, element: str, attribute: str | None, host: str | None, excerpt: str) -> Flag:
    text = _SPACE.sub(" ", excerpt).strip()
    return Flag(kind, SEVERITY[kind], element, attribute, host, text if len(text) <= EXCERPT else text[:EXCERPT] + "…")


def own_hosts(page_url: str) -> frozenset[str]:
    """The blog's hosts as a page shows them: the page's host and its ``NAME.blogspot.com`` form."""
    host = (urlsplit(page_url).hostname or "").lower()
    return frozenset({host, blogspot_host(host)}) if host else frozenset()


def off_site_host(url: str, page_url: str, blog_hosts: frozenset[str]) -> str | None:
    """The host of ``url`` (resolved against the page) when it is off the blog and Blogger, else None.

    Only http(s) URLs name a host; ``about:``, ``javascript:``, ``data:`` and empty ones give None.
    """
    value = url.strip()
    if not value:
        return None
    try:
        parts = urlsplit(joined(page_url, value))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or host in blog_hosts or blogspot_host(host) in blog_hosts:
        return None
    if any(host_matches(host, pattern) for pattern in BLOGGER_HOSTS):
        return None
    return host


def _start_tag(element: Any) -> str:
    attributes = " ".join(f'{name}="{value}"' for name, value in element.attrib.items())
    return f"<{element.tag}{' ' + attributes if attributes else ''}>"


def _hidden(element: Any) -> bool:
    """Whether an element (or an ancestor) is made invisible: zero or one pixel, display:none, hidden."""
    for name in ("width", "height"):
        if _SIZE.match(element.get(name) or "x"):
            return True
    for node in (element, *element.iterancestors()):
        if node.get("hidden") is not None or _HIDDEN_STYLE.search(node.get("style") or ""):
            return True
    return False


def obfuscation(code: str) -> str | None:
    """The excerpt of ``code`` that looks like injected code (see the module docstring), or None."""
    if "(" not in code:  # every shape below calls something
        return None
    # each pattern is tried only when the words it cannot match without are in the code (most scripts and
    # handlers have none of them); the order of the tries, hence the excerpt, is the docstring's
    char_codes = "fromCharCode" in code
    match = None
    if char_codes or any(word in code for word in _DECODER_WORDS):
        match = _DECODER_INTO_SINK.search(code)
    if match is None and char_codes:
        match = _CHAR_CODE_CHAIN.search(code)
        if match is None and len(_CHAR_CODE_CALL.findall(code)) >= CHAR_CODES:
            match = _CHAR_CODE_CALL.search(code)
    if match is None and any(word in code for word in _SINK_WORDS) and _ENCODED.search(code) is not None:
        match = _SINK.search(code)
    if match is None:
        return None
    return code[max(0, match.start() - 20) : match.start() + 100]


def _redirects(code: str, page_url: str, blog_hosts: frozenset[str]) -> Iterable[tuple[str, str]]:
    if "location" not in code:  # what _REDIRECT cannot match without
        return
    for match in _REDIRECT.finditer(code):
        host = off_site_host(match.group(1) or match.group(2), page_url, blog_hosts)
        if host is not None:
            yield host, code[max(0, match.start() - 20) : match.end() + 20]


def _scanned(doc: Any) -> list[Any]:
    """The elements of ``doc``'s tree the scan looks at (the comment above :data:`_TAGS`), each once, unordered."""
    root = doc.getroottree().getroot()
    found = list(root.iter(*_TAGS))
    found.extend(
        element
        for element in root.iter("form", "meta")
        if element.get("action" if element.tag == "form" else "http-equiv") is not None
    )
    seen = set(found)  # lxml hands out one proxy per node while it lives: identity is the node
    found.extend(element for element in _X_HANDLERS(root) if element not in seen)
    return found


def scan(doc: Any, page_url: str, blog_hosts: frozenset[str] | None = None) -> tuple[Flag, ...]:
    """Every tamper flag of a parsed page (the root of an lxml tree), unique and sorted; () for None.

    ``blog_hosts``: the blog's own hosts (default: :func:`own_hosts` of ``page_url``).
    """
    if doc is None:
        return ()
    hosts = blog_hosts if blog_hosts is not None else own_hosts(page_url)
    found: set[Flag] = set()
    for element in _scanned(doc):
        tag = element.tag if isinstance(element.tag, str) else ""
        for name, value in element.attrib.items():
            if name.lower().startswith("on") and (excerpt := obfuscation(value)) is not None:
                found.add(_flag("obfuscated_script", tag, name.lower(), None, excerpt))
        if tag == "script":
            if (element.get("type") or "").strip().lower() not in _JS_TYPES:
                continue  # JSON-LD, templates: data, not code
            src = (element.get("src") or "").strip()
            if src.lower().startswith("data:"):
                found.add(_flag("obfuscated_script", tag, "src", None, src[:100]))
            elif (host := off_site_host(src, page_url, hosts)) is not None:
                found.add(_flag("external_script", tag, "src", host, _start_tag(element)))
            code = element.text or ""
            if code:
                excerpt = obfuscation(code)
                if excerpt is not None:
                    found.add(_flag("obfuscated_script", tag, None, None, excerpt))
                found.update(
                    _flag("js_redirect", tag, None, host, text) for host, text in _redirects(code, page_url, hosts)
                )
        elif tag in ("iframe", "embed", "object"):
            attribute = "data" if tag == "object" else "src"
            host = off_site_host(element.get(attribute) or "", page_url, hosts)
            if host is not None:
                kind = "hidden_iframe" if tag == "iframe" and _hidden(element) else "external_embed"
                found.add(_flag(kind, tag, attribute, host, _start_tag(element)))
        elif tag == "form":
            host = off_site_host(element.get("action") or "", page_url, hosts)
            if host is not None:
                found.add(_flag("external_form", tag, "action", host, _start_tag(element)))
        elif tag == "meta" and (element.get("http-equiv") or "").strip().lower() == "refresh":
            match = _REFRESH_URL.search(element.get("content") or "")
            host = off_site_host(match.group(1), page_url, hosts) if match else None
            if host is not None:
                found.add(_flag("meta_refresh", tag, "content", host, _start_tag(element)))
    return tuple(sorted(found, key=Flag.sort_key))


def merged(groups: Iterable[Iterable[Flag]]) -> tuple[Flag, ...]:
    """The flags of several pages (a post's desktop and mobile pages), each once, sorted."""
    return tuple(sorted({flag for group in groups for flag in group}, key=Flag.sort_key))


#: the name of a flag's line in a capture's metadata record (``application/warc-fields``)
ANNOTATION = "tamperFlag"


def metadata_lines(flags: Iterable[Flag]) -> tuple[tuple[str, str], ...]:
    """One ``tamperFlag: {json}`` line per flag for the capture's metadata record (compact JSON, ASCII)."""
    return tuple(
        (ANNOTATION, json.dumps(flag.as_json(), ensure_ascii=True, sort_keys=True, separators=(",", ":")))
        for flag in flags
    )
