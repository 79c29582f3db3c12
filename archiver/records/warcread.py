"""Read captures back from WARC files and extract them: the offline side of ``archiver extract``.

Every ``response`` record is handed to :func:`archiver.records.extract_records` with its target URI, HTTP
headers, raw payload (still content-encoded, as archived), WARC-Date and position, exactly as the crawl hands
over each capture it writes. ``request``, ``metadata``, ``warcinfo`` and ``revisit`` records carry no page
and are skipped. Only the payload of HTML and XML responses is read; images and scripts are stepped over,
their URL noted when the status is 200 (``images[].archived``).

Two ways to the same fragments (:func:`extract_warcs`):

- **seek** (a ``.warc.gz`` file of a crawl folder whose ``index.cdxj`` lists it): the index gives the offset,
  length, mime and status of every response and revisit. Responses that can give fragments (HTML and XML,
  2xx, and every revisit, whose head is read to learn its type) are read by seeking to them; the others are
  counted from the index alone (their 200 URLs noted) without being decompressed. The records the index does
  not list (requests, metadata, warcinfo) lie in the gaps between indexed records: each gzip member of a gap
  is inflated to its WARC header only, to find the incremental crawls' carry records, and to check the
  index: a ``response`` or ``revisit`` in a gap, a gap that does not end on a member boundary, or a seeked
  record that is not the one the index names means the index does not describe the file, which is then
  read by the scan below. Output is the same either way.
- **scan** (no index, a file it does not list, an uncompressed ``.warc``): every record of the file in order.

Work is split into tasks (a file's byte range between two indexed records, or a whole file for the scan) run
in a process pool (``jobs``); the merge is a total order over fragments (:mod:`archiver.records.merge`), and
the results are concatenated in file and offset order anyway, so the records do not depend on ``jobs``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import zlib
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.errors import ArchiverError
from archiver.incremental import CARRY_CONTENT_TYPE, Carry
from archiver.records.extract import FEED_TYPES, HTML_TYPES, ExtractError, extract_records
from archiver.records.merge import MergeResult, merge
from archiver.records.model import WarcPointer
from archiver.warc.writer import REVISIT_PROFILE, payload_digest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from pathlib import Path

    from archiver.incremental import CarriedCapture
    from archiver.records.model import Fragment

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc")
_READ_TYPES = HTML_TYPES | FEED_TYPES


class WarcReadError(ArchiverError):
    """A WARC file cannot be read: it names the file and the offset of the record that failed."""


@dataclass
class ReadStats:
    """What reading WARC files found: files, response records, extraction errors (each logged).

    ``archived`` collects the WARC-Target-URI of every ``200`` response (pages, feeds, images, anything):
    what ``merge`` computes ``images[].archived`` from.
    """

    files: int = 0
    responses: int = 0
    fragments: int = 0
    errors: int = 0
    error_urls: list[str] = field(default_factory=list)
    archived: set[str] = field(default_factory=set)


def find_warcs(paths: Iterable[Path]) -> list[Path]:
    """WARC files named directly or found under directories (recursively), sorted, each once.

    Raises :class:`WarcReadError` for a path that does not exist; ``*.open`` files (still being written,
    or left by a killed crawl until it is mended) are skipped with a warning.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for candidate in path.rglob("*"):
                if candidate.is_file() and candidate.name.endswith(WARC_SUFFIXES):
                    found.add(candidate)
                elif candidate.name.endswith(".warc.gz.open"):
                    logger.warning(
                        "Skipping %s: still open (a crawl is writing it, or a killed crawl left it for mending)",
                        candidate,
                    )
        elif path.is_file():
            found.add(path)
        else:
            raise WarcReadError(f"{path}: no such file or directory")
    return sorted(found)


