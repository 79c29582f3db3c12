"""Crash recovery for ``*.warc.gz.open`` files left by a killed crawl.

``mend_open_file`` reads the gzip members from the start and keeps every one that is a complete gzip member
(CRC and size trailer verified) holding exactly one complete WARC record whose digests verify. It truncates
the file after the last such record and renames it to ``.warc.gz``.

A trailing ``request`` record whose response is not in the file is dropped as well. The writer writes a
capture's request, response and metadata records in one write, so a crash can leave a complete request with a
cut response. That request describes an exchange whose result was never archived: its ``WARC-Concurrent-To``
points at a record that does not exist, an index would pair it with nothing, and the resumed crawl fetches the
URL again and writes a fresh pair. A complete response is always kept, even when its metadata record was cut,
because the response is the archived content and the metadata is only context.

A damaged member in the middle of a file (one followed by further complete records) is not a crash and is
never cut, because cutting it would lose complete records: ``mend_open_file`` raises ``WarcError`` instead and
leaves the file untouched.
"""

from __future__ import annotations

import logging
import mmap
import os
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archiver.warc.writer import OPEN_SUFFIX, WARC_SUFFIX, WarcError

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20
_END = b"\r\n\r\n"


@dataclass(frozen=True)
class ScannedRecord:
    """A complete, valid record found in a file: where its gzip member is and who it is."""

    offset: int
    length: int
    record_id: str
    record_type: str
    concurrent_to: tuple[str, ...]


@dataclass(frozen=True)
class MendResult:
    """What ``mend_open_file`` did to one ``.open`` file."""

    original: Path
    path: Path | None
    records_kept: int
    bytes_kept: int
    bytes_cut: int
    dropped_record_ids: tuple[str, ...] = ()

    @property
    def removed(self) -> bool:
        """True when the file held no complete record and was deleted."""
        return self.path is None


def _inflate_member(data: mmap.mmap | bytes, start: int) -> tuple[bytes, int] | None:
    """Inflate the gzip member at ``start``; return its content and end offset, or None if cut or bad."""
    if data[start : start + 3] != GZIP_MAGIC:
        return None
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = []
    pos = start
    size = len(data)
    try:
        while not inflater.eof:
            if pos >= size:
                return None
            chunk = data[pos : pos + _CHUNK]
            pos += len(chunk)
            out.append(inflater.decompress(chunk))
    except zlib.error:
        return None
    return b"".join(out), pos - len(inflater.unused_data)


def _parse_record(content: bytes) -> tuple[str, str, tuple[str, ...]] | None:
    """Check ``content`` is one complete WARC record with valid digests; return its id, type and links."""
    head_end = content.find(_END)
    if not content.startswith(b"WARC/") or head_end < 0:
        return None
    headers: dict[str, list[str]] = {}
    for line in content[:head_end].split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            key = name.strip().decode("latin-1").lower()
            headers.setdefault(key, []).append(value.strip().decode("utf-8", "replace"))
    try:
        length = int(headers["content-length"][0])
        record_id = headers["warc-record-id"][0]
        record_type = headers["warc-type"][0]
    except (KeyError, ValueError):
        return None
    if len(content) != head_end + len(_END) + length + len(_END) or not content.endswith(_END):
        return None
    try:
        records = ArchiveIterator(BytesIO(content), check_digests=True)
        record = next(records)
        while record.raw_stream.read(_CHUNK):
            pass
        if record.digest_checker.passed is False:
            logger.warning("Record %s fails its digest check", record_id)
            return None
    except (ArchiveLoadFailed, StatusAndHeadersParserException, StopIteration, ValueError, EOFError):
        return None
    return record_id, record_type, tuple(headers.get("warc-concurrent-to", []))


def _scan(data: mmap.mmap | bytes, start: int = 0) -> tuple[list[ScannedRecord], int]:
    """Collect complete valid records from ``start`` up to the first bad one; return them and their end."""
    found: list[ScannedRecord] = []
    pos = start
    while pos < len(data):
        member = _inflate_member(data, pos)
        if member is None:
            break
        content, end = member
        parsed = _parse_record(content)
        if parsed is None:
            break
        record_id, record_type, links = parsed
        found.append(ScannedRecord(pos, end - pos, record_id, record_type, links))
        pos = end
    return found, pos


def _valid_record_after(data: mmap.mmap | bytes, start: int) -> int | None:
    """Offset of a complete valid record somewhere after ``start``, or None when the rest is only debris."""
    pos = data.find(GZIP_MAGIC, start + 1)
    while pos >= 0:
        member = _inflate_member(data, pos)
        if member is not None and _parse_record(member[0]) is not None:
            return pos
        pos = data.find(GZIP_MAGIC, pos + 1)
    return None


def scan_warc(path: Path) -> tuple[list[ScannedRecord], int, int]:
    """Scan a WARC: complete valid records from the start, the offset they end at, and the file size."""
    size = path.stat().st_size
    if size == 0:
        return [], 0, 0
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        records, end = _scan(data)
        if end < size:
            later = _valid_record_after(data, end)
            if later is not None:
                raise WarcError(
                    f"{path}: damaged data at offset {end} is followed by a complete record at offset "
                    f"{later}; this is not a crash tail, refusing to cut it"
                )
    return records, end, size


def split_orphan_requests(records: list[ScannedRecord]) -> tuple[list[ScannedRecord], list[ScannedRecord]]:
    """Split off trailing request records whose concurrent response is not among the records before them."""
    kept = list(records)
    dropped: list[ScannedRecord] = []
    while kept and kept[-1].record_type == "request":
        ids = {r.record_id for r in kept[:-1]}
        if any(link in ids for link in kept[-1].concurrent_to):
            break
        dropped.insert(0, kept.pop())
    return kept, dropped


def mend_open_file(path: Path) -> MendResult:
    """Repair a ``*.warc.gz.open`` file: keep complete records, cut the rest, rename to ``*.warc.gz``."""
    if not path.name.endswith(WARC_SUFFIX + OPEN_SUFFIX):
        raise WarcError(f"{path} is not an open WARC file (*{WARC_SUFFIX}{OPEN_SUFFIX})")
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if final.exists():
        raise WarcError(f"cannot mend {path}: {final} already exists")

    scanned, _, size = scan_warc(path)
    records, dropped = split_orphan_requests(scanned)
    end = records[-1].offset + records[-1].length if records else 0

    if not records:
        path.unlink()
        logger.warning("Removed %s: it held no complete WARC record (%d bytes)", path, size)
        return MendResult(path, None, 0, 0, size, tuple(r.record_id for r in dropped))

    with path.open("r+b") as handle:
        handle.truncate(end)
        handle.flush()
        os.fsync(handle.fileno())
    path.replace(final)
    logger.info(
        "Mended %s -> %s: kept %d records (%d bytes), cut %d bytes, dropped %d orphan requests",
        path,
        final.name,
        len(records),
        end,
        size - end,
        len(dropped),
    )
    dropped_ids = tuple(r.record_id for r in dropped)
    return MendResult(path, final, len(records), end, size - end, dropped_ids)


def mend_directory(directory: Path) -> list[MendResult]:
    """Mend every ``*.warc.gz.open`` file in ``directory`` (not recursive), in name order."""
    return [mend_open_file(path) for path in sorted(directory.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}"))]
