"""Merge the fragments of each post into exactly one record, whatever order the captures came in.

Precedence, field by field (the first source in the list that states the field wins; ``provenance`` in
the record names it):

===================  ================================================================================
field                sources, best first
===================  ================================================================================
title, published,    feed entry (exact times with milliseconds and the blog's offset) > post page >
updated, labels,     mobile page > listing page
author, blog_id
body (body_text,     complete bodies before cut ones (jump break, snippet, feed summary); among them
paragraphs,          post page > mobile page > feed entry > listing page; ``source`` is the capture the
body_html, images,   body came from
links)
comments             the union of every comment feed that lists the post (deduplicated by comment id),
                     else the post page, else the mobile page
comment_count        feed entry ``thr:total`` > post page heading > mobile page > listing link > the
                     number of comments found
date_header          listing page > post page > mobile page (only the classic templates show it)
url                  post page > feed entry > listing page > mobile page (all canonicalised)
flags                the union of the tamper flags of every post page and mobile page capture of the
                     post (``archiver.records.tamper``: whole pages, each flag once, sorted); listing
                     pages show many posts, and their flags stay in their own metadata records
===================  ================================================================================

Within one kind of source the newest capture wins (WARC-Date), then the smaller URL, file name and offset:
a total order, so the result never depends on the order captures are read in. A post known only from
comment entries gets no record (counted as dropped, reason ``comments_only``).

Computed here, from the whole set of captures rather than from any one of them:

- ``images[].archived`` / ``src_archived``: the image's ``original`` / ``src`` is among the URLs of the
  captures' ``200`` responses (``archived``, the WARC-Target-URIs; both sides compared in the form
  ``archiver.blogger.urls.canonicalize`` gives), so the crawl and ``archiver extract`` of its WARCs agree;
- ``links[].in_scope``: ``archiver.blogger.urls.in_scope`` with the record's blog host and Blogger's default
  asset hosts (the crawl's own scope rule: the link is one the crawl may follow, not that it did);
- ``content_sha256``: see :func:`content_sha256`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from archiver import __version__
from archiver.blogger.urls import canonicalize, in_scope
from archiver.records import dates, jsonl, sites, tamper
from archiver.records.model import ORIGINS, Comment, Fragment, Origin, Person

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from collections.abc import Set as AbstractSet

SCHEMA_VERSION = "1.3"
EXTRACTOR_VERSION = f"blogspot-archiver/{__version__}"
#: a post counts as edited when it was updated this long after it was published
EDITED_AFTER = timedelta(hours=1)

META_ORDER: tuple[Origin, ...] = ("feed", "post_page", "mobile_page", "listing")
BODY_ORDER: tuple[Origin, ...] = ("post_page", "mobile_page", "feed", "listing")
COMMENT_PAGES: tuple[Origin, ...] = ("post_page", "mobile_page")
COUNT_ORDER: tuple[Origin, ...] = ("feed", "post_page", "mobile_page", "listing")
DATE_HEADER_ORDER: tuple[Origin, ...] = ("listing", "post_page", "mobile_page")
URL_ORDER: tuple[Origin, ...] = ("post_page", "feed", "listing", "mobile_page")
PRIMARY_ORDER: tuple[Origin, ...] = ("post_page", "mobile_page", "feed", "listing", "comment_feed")

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class MergeResult:
    """Records of posts and of static pages, sorted; and how many posts got no record, by reason."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def _when(fetched_at: str) -> datetime:
    return dates.parse(fetched_at) or _NEVER


def _order(fragment: Fragment) -> tuple[float, str, str, int]:
    """Newest capture first, then URL, file and offset: a total order over captures."""
    return (-_when(fragment.fetched_at).timestamp(), fragment.url, fragment.source.filename, fragment.source.offset)


class _Sources:
    """The fragments of one post grouped by origin, each group in :func:`_order`."""

    def __init__(self, fragments: Sequence[Fragment]) -> None:
        groups: dict[Origin, list[Fragment]] = defaultdict(list)
        for fragment in fragments:
            groups[fragment.origin].append(fragment)
        self.groups = {origin: sorted(found, key=_order) for origin, found in groups.items()}

    def ordered(self, origins: Sequence[Origin]) -> Iterable[Fragment]:
        for origin in origins:
            yield from self.groups.get(origin, ())

    def pick(self, origins: Sequence[Origin], get: Callable[[Fragment], Any]) -> tuple[Any, Origin | None]:
        """The first value stated by the sources in ``origins`` order, and its origin."""
        value, fragment = self.first(origins, get)
        return value, fragment.origin if fragment is not None else None

    def first(self, origins: Sequence[Origin], get: Callable[[Fragment], Any]) -> tuple[Any, Fragment | None]:
        """The first value stated by the sources in ``origins`` order, and the fragment that states it."""
        for fragment in self.ordered(origins):
            value = get(fragment)
            if value is not None:
                return value, fragment
        return None, None


