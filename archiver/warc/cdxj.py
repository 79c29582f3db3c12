"""pywb-compatible CDXJ lines ``SURT TIMESTAMP14 {json}``, built from CaptureLocations or from WARC files.

The JSON object has the keys pywb's own indexer (``cdx-indexer --cdxj``, used by ``wb-manager``) writes, in
its order: ``url``, ``mime``, ``status``, ``digest`` (base32 sha1 without the ``sha1:`` prefix), ``length``,
``offset``, ``filename``, all strings, serialised with ``json.dumps`` defaults; empty values are left out as
pywb does. ``surt()`` reproduces the canonicalisation of the ``surt`` package that pywb calls (the Google and
Internet Archive canonicalisers: lower-case host, path and query, ``www``/``wwwN`` dropped, default port
dropped, fragment dropped, dot segments resolved, trailing slash dropped, session ids stripped, query
arguments sorted) without its dependency on tldextract and without any DNS lookup.

It is the same function as the package's wherever the package's answer does not depend on the network,
which a property test checks on thousands of generated Blogger-like URLs (``tests/unit/test_warc_cdxj.py``).
It differs on purpose in three classes of input, which that test names and excludes:

- a numeric host (``2130706433``, ``127.1``, ``0177.0.0.1``): the package resolves it with
  ``gethostbyname_ex``, a DNS query from an indexer; it is read here as the IPv4 address it spells;
- no scheme and a port (``Name.blogspot.com:8080/x``): the package takes the host for a scheme and gives
  back no SURT; here it is lower-cased (neither is a SURT; a WARC-Target-URI always has a scheme);
- an upper-case scheme followed by extra slashes (``HTTPS:////host/``): the package repairs extra slashes
  only after a lower-case ``http``; here the scheme is lower-cased first, as the package does with
  ``http:////host/``.
"""

from __future__ import annotations

import heapq
import json
import re
import socket
import tempfile
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote_from_bytes, unquote_to_bytes

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.warc.writer import WarcError, mime_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path
    from typing import Self

    from archiver.warc.writer import CaptureLocation


INDEXED_TYPES = frozenset({"response", "revisit", "resource"})

# Characters the surt package leaves unescaped: every printable ASCII character except '%' and '#'.
_SAFE = b"!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~"
_RE_SCHEME = re.compile(rb"^[a-zA-Z][a-zA-Z0-9+\-.]*:")
_RE_REPEATED_HTTP = re.compile(rb"^(https?://)+")
_RE_CONTROL = re.compile(rb"[\n\r\t]")
_RE_SPLIT = re.compile(rb"^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)
_RE_WWW = re.compile(rb"^www\d*\.")
_RE_DECIMAL_IP = re.compile(rb"^[1-9][0-9]*(?:\.[0-9]+){0,3}$")
_RE_OCTAL_IP = re.compile(rb"^0[0-7]*(?:\.[0-7]+){0,3}$")
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_PATH_SESSION_IDS = (
    re.compile(rb"^(.*/)(\((?:[a-z]\([0-9a-z]{24}\))+\)/)([^?]+\.aspx.*)$", re.I),
    re.compile(rb"^(.*/)(\([0-9a-z]{24}\)/)([^?]+\.aspx.*)$", re.I),
)
_QUERY_SESSION_IDS = (
    re.compile(rb"^(.*)(?:jsessionid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:phpsessid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:sid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:cfid=[^&]+&cftoken=[^&]+)(?:&(.*))?$", re.I),
)


def _unescape_fully(value: bytes) -> bytes:
    """Percent-decode until nothing changes."""
    while True:
        decoded = unquote_to_bytes(value)
        if decoded == value:
            return value
        value = decoded


def _escape_once(value: bytes) -> bytes:
    """Percent-encode control bytes, space, non-ASCII, ``%`` and ``#``."""
    return quote_from_bytes(value, safe=_SAFE).encode("ascii")


def _normalise_path(path: bytes) -> bytes:
    """Resolve ``.`` and ``..`` segments and collapse empty segments, keeping a trailing slash."""
    if not path:
        return b"/"
    kept: list[bytes] = []
    for segment in path.split(b"/")[1:]:
        if segment == b".":
            continue
        if segment == b"..":
            if kept:
                kept.pop()
            else:
                kept.append(segment)
            continue
        kept.append(segment)
    if not kept:
        return b"/"
    return b"/" + b"".join(s + b"/" for s in kept[:-1] if s) + kept[-1]


def _normalise_ipv4(host: bytes) -> bytes | None:
    """Dotted-quad form of a numeric host (``2130706433``, ``0177.1``), or None when it is a name."""
    if host.isdigit():
        return socket.inet_ntoa((int(host) & 0xFFFFFFFF).to_bytes(4, "big")).encode("ascii")
    if _RE_DECIMAL_IP.match(host) or _RE_OCTAL_IP.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host.decode("ascii"))).encode("ascii")
        except OSError:
            return None
    return None


