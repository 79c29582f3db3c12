"""The blog's dedup index: every complete response its crawls archived, by URL and payload digest (no Scrapy).

One SQLite file per blog, ``OUTPUT/<host>/dedup.sqlite`` (:mod:`archiver.layout`), one row per ``response``
record of a finished WARC file of any crawl of the blog. It is what a later crawl's revisit records refer to:
a response whose payload is already archived is written as a ``revisit`` pointing at the row's record.

What is indexed, and why:

- only ``response`` records: ``revisit`` records hold no payload (a revisit never becomes an original, so no
  chain of revisits can form), and ``request`` and ``metadata`` records are not captures of the URL;
- only finished files (``*.warc.gz``, never ``*.warc.gz.open``): a file still open may be written to, or be the
  torn tail of a killed crawl. A file mended after a kill (:mod:`archiver.warc.mend`) holds only complete
  records, so each of them is a valid original: an interrupted crawl is an original for exactly the records it
  completed, and for nothing it did not;
- not records with ``WARC-Truncated`` (their payload is not the whole of what the server sent) nor records
  without ``WARC-Payload-Digest`` (nothing to match on);
- the file path is stored relative to the blog's folder (``<crawl id>/warc/<name>.warc.gz``), so the output
  folder can be moved; a WARC folder that is not ``<blog folder>/<crawl folder>/warc/`` is refused, because
  :func:`rebuild` would not find it again (the index is always a function of the WARC files alone). The
  crawl id of a row is the name of its crawl folder.

Which capture is *the* original of a payload: the **earliest** complete capture (WARC-Date, then file and
offset). That is what Heritrix (its content-digest history is stored once, on the first capture, and never
replaced by later ones) and warcprox (its dedup database keeps the first record written) do, and what pywb's
revisit resolution always finds: pywb looks the digest up among the captures of the URL and accepts an
earlier one. The earliest one is also stable: crawls added later never change the original of a revisit
already written, and it is the capture most certainly kept.

Durability: the database runs in WAL mode with ``synchronous=NORMAL``. In WAL mode a committed transaction
survives any crash of the process, and the file is never corrupted; only a power loss can drop the last
transactions. That loss is harmless: every WARC file is fsynced (and its folder, for its final name) *before*
its rows are committed, so after any crash the index holds a subset of what is durably on disk. A missing row
only means that a later crawl stores a payload in full instead of as a revisit; a row pointing at a record
that is not on disk could break replay, and cannot happen. ``FULL`` would buy nothing but an fsync per commit.
Each :func:`DedupIndex.add_files` call is one transaction: a crawl is indexed entirely or not at all, and
re-indexing the same file changes nothing (the key is file and offset).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.layout import DEDUP_INDEX, WARC_FOLDER
from archiver.warc.writer import OPEN_SUFFIX, WARC_SUFFIX, WarcError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from types import TracebackType

logger = logging.getLogger(__name__)

#: the index's file name in the blog's folder
INDEX_NAME = DEDUP_INDEX
SCHEMA_VERSION = 1
#: seconds a writer waits for another process's transaction (two crawls of one blog ending together)
BUSY_TIMEOUT_MS = 60_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    file      TEXT    NOT NULL,  -- the WARC file, relative to the blog's folder: <crawl id>/warc/<name>
    offset    INTEGER NOT NULL,  -- the record's gzip member: offset and length in the file
    length    INTEGER NOT NULL,
    url       TEXT    NOT NULL,  -- WARC-Target-URI
    digest    TEXT    NOT NULL,  -- WARC-Payload-Digest as written, e.g. sha1:BASE32
    date      TEXT    NOT NULL,  -- WARC-Date as written
    date_key  TEXT    NOT NULL,  -- the same date as 20 digits YYYYMMDDHHMMSSffffff, for ordering
    crawl_id  TEXT    NOT NULL,
    record_id TEXT    NOT NULL,  -- WARC-Record-ID
    status    INTEGER NOT NULL,  -- HTTP status
    PRIMARY KEY (file, offset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS captures_by_url ON captures (url, digest, date_key, file, offset);
CREATE INDEX IF NOT EXISTS captures_by_digest ON captures (digest, date_key, file, offset);
"""
_COLUMNS = "file, offset, length, url, digest, date, date_key, crawl_id, record_id, status"
_ORIGINAL = f"SELECT {_COLUMNS} FROM captures WHERE {{where}} ORDER BY date_key, file, offset LIMIT 1"
_DIGITS = re.compile(r"\d+")


class DedupError(WarcError):
    """The dedup index cannot be read, written or rebuilt."""


@dataclass(frozen=True, order=True)
class IndexedCapture:
    """One row of the index: a complete response record and where it is (``file`` relative to the blog)."""

    file: str
    offset: int
    length: int
    url: str
    digest: str
    date: str
    date_key: str
    crawl_id: str
    record_id: str
    status: int


@dataclass(frozen=True)
class IndexStats:
    """What the index holds."""

    records: int
    files: int
    crawls: int
    urls: int
    digests: int


@dataclass(frozen=True)
class FillResult:
    """What one fill read and added."""

    files: int
    records: int
    added: int
    skipped: int


