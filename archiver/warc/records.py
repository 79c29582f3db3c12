"""One HTTP exchange as the crawler captured it, and the exact bytes of its WARC request and response block.

Nothing here imports Scrapy: the Scrapy layer copies what it saw into these dataclasses.

Headers are ``list[tuple[bytes, bytes]]``: name and value exactly as the HTTP client handed them over (Scrapy
and Twisted give bytes), in order, with repeated headers (several ``Set-Cookie``) as separate pairs. Bodies
are bytes and are never decoded.

Transfer-encoding policy. The HTTP client (Twisted) has already removed any transfer coding (de-chunked the
body) before the crawler sees it, so a recorded ``Transfer-Encoding: chunked`` would lie about the stored
body. The response block therefore:

- renames every ``Transfer-Encoding`` header to ``X-Orig-Transfer-Encoding`` (value unchanged);
- makes ``Content-Length`` equal the stored body length: it is added when the client stripped it, kept as it
  is when it already agrees, and when a received ``Content-Length`` disagrees with the stored body (a
  truncated download, for one) the received one is kept as ``X-Orig-Content-Length`` and a correct one follows
  it;
- leaves ``Content-Encoding`` (gzip, br) and the still-encoded body untouched: the stored body is what the
  server sent, so that header is true.

The ``X-Orig-`` prefix is Browsertrix Crawler's convention for a received header that no longer describes the
stored body (it renames ``content-encoding``/``transfer-encoding`` the same way), so replay tools and readers
that know Browsertrix WARCs know it. pywb's ``X-Archive-Orig-`` prefix is not used: pywb adds that prefix
itself at replay time to every archived header it passes to the browser, so it would be ambiguous inside a
WARC.

A response that has no body by HTTP's rules (to a HEAD request, or a 1xx, 204 or 304 status) keeps its
``Content-Length`` as received, since there it describes the representation and not the (empty) message body.
"""

from __future__ import annotations

import http
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

Header = tuple[bytes, bytes]

CRLF = b"\r\n"
ORIG_PREFIX = b"X-Orig-"

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PLAIN_HTTP = frozenset({"http/1.0", "http/1.1"})


@dataclass(frozen=True)
class CapturedRequest:
    """The request as the crawler sent it; ``headers`` are bytes pairs, ``url`` the absolute URL fetched."""

    method: str
    url: str
    headers: list[Header] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class CapturedResponse:
    """The response as received: ``body`` still content-encoded; ``truncated`` is a WARC-Truncated reason."""

    status: int
    reason: str | None = None
    protocol: str | None = None
    headers: list[Header] = field(default_factory=list)
    body: bytes = b""
    ip_address: str | None = None
    truncated: str | None = None
    # the TLS layer of an https exchange (archiver.tlsinfo): WARC-Protocol id (``tls/1.3``) and the IANA
    # name of the cipher suite for WARC-Cipher-Suite; None for plain http or when unknown
    tls_protocol: str | None = None
    tls_cipher: str | None = None


@dataclass(frozen=True)
class Capture:
    """One fetch: request, response, when (aware UTC), how long, and crawl context for the metadata record."""

    request: CapturedRequest
    response: CapturedResponse
    date: datetime
    fetch_duration_s: float = 0.0
    outlinks: list[str] = field(default_factory=list)
    via: str | None = None
    hop: str | None = None
    # more ``name: value`` lines for the capture's metadata record (TLS evidence, tamper flags), in order
    annotations: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        """Refuse naive datetimes and store the date in UTC."""
        if self.date.tzinfo is None or self.date.utcoffset() is None:
            raise ValueError(f"Capture.date must be timezone-aware, got {self.date!r}")
        object.__setattr__(self, "date", self.date.astimezone(UTC))


def _clean(value: bytes) -> bytes:
    """Replace CR and LF inside a header name or value with spaces so the block stays parseable."""
    if b"\r" in value or b"\n" in value:
        return value.replace(b"\r\n", b" ").replace(b"\r", b" ").replace(b"\n", b" ")
    return value


def _header_lines(headers: list[Header]) -> bytes:
    """Serialise header pairs as ``Name: value`` lines, each ending in CRLF."""
    return b"".join(_clean(name) + b": " + _clean(value) + CRLF for name, value in headers)


def _has_header(headers: list[Header], name: bytes) -> bool:
    """Tell whether a header is present (case-insensitive)."""
    lowered = name.lower()
    return any(key.lower() == lowered for key, _ in headers)


def _host_header(url: str) -> bytes:
    """Compute the ``Host`` value the HTTP client sends for ``url`` (port only when not the default)."""
    parts = urlsplit(url)
    hostport = parts.netloc.rpartition("@")[2]
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        hostport = hostport.rsplit(":", 1)[0]
    return hostport.encode("idna" if not hostport.isascii() else "ascii")