def _canonical_host(host: bytes) -> bytes:
    """Lower-case, IDNA-encode, tidy dots, normalise IPv4, and drop a leading ``www.``/``wwwN.``."""
    host = _unescape_fully(host)
    if not host.isascii():
        try:
            host = host.decode("utf-8", "ignore").encode("idna")
        except UnicodeError:
            pass
    host = host.replace(b"..", b".").strip(b".")
    ip = _normalise_ipv4(host)
    host = ip if ip is not None else _escape_once(host.lower())
    host = host.lower()
    match = _RE_WWW.match(host)
    return host[match.end() :] if match else host


def _strip_session_ids(value: bytes, patterns: tuple[re.Pattern[bytes], ...], keep: tuple[int, ...]) -> bytes:
    """Remove well-known session-id parameters or path segments."""
    for pattern in patterns:
        match = pattern.match(value)
        if match:
            value = b"".join(match.group(i) or b"" for i in keep)
    return value


def _sort_query(query: bytes) -> bytes:
    """Sort ``&``-separated arguments by name then value, keeping ``a`` and ``a=`` distinct."""
    if len(query) <= 1:
        return query
    args = sorted(tuple(arg.split(b"=", 1)) for arg in query.split(b"&"))
    return b"&".join(b"=".join(arg) for arg in args)


def surt(url: str) -> str:
    """Return the SURT key pywb indexes ``url`` under, e.g. ``com,blogspot,name)/2024/01/post.html?a=1``."""
    raw = _RE_CONTROL.sub(b"", url.encode("utf-8").strip())
    if not raw:
        return "-"
    if raw.startswith(b"filedesc"):
        return raw.decode("utf-8")
    if not _RE_SCHEME.match(raw):
        raw = b"http://" + raw
    raw = _RE_REPEATED_HTTP.sub(lambda m: m.group(1), raw)
    match = _RE_SPLIT.match(raw)
    if match is None:  # pragma: no cover - the pattern matches any string
        raise WarcError(f"cannot parse URL {url!r}")
    scheme, netloc, path, query, _fragment = match.groups()
    scheme = (scheme or b"").lower()
    netloc = (netloc or b"").rstrip(b":")

    host, port = _split_netloc(netloc)
    if scheme.startswith(b"http") and not host and path:
        host, _, rest = path.lstrip(b"/").partition(b"/")
        path = b"/" + rest

    path = _unescape_fully(path)
    if host:
        host = _canonical_host(host)
        path = _normalise_path(path)
    path = _escape_once(path).lower()
    path = _strip_session_ids(path, _PATH_SESSION_IDS, (1, 3))
    if len(path) > 1 and path.endswith(b"/"):
        path = path[:-1]

    if query:
        query = _escape_once(_unescape_fully(query))
        query = _strip_session_ids(query, _QUERY_SESSION_IDS, (1, 2))
        query = _sort_query(query.lower())
    if port is not None and port == _DEFAULT_PORTS.get(scheme):
        port = None

    if not host:
        key = scheme + b":" + path + (b"?" + query if query else b"")
        return key.decode("utf-8")
    key = b",".join(reversed(host.split(b".")))
    if port is not None:
        key += b":%d" % port
    key += b")" + (path or b"/")
    if query:
        key += b"?" + query
    return key.decode("utf-8")


def _split_netloc(netloc: bytes) -> tuple[bytes, int | None]:
    """Host (lower-cased, no user info, no IPv6 brackets) and port of a netloc."""
    hostport = netloc.rpartition(b"@")[2]
    port: int | None = None
    if hostport.startswith(b"["):
        host, _, rest = hostport[1:].partition(b"]")
        port_text = rest[1:] if rest.startswith(b":") else b""
    else:
        host, _, port_text = hostport.partition(b":")
    if port_text:
        if not port_text.isdigit() or int(port_text) > 65535:
            raise WarcError(f"invalid port in {netloc!r}")
        port = int(port_text)
    return host.lower(), port


def timestamp14(warc_date: str) -> str:
    """Return the 14-digit timestamp of a WARC-Date (fractions of a second dropped)."""
    digits = re.sub(r"\D", "", warc_date)
    return (digits + "0" * 14)[:14]


def cdxj_line(
    url: str,
    timestamp: str,
    *,
    mime: str | None,
    status: str | None,
    digest: str | None,
    length: int,
    offset: int,
    filename: str,
) -> str:
    """One CDXJ line (without newline) in pywb's field order, leaving out empty and ``-`` values."""
    if digest and digest.startswith("sha1:"):
        digest = digest[len("sha1:") :]
    fields: dict[str, Any] = {
        "url": url,
        "mime": mime,
        "status": status,
        "digest": digest,
        "length": str(length),
        "offset": str(offset),
    }
    data = {key: value for key, value in fields.items() if value and value != "-"}
    data["filename"] = filename
    return f"{surt(url)} {timestamp} {json.dumps(data)}"