class Originals:
    """The payloads revisit records refer to, found by ``WARC-Refers-To`` in a blog's WARC files.

    A revisit of the identical-payload-digest profile stores the HTTP head and leaves the payload in an
    earlier response record, usually in an earlier crawl of the same blog. The blog's dedup index
    (``<blog>/dedup.sqlite``, read only) says where each finished crawl's response records are, by record id;
    a record id it does not hold is looked for in the files being read, then in every finished WARC of the
    blog's other crawls (for a file ``<blog>/<crawl>/warc/F``, every ``<blog>/*/warc/*.warc.gz``), by a scan
    of their headers (record id to file and offset), done once, on the first such revisit. A payload is read
    by seeking to its record, which must have the record id asked for and the revisit's
    ``WARC-Payload-Digest``, or it is not used.
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        """Search ``paths`` first, then the other crawls of the blogs they belong to."""
        self.paths = list(paths)
        self._where: dict[str, tuple[Path, int]] | None = None
        self._indexed: dict[str, tuple[Path, int]] | None = None

    def _candidates(self) -> list[Path]:
        seen: dict[Path, None] = dict.fromkeys(self.paths)
        for path in self.paths:
            if path.parent.name == "warc":
                blog = path.parent.parent.parent
                seen.update(dict.fromkeys(sorted(blog.glob("*/warc/*.warc.gz"))))
        return list(seen)

    def _dedup_rows(self) -> dict[str, tuple[Path, int]]:
        where: dict[str, tuple[Path, int]] = {}
        blogs = {blog for blog in (blog_folder(path) for path in self.paths) if blog is not None}
        for blog in sorted(blogs):
            database = blog / "dedup.sqlite"
            if not database.is_file():
                continue
            try:
                with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
                    rows = db.execute("SELECT record_id, file, offset FROM captures").fetchall()
            except sqlite3.Error as exc:
                logger.info("Not using the dedup index %s to find the originals of revisits: %s", database, exc)
                continue
            for record_id, file, offset in rows:
                where.setdefault(str(record_id), (blog / str(file), int(offset)))
        return where

    def _scan(self) -> dict[str, tuple[Path, int]]:
        where: dict[str, tuple[Path, int]] = {}
        for path in self._candidates():
            try:
                with path.open("rb") as stream:
                    records = ArchiveIterator(stream)
                    for record in records:
                        if record.rec_type == "response":
                            record_id = record.rec_headers.get_header("WARC-Record-ID")
                            if record_id and record_id not in where:
                                where[record_id] = (path, records.get_record_offset())
            except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError) as exc:
                logger.warning("Not searched for the originals of revisits: %s (%s)", path, exc)
        return where

    @staticmethod
    def _read(found: tuple[Path, int], record_id: str, digest: str) -> bytes | None:
        path, offset = found
        try:
            with path.open("rb") as stream:
                stream.seek(offset)
                for record in ArchiveIterator(stream):
                    if record.rec_headers.get_header("WARC-Record-ID") != record_id:
                        return None
                    body: bytes = record.raw_stream.read()
                    return body if payload_digest(body) == digest else None
        except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError):
            return None
        return None

    def payload(self, record_id: str, digest: str) -> bytes | None:
        """The payload of the response record ``record_id``, when it is found and has ``digest``."""
        if self._indexed is None:
            self._indexed = self._dedup_rows()
        indexed = self._indexed.get(record_id)
        if indexed is not None:
            body = self._read(indexed, record_id, digest)
            if body is not None:
                return body
        if self._where is None:
            self._where = self._scan()
        found = self._where.get(record_id)
        if found is None or found == indexed:
            return None
        return self._read(found, record_id, digest)


def _is_carry(record: Any) -> bool:
    return bool(record.rec_type == "metadata" and record.rec_headers.get_header("Content-Type") == CARRY_CONTENT_TYPE)


def _is_revisit(record: Any) -> bool:
    return bool(record.rec_type == "revisit" and record.rec_headers.get_header("WARC-Profile") == REVISIT_PROFILE)


def _capture_fragments(
    record: Any, records: Any, path: Path, stats: ReadStats, originals: Originals | None
) -> list[Fragment]:
    """The fragments of one response (or revisit) record whose headers have been read; [] when it gives none.

    ``records`` is the ArchiveIterator positioned in ``record`` (its offsets are the file's, also after a
    seek). The record is read to its end here.
    """
    revisit = _is_revisit(record)
    stats.responses += 1
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    status = int(record.http_headers.get_statuscode() or 0)
    if status == 200:
        stats.archived.add(url)
    mime = (record.http_headers.get_header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if mime not in _READ_TYPES or not 200 <= status < 300:
        return []
    body = record.raw_stream.read()
    records.read_to_end()
    offset = records.get_record_offset()
    if revisit:
        refers_to = record.rec_headers.get_header("WARC-Refers-To") or ""
        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        original = originals.payload(refers_to, digest) if originals is not None else None
        if original is None:
            stats.errors += 1
            stats.error_urls.append(url)
            logger.warning(
                "The revisit of %s (offset %d of %s) refers to %s, which is not in the WARC files "
                "read nor in the blog's other crawls",
                url,
                offset,
                path.name,
                refers_to or "no record",
            )
            return []
        body = original
    pointer = WarcPointer(
        filename=path.name,
        offset=offset,
        length=records.get_record_length(),
        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
        status=status,
    )
    try:
        found = extract_records(
            url,
            record.http_headers.headers,
            body,
            fetched_at=record.rec_headers.get_header("WARC-Date") or "",
            source=pointer,
        )
    except ExtractError as exc:
        stats.errors += 1
        stats.error_urls.append(url)
        logger.warning("%s (record at offset %d of %s)", exc, pointer.offset, path.name)
        return []
    except Exception:
        stats.errors += 1
        stats.error_urls.append(url)
        logger.error(
            "Extraction failed for %s (record at offset %d of %s)", url, pointer.offset, path.name, exc_info=True
        )
        return []
    stats.fragments += len(found)
    return found


def _read_failed(path: Path, exc: BaseException, offset: int) -> WarcReadError:
    if isinstance(exc, OSError) and not isinstance(exc, EOFError):
        return WarcReadError(f"{path}: {exc.strerror or exc}")
    message = " ".join(str(exc).split())
    message = message if len(message) <= 160 else message[:160] + "..."
    return WarcReadError(f"{path}: cannot read the WARC record at offset {offset}: {message}")


def iter_fragments(
    path: Path, stats: ReadStats | None = None, originals: Originals | None = None
) -> Iterator[Fragment]:
    """Fragments of every response record of one WARC file, in file order (200 URLs noted in ``stats``).

    A ``revisit`` record of the identical-payload-digest profile is read with the payload of the record it
    refers to (``originals``); its ``source`` is the revisit itself, in this file. A revisit whose original
    cannot be found (or has another digest) is an extraction error, logged with its URL. A capture that cannot
    be extracted is logged with its URL and counted in ``stats.errors``; a file that cannot be read raises
    :class:`WarcReadError` naming the file and the record offset.
    """
    stats = stats if stats is not None else ReadStats()
    stats.files += 1
    records: Any = None
    try:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if _is_carry(record):
                    found_carried = _carry_record(
                        path, record.content_stream().read(), records.get_record_offset(), stats
                    )
                    stats.fragments += len(found_carried)
                    yield from found_carried
                    continue
                if (record.rec_type != "response" and not _is_revisit(record)) or record.http_headers is None:
                    continue
                yield from _capture_fragments(record, records, path, stats, originals)
    except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError) as exc:
        raise _read_failed(path, exc, getattr(records, "offset", 0)) from exc  # where the failing record starts


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One CDXJ line of a WARC file: where its record is, and what the index says it holds."""

    offset: int
    length: int
    url: str
    mime: str | None
    status: str | None

    def settled(self) -> bool:
        """Whether the index alone says all the scan would learn: a response that gives no fragment."""
        return bool(
            self.status
            and self.status.isdigit()
            and self.mime
            and self.mime not in ("unk", "warc/revisit")
            and self.mime.lower() not in _READ_TYPES
        )