def date_key(warc_date: str) -> str:
    """A WARC-Date as 20 digits ``YYYYMMDDHHMMSSffffff``, so that dates of any precision sort in time order.

    ``2026-01-02T03:04:05Z`` and ``2026-01-02T03:04:05.25Z`` do not sort as strings ('.' is before 'Z').
    """
    date, _, fraction = warc_date.partition(".")
    digits = "".join(_DIGITS.findall(date))
    fraction_digits = "".join(_DIGITS.findall(fraction))
    return (digits + "0" * 14)[:14] + (fraction_digits + "0" * 6)[:6]


def finished_warcs(warc_dir: Path) -> tuple[list[Path], list[Path]]:
    """The finished WARC files of a folder (name order: oldest first) and the ``.open`` ones it also holds."""
    if not warc_dir.is_dir():
        return [], []
    files = sorted(path for path in warc_dir.iterdir() if path.is_file())
    finished = [path for path in files if path.name.endswith(WARC_SUFFIX)]
    still_open = [path for path in files if path.name.endswith(WARC_SUFFIX + OPEN_SUFFIX)]
    return finished, still_open


def crawl_warc_dirs(blog_dir: Path) -> list[Path]:
    """Every crawl's WARC folder of a blog's folder (``<blog>/<crawl>/warc``), in crawl-name order."""
    if not blog_dir.is_dir():
        return []
    return sorted(path / WARC_FOLDER for path in blog_dir.iterdir() if (path / WARC_FOLDER).is_dir())


def _relative(path: Path, blog_dir: Path) -> tuple[str, str]:
    """``(<crawl>/warc/<name>, crawl id)`` of a WARC file, or DedupError when it is not laid out so."""
    try:
        relative = path.absolute().relative_to(blog_dir.absolute())
    except ValueError:
        raise DedupError(
            f"{path} is not in the blog's folder {blog_dir}: the index could not be rebuilt from it"
        ) from None
    parts = relative.parts
    if len(parts) != 3 or parts[1] != WARC_FOLDER:
        raise DedupError(f"{path} is not <crawl folder>/{WARC_FOLDER}/<file> in {blog_dir}")
    return relative.as_posix(), parts[0]


def read_captures(path: Path, blog_dir: Path) -> Iterator[IndexedCapture]:
    """The indexable response records of one finished WARC file, in file order (payloads are not kept)."""
    if path.name.endswith(OPEN_SUFFIX):
        raise DedupError(f"{path} is still open: only finished WARC files are indexed")
    file, crawl_id = _relative(path, blog_dir)
    records = None
    try:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type != "response":
                    continue
                headers = record.rec_headers
                url = headers.get_header("WARC-Target-URI")
                digest = headers.get_header("WARC-Payload-Digest")
                truncated = headers.get_header("WARC-Truncated")
                status = record.http_headers.get_statuscode() if record.http_headers is not None else None
                records.read_to_end()
                if not url or not digest or truncated or not status:
                    logger.debug("Not indexed (no URL, digest or status, or truncated): %s in %s", url, path)
                    continue
                date = headers.get_header("WARC-Date") or ""
                yield IndexedCapture(
                    file=file,
                    offset=records.get_record_offset(),
                    length=records.get_record_length(),
                    url=url,
                    digest=digest,
                    date=date,
                    date_key=date_key(date),
                    crawl_id=crawl_id,
                    record_id=headers.get_header("WARC-Record-ID") or "",
                    status=int(status),
                )
    except (ArchiveLoadFailed, zlib.error, EOFError, ValueError) as exc:
        offset = getattr(records, "offset", 0)
        raise DedupError(f"{path}: cannot read the WARC record at offset {offset}: {exc}") from exc
    except OSError as exc:
        raise DedupError(f"{path}: {exc.strerror or exc}") from exc


