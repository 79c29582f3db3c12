"""The change history: what one crawl of a blog found changed since an earlier one (``changes.jsonl``).

:func:`compare` takes two sets of post records (a crawl's ``posts.jsonl``, or the blog's corpus as it was
before the crawl) and lists what changed, and nothing else: two crawls of the same state give no change. The
kinds, one object each, in this order for a post:

- ``new``: a post the earlier records do not know;
- ``restored``: a post the earlier records hold as gone (the corpus's ``corpus.missing_since`` is set) that
  is back; its ``fields`` say whether it came back changed;
- ``edited``: a post whose content differs (``fields``: which of :data:`FIELDS` changed), with the old and new
  ``content_sha256``, the old and new ``title`` and ``labels``, and a unified diff of ``body_text`` of at most
  ``diff_lines`` lines (``diff_truncated`` says when it was cut). The body fields (``body_text``, ``images``,
  ``links``) are compared only when both records hold the whole body (``body_complete``): a snippet against a
  full page is not an edit. Comments are not part of an edit: they are their own kinds;
- ``deleted``: a post the later records do not hold from any discovery source AND whose URL the later crawl
  captured answering 404 or 410 (``gone``: the URLs of the crawl's 404/410 response records, see
  :func:`gone_captures`); ``capture`` is the WARC pointer of that 404/410 answer (its earliest capture), the
  proof a reader can check. The records alone cannot prove a deletion, and neither can an interrupted crawl
  (``complete=False`` reports no deletion);
- ``comment_added`` / ``comment_removed``: one per comment (``comment``: id, author, published), for a post in
  both sets. A removal is reported only when some capture of the later crawl stated the post's comments
  (``provenance.comments`` is set), since a crawl that read no comments proves nothing about them;
- ``flagged``: one per tamper flag (``flag``: see ``archiver.records.tamper``) of a later record that the
  earlier record of the post did not have (a new post: every flag it has); the post's pages now carry
  something a reviewer must look at, such as planted code. A record written before flags existed has none.

A post the later crawl did not reach, without a 404/410, is not a change: nothing is known to have changed.
It is *missing*, a warning: :func:`missing` lists those posts, the crawl counts them
(``archiver/changes/missing``) and ``archiver diff`` names them on standard error. A post already gone in the
earlier records is not reported again.

Changes are sorted by post id, then kind in the order above, then comment id or flag, so the output never depends on
the order of the inputs. Pure code: no Scrapy; :func:`gone_urls` reads WARC headers with warcio.
"""

from __future__ import annotations

import difflib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.errors import ArchiverError
from archiver.records import jsonl
from archiver.warc.writer import WARC_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

#: every change kind, in the order a post's changes are listed
KINDS = ("new", "restored", "edited", "deleted", "comment_added", "comment_removed", "flagged")
#: the content fields an edit is made of, in the order ``fields`` lists them
FIELDS = ("title", "published", "updated", "labels", "author", "body_text", "images", "links")
#: the fields read from the post body, compared only when both records hold the whole body
BODY_FIELDS = frozenset({"body_text", "images", "links"})
#: the longest body diff a change carries, in lines (the rest is cut and ``diff_truncated`` set)
DIFF_LINES = 40
#: HTTP statuses that are evidence a post was deleted
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class Change:
    """One change of one post: its kind, the post, and the details of the kind."""

    change: str
    post_id: str
    url: str | None
    title: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, str]:
        """Post id, kind order, comment id (:func:`sort_key` of its record)."""
        return sort_key(self.as_record())

    def as_record(self) -> dict[str, Any]:
        """The change as one JSON object of ``changes.jsonl``."""
        return {**self.details, "change": self.change, "post_id": self.post_id, "url": self.url, "title": self.title}


def sort_key(record: Mapping[str, Any]) -> tuple[str, int, str]:
    """The order of ``changes.jsonl``: post id, kind in the order of :data:`KINDS`, comment id or flag."""
    comment = record.get("comment") or {}
    flag = record.get("flag")
    third = jsonl.dumps(dict(flag)) if isinstance(flag, Mapping) else str(comment.get("id", ""))
    return (str(record["post_id"]), KINDS.index(str(record["change"])), third)


def url_key(url: str) -> str:
    """A URL compared without its scheme, ``?m=1`` or fragment: host (lower case) and path."""
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path}"


