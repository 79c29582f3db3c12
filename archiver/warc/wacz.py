"""WACZ 1.1.1 packages of a crawl's WARC files, streamed to disk with ``zipfile`` (no Scrapy).

Layout of the package::

    archive/NAME.warc.gz         every WARC file, byte for byte, STORED (readers seek into them by offset)
    indexes/index.cdx.gz         the pywb CDXJ index, sorted, as independent gzip members of CDX_BLOCK_LINES lines,
                                 STORED
    indexes/index.idx            ``!meta 0 {"format": "cdxj-gzip-1.0", ...}`` then one line per member: its first
                                 key, offset, length and sha256
    pages/pages.jsonl            the home page, every post and every static page: url, ts, title, id
    pages/extraPages.jsonl       the blog's other archived HTML pages (archives, labels, pager, mobile variants)
    logs/crawl.log               the crawl log, when there is one
    datapackage.json             profile, wacz_version, title, created, software, mainPageURL, mainPageDate and
                                 name, path, sha256 and size of every file above
    datapackage-digest.json      the sha256 of datapackage.json, and its anonymous signature when a signer is
                                 given (archiver.signing: the WACZ signing spec's signedData)

Why the index comes in the block form: ReplayWeb.page (wabac.js) loads ``indexes/*.idx`` (and then range-reads
only the blocks it needs) or a plain ``*.cdx``/``*.cdxj``, and silently ignores a lone ``*.cdx.gz``; pywb's
``wb-manager add --unpack-wacz`` reads only ``*.cdx`` and ``*.cdx.gz``. The ``.idx`` + ``.cdx.gz`` pair serves
both, and stays small in memory for a blog of any size.

Page titles come from the archived responses themselves (``<title>``, else ``h3.post-title``), read from the
WARC records the index points at; nothing is fetched again. The package is written as ``NAME.wacz.open`` and
renamed when complete, so a file named ``.wacz`` is always whole. WARC files are copied in 1 MiB chunks and
hashed on the way; only the index lines and the page list are held in memory.

A crawl packages itself without reading its records again: it hands :func:`gather` what it knew of each record
as it wrote it (:class:`KnownCapture`: WARC-Date, record id, the title of a 200 HTML page, a revisit's head),
spilled to disk during the crawl (:class:`CaptureSpill`), and the sha256 of each WARC file as the writer hashed
it. Records and files it has no such facts for are read, exactly as ``archiver package`` reads them all, so both
give the same pages and datapackage.json. The ZIP goes to an unseekable stream that hashes it as it is
written (each member's sizes and CRC in a data descriptor after it, as a streamed ZIP has them), so the
package's own sha256 (:attr:`WaczResult.sha256`) needs no second read either.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.blogger.urls import classify, safe_name
from archiver.errors import ArchiverError
from archiver.fixity import file_digest
from archiver.httputil import DecodeError, content_type_charset, decode_content, decode_html, header_codings
from archiver.layout import DEDUP_INDEX, WARC_FOLDER
from archiver.signing import public_key_path
from archiver.warc.cdxj import index_warc
from archiver.warc.dedup import DedupError, DedupIndex, crawl_warc_dirs, finished_warcs
from archiver.warc.writer import OPEN_SUFFIX, SOFTWARE, WARC_SUFFIX, WarcError, mime_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from archiver.signing import Signer

logger = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
WACZ_SUFFIX = ".wacz"
PAGES_PATH = "pages/pages.jsonl"
EXTRA_PAGES_PATH = "pages/extraPages.jsonl"
CDX_PATH = "indexes/index.cdx.gz"
IDX_PATH = "indexes/index.idx"
#: CDXJ lines per gzip member of index.cdx.gz: what a replay tool fetches and inflates per lookup
CDX_BLOCK_LINES = 256
#: kinds of blog URL (archiver.blogger.urls.classify) listed in pages.jsonl; other HTML pages go to extraPages
MAIN_PAGE_KINDS = frozenset({"home", "post", "page"})
HTML_MIMES = frozenset({"text/html", "application/xhtml+xml"})
#: the MIME type a CDXJ line gives a revisit record (pywb's convention)
REVISIT_MIME = "warc/revisit"

_COPY_CHUNK = 1 << 20
#: bytes fed to the title parser at a time: small, since a title is found early and each feed is parsed whole
_TITLE_FEED = 1 << 12


class WaczError(ArchiverError):
    """A WACZ package cannot be built from the given crawl or files."""


@dataclass(frozen=True)
class Page:
    """One entry of a pages file: where and when it was captured, its title, and its record's id."""

    url: str
    ts: str
    title: str
    id: str

    def to_json(self) -> str:
        """The JSON Lines entry, keys in the order of the WACZ specification's example."""
        return json.dumps({"id": self.id, "url": self.url, "ts": self.ts, "title": self.title}, ensure_ascii=False)


@dataclass(frozen=True)
class Resource:
    """One file of the package as datapackage.json lists it."""

    name: str
    path: str
    hash: str
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        """The datapackage.json resource object."""
        return {"name": self.name, "path": self.path, "hash": self.hash, "bytes": self.bytes}


@dataclass(frozen=True)
class WaczResult:
    """What was written: the package, its pages, and the resources datapackage.json lists."""

    path: Path
    pages: list[Page] = field(default_factory=list)
    extra_pages: list[Page] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    requires: list[dict[str, Any]] = field(default_factory=list)
    crawls: list[str] = field(default_factory=list)
    signed_by: str | None = None  # the fingerprint of the key that signed it, None when unsigned
    sha256: str | None = None  # the package file's sha256 (hex), hashed as it was written

    @property
    def size(self) -> int:
        """Size of the package file in bytes."""
        return self.path.stat().st_size


# -- index ------------------------------------------------------------------------------------------------


def _fields(line: str) -> dict[str, Any]:
    """The JSON part of a CDXJ line."""
    parts = line.split(" ", 2)
    if len(parts) != 3:
        raise WaczError(f"not a CDXJ line: {line[:200]!r}")
    try:
        data = json.loads(parts[2])
    except ValueError as exc:
        raise WaczError(f"not a CDXJ line: {line[:200]!r}") from exc
    if not isinstance(data, dict):
        raise WaczError(f"not a CDXJ line: {line[:200]!r}")
    return data


