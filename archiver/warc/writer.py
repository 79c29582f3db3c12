"""The WARC file life cycle, as warcprox and Heritrix run it.

Opened lazily as ``NAME.warc.gz.open``, warcinfo first, one gzip member per record, rollover by size, and a
rename to ``NAME.warc.gz`` on close.

File names are ``PREFIX-YYYYMMDDHHMMSSmmm-SERIAL-HOST.warc.gz`` with a 5-digit serial. Every record is
WARC/1.1. A capture is written as ``request``, ``response`` and ``metadata`` records, built in memory and
written to the file in one go, then flushed, so a killed crawl loses at most the capture being written (see
``mend.py``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import socket
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.errors import ArchiverError
from archiver.warc.records import (
    Capture,
    build_request_head,
    build_response_head,
    warc_protocols,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from types import TracebackType

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
DEFAULT_MAX_SIZE = 1_000_000_000
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

_MIME_SPLIT = re.compile(r"[; ]")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


#: zlib's level for each record's gzip member: its default, 6. warcio compresses at 9, which on these records
#: (HTML, feeds, already-compressed photos) gives files within 0.5% of the same size for about twice the CPU:
#: a 290 KB JPEG took ~12 ms at 9 and ~6 ms at 6 here, a 240 KB page ~25 ms and ~16 ms.
GZIP_LEVEL = 6
#: zlib's level for the gzip member of a response whose payload is already compressed (:func:`compressed_payload`):
#: 0, stored. Deflate cannot shrink a JPEG, a PNG or a gzip-encoded page, and deflating them was most of the
#: writer's compression CPU: on the replica's 2,000-post crawl, 385 MiB of images took 8.1 s of CPU at level 6
#: for 6% smaller members, 0.5 s at 0; its gzip-encoded HTML came out the same size at 6 and at 0.
STORED_LEVEL = 0
#: Content-Types whose payload is compressed already (the ``video/`` and ``audio/`` families are too, but for
#: uncompressed audio)
COMPRESSED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "image/png",
        "image/apng",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/heic",
        "image/heif",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "font/woff",
        "font/woff2",
        "application/font-woff",
    }
)
#: bytes of a payload deflated (at level 1) to check that its headers tell the truth before it is stored
SAMPLE_BYTES = 16 * 1024
_UNCOMPRESSED_AUDIO = frozenset({"audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave", "audio/l16"})


class WarcError(ArchiverError):
    """A WARC file cannot be written, read or repaired."""


def _warcio_version() -> str:
    """Return the installed warcio version, for the warcinfo ``software`` field."""
    try:
        return version("warcio")
    except PackageNotFoundError:  # pragma: no cover - warcio is a hard dependency
        return "unknown"


SOFTWARE = f"blogspot-archiver/{__version__} warcio/{_warcio_version()}"


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC (the default clock)."""
    return datetime.now(UTC)


def new_record_id() -> str:
    """Return a fresh ``<urn:uuid:…>`` WARC-Record-ID (the default id factory)."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(when: datetime) -> str:
    """Format an aware datetime as a WARC 1.1 date, with microseconds when they are not zero."""
    if when.tzinfo is None:
        raise ValueError(f"WARC dates need an aware datetime, got {when!r}")
    naive = when.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(naive, use_micros=True))


def file_timestamp(when: datetime) -> str:
    """``YYYYMMDDHHMMSSmmm`` in UTC for WARC file names."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y%m%d%H%M%S") + f"{utc.microsecond // 1000:03d}"


def mime_of(content_type: str | None) -> str:
    """Return the CDX ``mime`` as pywb does: Content-Type up to the first ``;`` or space, else ``unk``."""
    if content_type is None:
        return "unk"
    return _MIME_SPLIT.split(content_type, maxsplit=1)[0]


