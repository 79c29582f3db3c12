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
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archiver.records import dates, jsonl
from archiver.records.changes import proofs, url_key
from archiver.records.merge import sort_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from datetime import datetime
    from pathlib import Path

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
        when = captured_at(record)
        old = corpus.get(post_id)
        if old is None:
            corpus[post_id] = {
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
            continue
        info = dict(old["corpus"])
        info["seen_in_crawls"] = sorted({*info["seen_in_crawls"], crawl_id})
        if not _newer_or_same(when, info["first_seen"]):
            info["first_seen"] = when
        if _newer_or_same(when, info["last_seen"]):
            versions = list(info.get("versions") or [version(old, info["crawl_id"], info["last_seen"])])
            if versions[-1]["content_sha256"] != record.get("content_sha256"):
                versions.append(version(record, crawl_id, when))
            info.update(crawl_id=crawl_id, last_seen=when, missing_since=None, versions=versions, deleted=None)
            corpus[post_id] = {**record, "corpus": info}
        else:
            corpus[post_id] = {**old, "corpus": info}
    if complete:
        by_key = proofs(gone or {})
        for post_id, record in corpus.items():
            info = record["corpus"]
            if post_id in seen or crawl_id in info["seen_in_crawls"]:
                continue
            marks: dict[str, Any] = {}
            if info["missing_since"] is None:
                marks["missing_since"] = crawl_id
            proof = by_key.get(url_key(str(record["url"]))) if record.get("url") else None
            if proof is not None and not info.get("deleted"):
                marks["deleted"] = tombstone(crawl_id, proof)
            if marks:
                corpus[post_id] = {**record, "corpus": {**info, **marks}}  # inputs stay as given
    return sorted(corpus.values(), key=sort_key)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Folded:
    """What :func:`fold_files` did: the sizes of the corpus files, and the corpus posts as they were before."""

    sizes: dict[str, int]
    previous_posts: list[dict[str, Any]]


def fold_files(
    directory: Path,
    posts: list[dict[str, Any]],
    pages: list[dict[str, Any]],
    *,
    crawl_id: str,
    complete: bool,
    gone: Mapping[str, Mapping[str, Any]] | None = None,
) -> Folded:
    """Fold one crawl's posts and pages into ``directory``/posts.jsonl and pages.jsonl, under the lock.

    ``gone``: the crawl's 404/410 captures (see :func:`update`). Also returns the corpus posts read before the
    update (for the crawl's change history): read and replaced under the same lock, so no other crawl of the
    blog comes between.
    """
    directory.mkdir(parents=True, exist_ok=True)
    sizes = {}
    previous: dict[str, list[dict[str, Any]]] = {}
    with _locked(directory / ".lock"):
        for name, records in zip(CORPUS_FILES, (posts, pages), strict=True):
            path = directory / name
            previous[name] = existing = list(jsonl.read_file(path)) if path.exists() else []
            folded = update(existing, records, crawl_id=crawl_id, complete=complete, gone=gone)
            sizes[name] = jsonl.write_file(folded, path)
    return Folded(sizes, previous["posts.jsonl"])


def update_files(
    directory: Path, posts: list[dict[str, Any]], pages: list[dict[str, Any]], *, crawl_id: str, complete: bool
) -> dict[str, int]:
    """Fold one crawl's posts and pages into ``directory``/posts.jsonl and pages.jsonl; return their sizes."""
    return fold_files(directory, posts, pages, crawl_id=crawl_id, complete=complete).sizes