def request_target(url: str) -> bytes:
    """Return the request-target: path (``/`` when empty) and query, never the fragment."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query or url.split("#", 1)[0].endswith("?"):
        target += "?" + parts.query
    return target.encode("utf-8")


def request_headers(request: CapturedRequest) -> list[Header]:
    """Return headers as sent: ``Host`` first when missing, ``Content-Length`` when a body went out."""
    headers = list(request.headers)
    if not _has_header(headers, b"Host"):
        headers.insert(0, (b"Host", _host_header(request.url)))
    needs_length = bool(request.body) or request.method.upper() == "POST"
    has_length = _has_header(headers, b"Content-Length") or _has_header(headers, b"Transfer-Encoding")
    if needs_length and not has_length:
        headers.append((b"Content-Length", str(len(request.body)).encode("ascii")))
    return headers


def build_request_head(request: CapturedRequest) -> bytes:
    """Request line and headers, ending with the blank line: ``METHOD path?query HTTP/1.1``."""
    line = request.method.upper().encode("ascii") + b" " + request_target(request.url) + b" HTTP/1.1" + CRLF
    return line + _header_lines(request_headers(request)) + CRLF


def build_request_block(request: CapturedRequest) -> bytes:
    """Build the whole WARC request block: head followed by the request body."""
    return build_request_head(request) + request.body


def http_version(protocol: str | None) -> bytes:
    """Return the status line's HTTP version: HTTP/1.0 as received, HTTP/1.1 for anything else."""
    if protocol is not None and protocol.strip().lower() == "http/1.0":
        return b"HTTP/1.0"
    return b"HTTP/1.1"


def warc_protocol(protocol: str | None) -> str | None:
    """Return ``WARC-Protocol`` for an exchange that was not plain HTTP/1.x (``h2`` for HTTP/2), else None."""
    if protocol is None or not protocol.strip():
        return None
    value = protocol.strip().lower()
    if value in _PLAIN_HTTP:
        return None
    if value in ("http/2", "http/2.0", "h2c"):
        return "h2"
    if value in ("http/3", "http/3.0"):
        return "h3"
    return value


def warc_protocols(response: CapturedResponse) -> list[str]:
    """Every ``WARC-Protocol`` value of a response, the higher layer first (``http/1.1``, ``tls/1.3``).

    Without a TLS layer this is :func:`warc_protocol` alone (plain HTTP/1.x is left implicit, as the
    extension allows); with one, the HTTP layer is named too, since a present WARC-Protocol overrides what
    the URI scheme and status line imply.
    """
    http_layer = warc_protocol(response.protocol)
    if response.tls_protocol is None:
        return [http_layer] if http_layer else []
    if http_layer is None:
        http_layer = http_version(response.protocol).decode("ascii").lower()
    return [http_layer, response.tls_protocol]


def reason_phrase(status: int, reason: str | None) -> str:
    """Return the given reason phrase, else the standard one for ``status``, else an empty string."""
    if reason is not None:
        return reason
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _encode_reason(reason: str) -> bytes:
    """Encode a reason phrase as ISO-8859-1 (HTTP's historical charset), falling back to UTF-8."""
    try:
        return reason.encode("latin-1")
    except UnicodeEncodeError:
        return reason.encode("utf-8")


def _has_no_body(status: int, request_method: str) -> bool:
    """Tell whether HTTP forbids a message body for this response (HEAD, 1xx, 204, 304)."""
    return request_method.upper() == "HEAD" or 100 <= status < 200 or status in (204, 304)


def response_headers(
    headers: list[Header], body_length: int, *, status: int = 200, request_method: str = "GET"
) -> list[Header]:
    """Apply the transfer-encoding policy of this module to received headers for a body of ``body_length``."""
    bodyless = body_length == 0 and _has_no_body(status, request_method)
    expected = str(body_length).encode("ascii")
    lengths = [value.strip() for name, value in headers if name.lower() == b"content-length"]
    length_agrees = all(value == expected for value in lengths)

    result: list[Header] = []
    length_written = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            result.append((ORIG_PREFIX + name, value))
        elif lowered == b"content-length" and not bodyless and not length_agrees:
            result.append((ORIG_PREFIX + name, value))
            if not length_written:
                result.append((b"Content-Length", expected))
                length_written = True
        else:
            result.append((name, value))
    if not lengths and not bodyless:
        result.append((b"Content-Length", expected))
    return result


def build_response_head(response: CapturedResponse, request_method: str = "GET") -> bytes:
    """Status line and headers, ending with the blank line, with the transfer-encoding policy applied."""
    status = str(response.status).encode("ascii")
    reason = _encode_reason(reason_phrase(response.status, response.reason))
    line = http_version(response.protocol) + b" " + status + b" " + reason + CRLF
    headers = response_headers(
        response.headers, len(response.body), status=response.status, request_method=request_method
    )
    return line + _header_lines(headers) + CRLF


def build_response_block(response: CapturedResponse, request_method: str = "GET") -> bytes:
    """Build the whole WARC response block: head followed by the body exactly as stored."""
    return build_response_head(response, request_method) + response.body
