"""Read captures back from WARC files and extract them: the offline side of ``archiver extract``.

Every ``response`` record is handed to :func:`archiver.records.extract_records` with its target URI, HTTP
headers, raw payload (still content-encoded, as archived), WARC-Date and position, exactly as the crawl hands
over each capture it writes. ``request``, ``metadata``, ``warcinfo`` and ``revisit`` records carry no page
and are skipped. Only the payload of HTML and XML responses is read; images and scripts are stepped over,
their URL noted when the status is 200 (``images[].archived``).
"""

from __future__ import annotations

import logging
import zlib
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
    from collections.abc import Iterable, Iterator
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
    earlier response record, usually in an earlier crawl of the same blog. The files searched are the ones
    being read, then every finished WARC of the blog's other crawls: for a file ``<blog>/<crawl>/warc/F``,
    every ``<blog>/*/warc/*.warc.gz``. Response records are located by a scan of their headers (record id to
    file and offset), done once, on the first revisit met; a payload is then read by seeking to its record.
    The payload found must have the revisit's ``WARC-Payload-Digest``, or it is not used.
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        """Search ``paths`` first, then the other crawls of the blogs they belong to."""
        self.paths = list(paths)
        self._where: dict[str, tuple[Path, int]] | None = None

    def _candidates(self) -> list[Path]:
        seen: dict[Path, None] = dict.fromkeys(self.paths)
        for path in self.paths:
            if path.parent.name == "warc":
                blog = path.parent.parent.parent
                seen.update(dict.fromkeys(sorted(blog.glob("*/warc/*.warc.gz"))))
        return list(seen)

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

    def payload(self, record_id: str, digest: str) -> bytes | None:
        """The payload of the response record ``record_id``, when it is found and has ``digest``."""
        if self._where is None:
            self._where = self._scan()
        found = self._where.get(record_id)
        if found is None:
            return None
        path, offset = found
        with path.open("rb") as stream:
            stream.seek(offset)
            for record in ArchiveIterator(stream):
                body: bytes = record.raw_stream.read()
                return body if payload_digest(body) == digest else None
        return None


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
                revisit = (
                    record.rec_type == "revisit" and record.rec_headers.get_header("WARC-Profile") == REVISIT_PROFILE
                )
                if (
                    record.rec_type == "metadata"
                    and record.rec_headers.get_header("Content-Type") == CARRY_CONTENT_TYPE
                ):
                    found_carried = _carry_record(path, record.content_stream().read(), records, stats)
                    stats.fragments += len(found_carried)
                    yield from found_carried
                    continue
                if (record.rec_type != "response" and not revisit) or record.http_headers is None:
                    continue
                stats.responses += 1
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = int(record.http_headers.get_statuscode() or 0)
                if status == 200:
                    stats.archived.add(url)
                mime = (record.http_headers.get_header("Content-Type") or "").split(";", 1)[0].strip().lower()
                if mime not in _READ_TYPES or not 200 <= status < 300:
                    continue
                body = record.raw_stream.read()
                records.read_to_end()
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
                            records.get_record_offset(),
                            path.name,
                            refers_to or "no record",
                        )
                        continue
                    body = original
                pointer = WarcPointer(
                    filename=path.name,
                    offset=records.get_record_offset(),
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
                    continue
                except Exception:
                    stats.errors += 1
                    stats.error_urls.append(url)
                    logger.error(
                        "Extraction failed for %s (record at offset %d of %s)",
                        url,
                        pointer.offset,
                        path.name,
                        exc_info=True,
                    )
                    continue
                stats.fragments += len(found)
                yield from found
    except (ArchiveLoadFailed, zlib.error, EOFError, ValueError) as exc:
        offset = getattr(records, "offset", 0)  # where the record that failed starts
        message = " ".join(str(exc).split())
        message = message if len(message) <= 160 else message[:160] + "..."
        raise WarcReadError(f"{path}: cannot read the WARC record at offset {offset}: {message}") from exc
    except OSError as exc:
        raise WarcReadError(f"{path}: {exc.strerror or exc}") from exc


def blog_folder(warc_path: Path) -> Path | None:
    """The blog folder of a WARC file laid out as ``<blog>/<crawl>/warc/<file>``, or None."""
    return warc_path.parent.parent.parent if warc_path.parent.name == "warc" else None


def _carry_record(path: Path, block: bytes, records: Any, stats: ReadStats) -> list[Fragment]:
    try:
        carry = Carry.from_json(block)
    except (ValueError, KeyError, TypeError) as exc:
        stats.errors += 1
        logger.warning("Unreadable carry record at offset %d of %s: %s", records.get_record_offset(), path.name, exc)
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


def extract_warcs(paths: Iterable[Path]) -> tuple[MergeResult, ReadStats]:
    """Records of every post and static page in the WARC files at ``paths`` (files or folders).

    Raises :class:`WarcReadError` when the paths hold no WARC file, or a file cannot be read.
    """
    given = list(paths)
    warcs = find_warcs(given)
    if not warcs:
        raise WarcReadError(f"no WARC files (*.warc.gz, *.warc) in {', '.join(str(p) for p in given)}")
    stats = ReadStats()
    originals = Originals(warcs)
    fragments = [fragment for path in warcs for fragment in iter_fragments(path, stats, originals)]
    return merge(fragments, archived=stats.archived), stats