class _StaleIndex(Exception):  # noqa: N818 (a signal inside this module, never raised to a caller)
    """The index does not describe the WARC file: the file is read by the scan instead."""


CDXJ_NAME = "index.cdxj"
_GAP_HEAD = 4096  # a WARC header block longer than this is inflated further, chunk by chunk
_CARRY_TYPE = CARRY_CONTENT_TYPE.lower().encode()


def _fields(head: bytes) -> dict[bytes, bytes]:
    """The WARC header fields of a record's first bytes, names and values lower-cased (the first of each name)."""
    fields: dict[bytes, bytes] = {}
    for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields.setdefault(name.strip().lower(), value.strip().lower())
    return fields


def read_cdxj(path: Path) -> dict[str, list[IndexEntry]]:
    """The entries of a CDXJ index by WARC file name, each file's sorted by offset (one per offset)."""
    by_file: dict[str, dict[int, IndexEntry]] = {}
    with path.open("r", encoding="utf-8") as lines:
        for line in lines:
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            data = json.loads(parts[2])
            entry = IndexEntry(
                int(data["offset"]), int(data["length"]), str(data.get("url", "")), data.get("mime"), data.get("status")
            )
            by_file.setdefault(str(data["filename"]), {})[entry.offset] = entry
    return {name: [found[offset] for offset in sorted(found)] for name, found in by_file.items()}