def gone_pointer(
    url: str, fetched_at: str, status: int, filename: str, offset: int, length: int, record_id: str, digest: str
) -> dict[str, Any]:
    """The WARC pointer of a 404/410 capture, as the records' ``pointer`` schema has it: the deletion's proof."""
    return {
        "url": url,
        "fetched_at": fetched_at,
        "status": status,
        "filename": filename,
        "offset": offset,
        "length": length,
        "record_id": record_id,
        "payload_digest": digest,
    }


def note_gone(found: dict[str, dict[str, Any]], pointer: dict[str, Any]) -> None:
    """Add a 404/410 capture to ``found`` (URL to pointer): of several captures of a URL, the earliest is kept.

    Earliest by WARC-Date, then file name and offset, so the choice does not depend on the order of reading.
    """
    url = str(pointer["url"])
    old = found.get(url)
    if old is None or _pointer_order(pointer) < _pointer_order(old):
        found[url] = pointer


def _pointer_order(pointer: Mapping[str, Any]) -> tuple[str, str, int]:
    return (str(pointer["fetched_at"]), str(pointer["filename"]), int(pointer["offset"]))


def gone_captures(warcs: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """The 404/410 response records of these WARC files (headers only): target URL to :func:`gone_pointer`."""
    found: dict[str, dict[str, Any]] = {}
    for path in warcs:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode()
                if not (status and status.isdigit() and int(status) in GONE_STATUSES):
                    continue
                records.read_to_end()
                headers = record.rec_headers
                pointer = gone_pointer(
                    str(headers.get_header("WARC-Target-URI")),
                    str(headers.get_header("WARC-Date") or ""),
                    int(status),
                    path.name,
                    records.get_record_offset(),
                    records.get_record_length(),
                    str(headers.get_header("WARC-Record-ID") or ""),
                    str(headers.get_header("WARC-Payload-Digest") or ""),
                )
                note_gone(found, pointer)
    return found


def gone_urls(warcs: Iterable[Path]) -> set[str]:
    """The target URLs of the 404/410 response records of these WARC files (headers only, no body read)."""
    return set(gone_captures(warcs))


def _posts(records: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(r["post_id"]): r for r in records if is_post(r)}


def _is_gone(record: Mapping[str, Any]) -> bool:
    corpus = record.get("corpus") or {}
    return corpus.get("missing_since") is not None


def _body_compared(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return bool(old.get("body_complete", True)) and bool(new.get("body_complete", True))


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The :data:`FIELDS` that differ between two records of a post (body fields only if both are whole)."""
    whole = _body_compared(old, new)
    return [name for name in FIELDS if (whole or name not in BODY_FIELDS) and old.get(name) != new.get(name)]


def body_diff(old: str, new: str, limit: int = DIFF_LINES) -> tuple[list[str], bool]:
    """A unified diff of two body texts (one line per paragraph line), cut to ``limit`` lines; and whether cut."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=1))
    return lines[:limit], len(lines) > limit


def _edit_details(old: Mapping[str, Any], new: Mapping[str, Any], fields: list[str], limit: int) -> dict[str, Any]:
    details: dict[str, Any] = {
        "fields": fields,
        "content_sha256": {"old": old.get("content_sha256"), "new": new.get("content_sha256")},
        "title_change": {"old": old.get("title"), "new": new.get("title")},
        "labels": {
            "old": list(old.get("labels") or []),
            "new": list(new.get("labels") or []),
            "added": sorted(set(new.get("labels") or []) - set(old.get("labels") or [])),
            "removed": sorted(set(old.get("labels") or []) - set(new.get("labels") or [])),
        },
    }
    for name in ("published", "updated"):
        if name in fields:
            details[name] = {"old": old.get(name), "new": new.get(name)}
    if "body_text" in fields:
        diff, cut = body_diff(str(old.get("body_text") or ""), str(new.get("body_text") or ""), limit)
        details["diff"] = diff
        details["diff_truncated"] = cut
    return details


def _comment(comment: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": comment.get("id"), "author": comment.get("author"), "published": comment.get("published")}


def _comment_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    before = {str(c.get("id")): c for c in old.get("comments") or ()}
    after = {str(c.get("id")): c for c in new.get("comments") or ()}
    found = [("comment_added", _comment(after[key])) for key in after.keys() - before.keys()]
    if (new.get("provenance") or {}).get("comments") is not None:
        found += [("comment_removed", _comment(before[key])) for key in before.keys() - after.keys()]
    return found


def _flag_key(flag: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two flags the same: everything but the severity (a finer rating is not a new finding)."""
    return tuple(flag.get(name) for name in ("kind", "element", "attribute", "host", "excerpt"))


def new_flags(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tamper flags of ``new`` that ``old`` (the earlier record of the post, None for a new post) lacks."""
    before = {_flag_key(flag) for flag in (old or {}).get("flags") or ()}
    return [dict(flag) for flag in new.get("flags") or () if _flag_key(flag) not in before]


def _change(kind: str, record: Mapping[str, Any], **details: Any) -> Change:
    return Change(kind, str(record["post_id"]), record.get("url"), str(record.get("title") or ""), details)


def post_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any], diff_lines: int = DIFF_LINES) -> list[Change]:
    """The changes of one post of the later records (``old``: its earlier record, None when it had none), unsorted."""
    if old is None:
        found = [_change("new", new, content_sha256=new.get("content_sha256"))]
        return found + [_change("flagged", new, flag=flag) for flag in new_flags(None, new)]
    changes: list[Change] = []
    fields = changed_fields(old, new)
    if _is_gone(old):
        changes.append(_change("restored", new, **_edit_details(old, new, fields, diff_lines)))
    elif fields:
        changes.append(_change("edited", new, **_edit_details(old, new, fields, diff_lines)))
    changes.extend(_change(kind, new, comment=comment) for kind, comment in _comment_changes(old, new))
    changes.extend(_change("flagged", new, flag=flag) for flag in new_flags(old, new))
    return changes


def deleted_change(
    old: Mapping[str, Any], gone_keys: set[str], found_proofs: Mapping[str, Mapping[str, Any]]
) -> Change | None:
    """The ``deleted`` change of an earlier post the later (complete) records lack, when a 404/410 proves it.

    ``gone_keys``: the :func:`url_key` of every 404/410 URL; ``found_proofs``: :func:`proofs` of them.
    """
    if _is_gone(old) or not old.get("url") or url_key(old["url"]) not in gone_keys:
        return None
    proof = found_proofs.get(url_key(old["url"]))
    details = {"content_sha256": old.get("content_sha256")} | ({"capture": proof} if proof else {})
    return _change("deleted", old, **details)


def compare(
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
    *,
    gone: Iterable[str] | Mapping[str, Mapping[str, Any]] = (),
    complete: bool = True,
    diff_lines: int = DIFF_LINES,
) -> list[Change]:
    """What changed from the ``before`` post records to the ``after`` ones, sorted (see the module docstring).

    ``gone``: the URLs the later crawl captured answering 404/410, or (:func:`gone_captures`) those URLs with
    the pointers of their captures, which a ``deleted`` change then carries as ``capture``; ``complete``:
    whether the later crawl finished normally (an interrupted one marks nothing deleted).
    """
    old_posts, new_posts = _posts(before), _posts(after)
    gone_keys = {url_key(url) for url in gone}
    changes: list[Change] = []
    for post_id, new in new_posts.items():
        changes.extend(post_changes(old_posts.get(post_id), new, diff_lines))
    if complete:
        found_proofs = proofs(gone)
        for post_id, old in old_posts.items():
            deleted = deleted_change(old, gone_keys, found_proofs) if post_id not in new_posts else None
            if deleted is not None:
                changes.append(deleted)
    return sorted(changes, key=Change.sort_key)


def proofs(gone: Iterable[str] | Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The 404/410 pointers of ``gone`` by :func:`url_key`, the earliest of each (none when it lists URLs only)."""
    if not isinstance(gone, Mapping):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for pointer in sorted(gone.values(), key=_pointer_order):
        found.setdefault(url_key(str(pointer["url"])), pointer)
    return found


def missing_post(old: Mapping[str, Any], gone_keys: set[str]) -> dict[str, Any] | None:
    """An earlier post (not already gone) that complete later records lack with no 404/410 (see :func:`missing`)."""
    if _is_gone(old) or (old.get("url") and url_key(old["url"]) in gone_keys):
        return None
    return {"post_id": str(old["post_id"]), "url": old.get("url"), "title": str(old.get("title") or "")}


def missing(
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
    *,
    gone: Iterable[str] = (),
    complete: bool = True,
) -> list[dict[str, Any]]:
    """The posts of ``before`` (not already gone) that ``after`` lacks with no 404/410: not reached, not a change.

    Sorted by post id; empty for an interrupted crawl, which proves nothing about what it did not reach.
    """
    if not complete:
        return []
    new_posts, gone_keys = _posts(after), {url_key(url) for url in gone}
    found = (
        missing_post(old, gone_keys) for post_id, old in sorted(_posts(before).items()) if post_id not in new_posts
    )
    return [entry for entry in found if entry is not None]


def is_post(record: Mapping[str, Any]) -> bool:
    """Whether a record is a post's (what the change history compares), not a static page's."""
    return bool(record.get("kind", "post") == "post")


def counts(changes: Iterable[Change]) -> dict[str, int]:
    """How many changes of each kind, in the order of :data:`KINDS` (kinds without a change left out)."""
    found = [change.change for change in changes]
    return {kind: found.count(kind) for kind in KINDS if kind in found}


class NotACrawlError(ArchiverError):
    """A folder given as a crawl holds no crawl's post records."""


@dataclass(frozen=True)
class CrawlRecords:
    """What a comparison needs of one crawl folder: its posts, its 404/410 captures by URL, whether it finished."""

    folder: Path
    posts: list[dict[str, Any]]
    gone: dict[str, dict[str, Any]]
    complete: bool


def read_crawl(folder: Path, *, posts_file: str = "posts.jsonl", stats_file: str = "stats.json") -> CrawlRecords:
    """Read a crawl folder (``OUTPUT/<host>/<crawl id>``): posts.jsonl, the 404/410s of warc/, stats.json.

    The crawl counts as complete when its stats.json says it finished (and it found posts), or when there is
    no stats.json (a folder of records rebuilt by ``archiver extract``): a deletion still needs its 404/410.
    """
    path = folder / posts_file
    if not path.is_file():
        raise NotACrawlError(f"{folder} is not a crawl folder: it has no {posts_file}")
    try:
        posts = list(jsonl.read_file(path))
    except (OSError, ValueError) as exc:
        raise NotACrawlError(f"{folder}: cannot read {posts_file}: {exc}") from exc
    complete = bool(posts)
    stats_path = folder / stats_file
    if stats_path.is_file():
        try:
            finish = json.loads(stats_path.read_text(encoding="utf-8"))["summary"]["finish_reason"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NotACrawlError(f"{folder}: cannot read {stats_file}: {exc}") from exc
        complete = complete and finish == "finished"
    warcs = sorted((folder / "warc").glob(f"*{WARC_SUFFIX}")) if (folder / "warc").is_dir() else []
    try:
        gone = gone_captures(warcs)
    except (ArchiveLoadFailed, OSError, zlib.error) as exc:
        raise NotACrawlError(f"{folder}: cannot read its WARC files: {exc}") from exc
    return CrawlRecords(folder, posts, gone, complete)


def describe(change: Change) -> str:
    """One change as a block of lines a person reads: kind, title, URL, then the details of its kind."""
    details = change.details
    lines = [f"{change.change.upper()} {change.title or '(untitled)'}", f"  {change.url or '(no URL)'}"]
    lines.append(f"  post {change.post_id}")
    if "fields" in details:
        lines.append(f"  fields: {', '.join(details['fields']) or 'none'}")
        if "title" in details["fields"]:
            lines.append(f"  title: {details['title_change']['old']!r} -> {details['title_change']['new']!r}")
        labels = details["labels"]
        if labels["added"] or labels["removed"]:
            lines.append(f"  labels: +{labels['added']} -{labels['removed']}")
        for name in ("published", "updated"):
            if name in details:
                lines.append(f"  {name}: {details[name]['old']} -> {details[name]['new']}")
        sha = details["content_sha256"]
        lines.append(f"  content_sha256: {str(sha['old'])[:12]} -> {str(sha['new'])[:12]}")
        lines.extend(f"    {line}" for line in details.get("diff", ()))
        if details.get("diff_truncated"):
            lines.append("    ... (diff cut, see ARCHIVER_POSTS_CHANGES_DIFF_LINES)")
    if "comment" in details:
        comment = details["comment"]
        author = (comment.get("author") or {}).get("name") if isinstance(comment.get("author"), dict) else None
        lines.append(f"  comment {comment.get('id')} by {author or '?'}, {comment.get('published') or '?'}")
    if "flag" in details:
        flag = details["flag"]
        where = f"<{flag.get('element')}" + (f" {flag.get('attribute')}" if flag.get("attribute") else "") + ">"
        host = f" -> {flag.get('host')}" if flag.get("host") else ""
        lines.append(f"  {flag.get('severity')} {flag.get('kind')}: {where}{host}")
        lines.append(f"    {flag.get('excerpt')}")
    return "\n".join(lines)