def compressed_payload(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a response's payload, by its headers, is compressed already: deflating it again gains nothing.

    True for a ``Content-Encoding`` other than ``identity`` (the body is stored content-encoded), or a
    Content-Type of :data:`COMPRESSED_TYPES` or of the ``video/`` or ``audio/`` families (but uncompressed audio).
    """
    content_type = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-encoding":
            if value.strip().lower() not in (b"", b"identity"):
                return True
        elif lowered == b"content-type" and content_type is None:
            content_type = mime_of(value.decode("latin-1").strip()).lower()
    if content_type is None:
        return False
    if content_type in COMPRESSED_TYPES:
        return True
    return content_type.startswith(("video/", "audio/")) and content_type not in _UNCOMPRESSED_AUDIO


def incompressible(body: bytes) -> bool:
    """Whether deflate cannot shrink ``body`` by a tenth, judged on :data:`SAMPLE_BYTES` from its middle.

    The check behind :func:`compressed_payload`: a server that labels compressible bytes ``image/jpeg`` (or
    claims a Content-Encoding it did not apply) gets them deflated anyway, not stored at full size. The
    middle, not the start: a file's headers and metadata deflate better than the data after them.
    """
    start = max(0, len(body) // 2 - SAMPLE_BYTES // 2)
    sample = body[start : start + SAMPLE_BYTES]
    return len(sample) < 512 or len(zlib.compress(sample, 1)) * 10 >= len(sample) * 9


def _decode_header_value(value: bytes) -> str:
    """Decode a header value as warcio does when it reads one back: UTF-8, else ISO-8859-1."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _field_value(value: str) -> str:
    """Keep a warc-fields value on one line."""
    return " ".join(value.splitlines()).strip()


class _VerbatimHead(StatusAndHeaders):  # type: ignore[misc]  # warcio is untyped
    """HTTP status line and headers that warcio writes byte for byte instead of re-serialising them."""

    def __init__(self, head: bytes) -> None:
        """Parse ``head`` for warcio's bookkeeping but keep the original bytes as the buffer to write."""
        lines = head.split(b"\r\n")
        first = _decode_header_value(lines[0])
        protocol, _, statusline = first.partition(" ")
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if sep:
                headers.append((_decode_header_value(name), _decode_header_value(value.strip())))
        super().__init__(statusline, headers, protocol=protocol)
        self.headers_buff = head

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        """Keep the verbatim bytes; warcio would otherwise rebuild (and possibly %-encode) them."""


@dataclass(frozen=True)
class RecordLocation:
    """Where one record sits: its gzip member's offset and compressed length, and its WARC-Record-ID."""

    record_id: str
    record_type: str
    offset: int
    length: int


@dataclass(frozen=True)
class CaptureLocation:
    """Where a capture's records went (``filename`` is the final name) and what its CDXJ line needs."""

    filename: str
    url: str
    date: datetime
    status: int
    mime: str
    payload_digest: str
    request: RecordLocation
    response: RecordLocation  # the response record, or the revisit record written in its place
    metadata: RecordLocation
    revisit_of: RevisitOf | None = None  # set when the payload was not stored again


#: the WARC/1.1 revisit profile for a payload already archived (WARC 1.1, section 6.7.2)
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


@dataclass(frozen=True)
class RevisitOf:
    """The complete, readable response record a revisit refers to: it holds the same payload."""

    uri: str  # its WARC-Target-URI
    date: str  # its WARC-Date, as written there
    record_id: str  # its WARC-Record-ID, ``<urn:uuid:...>``


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` the writer gives a payload (``sha1:`` and base32, as warcio writes it)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


@dataclass(frozen=True)
class _Member:
    """One record already serialised as a gzip member, before it is placed in a file."""

    record_id: str
    record_type: str
    data: bytes
    payload_digest: str | None


class WarcFileWriter:
    """Write captures to size-limited, gzip-per-record WARC 1.1 files ``PREFIX-TIME-SERIAL-HOST.warc.gz``."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        hostname: str | None = None,
        *,
        max_size: int = DEFAULT_MAX_SIZE,
        warcinfo: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
        id_factory: Callable[[], str] = new_record_id,
        fsync: bool = False,
        store_compressed: bool = True,
    ) -> None:
        """Configure the writer; no file is created until the first record is written.

        ``store_compressed``: a response whose payload is compressed already (:func:`compressed_payload`, and
        :func:`incompressible` agrees) gets a stored gzip member (:data:`STORED_LEVEL`) instead of being
        deflated again; the record's bytes are the same either way, once the member is decompressed.
        """
        if max_size <= 0:
            raise ValueError(f"max_size must be positive, got {max_size}")
        self.directory = Path(directory)
        self.prefix = prefix
        self.hostname = hostname if hostname is not None else socket.gethostname()
        self.max_size = max_size
        self.clock = clock
        self.id_factory = id_factory
        self.fsync = fsync
        self.store_compressed = store_compressed
        self.warcinfo_fields = self._warcinfo_fields(warcinfo or {})

        self.files_written: list[Path] = []
        #: sha256 hex and size of each file this writer created and closed, hashed as written (no re-reading)
        self.file_digests: dict[Path, tuple[str, int]] = {}
        self.records_written = 0
        self.bytes_written = 0

        self._serial = 0
        self._file: IO[bytes] | None = None
        self._open_path: Path | None = None
        self._final_path: Path | None = None
        self._warcinfo_id: str | None = None
        self._sha256: Any = None  # hashlib object over the open file's bytes; None once a write failed
        # TLS certificate chains already stored in the open file: chain URN -> its record's id
        self._tls_chains: dict[str, str] = {}
        self._tls_chains_file: Path | None = None

    # -- configuration ----------------------------------------------------------------------------------

    def _warcinfo_fields(self, given: Mapping[str, str]) -> dict[str, str]:
        """Merge fields: ours first (software, format, conformsTo, hostname, ip), then the caller's."""
        fields = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "conformsTo": CONFORMS_TO,
            "hostname": self.hostname,
        }
        # no "ip" lookup: resolving our own host name could send a DNS query off the machine
        fields.update(given)
        return {key: _field_value(value) for key, value in fields.items() if value}

    # -- state ------------------------------------------------------------------------------------------

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, or None between files."""
        return self._open_path

    def __enter__(self) -> Self:
        """Use the writer as a context manager; ``close()`` runs on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close (and rename) the current file."""
        self.close()

    # -- file life cycle --------------------------------------------------------------------------------

    def _file_name(self, serial: int, when: datetime) -> str:
        """``PREFIX-YYYYMMDDHHMMSSmmm-SERIAL-HOST.warc.gz``."""
        host = _UNSAFE_NAME.sub("-", self.hostname) or "localhost"
        return f"{self.prefix}-{file_timestamp(when)}-{serial:05d}-{host}{WARC_SUFFIX}"

    def _open(self) -> None:
        """Create the next ``.open`` file (never overwriting one) and write its warcinfo record."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcError(f"cannot create WARC directory {self.directory}: {exc}") from exc
        when = self.clock()
        while True:
            name = self._file_name(self._serial, when)
            final = self.directory / name
            open_path = self.directory / (name + OPEN_SUFFIX)
            self._serial += 1
            if final.exists():
                continue
            try:
                handle = open_path.open("xb")
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcError(f"cannot create WARC file {open_path}: {exc}") from exc
            break
        self._file = handle
        self._open_path = open_path
        self._final_path = final
        self._sha256 = hashlib.sha256()
        logger.info("Opened WARC file %s", open_path)

        member = self._warcinfo_member(name, when)
        self._warcinfo_id = member.record_id
        self._write_members([member])

    def close(self) -> None:
        """Flush, close and rename the current ``.open`` file to its final name; safe to call twice."""
        if self._file is None:
            return
        assert self._open_path is not None
        assert self._final_path is not None
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        size = self._file.tell()
        self._file.close()
        self._open_path.replace(self._final_path)
        logger.info("Closed WARC file %s", self._final_path)
        if self._sha256 is not None:
            self.file_digests[self._final_path] = (self._sha256.hexdigest(), size)
        # last: a reader in another thread (the WARC middleware's reactor) that sees the file listed sees its digest
        self.files_written.append(self._final_path)
        self._sha256 = None
        self._file = None
        self._open_path = None
        self._final_path = None
        self._warcinfo_id = None

    def _ensure_open(self) -> None:
        """Open a file lazily before the first record."""
        if self._file is None:
            self._open()

    def _roll_if_full(self) -> None:
        """Close the file once it has reached ``max_size``; the next record opens the next serial."""
        if self._file is not None and self._file.tell() >= self.max_size:
            self.close()

    def _write_members(self, members: Iterable[_Member]) -> list[RecordLocation]:
        """Append members to the open file in one write, flush it, and return where each landed."""
        assert self._file is not None
        offset = self._file.tell()
        locations = []
        chunks = []
        for member in members:
            locations.append(RecordLocation(member.record_id, member.record_type, offset, len(member.data)))
            offset += len(member.data)
            chunks.append(member.data)
        data = b"".join(chunks)
        try:
            self._file.write(data)
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
        except OSError as exc:
            self._sha256 = None  # what reached the file is unknown: it will be hashed by reading
            raise WarcError(f"cannot write to WARC file {self._open_path}: {exc}") from exc
        if self._sha256 is not None:
            self._sha256.update(data)
        self.records_written += len(locations)
        self.bytes_written += len(data)
        return locations

    # -- record building --------------------------------------------------------------------------------

    @staticmethod
    def _serialise(record: Any, level: int = GZIP_LEVEL) -> bytes:
        """One warcio record as one gzip member, compressed at ``level`` (:data:`GZIP_LEVEL`)."""
        buffer = BytesIO()
        WARCWriter(buffer, gzip=False, warc_version=WARC_VERSION).write_record(record)
        compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)  # a gzip member
        return compressor.compress(buffer.getvalue()) + compressor.flush()

    @staticmethod
    def _warc_headers(pairs: list[tuple[str, str | None]]) -> StatusAndHeaders:
        """WARC headers in the given order, skipping empty values."""
        return StatusAndHeaders("", [(k, v) for k, v in pairs if v], protocol=WARC_VERSION)

    def _warcinfo_member(self, filename: str, when: datetime) -> _Member:
        """Build the warcinfo record that starts every file."""
        record_id = self.id_factory()
        body = "".join(f"{key}: {value}\r\n" for key, value in self.warcinfo_fields.items()).encode("utf-8")
        headers = self._warc_headers(
            [
                ("WARC-Type", "warcinfo"),
                ("WARC-Record-ID", record_id),
                ("WARC-Date", warc_date(when)),
                ("WARC-Filename", filename),
            ]
        )
        record = RecordBuilder(warc_version=WARC_VERSION).create_warc_record(
            "", "warcinfo", payload=BytesIO(body), length=len(body), warc_headers=headers
        )
        return _Member(record_id, "warcinfo", self._serialise(record), None)

    def _http_member(
        self,
        record_type: str,
        head: bytes,
        body: bytes,
        warc_headers: list[tuple[str, str | None]],
        level: int = GZIP_LEVEL,
    ) -> _Member:
        """Build a request or response record whose block is ``head`` + ``body``, both verbatim."""
        headers = self._warc_headers(warc_headers)
        record = RecordBuilder(warc_version=WARC_VERSION).create_warc_record(
            headers.get_header("WARC-Target-URI"),
            record_type,
            payload=BytesIO(body),
            length=len(body),
            warc_headers=headers,
            http_headers=_VerbatimHead(head),
        )
        data = self._serialise(record, level)
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        return _Member(headers.get_header("WARC-Record-ID"), record_type, data, digest)

    def _fields_member(
        self, record_type: str, uri: str, body: bytes, warc_headers: list[tuple[str, str | None]]
    ) -> _Member:
        """Build a record without HTTP headers (metadata): its block is ``body``."""
        headers = self._warc_headers(warc_headers)
        record = RecordBuilder(warc_version=WARC_VERSION).create_warc_record(
            uri, record_type, payload=BytesIO(body), length=len(body), warc_headers=headers
        )
        return _Member(headers.get_header("WARC-Record-ID"), record_type, self._serialise(record), None)

    @staticmethod
    def metadata_fields(capture: Capture) -> bytes:
        """Heritrix-style ``application/warc-fields`` for a capture: outlinks, via, hop path, fetch time."""
        lines = [f"outlink: {_field_value(link)} L" for link in capture.outlinks]
        if capture.via:
            lines.append(f"via: {_field_value(capture.via)}")
        if capture.hop is not None:
            lines.append(f"hopsFromSeed: {_field_value(capture.hop)}")
        lines.append(f"fetchTimeMs: {round(capture.fetch_duration_s * 1000)}")
        lines.extend(f"{_field_value(name)}: {_field_value(value)}" for name, value in capture.annotations)
        return "".join(line + "\r\n" for line in lines).encode("utf-8")

    # -- public writing API -----------------------------------------------------------------------------

    def write_metadata(
        self, uri: str, block: bytes, *, content_type: str, when: datetime, refers_to: str | None = None
    ) -> tuple[str, RecordLocation]:
        """Write one ``metadata`` record about ``uri`` (not tied to a fetch of this crawl) and flush it.

        ``refers_to`` (a WARC-Record-ID) names the record it is about, as ``WARC-Refers-To``. Returns the
        file's final name and where the record landed.
        """
        self._ensure_open()
        assert self._final_path is not None
        filename = self._final_path.name
        member = self._fields_member(
            "metadata",
            uri,
            block,
            [
                ("WARC-Type", "metadata"),
                ("WARC-Record-ID", self.id_factory()),
                ("WARC-Date", warc_date(when)),
                ("WARC-Target-URI", uri),
                ("WARC-Warcinfo-ID", self._warcinfo_id),
                ("WARC-Refers-To", refers_to),
                ("Content-Type", content_type),
            ],
        )
        (location,) = self._write_members([member])
        self._roll_if_full()
        return filename, location

    def metadata_once_per_file(self, uri: str, block: bytes, *, content_type: str, when: datetime) -> str:
        """Write a ``metadata`` record for ``uri`` unless the open file has one already; return its record id.

        For evidence many captures share, such as a TLS certificate chain (:mod:`archiver.tlsinfo`): each WARC
        file holds it once, a new file (a rollover) again. The file is not rolled over after it, so the
        capture written next, which names the record, lands in the same file. A ``metadata`` record, not a
        ``resource``: it describes how captures were fetched, and replay indexes (pywb's) leave it out.
        """
        self._ensure_open()
        if self._tls_chains_file != self._open_path:
            self._tls_chains = {}
            self._tls_chains_file = self._open_path
        known = self._tls_chains.get(uri)
        if known is not None:
            return known
        record_id = self.id_factory()
        member = self._fields_member(
            "metadata",
            uri,
            block,
            [
                ("WARC-Type", "metadata"),
                ("WARC-Record-ID", record_id),
                ("WARC-Date", warc_date(when)),
                ("WARC-Target-URI", uri),
                ("WARC-Warcinfo-ID", self._warcinfo_id),
                ("Content-Type", content_type),
            ],
        )
        self._write_members([member])
        self._tls_chains[uri] = record_id
        return record_id

    def write_capture(self, capture: Capture, revisit_of: RevisitOf | None = None) -> CaptureLocation:
        """Write request, response and metadata records of one capture to the current file and flush it.

        With ``revisit_of`` (an archived response with the same payload digest, complete and readable: the
        caller checks), the response is written as a ``revisit`` record of the identical-payload-digest
        profile instead: its block is the HTTP head exactly as it would have been stored (status line and
        headers, ``Content-Length`` the payload's), its ``WARC-Payload-Digest`` the payload's, and the payload
        itself is left out; ``WARC-Refers-To-Target-URI``, ``WARC-Refers-To-Date`` and ``WARC-Refers-To`` name
        the original. Replay tools (pywb, ReplayWeb.page) serve the original's payload with these headers.
        """
        self._ensure_open()
        assert self._final_path is not None
        request, response = capture.request, capture.response
        url = request.url
        date = warc_date(capture.date)
        request_id, response_id, metadata_id = self.id_factory(), self.id_factory(), self.id_factory()

        request_member = self._http_member(
            "request",
            build_request_head(request),
            request.body,
            [
                ("WARC-Type", "request"),
                ("WARC-Record-ID", request_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", url),
                ("WARC-Warcinfo-ID", self._warcinfo_id),
                ("WARC-Concurrent-To", response_id),
            ],
        )
        record_type = "revisit" if revisit_of is not None else "response"
        stored = (
            self.store_compressed
            and revisit_of is None
            and compressed_payload(response.headers)
            and incompressible(response.body)
        )
        response_member = self._http_member(
            record_type,
            build_response_head(response, request.method),
            response.body if revisit_of is None else b"",
            [
                ("WARC-Type", record_type),
                ("WARC-Record-ID", response_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", url),
                ("WARC-Warcinfo-ID", self._warcinfo_id),
                ("WARC-Concurrent-To", request_id),
                ("WARC-IP-Address", response.ip_address),
                *(("WARC-Protocol", protocol) for protocol in warc_protocols(response)),
                ("WARC-Cipher-Suite", response.tls_cipher),
                ("WARC-Truncated", response.truncated),
                *(
                    [
                        ("WARC-Profile", REVISIT_PROFILE),
                        ("WARC-Refers-To-Target-URI", revisit_of.uri),
                        ("WARC-Refers-To-Date", revisit_of.date),
                        ("WARC-Refers-To", revisit_of.record_id),
                        ("WARC-Payload-Digest", payload_digest(response.body)),
                    ]
                    if revisit_of is not None
                    else []
                ),
            ],
            STORED_LEVEL if stored else GZIP_LEVEL,
        )
        metadata_member = self._fields_member(
            "metadata",
            url,
            self.metadata_fields(capture),
            [
                ("WARC-Type", "metadata"),
                ("WARC-Record-ID", metadata_id),
                ("WARC-Date", date),
                ("WARC-Target-URI", url),
                ("WARC-Warcinfo-ID", self._warcinfo_id),
                ("WARC-Concurrent-To", response_id),
                ("Content-Type", "application/warc-fields"),
            ],
        )
        req_loc, resp_loc, meta_loc = self._write_members([request_member, response_member, metadata_member])

        content_type = next(
            (_decode_header_value(v).strip() for k, v in response.headers if k.lower() == b"content-type"),
            None,
        )
        assert response_member.payload_digest is not None
        location = CaptureLocation(
            filename=self._final_path.name,
            url=url,
            date=capture.date,
            status=response.status,
            mime=mime_of(content_type),
            payload_digest=response_member.payload_digest,
            request=req_loc,
            response=resp_loc,
            metadata=meta_loc,
            revisit_of=revisit_of,
        )
        self._roll_if_full()
        return location