def _person(person: Person | None) -> dict[str, Any] | None:
    return {"name": person.name, "uri": person.uri} if person is not None else None


def _comment_key(comment: Comment) -> tuple[int, float, str]:
    moment = dates.parse(comment.published)
    return (0, moment.timestamp(), comment.id) if moment is not None else (1, 0.0, comment.id)


def _comments(sources: _Sources) -> tuple[list[Comment] | None, Origin | None]:
    feeds = list(sources.ordered(("comment_feed",)))
    if feeds:
        union: dict[str, Comment] = {}
        for fragment in feeds:  # newest capture first: its copy of a comment wins
            for comment in fragment.comments or ():
                union.setdefault(comment.id, comment)
        return sorted(union.values(), key=_comment_key), "comment_feed"
    found, origin = sources.pick(COMMENT_PAGES, lambda f: f.comments)
    return (sorted(found, key=_comment_key), origin) if found is not None else (None, None)


def _pointer(fragment: Fragment) -> dict[str, Any]:
    source = fragment.source
    return {
        "url": fragment.url,
        "fetched_at": fragment.fetched_at,
        "status": source.status,
        "filename": source.filename,
        "offset": source.offset,
        "length": source.length,
        "record_id": source.record_id,
        "payload_digest": source.payload_digest,
    }


def canonical_url(url: str) -> str:
    """The form URLs are compared in for ``archived``: :func:`canonicalize`, or the URL itself if it has none."""
    try:
        return canonicalize(url)
    except ValueError:  # UrlError, and what urlsplit raises for "http://[" and the like
        return url


class Held:
    """The URLs of the captures' 200 responses, asked for in canonical form (``url in held``).

    A URL archived exactly as asked for is found without canonicalizing anything; the canonical forms of all
    the archived URLs are computed once, the first time a URL is not found as it is. Either way the answer is
    whether ``canonical_url(url)`` is among the canonical forms of the archived URLs.
    """

    def __init__(self, archived: Iterable[str]) -> None:
        """Keep the URLs (a set or frozenset as it is, not copied: the crawl's is the size of the blog)."""
        self.raw: AbstractSet[str] = archived if isinstance(archived, set | frozenset) else frozenset(archived)
        self._canonical: frozenset[str] | None = None

    def __contains__(self, url: object) -> bool:
        """Whether the captures hold a 200 response for ``url`` (a string), in canonical form."""
        if not isinstance(url, str):
            return False
        if url in self.raw:
            return True
        if self._canonical is None:
            self._canonical = frozenset(canonical_url(found) for found in self.raw)
        return canonical_url(url) in self._canonical


def _in_scope(href: str, host: str) -> bool:
    try:
        return in_scope(href, frozenset({host}))
    except ValueError:
        return False


#: what ``content_sha256`` covers: the post's content, never where or when it was captured
CONTENT_FIELDS = ("title", "published", "updated", "labels", "author", "body_text", "images", "links", "comments")


def content_sha256(record: dict[str, Any]) -> str:
    """SHA-256 (hex) of a record's normalized content, the same for the same content in any crawl.

    The hashed document is the JSON object of :data:`CONTENT_FIELDS` with ``images`` reduced to
    ``{src, original, alt}`` and ``links`` to ``{href, text}``, serialized as the JSON Lines files are
    (``jsonl.dumps``: keys sorted, compact separators, UTF-8 without escapes). Sources, capture times,
    provenance, ``body_html`` (its markup differs between the post page and the feed), ``archived`` and
    ``in_scope`` flags, and fields derived from the others (``*_utc``, ``edited``, ``paragraphs``,
    ``date_header``, ``comment_count``, site fields) are left out.
    """
    content = {name: record[name] for name in CONTENT_FIELDS}
    content["images"] = [{"src": i["src"], "original": i["original"], "alt": i["alt"]} for i in record["images"]]
    content["links"] = [{"href": link["href"], "text": link["text"]} for link in record["links"]]
    return hashlib.sha256(jsonl.dumps(content).encode("utf-8")).hexdigest()


def _listed(fragment: Fragment) -> tuple[int, str, str, int]:
    """Order of the ``sources`` list: by role, then URL, file and offset."""
    return ORIGINS.index(fragment.origin), fragment.url, fragment.source.filename, fragment.source.offset


