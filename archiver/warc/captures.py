"""What a crawl folder's WARC files already hold: the completed captures a resumed crawl starts from.

A resumed crawl does not trust any state file: after a hard kill, Scrapy's on-disk queue and duplicate
filter disagree with what was archived (the filter may hold every fingerprint while the queue lost what was in
flight). The WARC files are the only record that is written durably as the crawl goes (each capture in one
flushed write, the ``.open`` tail mended at start), so the resume reads them: every complete ``response``
record is a URL that needs no second fetch, and the links of the archived pages, read again, rebuild the
frontier exactly as the first run found it. So is a ``revisit`` of the identical-payload-digest profile (the
payload was archived before, the HTTP head is here): its body is its original's payload, found by
``WARC-Refers-To`` through the ``originals`` lookup given (``archiver.records.warcread.Originals``: the blog's
other crawls) and checked against the revisit's digest. A revisit of a type whose body is read and whose
original cannot be found is not a capture the resume can use: it is skipped with a warning, so the URL is
fetched again rather than left with links nobody followed. A ``request`` record without its response is not
a capture (the mender drops such a tail), nor is anything in a ``.open`` file (mended before this runs).

Plain warcio, no Scrapy. Bodies are read only for the types a crawler follows links from (HTML, XML, CSS,
JSON, plain text such as robots.txt) and only up to ``max_body`` raw bytes (a larger one is returned empty, so
the resumed crawl fetches nothing it links to that the first run did not also find elsewhere; this is counted).
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.warc.writer import REVISIT_PROFILE, WARC_SUFFIX, WarcError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    #: ``(record id, payload digest) -> payload``: the original of a revisit, None when not found with that digest
    PayloadLookup = Callable[[str, str], bytes | None]

logger = logging.getLogger(__name__)


#: MIME types whose bodies are read back: the ones link discovery parses
READ_TYPES = (
    "text/",
    "application/xml",
    "application/atom+xml",
    "application/rss+xml",
    "application/json",
    "application/xhtml+xml",
    "application/javascript",
)
DEFAULT_MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class StoredCapture:
    """One archived response: its target URI, HTTP status and headers, raw (still encoded) body when read."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    filename: str
    offset: int
    body_read: bool
    revisit: bool = False  # a revisit record: ``body`` is its original's payload

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        lower = name.lower()
        return next((value for key, value in self.headers if key.lower() == lower), None)

    @property
    def content_type(self) -> str:
        return self.header("Content-Type") or ""


def warc_files(warc_dir: Path) -> list[Path]:
    """The finished WARC files of a crawl's WARC folder, oldest first (names start with their timestamp)."""
    if not warc_dir.is_dir():
        return []
    return sorted(path for path in warc_dir.iterdir() if path.is_file() and path.name.endswith(WARC_SUFFIX))


def _wanted(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith(READ_TYPES)


def iter_captures(
    warc_dir: Path, *, max_body: int = DEFAULT_MAX_BODY, originals: PayloadLookup | None = None
) -> Iterator[StoredCapture]:
    """Every complete response (and revisit) record of the folder's finished WARC files, in the order written.

    ``originals`` finds the payload of a revisit's original (without it, a revisit whose body would be read is
    skipped, as when its original is not found). Raises :class:`~archiver.warc.writer.WarcError` naming the
    file and offset when a file cannot be read.
    """
    for path in warc_files(warc_dir):
        records = None
        try:
            with path.open("rb") as stream:
                records = ArchiveIterator(stream)
                for record in records:
                    revisit = (
                        record.rec_type == "revisit"
                        and record.rec_headers.get_header("WARC-Profile") == REVISIT_PROFILE
                    )
                    if (record.rec_type != "response" and not revisit) or record.http_headers is None:
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    status = int(record.http_headers.get_statuscode() or 0)
                    headers = [(str(k), str(v)) for k, v in record.http_headers.headers]
                    content_type = record.http_headers.get_header("Content-Type") or ""
                    length = int(record.rec_headers.get_header("Content-Length") or 0)
                    body, read = b"", False
                    if revisit and _wanted(content_type):
                        refers_to = record.rec_headers.get_header("WARC-Refers-To") or ""
                        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
                        original = originals(refers_to, digest) if originals is not None else None
                        records.read_to_end()
                        if original is None:
                            logger.warning(
                                "The revisit of %s (offset %d of %s) refers to %s, which is not found with its "
                                "digest: it will be fetched again",
                                url,
                                records.get_record_offset(),
                                path.name,
                                refers_to or "no record",
                            )
                            continue
                        if len(original) <= max_body:
                            body, read = original, True
                    elif _wanted(content_type) and length <= max_body:
                        body, read = record.raw_stream.read(), True
                    records.read_to_end()
                    offset = records.get_record_offset()
                    yield StoredCapture(url, status, headers, body, path.name, offset, read, revisit)
        except (ArchiveLoadFailed, zlib.error, EOFError, ValueError) as exc:
            offset = getattr(records, "offset", 0)
            raise WarcError(f"{path}: cannot read the WARC record at offset {offset}: {exc}") from exc
        except OSError as exc:
            raise WarcError(f"{path}: {exc.strerror or exc}") from exc