def location_to_cdxj(location: CaptureLocation) -> str:
    """Return the CDXJ line for the response record of a capture just written."""
    revisit = location.revisit_of is not None
    return cdxj_line(
        location.url,
        location.date.strftime("%Y%m%d%H%M%S"),
        mime="warc/revisit" if revisit else location.mime,
        status=None if revisit else str(location.status),
        digest=location.payload_digest,
        length=location.response.length,
        offset=location.response.offset,
        filename=location.filename,
    )


def index_warc(path: Path, filename: str | None = None) -> list[str]:
    """Index a WARC file's response, revisit and resource records, in file order."""
    name = filename or path.name.removesuffix(".open")
    lines = []
    try:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type not in INDEXED_TYPES:
                    continue
                if record.content_type == "application/warc-fields":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                if not url:
                    continue
                http = record.http_headers
                if record.rec_type == "revisit":
                    mime: str | None = "warc/revisit"
                elif http is not None:
                    mime = mime_of(http.get_header("Content-Type"))
                else:
                    mime = mime_of(record.rec_headers.get_header("Content-Type"))
                status = http.get_statuscode() if record.rec_type == "response" and http else None
                records.read_to_end()
                lines.append(
                    cdxj_line(
                        url,
                        timestamp14(record.rec_headers.get_header("WARC-Date")),
                        mime=mime,
                        status=status,
                        digest=record.rec_headers.get_header("WARC-Payload-Digest"),
                        length=records.get_record_length(),
                        offset=records.get_record_offset(),
                        filename=name,
                    )
                )
    except ArchiveLoadFailed as exc:
        raise WarcError(f"cannot index {path}: {exc}") from exc
    return lines


#: Lines sorted in memory at a time by :func:`write_cdxj` (about 500 bytes a line: ~5 MB at most).
SORT_RUN_LINES = 10_000


def write_cdxj(lines: Iterable[str], path: Path, *, run_lines: int = SORT_RUN_LINES) -> int:
    """Write CDXJ lines to ``path`` sorted in code-point order (``LC_ALL=C sort``); return how many.

    An external sort: at most ``run_lines`` lines are held at once. Each full run is sorted and spilled to an
    unnamed temporary file next to ``path``, and the runs are merged (``heapq.merge``), so the output is the
    same bytes as ``sorted(lines)`` whatever the index's size.
    """
    runs: list[IO[str]] = []
    try:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= run_lines:
                runs.append(_spill_run(batch, path.parent))
                batch = []
        batch.sort()
        ordered: Iterable[str] = heapq.merge(*(_read_run(run) for run in runs), batch) if runs else batch
        count = 0
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="\n") as out:
            for line in ordered:
                out.write(line + "\n")
                count += 1
        tmp.replace(path)
        return count
    finally:
        for run in runs:
            run.close()


def _spill_run(batch: list[str], folder: Path) -> IO[str]:
    """One sorted run in an unnamed temporary file (gone when closed, or when the process dies)."""
    batch.sort()
    run = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=folder)
    run.writelines(line + "\n" for line in batch)
    run.seek(0)
    return run


def _read_run(run: IO[str]) -> Iterator[str]:
    for line in run:
        yield line[:-1]


class CdxjCollector:
    """Collects CDXJ lines as captures are written, so the index needs no re-read of the WARCs.

    The lines go to an unnamed temporary file in ``spool_dir`` (the system's temporary folder when None) as
    they come: the crawl holds no line in memory (0 bytes per capture; the file's write buffer only), and
    :func:`write_cdxj` sorts them in bounded runs at the end. :meth:`close` removes the file.
    """

    def __init__(self, spool_dir: Path | None = None) -> None:
        """Start with no lines (the spool file is made by the first one)."""
        self.spool_dir = spool_dir
        self._spool: IO[str] | None = None
        self.count = 0

    def __enter__(self) -> Self:
        """Use as a context manager: :meth:`close` on exit."""
        return self

    def __exit__(self, *_: object) -> None:
        """Remove the spool file."""
        self.close()

    def add(self, location: CaptureLocation) -> str:
        """Add the line for one written capture and return it."""
        line = location_to_cdxj(location)
        if self._spool is None:
            if self.spool_dir is not None:
                self.spool_dir.mkdir(parents=True, exist_ok=True)
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=self.spool_dir)
        self._spool.write(line + "\n")
        self.count += 1
        return line

    @property
    def lines(self) -> Iterator[str]:
        """The lines added so far, in the order they came (read back from the spool file)."""
        spool = self._spool
        if spool is None:
            return
        spool.flush()
        spool.seek(0)
        try:
            for line in spool:
                yield line[:-1]
        finally:
            spool.seek(0, 2)  # further lines are appended

    def close(self) -> None:
        """Remove the spool file."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None