def _crawl_index(warc: Path, cache: dict[Path, dict[str, list[IndexEntry]] | None]) -> list[IndexEntry] | None:
    """The index entries of one ``.warc.gz`` file of a crawl folder, or None (no index, or it does not list it)."""
    if warc.parent.name != "warc" or not warc.name.endswith(".warc.gz"):
        return None
    index = warc.parent.parent / CDXJ_NAME
    if index not in cache:
        try:
            cache[index] = read_cdxj(index) if index.is_file() else None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("Not using %s (%s): reading the WARC files it indexes whole", index, exc)
            cache[index] = None
    entries = (cache[index] or {}).get(warc.name)
    if entries and entries[-1].offset + entries[-1].length > warc.stat().st_size:
        return None
    return entries or None


def _gap(stream: Any, start: int, end: int, path: Path, stats: ReadStats) -> list[Fragment]:
    """The carry records among the gzip members in ``[start, end)``; raises _StaleIndex on any other surprise."""
    if start == end:
        return []
    if start > end:
        raise _StaleIndex
    stream.seek(start)
    data = memoryview(stream.read(end - start))
    found: list[Fragment] = []
    at = 0
    while at < len(data):
        inflate = zlib.decompressobj(31)
        try:
            head = inflate.decompress(data[at:], _GAP_HEAD)
            while b"\r\n\r\n" not in head and not inflate.eof and inflate.unconsumed_tail:
                head += inflate.decompress(inflate.unconsumed_tail, _GAP_HEAD)
            while not inflate.eof and inflate.unconsumed_tail:
                inflate.decompress(inflate.unconsumed_tail, 1 << 20)
        except zlib.error as exc:
            raise _StaleIndex from exc
        if not inflate.eof:
            raise _StaleIndex
        fields = _fields(head)
        warc_type = fields.get(b"warc-type", b"")
        if warc_type in (b"response", b"revisit"):
            raise _StaleIndex
        if warc_type == b"metadata" and fields.get(b"content-type") == _CARRY_TYPE:
            found.extend(_seek_carry(stream, start + at, path, stats))
        at = len(data) - len(inflate.unused_data)
    return found


def _seek_carry(stream: Any, offset: int, path: Path, stats: ReadStats) -> list[Fragment]:
    stream.seek(offset)
    for record in ArchiveIterator(stream):
        if not _is_carry(record):
            return []
        found = _carry_record(path, record.content_stream().read(), offset, stats)
        stats.fragments += len(found)
        return found
    return []


def _seek_fragments(
    path: Path, entries: Sequence[IndexEntry], start: int, end: int, stats: ReadStats, originals: Originals | None
) -> list[Fragment]:
    """Fragments of the records in ``[start, end)`` of a file, found through its index; raises _StaleIndex."""
    found: list[Fragment] = []
    at = start
    with path.open("rb") as stream:
        for entry in entries:
            found.extend(_gap(stream, at, entry.offset, path, stats))
            at = entry.offset + entry.length
            if entry.settled():
                stats.responses += 1
                if entry.status == "200":
                    stats.archived.add(entry.url)
                continue
            stream.seek(entry.offset)
            records = ArchiveIterator(stream)
            record = next(iter(records), None)
            if (
                record is None
                or record.rec_type not in ("response", "revisit", "resource")  # what index_warc indexes
                or (record.rec_headers.get_header("WARC-Target-URI") or "") != entry.url
            ):
                raise _StaleIndex
            if (record.rec_type == "response" or _is_revisit(record)) and record.http_headers is not None:
                found.extend(_capture_fragments(record, records, path, stats, originals))
            records.read_to_end()
            if records.get_record_offset() != entry.offset or records.get_record_length() != entry.length:
                raise _StaleIndex
        found.extend(_gap(stream, at, end, path, stats))
    return found


