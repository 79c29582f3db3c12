"""The blog's corpus: the latest record of every post (and static page) any crawl has seen.

``output/<host>/corpus/posts.jsonl`` (and ``pages.jsonl``) are updated at the end of every crawl of the blog.
Each record is a crawl's record plus a ``corpus`` object:

- ``crawl_id``: the crawl the record's content comes from (its ``source`` files are in that crawl's
  ``warc/`` folder);
- ``first_seen`` / ``last_seen``: the newest WARC-Date among the record's sources in the first and in the
  latest crawl that saw the post;
- ``seen_in_crawls``: every crawl that saw it, sorted;
- ``missing_since``: the first complete crawl after ``last_seen`` that did not find the post (deleted,
  reverted to draft, or unreachable that day), else null; a later crawl that finds it clears it;
- ``versions`` (schema 1.2): every content the crawls archived of the post, oldest first, as ``crawl_id``,
  ``fetched_at`` (the record's newest capture), ``content_sha256`` and ``source`` (the capture its body came
  from, in that crawl's ``warc/``). A version is appended when a newer record's ``content_sha256`` differs from
  the last one; a record of an earlier schema that a 1.2 record replaces becomes the first version;
- ``deleted`` (schema 1.2): null, or the tombstone of a post proved deleted: ``crawl_id`` (the complete crawl
  that found it gone from every discovery source and answering 404 or 410), ``deleted_at`` (the WARC-Date of
  that answer) and ``capture`` (its WARC pointer, in that crawl's ``warc/``: file, offset, length, record id,
  date, status), so the deletion can be shown from the WARC. A later crawl that finds the post again clears
  it (the change history then says ``restored``).

"Latest" is by capture time, not by the order crawls are applied in: a record replaces the stored one only
when its newest capture is at least as new as the stored ``last_seen``. A post missing from a later crawl
is kept, unchanged, with ``missing_since`` set; only a crawl that finished normally and found posts can mark
posts missing (an interrupted crawl, or one that found nothing, proves nothing about what it did not reach).
A post missing without a 404/410 has ``missing_since`` and no tombstone; a 404/410 of its URL in a later
complete crawl that does not find it either adds the tombstone then. A lock file keeps two crawls of the
same blog from updating the corpus at the same time. Records keep the ``schema_version`` they were written
with (a deleted post's record can be older than the others): validate each against
``archiver.schemas.load(kind, record["schema_version"])``.
"""

from __future__ import annotations

import fcntl
import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archiver.records import dates, jsonl
from archiver.records.changes import proofs, url_key
from archiver.records.merge import sort_key
from archiver.records.spill import SortedLines

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from datetime import datetime
    from pathlib import Path
    from types import TracebackType
    from typing import Self

CORPUS_FILES = ("posts.jsonl", "pages.jsonl")


def captured_at(record: dict[str, Any]) -> str:
    """The newest WARC-Date among a record's sources."""
    best: tuple[datetime, str] | None = None
    for source in record.get("sources", ()):
        stamp = str(source.get("fetched_at", ""))
        moment = dates.parse(stamp)
        if moment is not None and (best is None or moment > best[0]):
            best = (moment, stamp)
    return best[1] if best is not None else ""


def version(record: dict[str, Any], crawl_id: str, when: str) -> dict[str, Any]:
    """One entry of ``corpus.versions``: the crawl, the capture time, the content hash and the body's capture."""
    return {
        "crawl_id": crawl_id,
        "fetched_at": when or None,
        "content_sha256": record.get("content_sha256"),
        "source": record.get("source"),
    }


def _newer_or_same(stamp: str, than: str) -> bool:
    a, b = dates.parse(stamp), dates.parse(than)
    if a is None or b is None:
        return a is not None or b is None
    return a >= b


def tombstone(crawl_id: str, capture: Mapping[str, Any]) -> dict[str, Any]:
    """``corpus.deleted`` of a post proved deleted by ``crawl_id``: when, and the pointer of its 404/410 answer."""
    return {"crawl_id": crawl_id, "deleted_at": capture.get("fetched_at"), "capture": dict(capture)}