def build_record(fragments: Sequence[Fragment], held: Held | None = None) -> dict[str, Any] | None:
    """The record of one post from all its fragments; None when only comment entries mention it.

    ``held``: the captures' 200 responses (what ``images[].archived`` is computed from; None: none).
    """
    held = held if held is not None else Held(())
    sources = _Sources(fragments)
    primary = next(iter(sources.ordered(PRIMARY_ORDER)))
    if primary.origin == "comment_feed":
        return None
    kind = "page" if any(f.kind == "page" and f.origin != "comment_feed" for f in fragments) else "post"
    url, url_from = sources.pick(URL_ORDER, lambda f: f.post_url)
    title, title_from = sources.pick(META_ORDER, lambda f: f.title)
    published, published_from = sources.pick(META_ORDER, lambda f: f.published)
    updated, updated_from = sources.pick(META_ORDER, lambda f: f.updated)
    labels, labels_from = sources.pick(META_ORDER, lambda f: f.labels)
    author, author_from = sources.pick(META_ORDER, lambda f: f.author)
    blog_id, _ = sources.pick(PRIMARY_ORDER, lambda f: f.blog_id)
    body, body_fragment = sources.first(
        BODY_ORDER, lambda f: f.body if f.body is not None and f.body.complete else None
    )
    if body is None:
        body, body_fragment = sources.first(BODY_ORDER, lambda f: f.body)
    body_from = body_fragment.origin if body_fragment is not None else None
    comments, comments_from = _comments(sources)
    count, count_from = sources.pick(COUNT_ORDER, lambda f: f.comment_count)
    if count is None and comments is not None:
        count, count_from = len(comments), comments_from
    date_header, date_header_from = sources.pick(DATE_HEADER_ORDER, lambda f: f.date_header)
    host = (urlsplit(url or primary.url).hostname or "").lower()  # no permalink stated: the capture's host
    paragraphs = body.paragraphs if body is not None else ()
    images = body.images if body is not None else ()
    links = body.links if body is not None else ()
    first, last = dates.parse(published), dates.parse(updated)
    pointers = {(f.origin, f.source.filename, f.source.offset): f for f in fragments}
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "kind": kind,
        "post_id": primary.post_id,
        "blog_id": blog_id,
        "blog_host": host,
        "url": url,
        "path": urlsplit(url).path if url is not None else None,
        "title": title if title is not None else "",
        "published": published,
        "published_utc": dates.to_utc(published),
        "updated": updated,
        "updated_utc": dates.to_utc(updated),
        "edited": (last - first >= EDITED_AFTER) if first is not None and last is not None else None,
        "date_header": date_header,
        "labels": list(labels) if labels is not None else [],
        "author": _person(author),
        "body_text": "\n\n".join(p.text for p in paragraphs),
        "paragraphs": [{"text": p.text, "lang": p.lang} for p in paragraphs],
        "body_html": body.html if body is not None else None,
        "body_complete": body.complete if body is not None else False,
        "images": [
            {
                "src": i.src,
                "original": i.original,
                "alt": i.alt,
                "caption": i.caption,
                "archived": i.original in held,
                "src_archived": i.src in held,
            }
            for i in images
        ],
        "links": [{"href": link.href, "text": link.text, "in_scope": _in_scope(link.href, host)} for link in links],
        "comment_count": count if count is not None else 0,
        "comments": [
            {"id": c.id, "author": _person(c.author), "published": c.published, "text": c.text} for c in comments or ()
        ],
        "flags": [flag.as_json() for flag in tamper.merged(f.flags for f in fragments if f.flags is not None)],
        **sites.enrich(host, paragraphs),
        "source": _pointer(body_fragment if body_fragment is not None else primary),
        "sources": [{"role": f.origin, **_pointer(f)} for f in sorted(pointers.values(), key=_listed)],
        "provenance": {
            "url": url_from,
            "title": title_from,
            "published": published_from,
            "updated": updated_from,
            "labels": labels_from,
            "author": author_from,
            "body": body_from,
            "comments": comments_from,
            "comment_count": count_from,
            "date_header": date_header_from,
        },
    }
    record["content_sha256"] = content_sha256(record)
    return record


def sort_key(record: dict[str, Any]) -> tuple[int, float, str]:
    """Oldest first by publication (records without a date first), then by post id."""
    moment = dates.parse(record.get("published"))
    if moment is None:
        return 0, 0.0, str(record["post_id"])
    return 1, moment.timestamp(), str(record["post_id"])


def merge(fragments: Iterable[Fragment], *, archived: Iterable[str]) -> MergeResult:
    """One record per post id (posts and static pages apart), each list sorted by :func:`sort_key`.

    ``archived``: the URLs (WARC-Target-URI) of every ``200`` response the captures hold, images and all,
    not only the ones that gave fragments; ``images[].archived`` and ``src_archived`` are read from it.
    """
    by_post: dict[str, list[Fragment]] = defaultdict(list)
    for fragment in fragments:
        by_post[fragment.post_id].append(fragment)
    held = Held(archived)
    result = MergeResult()
    for found in by_post.values():
        record = build_record(found, held)
        if record is None:
            result.dropped["comments_only"] += 1
        elif record["kind"] == "page":
            result.pages.append(record)
        else:
            result.posts.append(record)
    result.posts.sort(key=sort_key)
    result.pages.sort(key=sort_key)
    return result
