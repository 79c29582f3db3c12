"""Verify WARC files byte for byte: every record's structure and digests, streamed once per file.

A ``.warc.gz`` file is read gzip member by gzip member with :mod:`zlib` (not through warcio), so that every
problem has the exact offset of the member it is in: a member that does not inflate or fails its CRC is
*damaged* (reported, then the scan goes on at the next gzip header after it); a file that ends inside a
member is *truncated*. Each record must start and end inside its own member, as the project's writer and
every CDXJ pointer assume (the WARC standard's record-at-a-time compression). A plain ``.warc`` is read the
same way, its records at their byte offsets; it cannot be resynchronised, so the scan of such a file stops
at its first broken record.

Each record is parsed as WARC 1.1 defines it: the version line, named fields up to an empty line,
``Content-Length`` bytes of block, then ``CRLF CRLF``. Checked: the fields parse; ``Content-Length`` matches
the block that is there (a member that ends before the block does, or bytes other than ``CRLF CRLF`` after
it, is a problem); ``WARC-Block-Digest`` is the digest of the block; ``WARC-Payload-Digest`` is the digest of
the payload (the block after its HTTP head for ``application/http`` records, the whole block otherwise). A
``revisit`` record's payload digest is its original's: :mod:`archiver.verify.records` checks it against the
original, not against its own empty payload.

The scan keeps, for every record, what the CDXJ and JSON-record checks compare with (:class:`WarcRecord`),
never a payload: memory does not grow with the size of the file.
"""

from __future__ import annotations

import base64
import hashlib
import time
import zlib
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from archiver.warc.cdxj import timestamp14
from archiver.warc.writer import mime_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from archiver.verify import Report

CHUNK = 1 << 20
#: longest WARC or HTTP head read before a record is called unparsable
MAX_HEAD = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
_END = b"\r\n\r\n"


@dataclass
class WarcRecord:
    """What the scan of one record found: where it is, what it says, whether its payload matches."""

    filename: str
    offset: int
    length: int = 0
    rec_type: str = ""
    record_id: str = ""
    target_uri: str = ""
    date: str = ""
    content_type: str = ""
    payload_digest: str = ""  # WARC-Payload-Digest as written
    payload_ok: bool | None = None  # it matches the payload (None: not checkable here, as for a revisit)
    status: str | None = None  # HTTP status code of an application/http response or revisit
    mime: str | None = None  # of the HTTP Content-Type
    refers_to: str = ""

    @property
    def indexed(self) -> bool:
        """Whether a CDXJ index must list this record: every response and revisit with a target URI."""
        return self.rec_type in ("response", "revisit") and bool(self.target_uri)

    @property
    def timestamp(self) -> str:
        """The 14-digit timestamp of its WARC-Date."""
        return timestamp14(self.date)


@dataclass
class WarcFile:
    """The records of one scanned WARC file, by offset; ``label`` is how reports name the file."""

    name: str
    label: str
    records: dict[int, WarcRecord] = field(default_factory=dict)


@dataclass
class Progress:
    """Bytes read of a total, said through ``emit`` at most every ``interval`` seconds."""

    total: int = 0
    emit: Callable[[str], None] | None = None
    interval: float = 1.0
    done: int = 0
    _last: float = field(default_factory=time.monotonic)
    #: told (bytes read, total) at every read, for a live line (archiver.progressbar.Meter.update)
    tick: Callable[[int, int], None] | None = None

    def add(self, count: int) -> None:
        """Count ``count`` more bytes read; say so when ``interval`` has passed since the last time."""
        self.done += count
        if self.tick is not None:
            self.tick(self.done, self.total)
        now = time.monotonic()
        if self.emit is not None and now - self._last >= self.interval:
            self._last = now
            share = min(100.0, 100 * self.done / self.total) if self.total else 100.0
            self.emit(f"verify: {self.done / 1e6:.1f} MB of {self.total / 1e6:.1f} MB read ({share:.0f}%)")


def digest_matches(header: str, raw: bytes) -> bool:
    """Whether an ``algo:value`` digest field spells ``raw`` (base32, hex or base64, as warcio accepts)."""
    value = header.partition(":")[2].strip()
    if value.rstrip("=").upper() in (base64.b32encode(raw).decode("ascii").rstrip("="), raw.hex().upper()):
        return True
    return value == base64.b64encode(raw).decode("ascii")