@dataclass(frozen=True)
class _Task:
    """A piece of work: a file's byte range read through its index, or (``entries`` None) the whole file."""

    path: Path
    start: int = 0
    end: int = 0
    entries: tuple[IndexEntry, ...] | None = None

    @property
    def first(self) -> bool:
        return self.start == 0


@dataclass
class _Done:
    fragments: list[Fragment]
    stats: ReadStats
    stale: bool = False


_ORIGINALS: dict[tuple[Path, ...], Originals] = {}


def _run(task: _Task, warcs: tuple[Path, ...]) -> _Done:
    """Run one task (in a worker process or in this one); the Originals of ``warcs`` are kept per process."""
    originals = _ORIGINALS.get(warcs)
    if originals is None:
        _ORIGINALS.clear()
        originals = _ORIGINALS[warcs] = Originals(warcs)
    stats = ReadStats()
    if task.entries is None:
        return _Done(list(iter_fragments(task.path, stats, originals)), stats)
    if task.first:
        stats.files += 1
    try:
        found = _seek_fragments(task.path, task.entries, task.start, task.end, stats, originals)
    except _StaleIndex:
        return _Done([], ReadStats(), stale=True)
    except (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError) as exc:
        raise _read_failed(task.path, exc, task.start) from exc
    return _Done(found, stats)


def _tasks(path: Path, entries: list[IndexEntry] | None, pieces: int) -> list[_Task]:
    """A file cut into about ``pieces`` ranges of equal reading work, cut at indexed records."""
    if entries is None:
        return [_Task(path)]
    size = path.stat().st_size
    weights = [0 if entry.settled() else entry.length + 4096 for entry in entries]
    share = sum(weights) / max(pieces, 1)
    tasks: list[_Task] = []
    first, load = 0, 0.0
    for number, weight in enumerate(weights):
        load += weight
        if load >= share and number + 1 < len(entries) and len(tasks) + 1 < pieces:
            start = entries[first].offset if first else 0
            tasks.append(_Task(path, start, entries[number + 1].offset, tuple(entries[first : number + 1])))
            first, load = number + 1, 0.0
    tasks.append(_Task(path, entries[first].offset if first else 0, size, tuple(entries[first:])))
    return tasks


def _add(total: ReadStats, part: ReadStats) -> None:
    total.files += part.files
    total.responses += part.responses
    total.fragments += part.fragments
    total.errors += part.errors
    total.error_urls.extend(part.error_urls)
    total.archived |= part.archived


def _init_worker(level: int, fmt: str | None) -> None:
    """Log in a worker process as in the one that started it (the level and format of its root logger)."""
    if fmt is None:
        logging.basicConfig(level=level)
    else:
        logging.basicConfig(level=level, format=fmt)


def blog_folder(warc_path: Path) -> Path | None:
    """The blog folder of a WARC file laid out as ``<blog>/<crawl>/warc/<file>``, or None."""
    return warc_path.parent.parent.parent if warc_path.parent.name == "warc" else None


def _carry_record(path: Path, block: bytes, offset: int, stats: ReadStats) -> list[Fragment]:
    try:
        carry = Carry.from_json(block)
    except (ValueError, KeyError, TypeError) as exc:
        stats.errors += 1
        logger.warning("Unreadable carry record at offset %d of %s: %s", offset, path.name, exc)
        return []
    return carried_fragments(carry, blog_folder(path), stats)


def _read_carried(blog_dir: Path, capture: CarriedCapture) -> tuple[Any, bytes]:
    """The HTTP headers and payload of a carried capture, checked against its record id and digest."""
    path = blog_dir / capture.file
    with path.open("rb") as stream:
        stream.seek(capture.offset)
        for record in ArchiveIterator(stream):
            if record.rec_headers.get_header("WARC-Record-ID") != capture.record_id or record.http_headers is None:
                break
            body: bytes = record.raw_stream.read()
            if payload_digest(body) != capture.payload_digest:
                raise ValueError(f"the payload at offset {capture.offset} of {path.name} has another digest")
            return record, body
    raise ValueError(f"no record {capture.record_id} at offset {capture.offset} of {capture.file}")