def _filename_of(line: str) -> str:
    """The ``filename`` of a CDXJ line; read without parsing the JSON when it is last, as this project writes it."""
    head, found, name = line.rpartition(', "filename": "')
    if found and name.endswith('"}') and '"' not in name[:-2] and "\\" not in name:
        return name[:-2]
    return str(_fields(line).get("filename"))


class FileLines:
    """The non-empty lines of a text file (as ``str.splitlines`` gives them), read from disk at each iteration.

    What a sorted index already on disk is to a package: iterated as often as needed, never held at once (the
    CDXJ lines of a 20,000-post crawl are about 25 MB of strings).
    """

    def __init__(self, path: Path) -> None:
        """Read ``path`` (UTF-8) whenever iterated."""
        self.path = path

    def __iter__(self) -> Iterator[str]:
        """The lines, in file order."""
        with self.path.open(encoding="utf-8", newline="") as stream:
            for chunk in stream:
                for line in chunk.splitlines():
                    if line:
                        yield line


#: index lines: a list, or a sorted file read again at each pass
IndexLines = list[str] | FileLines


def collect_index(warcs: Sequence[Path], index: Path | None = None) -> list[str]:
    """Sorted CDXJ lines for ``warcs``: those of ``index`` when it covers exactly these files, else re-indexed."""
    lines = index_lines(warcs, index)
    return lines if isinstance(lines, list) else list(lines)


def index_lines(warcs: Sequence[Path], index: Path | None = None) -> IndexLines:
    """The lines :func:`collect_index` gives, without holding a covering index already sorted on disk.

    Such an index (as a crawl writes it) comes as :class:`FileLines`, read from the file at each pass.
    """
    names = {path.name for path in warcs}
    if index is not None and index.is_file():
        lines = FileLines(index)
        indexed: set[str] = set()
        ordered, previous = True, ""
        for line in lines:
            indexed.add(_filename_of(line))
            if line < previous:
                ordered = False
            previous = line
        if indexed == names:
            return lines if ordered else sorted(lines)
        logger.info("%s does not cover exactly the WARC files being packaged; indexing them again", index)
    collected: list[str] = []
    for path in warcs:
        try:
            collected.extend(index_warc(path))
        except WarcError as exc:
            raise WaczError(str(exc)) from exc
    return sorted(collected)


def index_blocks(lines: Iterable[str], block_lines: int = CDX_BLOCK_LINES) -> Iterator[tuple[str, bytes]]:
    """Sorted CDXJ lines as gzip members of ``block_lines`` lines: (first ``KEY TIMESTAMP``, member bytes)."""
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) == block_lines:
            yield _block(block)
            block = []
    if block:
        yield _block(block)


def _block(block: list[str]) -> tuple[str, bytes]:
    key, timestamp, _ = block[0].split(" ", 2)
    data = "".join(line + "\n" for line in block).encode("utf-8")
    # zlib's default level: a third of level 9's time on CDXJ text, for 3% more bytes
    return f"{key} {timestamp}", gzip.compress(data, compresslevel=6, mtime=0)


# -- pages ------------------------------------------------------------------------------------------------


def page_title(html: bytes, encoding: str | None = None) -> str | None:
    """The page's ``<title>``, else its first ``h3.post-title`` (whitespace collapsed); None when it has neither."""
    try:
        parser = etree.HTMLPullParser(events=("end",), encoding=encoding)
    except LookupError:  # a charset lxml does not know: let libxml2 guess
        parser = etree.HTMLPullParser(events=("end",))
    heading: str | None = None

    def scan() -> str | None:
        nonlocal heading
        for _, element in parser.read_events():
            tag = element.tag
            if tag == "title":
                text = " ".join("".join(element.itertext()).split())
                if text:
                    return text
            elif tag == "h3" and heading is None and "post-title" in (element.get("class") or "").split():
                heading = " ".join("".join(element.itertext()).split()) or None
        return None

    for start in range(0, len(html), _TITLE_FEED):
        parser.feed(html[start : start + _TITLE_FEED])
        title = scan()
        if title:
            return title
    try:
        parser.close()
    except etree.XMLSyntaxError:
        pass
    return scan() or heading


def iso_ts(warc_date: str) -> str:
    """RFC 3339 time of a WARC-Date, to the millisecond when the date has a fraction (as browsers write it)."""
    try:
        when = datetime.fromisoformat(warc_date)
    except ValueError as exc:
        raise WaczError(f"not a WARC-Date: {warc_date!r}") from exc
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    fraction = f".{when.microsecond // 1000:03d}" if "." in warc_date else ""
    return when.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _record_id(value: str | None) -> str:
    """A page id from a WARC-Record-ID: the bare UUID of ``<urn:uuid:…>``."""
    text = (value or "").strip("<>")
    return text.removeprefix("urn:uuid:")