def hasher_for(header: str) -> hashlib._Hash | None:
    """A fresh hash object for the algorithm of an ``algo:value`` digest field, None when it is unknown."""
    algo = header.partition(":")[0].strip().lower().replace("-", "")
    try:
        return hashlib.new(algo)
    except ValueError:
        return None


class _Broken(Exception):
    """A record that cannot be parsed further: the scan reports it and moves on to the next gzip member."""

    def __init__(self, check: str, what: str, record_id: str | None = None) -> None:
        super().__init__(what)
        self.check, self.what, self.record_id = check, what, record_id


def parse_fields(head: bytes) -> tuple[str, dict[str, str]]:
    """The version line and the named fields (lower-case names, first value kept) of a WARC head."""
    lines = head.decode("utf-8", "replace").split("\r\n")
    version = lines[0]
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise _Broken("warc.parse", f"not a WARC named field: {line[:80]!r}")
        fields.setdefault(name.strip().lower(), value.strip())
    return version, fields


def parse_http_head(head: bytes) -> tuple[str | None, str | None]:
    """The status code and the MIME type of an HTTP response head (None where it has none)."""
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = parts[1] if len(parts) > 1 and parts[0].startswith("HTTP/") and parts[1].isdigit() else None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return status, mime_of(value.strip())
    return status, mime_of(None)