def carried_fragments(carry: Carry, blog_dir: Path | None, stats: ReadStats) -> list[Fragment]:
    """Fragments of an unchanged post's earlier captures, read where the carry record says they are.

    Each capture's fragments name that capture as their source (its own file, offset and WARC-Date): the post
    keeps pointing at its last capture. Its 200 URLs are noted in ``stats.archived``, images included (not
    read). A capture that cannot be read is an extraction error, logged with its URL.
    """
    found: list[Fragment] = []
    for capture in carry.captures:
        if capture.status == 200:
            stats.archived.add(capture.url)
        if capture.role == "image":
            continue
        try:
            if blog_dir is None:
                raise ValueError("the WARC file is not in a blog folder (<blog>/<crawl>/warc/)")
            record, body = _read_carried(blog_dir, capture)
            pointer = WarcPointer(
                filename=capture.file.rpartition("/")[2],
                offset=capture.offset,
                length=capture.length,
                record_id=capture.record_id,
                payload_digest=capture.payload_digest,
                status=capture.status,
            )
            found.extend(
                extract_records(
                    capture.url,
                    record.http_headers.headers,
                    body,
                    fetched_at=record.rec_headers.get_header("WARC-Date") or "",
                    source=pointer,
                )
            )
        except (OSError, ValueError, ArchiveLoadFailed, zlib.error, EOFError, ExtractError) as exc:
            stats.errors += 1
            stats.error_urls.append(capture.url)
            logger.warning(
                "The earlier capture of %s carried for post %s cannot be read: %s", capture.url, carry.post_id, exc
            )
    return found


class _Told:
    """Pass each task's result through, telling ``progress`` the bytes read so far (the tasks end in order)."""

    def __init__(self, progress: Callable[[int, int], None] | None, tasks: list[_Task]) -> None:
        self.progress = progress
        self.sizes = [task.end - task.start if task.entries is not None else task.path.stat().st_size for task in tasks]
        self.total = sum(self.sizes)
        self.done = 0
        self.count = 0

    def __call__(self, result: _Done) -> _Done:
        if self.progress is not None:
            self.done += self.sizes[self.count]
            self.count += 1
            self.progress(self.done, self.total)
        return result


def extract_warcs(
    paths: Iterable[Path],
    *,
    jobs: int = 1,
    use_index: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[MergeResult, ReadStats]:
    """Records of every post and static page in the WARC files at ``paths`` (files or folders).

    ``jobs``: processes reading at once (1: this process alone); ``use_index``: seek through each crawl
    folder's ``index.cdxj`` where it lists a file (else every file is scanned). The records are the same
    whatever both say. ``progress`` is told (bytes of WARC read, total) as each piece of work ends (a live
    line, archiver.progressbar). Raises :class:`WarcReadError` when the paths hold no WARC file, or a file
    cannot be read.
    """
    given = list(paths)
    warcs = find_warcs(given)
    if not warcs:
        raise WarcReadError(f"no WARC files (*.warc.gz, *.warc) in {', '.join(str(p) for p in given)}")
    jobs = max(1, jobs)
    cache: dict[Path, dict[str, list[IndexEntry]] | None] = {}
    pieces = 1 if jobs == 1 else 4 * jobs
    tasks = [
        task
        for path in warcs
        for task in _tasks(path, _crawl_index(path, cache) if use_index else None, max(1, pieces // len(warcs)))
    ]
    key = tuple(warcs)
    told = _Told(progress, tasks)
    if jobs == 1 or len(tasks) == 1:
        done = [told(_run(task, key)) for task in tasks]
    else:
        root = logging.getLogger()
        fmt = getattr(root.handlers[0].formatter, "_fmt", None) if root.handlers else None
        context: Any = multiprocessing.get_context(
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        if context.get_start_method() == "forkserver":  # the server imports the extractors once, workers fork
            context.set_forkserver_preload([__name__])
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(tasks)), mp_context=context, initializer=_init_worker, initargs=(root.level, fmt)
        ) as pool:
            done = [told(result) for result in pool.map(_run, tasks, [key] * len(tasks))]
    stale = {task.path for task, result in zip(tasks, done, strict=True) if result.stale}
    stats = ReadStats()
    fragments: list[Fragment] = []
    for task, result in zip(tasks, done, strict=True):
        if task.path in stale:
            if task.first:
                logger.warning("%s does not match its %s: reading the file whole", task.path, CDXJ_NAME)
                result = _run(_Task(task.path), key)
            else:
                continue
        _add(stats, result.stats)
        fragments.extend(result.fragments)
    return merge(fragments, archived=stats.archived), stats