class _RecordReader:
    """Reads single response records by (filename, offset), keeping each WARC file open once."""

    def __init__(self, warcs: Sequence[Path]) -> None:
        """Know the WARC files by name; open none yet."""
        self.paths = {path.name: path for path in warcs}
        self.handles: dict[str, IO[bytes]] = {}
        self.records_read = 0

    def __enter__(self) -> _RecordReader:
        """Use as a context manager that closes every file."""
        return self

    def __exit__(self, *_: object) -> None:
        """Close every file opened."""
        for handle in self.handles.values():
            handle.close()

    def record(self, fields: dict[str, Any]) -> Any:
        """The record a CDXJ line points at (its payload not yet read); WaczError when the index is stale."""
        name, url = str(fields.get("filename")), str(fields.get("url"))
        if name not in self.paths:
            raise WaczError(f"index line for {url} names {name}, which is not among the WARC files")
        handle = self.handles.get(name)
        if handle is None:
            handle = self.handles[name] = self.paths[name].open("rb")
        self.records_read += 1
        try:
            handle.seek(int(fields["offset"]))
            record = next(iter(ArchiveIterator(handle)))
        except (ArchiveLoadFailed, StopIteration, KeyError, ValueError) as exc:
            raise WaczError(f"no record at offset {fields.get('offset')} of {name} (for {url}): {exc}") from exc
        if record.rec_headers.get_header("WARC-Target-URI") != url:
            raise WaczError(f"the record at offset {fields['offset']} of {name} is not {url}: the index is stale")
        return record

    def page(self, fields: dict[str, Any]) -> Page:
        """The page entry of the record a CDXJ line points at, titled from its archived HTML.

        For a revisit the time and id are the revisit's own and the title is its original's (the line's
        ``_original``) when the package holds it, else the URL.
        """
        url = str(fields.get("url"))
        record = self.record(fields)
        headers = record.rec_headers  # read before the original is: it may share the file handle
        original = fields.get("_original")
        if original is not None:
            title = _title_of(self.record(original))
        else:
            title = None if fields.get("mime") == REVISIT_MIME else _title_of(record)
        return Page(
            url=url,
            ts=iso_ts(headers.get_header("WARC-Date")),
            title=title or url,
            id=_record_id(headers.get_header("WARC-Record-ID")),
        )

    def revisit_head(self, fields: dict[str, Any]) -> tuple[str | None, str | None]:
        """The HTTP status and MIME type a revisit record's stored HTTP head gives."""
        http = self.record(fields).http_headers
        if http is None:
            return None, None
        return http.get_statuscode(), mime_of(http.get_header("Content-Type"))

    def refers_to(self, fields: dict[str, Any]) -> str | None:
        """The ``WARC-Refers-To`` of the revisit record a CDXJ line points at."""
        value = self.record(fields).rec_headers.get_header("WARC-Refers-To")
        return str(value) if value else None


@dataclass(frozen=True)
class KnownCapture:
    """What the crawl knew of a response or revisit record when it wrote it: enough to list it as a page.

    ``date`` and ``record_id`` are its WARC-Date and WARC-Record-ID as written; ``title`` that of a 200 HTML
    response (:func:`decoded_title` of its body, as :func:`page_title` reads it from the WARC); ``status``,
    ``mime`` and ``refers_to`` those of a revisit record's stored head and its WARC-Refers-To.
    """

    date: str
    record_id: str
    title: str | None = None
    status: str | None = None
    mime: str | None = None
    refers_to: str | None = None


class _KnownRecords(_RecordReader):
    """A record reader that answers from what the crawl knew of its records, reading only the others."""

    def __init__(self, warcs: Sequence[Path], known: Mapping[tuple[str, int], KnownCapture]) -> None:
        """Know the WARC files by name and the records known by (file name, offset)."""
        super().__init__(warcs)
        self.known = known

    def _known(self, fields: dict[str, Any]) -> KnownCapture | None:
        try:
            return self.known.get((str(fields.get("filename")), int(fields["offset"])))
        except (KeyError, ValueError):
            return None

    def _title(self, fields: dict[str, Any]) -> str | None:
        known = self._known(fields)
        return known.title if known is not None else _title_of(self.record(fields))

    def page(self, fields: dict[str, Any]) -> Page:
        """As :meth:`_RecordReader.page`, from the known record when there is one."""
        known = self._known(fields)
        if known is None:
            return super().page(fields)
        url = str(fields.get("url"))
        original = fields.get("_original")
        if original is not None:
            title = self._title(original)
        else:
            title = None if fields.get("mime") == REVISIT_MIME else known.title
        return Page(url=url, ts=iso_ts(known.date), title=title or url, id=_record_id(known.record_id))

    def revisit_head(self, fields: dict[str, Any]) -> tuple[str | None, str | None]:
        """As :meth:`_RecordReader.revisit_head`, from the known record when there is one."""
        known = self._known(fields)
        return (known.status, known.mime) if known is not None else super().revisit_head(fields)

    def refers_to(self, fields: dict[str, Any]) -> str | None:
        """As :meth:`_RecordReader.refers_to`, from the known record when there is one."""
        known = self._known(fields)
        return known.refers_to if known is not None else super().refers_to(fields)