def _fsync(path: Path) -> None:
    """Make a file's bytes (and, for a folder, its names) durable before the index refers to them."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DedupIndex:
    """The SQLite dedup index of one blog: fill it from finished WARC files, look originals up.

    ``blog_dir`` is the blog's folder (``OUTPUT/<host>``) that file paths are relative to; ``path`` is the
    database file (default ``blog_dir/dedup.sqlite``). Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, blog_dir: Path, path: Path | None = None) -> None:
        """Open (creating when missing) the database and its schema."""
        self.blog_dir = Path(blog_dir)
        self.path = Path(path) if path is not None else self.blog_dir / INDEX_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # autocommit: transactions are begun and ended explicitly (BEGIN IMMEDIATE ... COMMIT)
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            raise DedupError(f"cannot open the dedup index {self.path}: {exc}") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise DedupError(
                    f"{self.path} has index schema {version}, this archiver writes {SCHEMA_VERSION}: "
                    f"run `archiver index rebuild {self.blog_dir}`"
                )
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._db.close()
            raise DedupError(
                f"{self.path} is not a usable dedup index ({exc}): run `archiver index rebuild {self.blog_dir}`"
            ) from exc

    def __enter__(self) -> Self:
        """Use the index as a context manager."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the database."""
        self.close()

    def close(self) -> None:
        """Close the database (a transaction still open is rolled back by SQLite)."""
        self._db.close()

    # -- filling ------------------------------------------------------------------------------------------

    def add_files(
        self,
        paths: Iterable[Path],
        *,
        replace: bool = False,
        progress: Callable[[Path, int], None] | None = None,
    ) -> FillResult:
        """Index finished WARC files in one transaction: all of their records, or (on any error) none.

        ``replace`` empties the index first, in the same transaction (a rebuild); ``progress`` is called with
        each file and its record count once it is read. Raises DedupError, and the index is left as it was,
        when a file is still ``.open`` or cannot be read.
        """
        files = records = added = 0
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise DedupError(f"cannot write the dedup index {self.path}: {exc}") from exc
        try:
            if replace:
                self._db.execute("DELETE FROM captures")
            for path in paths:
                _fsync(path)
                _fsync(path.parent)
                files += 1
                in_file = 0
                for capture in read_captures(path, self.blog_dir):
                    records += 1
                    in_file += 1
                    cursor = self._db.execute(
                        f"INSERT OR IGNORE INTO captures ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            capture.file,
                            capture.offset,
                            capture.length,
                            capture.url,
                            capture.digest,
                            capture.date,
                            capture.date_key,
                            capture.crawl_id,
                            capture.record_id,
                            capture.status,
                        ),
                    )
                    added += cursor.rowcount
                if progress is not None:
                    progress(path, in_file)
            self._db.execute("COMMIT")
        except BaseException as exc:
            self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise DedupError(f"cannot write the dedup index {self.path}: {exc}") from exc
            if isinstance(exc, OSError):
                raise DedupError(f"cannot index {exc.filename}: {exc.strerror or exc}") from exc
            raise
        return FillResult(files=files, records=records, added=added, skipped=records - added)

    def add_crawl(self, warc_dir: Path) -> tuple[FillResult, list[Path]]:
        """Index the finished WARC files of one crawl folder's ``warc/``; also returns the ``.open`` files skipped."""
        finished, still_open = finished_warcs(warc_dir)
        for path in still_open:
            logger.warning("Not indexed: %s is still open (a crawl is running, or was killed: resume it)", path)
        return self.add_files(finished), still_open

    # -- lookups ------------------------------------------------------------------------------------------

    def _one(self, where: str, params: tuple[str, ...]) -> IndexedCapture | None:
        row = self._db.execute(_ORIGINAL.format(where=where), params).fetchone()
        return None if row is None else IndexedCapture(*row)

    def original(self, url: str, digest: str) -> IndexedCapture | None:
        """The earliest complete capture of ``url`` whose payload digest is ``digest`` (as written), or None."""
        return self._one("url = ? AND digest = ?", (url, digest))

    def original_any(self, digest: str) -> IndexedCapture | None:
        """The earliest complete capture of any URL whose payload digest is ``digest``, or None."""
        return self._one("digest = ?", (digest,))

    def latest(self, url: str, status: int = 200) -> IndexedCapture | None:
        """The newest complete capture of ``url`` that answered ``status``, or None.

        An incremental crawl's last capture of a URL it does not fetch again.
        """
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM captures WHERE url = ? AND status = ? "
            "ORDER BY date_key DESC, file DESC, offset DESC LIMIT 1",
            (url, status),
        ).fetchone()
        return None if row is None else IndexedCapture(*row)

    def rows(self) -> list[IndexedCapture]:
        """Every row, sorted by file and offset."""
        return [
            IndexedCapture(*row) for row in self._db.execute(f"SELECT {_COLUMNS} FROM captures ORDER BY file, offset")
        ]

    def stats(self) -> IndexStats:
        """Counts of records, files, crawls, URLs and distinct payload digests."""
        row = self._db.execute(
            "SELECT count(*), count(DISTINCT file), count(DISTINCT crawl_id), count(DISTINCT url), "
            "count(DISTINCT digest) FROM captures"
        ).fetchone()
        return IndexStats(*row)


def rebuild(
    blog_dir: Path, path: Path | None = None, *, progress: Callable[[Path, int], None] | None = None
) -> tuple[FillResult, int, list[Path]]:
    """Empty the blog's index and fill it from every crawl's finished WARC files, in one transaction.

    Returns the fill, the number of crawl folders read and the ``.open`` files skipped. Raises DedupError
    naming the folder when it holds no crawl (no ``<crawl>/warc/`` folder).
    """
    warc_dirs = crawl_warc_dirs(blog_dir)
    if not warc_dirs:
        raise DedupError(f"{blog_dir} holds no crawl (no <crawl id>/{WARC_FOLDER}/ folder): nothing to index")
    files: list[Path] = []
    skipped: list[Path] = []
    for warc_dir in warc_dirs:
        finished, still_open = finished_warcs(warc_dir)
        files.extend(finished)
        skipped.extend(still_open)
    for open_path in skipped:
        logger.warning("Not indexed: %s is still open (a crawl is running, or was killed: resume it)", open_path)
    with DedupIndex(blog_dir, path) as index:
        result = index.add_files(files, replace=True, progress=progress)
    return result, len(warc_dirs), skipped