class RecordParser:
    """Parses the decompressed bytes of a WARC file record by record, checking each one as it ends."""

    def __init__(self, name: str, label: str, report: Report) -> None:
        """Records found go into ``self.file``; problems into ``report`` under ``label``."""
        self.file = WarcFile(name, label)
        self.report = report
        self.pos = 0  # decompressed bytes consumed
        self.reset()

    def reset(self) -> None:
        """Forget a record in progress (after a problem, or at the start of a member)."""
        self.state = "head"
        self.buf = bytearray()
        self.record: WarcRecord | None = None
        self.remaining = 0
        self.block_hasher: hashlib._Hash | None = None
        self.payload_hasher: hashlib._Hash | None = None
        self.http_head: bytearray | None = None
        self.start = self.pos
        self.done: list[WarcRecord] = []

    @property
    def idle(self) -> bool:
        """No record is in progress."""
        return self.state == "head" and not self.buf

    def feed(self, data: bytes, offset: int) -> None:
        """Parse ``data``; a record starting here is at ``offset`` (its gzip member's, or its own)."""
        view = memoryview(data)
        while view:
            if self.state == "head":
                if not self.buf:
                    self.start = offset if offset >= 0 else self.pos
                view = self._head(view)
            elif self.state == "block":
                view = self._block(view)
            else:
                view = self._trailer(view)

    def _head(self, view: memoryview) -> memoryview:
        before = len(self.buf)
        self.buf += view
        end = self.buf.find(_END, max(0, before - 3))
        if end < 0:
            if len(self.buf) > MAX_HEAD:
                raise _Broken("warc.parse", f"no end of the WARC head in its first {MAX_HEAD} bytes")
            self.pos += len(view)
            return view[len(view) :]
        used = end + 4 - before
        self.pos += used
        head = bytes(self.buf[:end])
        self.buf = bytearray()
        version, fields = parse_fields(head)
        if not version.startswith("WARC/"):
            raise _Broken("warc.parse", f"not a WARC record: it starts with {version[:40]!r}")
        record_id = fields.get("warc-record-id", "")
        try:
            length = int(fields.get("content-length", ""))
        except ValueError:
            raise _Broken("warc.parse", "no valid Content-Length", record_id) from None
        record = WarcRecord(
            filename=self.file.name,
            offset=self.start,
            rec_type=fields.get("warc-type", ""),
            record_id=record_id,
            target_uri=fields.get("warc-target-uri", ""),
            date=fields.get("warc-date", ""),
            content_type=fields.get("content-type", ""),
            payload_digest=fields.get("warc-payload-digest", ""),
            refers_to=fields.get("warc-refers-to", ""),
        )
        self._block_digest = fields.get("warc-block-digest", "")
        self.block_hasher = hasher_for(self._block_digest) if self._block_digest else None
        checkable = record.payload_digest and record.rec_type != "revisit"
        self.payload_hasher = hasher_for(record.payload_digest) if checkable else None
        self.http_head = bytearray() if record.content_type.startswith("application/http") else None
        self.record, self.remaining, self.state = record, length, "block"
        if length == 0:
            self._end_block()
        return view[used:]

    def _block(self, view: memoryview) -> memoryview:
        piece = view[: self.remaining]
        if self.block_hasher is not None:
            self.block_hasher.update(piece)
        if self.http_head is not None:
            before = len(self.http_head)
            self.http_head += piece
            end = self.http_head.find(_END, max(0, before - 3))
            if end >= 0:
                self._payload(self.http_head[end + 4 :])
                self._http(bytes(self.http_head[:end]))
            elif len(self.http_head) > MAX_HEAD:
                self._payload(self.http_head)
                self._http(b"")
        else:
            self._payload(piece)
        self.remaining -= len(piece)
        self.pos += len(piece)
        if not self.remaining:
            self._end_block()
        return view[len(piece) :]

    def _payload(self, data: bytes | bytearray | memoryview) -> None:
        if self.payload_hasher is not None:
            self.payload_hasher.update(data)

    def _http(self, head: bytes) -> None:
        assert self.record is not None
        if self.record.rec_type in ("response", "revisit"):
            self.record.status, self.record.mime = parse_http_head(head)
        self.http_head = None

    def _end_block(self) -> None:
        record = self.record
        assert record is not None
        if self.http_head is not None:  # a block that ends inside its HTTP head: the head is all of it
            self._http(bytes(self.http_head))
        where = {"record_id": record.record_id or None}
        if self._block_digest:
            if self.block_hasher is None:
                self.report.problem(
                    "warc.block_digest", self.file.label, f"unknown digest algorithm in {self._block_digest}",
                    offset=record.offset, **where,
                )  # fmt: skip
            elif digest_matches(self._block_digest, self.block_hasher.digest()):
                self.report.ok("warc.block_digest")
            else:
                self.report.problem(
                    "warc.block_digest", self.file.label,
                    f"WARC-Block-Digest is {self._block_digest}, the block's is "
                    f"{self._spell(self._block_digest, self.block_hasher.digest())}",
                    offset=record.offset, **where,
                )  # fmt: skip
        if record.payload_digest and record.rec_type != "revisit":
            if self.payload_hasher is None:
                record.payload_ok = False
                self.report.problem(
                    "warc.payload_digest", self.file.label, f"unknown digest algorithm in {record.payload_digest}",
                    offset=record.offset, **where,
                )  # fmt: skip
            else:
                record.payload_ok = digest_matches(record.payload_digest, self.payload_hasher.digest())
                if record.payload_ok:
                    self.report.ok("warc.payload_digest")
                else:
                    self.report.problem(
                        "warc.payload_digest", self.file.label,
                        f"WARC-Payload-Digest is {record.payload_digest}, the payload's is "
                        f"{self._spell(record.payload_digest, self.payload_hasher.digest())}"
                        + (f" ({record.target_uri})" if record.target_uri else ""),
                        offset=record.offset, **where,
                    )  # fmt: skip
        self.state, self.buf = "trailer", bytearray()

    @staticmethod
    def _spell(header: str, raw: bytes) -> str:
        return header.partition(":")[0] + ":" + base64.b32encode(raw).decode("ascii")

    def _trailer(self, view: memoryview) -> memoryview:
        take = 4 - len(self.buf)
        self.buf += view[:take]
        self.pos += min(take, len(view))
        if len(self.buf) == 4:
            record = self.record
            assert record is not None
            if bytes(self.buf) != _END:
                raise _Broken(
                    "warc.content_length",
                    f"the block does not end where Content-Length says: {bytes(self.buf)!r} follows it, not CRLF CRLF",
                    record.record_id,
                )
            self.report.ok("warc.record")
            self.done.append(record)
            self.state, self.buf, self.record = "head", bytearray(), None
            record.length = self.pos - record.offset  # right for a plain file; a member's end sets it otherwise
        return view[take:]

    def end_member(self, member_offset: int, member_end: int) -> None:
        """A gzip member ended: every record that began in it is complete, and gets the member's length."""
        if not self.idle:
            record = self.record
            if self.state == "block" and record is not None:
                what = (
                    f"its gzip member ends {self.remaining} bytes before the end of the block that Content-Length gives"
                )
            else:
                what = "its gzip member ends inside the record"
            self.report.problem(
                "warc.content_length",
                self.file.label,
                what,
                offset=member_offset,
                record_id=record.record_id if record is not None and record.record_id else None,
            )
        for record in self.done:
            record.length = member_end - record.offset
            self.file.records[record.offset] = record
        self.reset()

    def end_plain(self) -> None:
        """A plain WARC file ended: its complete records are kept."""
        for record in self.done:
            self.file.records[record.offset] = record
        self.done = []