class CaptureSpill:
    """The :class:`KnownCapture` of each page-like capture as the crawl writes it, spilled to a scratch file.

    Only 200 HTML responses and revisits are kept (what a pages list can name), one JSON line each, so the crawl
    holds none of them in memory; :meth:`load` reads them back once, for packaging. The file is unnamed
    (``tempfile.TemporaryFile`` in ``directory``): never listed in the crawl folder, gone when closed or when
    the process dies.
    """

    def __init__(self, directory: Path | None = None) -> None:
        """Open the scratch file in ``directory`` (None: the system's temporary folder)."""
        self._stream: IO[str] | None = tempfile.TemporaryFile("w+", encoding="utf-8", dir=directory)  # noqa: SIM115
        self.count = 0

    def add(self, filename: str, offset: int, known: KnownCapture) -> None:
        """Append one record's facts."""
        if self._stream is None:
            raise WaczError("the capture spill is closed")
        fields = [filename, offset, known.date, known.record_id, known.title, known.status, known.mime]
        self._stream.write(json.dumps([*fields, known.refers_to], ensure_ascii=False) + "\n")
        self.count += 1

    def load(self) -> dict[tuple[str, int], KnownCapture]:
        """Every record written, by (file name, offset)."""
        if self._stream is None:
            raise WaczError("the capture spill is closed")
        self._stream.flush()
        self._stream.seek(0)
        known: dict[tuple[str, int], KnownCapture] = {}
        for line in self._stream:
            filename, offset, *rest = json.loads(line)
            known[(filename, offset)] = KnownCapture(*rest)
        self._stream.seek(0, 2)
        return known

    def close(self) -> None:
        """Close (and so delete) the file; safe to call twice."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _title_of(record: Any) -> str | None:
    """The title of an HTML response record, its body decoded from the stored Content-Encoding."""
    http = record.http_headers
    body = record.raw_stream.read()
    if http is None:
        return page_title(body)
    url = record.rec_headers.get_header("WARC-Target-URI")
    return response_title(url, http.headers, body)


def response_title(url: str, headers: Iterable[tuple[str, str]], body: bytes) -> str | None:
    """The title of an HTML response from its HTTP headers and its body as archived (still content-encoded)."""
    pairs = list(headers)
    codings = header_codings(v for k, v in pairs if k.lower() == "content-encoding")
    try:
        html = decode_content(body, codings)
    except DecodeError as exc:
        logger.warning("Cannot read the title of %s: %s", url, exc)
        return None
    content_type = next((v for k, v in pairs if k.lower() == "content-type"), None)
    return decoded_title(html, content_type_charset(content_type))


def decoded_title(html: bytes, charset: str | None) -> str | None:
    """The title of an HTML body already content-decoded, read in the charset the Content-Type gives."""
    # the text as the records read it (one charset rule), handed to lxml as UTF-8, which it always knows
    return page_title(decode_html(html, charset).encode("utf-8"), "utf-8")


def _ordered(pages: Iterable[Page]) -> list[Page]:
    """Home page first, then posts (newest URL first), then static pages, then everything else by URL."""
    groups: dict[str, list[Page]] = {"home": [], "post": [], "page": [], "other": []}
    for page in pages:
        groups.get(classify(page.url), groups["other"]).append(page)
    return [
        *sorted(groups["home"], key=lambda p: p.url),
        *sorted(groups["post"], key=lambda p: p.url, reverse=True),
        *sorted(groups["page"], key=lambda p: p.url),
        *sorted(groups["other"], key=lambda p: p.url),
    ]


def _html_captures(
    lines: Sequence[str] | FileLines, reader: _RecordReader, originals_from: Iterable[str] | None = None
) -> dict[str, tuple[str, str, str | None]]:
    """The latest successful (200) HTML capture of each URL, a revisit counting as its original's capture.

    Returns URL -> (timestamp, its CDXJ line, the line of the revisit's original or None). A revisit's status
    and MIME type are its original's when ``originals_from`` (default: the lines) holds it (same URL and
    payload digest), else those of the revisit's own stored HTTP head.

    Memory: the lines are parsed one at a time and only lines are kept (a parsed line weighs about five times
    its text): the chosen line of each HTML URL, and the originals of the revisits there are. A first pass
    finds what the revisits need, so a crawl without revisits keeps no originals at all.
    """
    wanted: set[tuple[str, Any]] = set()
    for line in lines:
        if REVISIT_MIME in line:  # a cheap test first; the parse decides
            fields = _fields(line)
            if fields.get("mime") == REVISIT_MIME:
                wanted.add((str(fields.get("url")), fields.get("digest")))
    originals: dict[tuple[str, Any], tuple[str, dict[str, Any]]] = {}
    if wanted:
        for line in lines if originals_from is None else originals_from:
            fields = _fields(line)
            key = (str(fields.get("url")), fields.get("digest"))
            if key in wanted and fields.get("mime") != REVISIT_MIME and fields.get("digest"):
                originals[key] = (line, fields)  # the last line of a (url, digest) wins
    latest: dict[str, tuple[str, str, str | None]] = {}
    for line in lines:
        timestamp = line.split(" ", 2)[1]
        fields = _fields(line)
        url = str(fields.get("url"))
        status, mime, original = fields.get("status"), fields.get("mime"), None
        if mime == REVISIT_MIME:
            found = originals.get((url, fields.get("digest")))
            if found is not None:
                original = found[0]
                status, mime = found[1].get("status"), found[1].get("mime")
            else:
                status, mime = reader.revisit_head(fields)
        if status != "200" or mime not in HTML_MIMES:
            continue
        if url not in latest or timestamp >= latest[url][0]:
            latest[url] = (timestamp, line, original)
    return latest


def _capture_fields(capture: tuple[str, str, str | None]) -> dict[str, Any]:
    """The parsed CDXJ fields of an :func:`_html_captures` entry, with ``_ts`` and ``_original`` as readers want."""
    timestamp, line, original = capture
    return {**_fields(line), "_ts": timestamp, "_original": _fields(original) if original is not None else None}


def find_pages(
    lines: Iterable[str],
    warcs: Sequence[Path],
    reader: _RecordReader | None = None,
    originals_from: Iterable[str] | None = None,
) -> tuple[list[Page], list[Page]]:
    """The blog's main pages (home, posts, static pages) and its other HTML pages, from a CDXJ index.

    Only successful (200) HTML captures count, a revisit of one included (with its own time and its
    original's title); of a URL captured more than once the latest is used. Main pages are those without a
    query string; extra pages are the other HTML pages of the hosts main pages were found on (archives,
    labels, the pager, ``?m=1`` variants). ``reader`` reads the records (default: one over ``warcs``);
    ``originals_from`` are the lines revisits' originals are looked for in (default: ``lines``).
    """
    if reader is None:
        with _RecordReader(warcs) as own:
            return find_pages(lines, warcs, own, originals_from)
    lines = lines if isinstance(lines, list | tuple | FileLines) else list(lines)  # read more than once
    latest = _html_captures(lines, reader, originals_from)
    main = {url for url in latest if classify(url) in MAIN_PAGE_KINDS and not urlsplit(url).query}
    hosts = {urlsplit(url).netloc for url in main}
    extra = {url for url in latest if url not in main and urlsplit(url).netloc in hosts}
    pages = _ordered(reader.page(_capture_fields(latest[url])) for url in main)
    extra_pages = _ordered(reader.page(_capture_fields(latest[url])) for url in extra)
    return pages, extra_pages


def _pages_lines(pages: Sequence[Page], list_id: str, title: str) -> Iterator[str]:
    yield json.dumps({"format": "json-pages-1.0", "id": list_id, "title": title})
    for page in pages:
        yield page.to_json()


# -- the package -----------------------------------------------------------------------------------------


class _Package:
    """A ZIP being written member by member, hashing each member as it streams."""

    def __init__(self, archive: zipfile.ZipFile, when: datetime) -> None:
        """Write into ``archive``; every member gets the time ``when``."""
        self.archive = archive
        self.date_time = when.astimezone(UTC).timetuple()[:6]
        self.resources: list[Resource] = []
        self.on_copy: Callable[[int], None] | None = None  # told the size of every chunk add_file copies

    def _info(self, path: str, *, stored: bool, size: int | None = None) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        if size is not None:
            info.file_size = size  # lets zipfile choose ZIP64 up front for files over 2 GiB
        return info

    def _listed(self, path: str, sha256: str, size: int) -> None:
        self.resources.append(Resource(Path(path).name.lower(), path, f"sha256:{sha256}", size))

    def add_file(self, path: str, source: Path, *, stored: bool, known: tuple[str, int] | None = None) -> None:
        """Copy a file into the package in chunks, hashing it unless ``known`` gives its (sha256, size)."""
        size = source.stat().st_size
        if known is not None and known[1] != size:
            known = None  # written to since it was hashed: hash what is there
        digest = hashlib.sha256() if known is None else None
        with source.open("rb") as src, self.archive.open(self._info(path, stored=stored, size=size), "w") as dst:
            copied = _copy_chunks(src, dst, digest, self.on_copy)
        if copied != size:
            raise WaczError(f"{source} changed size while it was being packaged ({size} -> {copied} bytes)")
        self._listed(path, digest.hexdigest() if digest is not None else known[0] if known else "", copied)

    def add_lines(self, path: str, lines: Iterable[str], *, listed: bool = True) -> bytes:
        """Write text lines (UTF-8, each ending in a newline), deflated; return the bytes written."""
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        self.add_bytes(path, data, listed=listed)
        return data

    def add_bytes(self, path: str, data: bytes, *, stored: bool = False, listed: bool = True) -> None:
        """Write a member held in memory."""
        self.archive.writestr(self._info(path, stored=stored), data)
        if listed:
            self._listed(path, hashlib.sha256(data).hexdigest(), len(data))

    def add_index(self, lines: Iterable[str]) -> None:
        """Write index.cdx.gz (stored) block by block as it is compressed, then index.idx (deflated)."""
        meta = json.dumps({"format": "cdxj-gzip-1.0", "filename": Path(CDX_PATH).name})
        idx = [f"!meta 0 {meta}"]
        digest = hashlib.sha256()
        offset = 0
        with self.archive.open(self._info(CDX_PATH, stored=True), "w") as member:
            for prefix, data in index_blocks(lines):
                member.write(data)
                digest.update(data)
                block_digest = "sha256:" + hashlib.sha256(data).hexdigest()
                idx.append(f"{prefix} {json.dumps({'offset': offset, 'length': len(data), 'digest': block_digest})}")
                offset += len(data)
        self._listed(CDX_PATH, digest.hexdigest(), offset)
        self.add_lines(IDX_PATH, idx)


def _copy_chunks(
    src: IO[bytes], dst: IO[bytes], digest: Any | None, on_copy: Callable[[int], None] | None = None
) -> int:
    """Copy what ``src`` has left to ``dst`` in chunks, hashing it into ``digest``; return the bytes copied."""
    copied = 0
    while chunk := src.read(_COPY_CHUNK):
        if digest is not None:
            digest.update(chunk)
        dst.write(chunk)
        copied += len(chunk)
        if on_copy is not None:
            on_copy(len(chunk))
    return copied


class _HashingStream:
    """A write-only, unseekable file for ``zipfile``: every byte is hashed on its way to ``raw``.

    Unseekable, ``zipfile`` writes each member once, in order (sizes and CRC in a data descriptor after the
    data, as a streamed ZIP has them), so the sha256 of what went through is the sha256 of the file.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        """Write through to ``raw``."""
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.position = 0

    def write(self, data: bytes) -> int:
        """Hash and write ``data``."""
        self.sha256.update(data)
        self.raw.write(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        """Bytes written so far."""
        return self.position

    def seek(self, *_: object) -> int:
        """Refuse: this stream is written once, front to back."""
        raise OSError("unseekable")

    def flush(self) -> None:
        """Flush ``raw``."""
        self.raw.flush()

    def close(self) -> None:
        """Leave ``raw`` open: its owner closes it."""


def _warc_files(warcs: Sequence[Path]) -> list[Path]:
    """Check the WARC files to package: they exist, are finished, and have distinct names."""
    if not warcs:
        raise WaczError("no WARC files to package")
    seen: set[str] = set()
    for path in warcs:
        if path.name.endswith(OPEN_SUFFIX):
            raise WaczError(f"{path} is still open (a crawl is running, or was killed: resume it to mend the file)")
        if not path.is_file():
            raise WaczError(f"{path}: no such WARC file")
        if not path.name.endswith((WARC_SUFFIX, ".warc")):
            raise WaczError(f"{path} is not a WARC file (expected a .warc.gz or .warc name)")
        if path.name in seen:
            raise WaczError(f"two WARC files are named {path.name}: names must be unique in a package")
        seen.add(path.name)
    return sorted(warcs, key=lambda p: p.name)


@dataclass
class Contents:
    """What a package will hold: the WARC files, their sorted CDXJ lines, and the pages found in them.

    ``known`` are the records the crawl described as it wrote them (:class:`KnownCapture`, by file name and
    offset) and ``digests`` the (sha256, size) of WARC files hashed as they were written, by name: neither is
    read again.
    """

    warcs: list[Path]
    lines: IndexLines
    pages: list[Page]
    extra_pages: list[Page]
    known: Mapping[tuple[str, int], KnownCapture] = field(default_factory=dict)
    digests: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    records_read: int = 0  # WARC records read to find the pages and what the revisits refer to

    def reader(self) -> _RecordReader:
        """A reader of the package's records that answers from ``known`` first."""
        return _KnownRecords(self.warcs, self.known) if self.known else _RecordReader(self.warcs)

    @property
    def main_page(self) -> Page:
        """The blog's home page (its latest capture), else the first page."""
        homes = [page for page in self.pages if classify(page.url) == "home"]
        return max(homes, key=lambda page: page.ts) if homes else self.pages[0]


def gather(
    warcs: Sequence[Path],
    index: Path | None = None,
    *,
    known: Mapping[tuple[str, int], KnownCapture] | None = None,
    digests: Mapping[str, tuple[str, int]] | None = None,
) -> Contents:
    """Check ``warcs``, index them (reusing ``index`` when it covers them), and find their pages.

    ``known`` and ``digests`` (see :class:`Contents`) spare reading the records and files they cover; the
    result is the same as without them. Raises WaczError naming the problem: no WARCs, an unfinished WARC,
    nothing indexed, no page captured.
    """
    files = _warc_files(warcs)
    lines = index_lines(files, index)
    if not lines:
        raise WaczError(f"the WARC files hold no response to index: {', '.join(p.name for p in files)}")
    contents = Contents(files, lines, [], [], known or {}, digests or {})
    with contents.reader() as reader:
        contents.pages, contents.extra_pages = find_pages(lines, files, reader)
    contents.records_read += reader.records_read
    if not contents.pages:
        raise WaczError(f"no home page, post or static page was captured in {', '.join(p.name for p in files)}")
    return contents


def _copy_progress(progress: Callable[[int, int], None] | None, files: Sequence[Path]) -> Callable[[int], None] | None:
    """A chunk counter telling ``progress`` (bytes copied, total bytes of ``files``); None without ``progress``."""
    if progress is None:
        return None
    total, copied = sum(path.stat().st_size for path in files), 0

    def on_copy(count: int) -> None:
        nonlocal copied
        copied += count
        progress(copied, total)

    return on_copy


class PackageWriter:
    """A WACZ package being written, WARC files first: the part of :func:`write_wacz` that can run early.

    A crawl opens one as soon as it writes its first WARC file and copies (or follows, see
    :meth:`follow_warc`) every WARC file into it while it crawls, so that only the last bytes, the index and
    the page lists are left to write when it ends. Everything goes to ``partial`` (a ``.open`` name) through
    an unseekable hashing stream; :meth:`finish` renames it to its final name, :meth:`abandon` removes it.
    Members are written one at a time and in order; one thread at a time may use a writer.
    """

    def __init__(self, partial: Path, when: datetime) -> None:
        """Create ``partial`` (replacing a file a killed run left there); every member gets the time ``when``."""
        self.partial = Path(partial)
        self.when = when.astimezone(UTC)
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self._raw = self.partial.open("wb")
        try:
            self._stream = _HashingStream(self._raw)
            self._archive = zipfile.ZipFile(self._stream, "w", allowZip64=True)
        except BaseException:
            self._raw.close()
            self.partial.unlink(missing_ok=True)
            raise
        self.package = _Package(self._archive, self.when)
        self.warcs: list[str] = []  # names of the WARC files written so far, in order
        self.warc_digests: dict[str, tuple[str, int]] = {}  # name -> (sha256, size) of the bytes written
        self.closed = False

    def add_warc(self, path: Path, known: tuple[str, int] | None = None) -> None:
        """Copy a finished WARC file in as ``archive/NAME`` (hashed unless ``known`` gives its sha256 and size)."""
        self.package.add_file(f"archive/{path.name}", path, stored=True, known=known)
        resource = self.package.resources[-1]
        self.warcs.append(path.name)
        self.warc_digests[path.name] = (resource.hash.removeprefix("sha256:"), resource.bytes)

    def follow_warc(
        self,
        open_path: Path,
        final_path: Path,
        *,
        declared_size: int,
        wait: Callable[[], bool],
    ) -> bool:
        """Copy in a WARC file that is still being written, as it grows, until it is closed.

        Reads ``open_path`` from its start and writes what is there into the member ``archive/FINAL-NAME``;
        when nothing new is there it calls ``wait()`` (which sleeps or waits for news and returns False when
        the caller gives up) and looks again. The file is complete once the writer has renamed it to
        ``final_path``: then the rest is read to its end. ``declared_size`` is the size the file may reach
        (the writer's rollover size): ZIP64 is used for the member when that could pass 2 GiB, as
        :func:`write_wacz` decides from the real size. Returns True when the member is complete; False when
        ``wait`` gave up first (the package is then unusable: abandon it). A member whose final size
        outgrew a non-ZIP64 entry raises WaczError.
        """
        name = final_path.name
        digest = hashlib.sha256()
        copied = 0
        info = self.package._info(f"archive/{name}", stored=True, size=declared_size)
        with open_path.open("rb") as src, self._archive.open(info, "w") as dst:
            while True:
                copied += _copy_chunks(src, dst, digest)
                if final_path.exists() and not open_path.exists():  # closed and renamed: read to the end
                    copied += _copy_chunks(src, dst, digest)
                    break
                if not wait():
                    return False
            try:
                dst.close()
            except RuntimeError as exc:  # zipfile: the member outgrew the non-ZIP64 entry declared for it
                raise WaczError(f"{name} grew past {declared_size} bytes while it was packaged: {exc}") from exc
        size = final_path.stat().st_size
        if size != copied:
            raise WaczError(f"{final_path} is {size} bytes but {copied} were packaged while it was written")
        self.package._listed(f"archive/{name}", digest.hexdigest(), copied)
        self.warcs.append(name)
        self.warc_digests[name] = (digest.hexdigest(), copied)
        return True

    def finish(
        self,
        output: Path,
        contents: Contents,
        *,
        logs: Sequence[Path] | Mapping[str, Path] = (),
        title: str | None = None,
        description: str | None = None,
        software: str = SOFTWARE,
        requires: Sequence[dict[str, Any]] = (),
        signer: Signer | None = None,
    ) -> WaczResult:
        """Write the index, pages, logs and datapackage of ``contents``, close, and rename to ``output``.

        The WARC files written so far must be exactly ``contents.warcs``, in order (WaczError otherwise;
        the package is then abandoned). See :func:`write_wacz` for the arguments.
        """
        output = Path(output)
        try:
            if self.warcs != [path.name for path in contents.warcs]:
                raise WaczError(
                    f"the package holds the WARC files {self.warcs}, not the crawl's {[p.name for p in contents.warcs]}"
                )
            if not output.name.endswith(WACZ_SUFFIX):
                raise WaczError(f"{output}: a WACZ file name must end with {WACZ_SUFFIX}")
            main = contents.main_page
            package = self.package
            package.add_index(contents.lines)
            package.add_lines(PAGES_PATH, _pages_lines(contents.pages, "pages", "All Pages"))
            if contents.extra_pages:
                package.add_lines(EXTRA_PAGES_PATH, _pages_lines(contents.extra_pages, "extra-pages", "Extra Pages"))
            named = logs.items() if isinstance(logs, Mapping) else ((log.name, log) for log in logs)
            for name, log in named:
                if log.is_file():
                    package.add_file(f"logs/{name}", log, stored=False)
            datapackage: dict[str, Any] = {
                "profile": "data-package",
                "wacz_version": WACZ_VERSION,
                "title": title or main.title,
                "created": self.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "software": software,
                "mainPageURL": main.url,
                "mainPageDate": main.ts,
                "resources": [resource.to_dict() for resource in package.resources],
            }
            if description:
                datapackage["description"] = description
            if requires:
                datapackage["relation"] = {"requires": list(requires)}
            data = (json.dumps(datapackage, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            package.add_bytes("datapackage.json", data, listed=False)
            digest: dict[str, Any] = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
            if signer is not None:
                digest["signedData"] = signer.sign(digest["hash"], datapackage["created"])
            package.add_bytes(
                "datapackage-digest.json", (json.dumps(digest, indent=2) + "\n").encode("utf-8"), listed=False
            )
            self._archive.close()
            self._raw.close()
            self.closed = True
            if signer is not None:
                public_key_path(output).write_bytes(signer.public_key_pem())
            self.partial.replace(output)
        except BaseException:
            self.abandon()
            raise
        signed_by = signer.fingerprint if signer is not None else None
        return WaczResult(
            output,
            contents.pages,
            contents.extra_pages,
            package.resources,
            list(requires),
            [],
            signed_by,
            self._stream.sha256.hexdigest(),
        )

    def abandon(self) -> None:
        """Close and remove the partial file (nothing of it is kept); safe to call twice."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(Exception):  # an open member or a broken stream: the file goes anyway
                self._archive.close()
            self._raw.close()
        self.partial.unlink(missing_ok=True)


def write_wacz(
    output: Path,
    contents: Contents,
    *,
    logs: Sequence[Path] | Mapping[str, Path] = (),
    title: str | None = None,
    description: str | None = None,
    created: datetime | None = None,
    software: str = SOFTWARE,
    requires: Sequence[dict[str, Any]] = (),
    signer: Signer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WaczResult:
    """Write ``contents`` as the WACZ file ``output`` (via ``output.open``, renamed when complete).

    ``progress`` is told (WARC bytes copied, their total) as the WARC files are copied in (a live line).

    ``title`` defaults to the home page's title, ``created`` to now; every ZIP member carries ``created``, so
    the same contents and time give the same bytes. ``logs`` are stored as ``logs/NAME`` (a mapping gives the
    names, else the files' own). ``requires`` (see :func:`required_waczs`) becomes the
    datapackage's ``relation.requires``: the other crawls' WACZ files this one's revisits need. With a
    ``signer``, datapackage-digest.json carries its ``signedData`` and the public key is written beside the
    package as ``output.pub.pem`` (:mod:`archiver.signing`).
    """
    output = Path(output)
    if not output.name.endswith(WACZ_SUFFIX):
        raise WaczError(f"{output}: a WACZ file name must end with {WACZ_SUFFIX}")
    writer = PackageWriter(output.with_name(output.name + OPEN_SUFFIX), created or datetime.now(UTC))
    try:
        writer.package.on_copy = _copy_progress(progress, contents.warcs)
        for path in contents.warcs:
            writer.add_warc(path, contents.digests.get(path.name))
        writer.package.on_copy = None
    except BaseException:
        writer.abandon()
        raise
    return writer.finish(
        output,
        contents,
        logs=logs,
        title=title,
        description=description,
        software=software,
        requires=requires,
        signer=signer,
    )


# -- a crawl folder -------------------------------------------------------------------------------------------


def wacz_name(host: str, crawl_id: str) -> str:
    """The package's file name for a crawl: ``HOST-CRAWLID.wacz``, the host in its safe form (UrlError if invalid)."""
    return f"{safe_name(host)}-{crawl_id}{WACZ_SUFFIX}"


def crawl_warcs(crawl_dir: Path, warc_dir: Path | None = None) -> list[Path]:
    """The finished WARC files of a crawl folder; raises WaczError when there are none or some are unfinished."""
    crawl_dir = Path(crawl_dir)
    if not crawl_dir.is_dir():
        raise WaczError(f"{crawl_dir}: no such crawl folder")
    warc_dir = warc_dir if warc_dir is not None else crawl_dir / "warc"
    if not warc_dir.is_dir():
        raise WaczError(f"{crawl_dir}: no WARC folder {warc_dir}; is this a crawl folder (OUTPUT/HOST/CRAWL_ID)?")
    unfinished = sorted(warc_dir.glob(f"*{OPEN_SUFFIX}"))
    if unfinished:
        raise WaczError(
            f"{unfinished[0]} is unfinished: resume the crawl (archiver crawl --resume {crawl_dir}) "
            "to mend it before packaging"
        )
    warcs = sorted(warc_dir.glob(f"*{WARC_SUFFIX}"))
    if not warcs:
        raise WaczError(f"{crawl_dir}: no WARC files (*{WARC_SUFFIX}) in {warc_dir}")
    return warcs


def package_crawl(
    crawl_dir: Path,
    output: Path | None = None,
    *,
    created: datetime | None = None,
    signer: Signer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WaczResult:
    """Package a crawl folder (``warc/``, ``index.cdxj``, ``crawl.log``), by default as ``CRAWL_DIR/HOST-ID.wacz``.

    HOST is the host of the blog's home page and ID the folder's name (the crawl id). When its WARCs hold
    revisit records, datapackage.json lists the WACZ files of the crawls holding their originals
    (:func:`required_waczs`).
    """
    crawl_dir = Path(crawl_dir)
    contents = gather(crawl_warcs(crawl_dir), crawl_dir / "index.cdxj")
    host = urlsplit(contents.main_page.url).netloc
    crawl_id = crawl_dir.resolve().name
    if output is None:
        output = crawl_dir / wacz_name(host, crawl_id)
    requires = required_waczs(contents, crawl_dir.resolve().parent, host, crawl_id)
    return write_wacz(
        output,
        contents,
        logs=[crawl_dir / "crawl.log"],
        created=created,
        requires=requires,
        signer=signer,
        progress=progress,
    )


# -- what a deduplicated crawl depends on -------------------------------------------------------------------


def referred_records(contents: Contents) -> set[str]:
    """The ``WARC-Refers-To`` record ids of the revisit records the package's index lists."""
    revisits = [fields for line in contents.lines if (fields := _fields(line)).get("mime") == REVISIT_MIME]
    referred: set[str] = set()
    with contents.reader() as reader:
        for fields in revisits:
            record_id = reader.refers_to(fields)
            if record_id:
                referred.add(record_id)
    contents.records_read += reader.records_read
    return referred


def required_waczs(
    contents: Contents, blog_dir: Path, host: str, crawl_id: str, index: Path | None = None
) -> list[dict[str, Any]]:
    """The other crawls' WACZ files a crawl's revisits need, as Browsertrix lists them in ``relation.requires``.

    Browsertrix Crawler (1.12, deduplication) writes ``"relation": {"requires": [{"filename", "hash", "size",
    "crawlId"}]}`` in the datapackage.json of a WACZ whose revisit records refer to other crawls' WACZs. The
    crawls are found through the blog's dedup index (``index``, default ``blog_dir/dedup.sqlite``), which
    maps each original's record id to its crawl; each crawl's WACZ is ``blog_dir/<crawl id>/HOST-<crawl
    id>.wacz``, and its hash (``sha256:`` and hex, as the WACZ resources are written) and size are given when
    the file is there. A revisit whose original is not found is warned about: replay it with the blog's WACZ
    (:func:`package_blog`).
    """
    referred = referred_records(contents)
    if not referred:
        return []
    path = index if index is not None else Path(blog_dir) / DEDUP_INDEX
    found: dict[str, str] = {}
    if path.is_file():
        try:
            with DedupIndex(Path(blog_dir), path) as dedup:
                found = {row.record_id: row.crawl_id for row in dedup.rows() if row.record_id in referred}
        except DedupError as exc:
            logger.warning("Cannot read the dedup index to list what this crawl depends on: %s", exc)
    missing = len(referred - found.keys())
    if missing:
        logger.warning(
            "%d revisit originals are not in the dedup index %s: the WACZ cannot name every crawl it depends on",
            missing,
            path,
        )
    requires = []
    for other in sorted(set(found.values()) - {crawl_id}):
        name = wacz_name(host, other)
        entry: dict[str, Any] = {"filename": name}
        wacz = Path(blog_dir) / other / name
        if wacz.is_file():
            entry["hash"] = "sha256:" + file_digest(wacz)
            entry["size"] = wacz.stat().st_size
        else:
            logger.warning("Crawl %s holds originals this crawl's revisits need, but has no WACZ %s", other, wacz)
        entry["crawlId"] = other
        requires.append(entry)
    return requires


# -- a blog folder: every crawl in one package ----------------------------------------------------------------


def blog_wacz_name(host_folder: str) -> str:
    """The file name of a blog's package of every crawl: ``HOST-all.wacz``."""
    return f"{host_folder}-all{WACZ_SUFFIX}"


def is_blog_dir(path: Path) -> bool:
    """A blog folder ``OUTPUT/<host>``: not a crawl folder, and holding dedup.sqlite or crawl folders."""
    path = Path(path)
    if not path.is_dir() or (path / WARC_FOLDER).is_dir():
        return False
    return (path / DEDUP_INDEX).is_file() or bool(crawl_warc_dirs(path))


@dataclass
class _Crawl:
    crawl_id: str
    warcs: list[Path]
    lines: IndexLines


def gather_blog(blog_dir: Path) -> tuple[Contents, list[str]]:
    """Every finished WARC of every crawl of a blog folder, one merged index, and each crawl's own pages.

    ``*.warc.gz.open`` files (a crawl running, or killed and not resumed) are left out with a warning: their
    finished siblings are whole. Each crawl's ``index.cdxj`` is used when it covers exactly its finished
    files, else they are indexed again. The pages are listed crawl by crawl (oldest first), each crawl's
    captures with their own timestamps, so that every visit of a page is listed; a revisit is titled from
    its original. Returns the contents and the ids of the crawls packaged.
    """
    blog_dir = Path(blog_dir)
    crawls: list[_Crawl] = []
    for warc_dir in crawl_warc_dirs(blog_dir):
        finished, still_open = finished_warcs(warc_dir)
        for path in still_open:
            logger.warning("Not packaged: %s is still open (a crawl is running, or was killed: resume it)", path)
        if finished:
            crawls.append(
                _Crawl(warc_dir.parent.name, finished, collect_index(finished, warc_dir.parent / "index.cdxj"))
            )
    if not crawls:
        raise WaczError(f"{blog_dir} holds no crawl with finished WARC files (<crawl id>/{WARC_FOLDER}/*{WARC_SUFFIX})")
    files = _warc_files([path for crawl in crawls for path in crawl.warcs])
    lines = sorted(line for crawl in crawls for line in crawl.lines)
    pages: list[Page] = []
    extra_pages: list[Page] = []
    with _RecordReader(files) as reader:
        for crawl in crawls:
            crawl_pages, crawl_extra = find_pages(crawl.lines, files, reader, originals_from=lines)
            pages.extend(crawl_pages)
            extra_pages.extend(crawl_extra)
    if not pages:
        raise WaczError(f"no home page, post or static page was captured in any crawl of {blog_dir}")
    return Contents(files, lines, pages, extra_pages), [crawl.crawl_id for crawl in crawls]


def package_blog(
    blog_dir: Path,
    output: Path | None = None,
    *,
    created: datetime | None = None,
    signer: Signer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WaczResult:
    """Package every crawl of a blog folder as one WACZ, by default ``BLOG_DIR/HOST-all.wacz``.

    Its revisits' originals are all inside, so it replays without any other file; each crawl's ``crawl.log``
    is kept as ``logs/<crawl id>-crawl.log``.
    """
    blog_dir = Path(blog_dir)
    contents, crawl_ids = gather_blog(blog_dir)
    if output is None:
        output = blog_dir / blog_wacz_name(blog_dir.resolve().name)
    logs = {f"{crawl_id}-crawl.log": blog_dir / crawl_id / "crawl.log" for crawl_id in crawl_ids}
    host = urlsplit(contents.main_page.url).netloc
    description = f"Every crawl of {host}: {', '.join(crawl_ids)}"
    result = write_wacz(
        output, contents, logs=logs, created=created, description=description, signer=signer, progress=progress
    )
    return replace(result, crawls=crawl_ids)
