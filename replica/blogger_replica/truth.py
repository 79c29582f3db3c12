"""The ground truth of a replica blog: what an archive of it must contain, one record per post or page.

Records come straight from the content model (never from rendered pages), so a crawl's output can be
compared with them field by field. The body is the post page's (``body_text``, ``paragraphs``): on a post
edited silently (``"silent_edit": true``, see ``Blog.page_body``) it holds the correction that the feeds do not
show. Posts come first, newest first by publication; the static pages follow,
newest first, with ``"kind": "page"``. Output is deterministic: the same blog gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from blogger_replica.content import Author, Blog, Body, Post, iso_ms

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TextIO

# A post counts as edited when it was last updated this long after publication. Blogger stamps
# ``updated`` a few minutes after ``published`` on a normal publish; real edits come days later.
EDITED_AFTER = timedelta(hours=1)


def _author(author: Author) -> dict[str, str | None]:
    return {"name": author.name, "uri": author.uri}


def attendee_pairs(body: Body) -> list[dict[str, str | None]]:
    """Attendees as aligned {en, zh} pairs when both lists have the same length, else unpaired entries."""
    en, zh = body.attendees_en, body.attendees_zh
    if len(en) == len(zh):
        return [{"en": e, "zh": z} for e, z in zip(en, zh, strict=True)]
    return [{"en": e, "zh": None} for e in en] + [{"en": None, "zh": z} for z in zh]


def truth_record(blog: Blog, post: Post, base: str) -> dict[str, object]:
    """Build the ground-truth record of one post or static page."""
    body = blog.page_body(post)
    comments = blog.comments(post)
    return {
        "kind": post.kind,
        "post_id": post.post_id,
        "blog_id": blog.blog_id,
        "url": f"{base}{post.path}",
        "path": post.path,
        "title": post.title,
        "published": iso_ms(post.published),
        "updated": iso_ms(post.updated),
        "date_header": post.date_header,
        "labels": sorted(post.labels),
        "author": _author(post.author),
        "body_text": body.text,
        "paragraphs": body.paragraphs(),
        "images": [
            {"src": im.src, "original": im.original, "alt": im.alt, "caption": im.caption} for im in body.images
        ],
        "comments": [
            {"id": c.comment_id, "author": _author(c.author), "published": iso_ms(c.published), "text": c.text}
            for c in comments
        ],
        "comment_count": len(comments),
        "attendees": attendee_pairs(body),
        "edited": post.updated - post.published >= EDITED_AFTER,
        "silent_edit": blog.is_silently_edited(post),
        # the flags an archive's tamper scan must raise on this post's own pages (blogger_replica.planted)
        "planted": [plant.expected()] if (plant := blog.plant(post)) is not None else [],
    }


def truth_records(blog: Blog, base: str | None = None) -> Iterator[dict[str, object]]:
    """Every post (newest first) then every static page, as ground-truth dicts.

    ``base`` is the canonical origin, ``https://NAME.blogspot.com`` unless given.
    """
    origin = base if base is not None else f"https://{blog.host}"
    for post in blog.posts:
        yield truth_record(blog, post, origin)
    for page in sorted(blog.pages, key=lambda p: (p.published, p.index), reverse=True):
        yield truth_record(blog, page, origin)


def write_truth(blog: Blog, stream: TextIO, base: str | None = None) -> int:
    """Write the truth as JSON Lines (UTF-8 text, sorted keys, compact); return the number of records."""
    count = 0
    for record in truth_records(blog, base):
        stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
        stream.write("\n")
        count += 1
    return count