def scan_warc(stream: IO[bytes], name: str, label: str, report: Report, progress: Progress | None = None) -> WarcFile:
    """Scan one WARC file (gzip per record, or plain): every problem into ``report``, its records returned."""
    progress = progress or Progress()
    parser = RecordParser(name, label, report)
    first = stream.read(CHUNK)
    progress.add(len(first))
    if not first:
        report.problem("warc.parse", label, "the file is empty")
        return parser.file
    if first.startswith(b"\x1f\x8b"):
        _scan_gzip(stream, first, parser, report, progress)
    else:
        _scan_plain(stream, first, parser, report, progress)
    report.ok("warc.file")
    return parser.file


def _scan_plain(stream: IO[bytes], data: bytes, parser: RecordParser, report: Report, progress: Progress) -> None:
    while data:
        try:
            parser.feed(data, -1)
        except _Broken as exc:
            report.problem(exc.check, parser.file.label, exc.what, offset=parser.start, record_id=exc.record_id)
            parser.end_plain()
            return
        data = stream.read(CHUNK)
        progress.add(len(data))
    if not parser.idle:
        record = parser.record
        report.problem(
            "warc.truncated",
            parser.file.label,
            "the file ends inside this record",
            offset=parser.start,
            record_id=record.record_id if record is not None and record.record_id else None,
        )
    parser.end_plain()


def _scan_gzip(stream: IO[bytes], pending: bytes, parser: RecordParser, report: Report, progress: Progress) -> None:
    read_total = len(pending)
    member_start = 0
    while True:
        if not pending:
            pending = stream.read(CHUNK)
            progress.add(len(pending))
            read_total += len(pending)
            if not pending:
                return
        member_start = read_total - len(pending)
        inflate = zlib.decompressobj(31)
        data, broken = pending, False
        try:
            while True:
                out = inflate.decompress(data, CHUNK)
                if out and not broken:
                    try:
                        parser.feed(out, member_start)
                    except _Broken as exc:
                        report.problem(
                            exc.check, parser.file.label, exc.what, offset=member_start, record_id=exc.record_id
                        )
                        broken = True
                        parser.reset()
                if inflate.eof:
                    break
                data = inflate.unconsumed_tail
                if not data:
                    data = stream.read(CHUNK)
                    progress.add(len(data))
                    read_total += len(data)
                    if not data:
                        record = parser.record
                        report.problem(
                            "warc.truncated",
                            parser.file.label,
                            f"the file ends inside this gzip member ({read_total - member_start} bytes of it "
                            "are there)",
                            offset=member_start,
                            record_id=record.record_id if record is not None and record.record_id else None,
                        )
                        parser.reset()
                        return
        except zlib.error as exc:
            report.problem("warc.gzip", parser.file.label, f"the gzip member is damaged ({exc})", offset=member_start)
            parser.reset()
            found = _next_member(stream, member_start + 1, progress)
            if found is None:
                return
            stream.seek(found)
            read_total, pending = found, b""
            continue
        pending = inflate.unused_data
        member_end = read_total - len(pending)
        if not broken:
            parser.end_member(member_start, member_end)
        else:
            parser.reset()


def _next_member(stream: IO[bytes], start: int, progress: Progress) -> int | None:
    """The offset of the next gzip header at or after ``start``, or None."""
    stream.seek(start)
    position, tail = start, b""
    while True:
        chunk = stream.read(CHUNK)
        progress.add(len(chunk))
        if not chunk:
            return None
        data = tail + chunk
        found = data.find(_GZIP_MAGIC)
        if found >= 0:
            return position - len(tail) + found
        tail = data[-2:]
        position += len(chunk)