def _entry(old: dict[str, Any] | None, record: dict[str, Any], crawl_id: str) -> dict[str, Any]:
    """The corpus entry of a post after one crawl's ``record`` of it (``old``: the entry before, if any)."""
    when = captured_at(record)
    if old is None:
        return {
            **record,
            "corpus": {
                "crawl_id": crawl_id,
                "first_seen": when,
                "last_seen": when,
                "seen_in_crawls": [crawl_id],
                "missing_since": None,
                "versions": [version(record, crawl_id, when)],
                "deleted": None,
            },
        }
    info = dict(old["corpus"])
    info["seen_in_crawls"] = sorted({*info["seen_in_crawls"], crawl_id})
    if not _newer_or_same(when, info["first_seen"]):
        info["first_seen"] = when
    if _newer_or_same(when, info["last_seen"]):
        versions = list(info.get("versions") or [version(old, info["crawl_id"], info["last_seen"])])
        if versions[-1]["content_sha256"] != record.get("content_sha256"):
            versions.append(version(record, crawl_id, when))
        info.update(crawl_id=crawl_id, last_seen=when, missing_since=None, versions=versions, deleted=None)
        return {**record, "corpus": info}
    return {**old, "corpus": info}


def _unseen(record: dict[str, Any], crawl_id: str, by_key: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A corpus entry a complete crawl did not find: marked missing, and deleted when a 404/410 proves it."""
    info = record["corpus"]
    if crawl_id in info["seen_in_crawls"]:
        return record
    marks: dict[str, Any] = {}
    if info["missing_since"] is None:
        marks["missing_since"] = crawl_id
    proof = by_key.get(url_key(str(record["url"]))) if record.get("url") else None
    if proof is not None and not info.get("deleted"):
        marks["deleted"] = tombstone(crawl_id, proof)
    return {**record, "corpus": {**info, **marks}} if marks else record  # inputs stay as given


def update(
    existing: Iterable[dict[str, Any]],
    records: Iterable[dict[str, Any]],
    *,
    crawl_id: str,
    complete: bool,
    gone: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The corpus after one crawl's records, sorted as the crawl's files are.

    ``gone``: the crawl's 404/410 captures, URL to WARC pointer (:func:`archiver.records.changes.gone_captures`);
    a post of the corpus the (complete) crawl did not find and whose URL is among them becomes a tombstone.
    """
    corpus = {str(r["post_id"]): r for r in existing}
    seen: set[str] = set()
    for record in records:
        post_id = str(record["post_id"])
        seen.add(post_id)
        corpus[post_id] = _entry(corpus.get(post_id), record, crawl_id)
    if complete:
        by_key = proofs(gone or {})
        for post_id, record in corpus.items():
            if post_id not in seen:
                corpus[post_id] = _unseen(record, crawl_id, by_key)
    return sorted(corpus.values(), key=sort_key)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Previous:
    """A corpus file as it was before a fold, read from disk when asked: its records by post id.

    It keeps the file open (a fold replaces the file by renaming, so this still reads the old one) and in memory
    only each record's place and its ``corpus.crawl_id``, about 150 bytes per post.
    """

    def __init__(self, path: Path) -> None:
        """Index ``path`` (a missing file: no records), reading it once, line by line."""
        self._index: dict[str, tuple[int, int, str]] = {}
        self.crawls: set[str] = set()  # every crawl of ``corpus.seen_in_crawls``
        self._file = path.open("rb") if path.exists() else None
        if self._file is None:
            return
        names: dict[str, str] = {}
        offset = 0
        for line in self._file:
            if line.strip():
                record = json.loads(line)
                info = record.get("corpus") or {}
                self.crawls.update(info.get("seen_in_crawls") or ())
                crawl = str(info.get("crawl_id"))
                self._index[str(record["post_id"])] = (offset, len(line), names.setdefault(crawl, crawl))
            offset += len(line)

    def __len__(self) -> int:
        """How many posts."""
        return len(self._index)

    def __contains__(self, post_id: object) -> bool:
        """Whether the file has a record of ``post_id``."""
        return post_id in self._index

    def get(self, post_id: str) -> dict[str, Any] | None:
        """The record of ``post_id``, None when there is none (of several, the last in the file)."""
        where = self._index.get(post_id)
        if where is None or self._file is None:
            return None
        self._file.seek(where[0])
        record: dict[str, Any] = json.loads(self._file.read(where[1]))
        return record

    def ids(self) -> list[str]:
        """The post ids, in the order of the file."""
        return list(self._index)

    def of_crawl(self, crawl_id: str) -> set[str]:
        """The posts whose record comes from ``crawl_id`` (``corpus.crawl_id``)."""
        return {post_id for post_id, (_, _, crawl) in self._index.items() if crawl == crawl_id}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every record, one at a time."""
        for post_id in self.ids():
            record = self.get(post_id)
            if record is not None:
                yield record

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()


class CorpusFold:
    """Fold one crawl's records into ``directory``/posts.jsonl and pages.jsonl one record at a time, under the lock.

    Memory: per post of the corpus its place in the old file (:class:`Previous`) and the sort key of its new
    entry (:class:`~archiver.records.spill.SortedLines`, lines kept in an unnamed file in ``scratch``), a few
    hundred bytes, never the records themselves. The lock is taken when the fold is made and released by
    :meth:`close`; :attr:`previous` holds the corpus as it was before (for the crawl's change history), read and
    replaced under the same lock, so no other crawl of the blog comes between.
    """

    def __init__(self, directory: Path, *, crawl_id: str, scratch: Path | None = None) -> None:
        """Take the lock and index the corpus files as they are."""
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.crawl_id = crawl_id
        self._lock = _locked(directory / ".lock")
        self._lock.__enter__()
        self._closed = False
        self.previous: dict[str, Previous] = {}
        self._out: dict[str, SortedLines] = {}
        self._seen: dict[str, set[str]] = {name: set() for name in CORPUS_FILES}
        try:
            for name in CORPUS_FILES:
                self.previous[name] = Previous(directory / name)
                self._out[name] = SortedLines(scratch)
        except BaseException:
            self.close()
            raise

    def add(self, name: str, record: dict[str, Any]) -> dict[str, Any] | None:
        """Fold one record of a post into the corpus file ``name``; return the corpus entry it had before."""
        post_id = str(record["post_id"])
        if post_id in self._seen[name]:
            raise ValueError(f"post {post_id} folded twice into {name}")
        self._seen[name].add(post_id)
        old = self.previous[name].get(post_id)
        entry = _entry(old, record, self.crawl_id)
        self._out[name].add(sort_key(entry), jsonl.dumps(entry))
        return old

    def finish(
        self,
        *,
        complete: bool,
        gone: Mapping[str, Mapping[str, Any]] | None = None,
        unseen: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> dict[str, int]:
        """Write the corpus files: the folded records and the entries the crawl did not see; return their sizes.

        ``complete`` and ``gone`` as for :func:`update`; ``unseen`` is called with the file name and the entry
        (as it was) of each post of the corpus the crawl did not give a record of.
        """
        by_key = proofs(gone or {})
        sizes = {}
        for name in CORPUS_FILES:
            previous, seen, out = self.previous[name], self._seen[name], self._out[name]
            for post_id in previous.ids():
                record = previous.get(post_id) if post_id not in seen else None
                if record is not None:
                    if unseen is not None:
                        unseen(name, record)
                    entry = _unseen(record, self.crawl_id, by_key) if complete else record
                    out.add(sort_key(entry), jsonl.dumps(entry))
            sizes[name] = out.write(self.directory / name)
        return sizes

    def close(self) -> None:
        """Release the lock; close the old files and the scratch files (again: nothing)."""
        if self._closed:
            return
        self._closed = True
        for out in self._out.values():
            out.close()
        for previous in self.previous.values():
            previous.close()
        self._lock.__exit__(None, None, None)

    def __enter__(self) -> Self:
        """The fold itself."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Close it."""
        self.close()


@dataclass(frozen=True)
class Folded:
    """What :func:`fold_files` did: the sizes of the corpus files, and the corpus posts as they were before."""

    sizes: dict[str, int]
    previous_posts: list[dict[str, Any]]


def fold_files(
    directory: Path,
    posts: Iterable[dict[str, Any]],
    pages: Iterable[dict[str, Any]],
    *,
    crawl_id: str,
    complete: bool,
    gone: Mapping[str, Mapping[str, Any]] | None = None,
) -> Folded:
    """Fold one crawl's posts and pages into ``directory``/posts.jsonl and pages.jsonl (:class:`CorpusFold`).

    ``gone``: the crawl's 404/410 captures (see :func:`update`). Also returns the corpus posts read before the
    update (for the crawl's change history): read and replaced under the same lock.
    """
    with CorpusFold(directory, crawl_id=crawl_id) as fold:
        for name, records in zip(CORPUS_FILES, (posts, pages), strict=True):
            for record in records:
                fold.add(name, record)
        previous = list(fold.previous["posts.jsonl"])
        sizes = fold.finish(complete=complete, gone=gone)
    return Folded(sizes, previous)


def update_files(
    directory: Path, posts: list[dict[str, Any]], pages: list[dict[str, Any]], *, crawl_id: str, complete: bool
) -> dict[str, int]:
    """Fold one crawl's posts and pages into ``directory``/posts.jsonl and pages.jsonl; return their sizes."""
    return fold_files(directory, posts, pages, crawl_id=crawl_id, complete=complete).sizes
