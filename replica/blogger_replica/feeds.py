"""Blogger's GData feeds as the blog host serves them: Atom, RSS, JSON and JSON-in-script.

Routes (``render`` returns None for any other path):

- ``/feeds/posts/{default,full,summary}``, one post ``…/POSTID``, labels ``…/-/L1[/L2…]`` (AND; ``A|B`` = OR)
- ``/feeds/pages/{default,full,summary}`` and ``…/PAGEID``
- ``/feeds/comments/{default,full,summary}`` (all comments) and ``/feeds/POSTID/comments/…[/COMMENTID]``
- the www.blogger.com forms ``/feeds/BLOGID/posts/…``, ``/feeds/BLOGID/pages/…``, ``/feeds/BLOGID/comments/…``
  and ``/feeds/BLOGID/POSTID/comments/…``: the feeds' own ``self``/``next``/``edit`` links point there, as on
  Blogger, so a router can hand ``www.blogger.com/feeds/…`` requests to this module too
- ``/atom.xml`` → 301 ``/feeds/posts/default``; ``/rss.xml`` → 301 ``/feeds/posts/default?alt=rss``
  (the query is kept)

The markup follows real Blogger feeds (2009-2024 captures): single-quoted attributes with the one
double-quoted ``xmlns:gd``, the ``atom.css`` stylesheet instruction, no whitespace between elements, no
``kind`` category on entries of public feeds, ``replies`` links and ``thr:total`` only when comments are on.

Query semantics: ``max-results`` defaults to 25 and is capped at 150 (Blogger 2016-2019), ``start-index`` is
1-based, ``orderby`` is ``published`` unless ``orderby=updated`` (case-insensitive); as Blogger documents,
``updated-min``/``updated-max`` are ignored unless ``orderby=updated``. ``*-min`` bounds are inclusive,
``*-max`` bounds exclusive (GData). Times without an offset are UTC. Comment feeds accept ``reverse=false``
(oldest first), as Blogger's threaded-comments script requests them. Invalid values give a 400 with GData's
one-line message. Entries are newest first.
"""

from __future__ import annotations

import bisect
import json
import re
import weakref
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from blogger_replica.assets_urls import AVATAR_BLANK, AVATAR_DEFAULT
from blogger_replica.content import AUTHOR_MAIN, Author, Blog, Body, Comment, Image, Post, iso_ms
from blogger_replica.site import Page, Site

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

DEFAULT_MAX_RESULTS = 25
MAX_RESULTS_CAP = 150
SUMMARY_CHARS = 400

BLOGGER = "https://www.blogger.com"
HUB = "http://pubsubhubbub.appspot.com/"
STYLESHEET_PI = '<?xml-stylesheet href="http://www.blogger.com/styles/atom.css" type="text/css"?>'
XML_DECL = "<?xml version='1.0' encoding='UTF-8'?>"
KIND_FEED = "http://schemas.google.com/g/2005#feed"
THUMBNAIL_REL = "http://schemas.google.com/g/2005#thumbnail"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
THR_NS = "http://purl.org/syndication/thread/1.0"
MEDIA_NS = "http://search.yahoo.com/mrss/"
ROOT_NAMESPACES: tuple[tuple[str, str], ...] = (
    ("xmlns", "http://www.w3.org/2005/Atom"),
    ("xmlns:openSearch", "http://a9.com/-/spec/opensearchrss/1.0/"),
    ("xmlns:blogger", "http://schemas.google.com/blogger/2008"),
    ("xmlns:georss", "http://www.georss.org/georss"),
    ("xmlns:gd", "http://schemas.google.com/g/2005"),
    ("xmlns:thr", THR_NS),
)

ATOM_TYPE = "application/atom+xml; charset=UTF-8"
RSS_TYPE = "application/rss+xml; charset=UTF-8"
JSON_TYPE = "application/json; charset=UTF-8"
SCRIPT_TYPE = "text/javascript; charset=UTF-8"
ERROR_TYPE = "text/plain; charset=UTF-8"

_ALTS = ("atom", "rss", "json", "json-in-script")
_PROJECTIONS = ("default", "full", "summary")
_PROJ = r"(?P<proj>default|full|summary)"
_BLOG = r"(?:(?P<blog>\d+)/)?"
_POSTS_RE = re.compile(rf"^/feeds/{_BLOG}posts/{_PROJ}(?:/-/(?P<labels>[^?#]+)|/(?P<id>\d+))?$")
_PAGES_RE = re.compile(rf"^/feeds/{_BLOG}pages/{_PROJ}(?:/(?P<id>\d+))?$")
_ALL_COMMENTS_RE = re.compile(rf"^/feeds/{_BLOG}comments/{_PROJ}$")
_POST_COMMENTS_RE = re.compile(rf"^/feeds/{_BLOG}(?P<post>\d+)/comments/{_PROJ}(?:/(?P<cid>\d+))?$")
_DIGITS = re.compile(r"^\d+$")
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]*(?:\[\d+\])?$")
_TZ_SPACE = re.compile(r" (\d\d:?\d\d)$")


# --- a tiny element tree that serialises the way Blogger does ----------------------------------------


class _El:
    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(
        self,
        tag: str,
        attrs: Sequence[tuple[str, str]] = (),
        text: str | None = None,
        children: list[_El] | None = None,
    ) -> None:
        self.tag = tag
        self.attrs = attrs
        self.text = text
        self.children = children if children is not None else []

    def add(self, tag: str, attrs: Sequence[tuple[str, str]] = (), text: str | None = None) -> _El:
        child = _El(tag, attrs, text)
        self.children.append(child)
        return child

    def find(self, tag: str) -> _El | None:
        return next((c for c in self.children if c.tag == tag), None)

    def find_all(self, tag: str) -> list[_El]:
        return [c for c in self.children if c.tag == tag]

    def attr(self, name: str) -> str | None:
        return next((v for k, v in self.attrs if k == name), None)


def _esc_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc_attr(text: str) -> str:
    return _esc_text(text).replace("'", "&#39;").replace('"', "&quot;")


def _write_xml(el: _El, out: list[str]) -> None:
    out.append("<" + el.tag)
    for key, value in el.attrs:
        if key == "xmlns:gd":  # Blogger's one double-quoted namespace declaration
            out.append(f' {key}="{_esc_attr(value)}"')
        else:
            out.append(f" {key}='{_esc_attr(value)}'")
    if el.text is None and not el.children:
        out.append("/>")
        return
    out.append(">")
    if el.text is not None:
        out.append(_esc_text(el.text))
    for child in el.children:
        _write_xml(child, out)
    out.append(f"</{el.tag}>")


def _xml_document(root: _El) -> str:
    out = [XML_DECL, STYLESHEET_PI]
    _write_xml(root, out)
    return "".join(out)


_JSON_ARRAYS = frozenset({"entry", "link", "category", "author", "gd$extendedProperty"})
# GData's JSON escapes these as \uXXXX (Gson's HTML-safe mode); they only occur inside JSON strings.
_JSON_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("=", "\\u003d"), ("'", "\\u0027"))


def _json_object(el: _El) -> dict[str, object]:
    obj: dict[str, object] = {}
    for key, value in el.attrs:
        obj[key.replace(":", "$")] = value
    if el.text is not None:
        obj["$t"] = el.text
    for child in el.children:
        key = child.tag.replace(":", "$")
        child_obj = _json_object(child)
        if key in _JSON_ARRAYS:
            existing = obj.setdefault(key, [])
            assert isinstance(existing, list)
            existing.append(child_obj)
        else:
            obj[key] = child_obj
    return obj


def _json_document(root: _El) -> str:
    doc = {"version": "1.0", "encoding": "UTF-8", root.tag: _json_object(root)}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_SAFE:
        text = text.replace(char, escaped)
    return text


# --- errors and query parsing -------------------------------------------------------------------------


class _BadRequest(Exception):
    pass


@dataclass(frozen=True)
class _Query:
    pairs: tuple[tuple[str, str], ...]  # the request's parameters, first value of each, in request order
    start: int
    size: int
    orderby: str
    published_min: datetime | None
    published_max: datetime | None
    updated_min: datetime | None
    updated_max: datetime | None
    alt: str
    callback: str | None
    reverse: bool


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _parse_time(name: str, raw: str) -> datetime:
    text = _TZ_SPACE.sub(r"+\1", raw.strip())  # an unencoded "+05:00" arrives as " 05:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _BadRequest(f"Invalid value for {name} parameter: {raw}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse_query(query: dict[str, list[str]]) -> _Query:
    pairs = tuple((k, v[0]) for k, v in query.items() if v)
    raw_size = _first(query, "max-results")
    if raw_size is None or raw_size == "":
        size = DEFAULT_MAX_RESULTS
    elif _DIGITS.match(raw_size):
        size = min(int(raw_size), MAX_RESULTS_CAP)
    else:
        raise _BadRequest(f"Invalid value for max-results parameter: {raw_size}")
    raw_start = _first(query, "start-index")
    if raw_start is None or raw_start == "":
        start = 1
    elif _DIGITS.match(raw_start) and int(raw_start) >= 1:
        start = int(raw_start)
    else:
        raise _BadRequest(f"Invalid value for start-index parameter: {raw_start}")
    raw_order = _first(query, "orderby")
    orderby = (raw_order or "published").lower()
    if orderby not in ("published", "updated"):
        raise _BadRequest(f"Invalid value for orderby parameter: {raw_order}")
    alt = (_first(query, "alt") or "atom").lower()
    if alt not in _ALTS:
        raise _BadRequest(f"Invalid value for alt parameter: {_first(query, 'alt')}")
    callback = _first(query, "callback")
    if alt == "json-in-script" and callback is not None and not _CALLBACK.match(callback):
        raise _BadRequest(f"Invalid value for callback parameter: {callback}")
    times: dict[str, datetime | None] = {}
    for name in ("published-min", "published-max", "updated-min", "updated-max"):
        raw = _first(query, name)
        times[name] = _parse_time(name, raw) if raw else None
    return _Query(
        pairs=pairs,
        start=start,
        size=size,
        orderby=orderby,
        published_min=times["published-min"],
        published_max=times["published-max"],
        updated_min=times["updated-min"],
        updated_max=times["updated-max"],
        alt=alt,
        callback=callback,
        reverse=(_first(query, "reverse") or "true").lower() != "false",
    )


def _query_string(q: _Query, start: int | None, size: int | None) -> str:
    """GData's link query: alt first, then start-index and max-results, then the rest as requested.

    ``start``/``size`` of None echo the request's own values (the ``self`` link), if it had any.
    """
    out: list[tuple[str, str]] = []
    requested = dict(q.pairs)
    alt = requested.get("alt")
    if alt is not None and alt.lower() != "atom":
        out.append(("alt", alt))
    for name, value in (("start-index", start), ("max-results", size)):
        if value is not None:
            out.append((name, str(value)))
        elif requested.get(name):
            out.append((name, requested[name]))
    skip = {"alt", "start-index", "max-results", "callback"}
    out.extend((k, v) for k, v in q.pairs if k not in skip)
    return "&".join(f"{quote(k, safe='-')}={quote(v, safe=':-._~')}" for k, v in out)


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


# --- per-blog indexes built once (a Blog is immutable) ------------------------------------------------


class _Indexes:
    """Orderings of one Blog that its own indexes lack; values only, so the weak key can die."""

    def __init__(self, blog: Blog) -> None:
        self._updated_keys: list[float] | None = None
        self._comments: list[tuple[Comment, Post]] | None = None
        self._comment_keys: list[float] | None = None
        self.labels = sorted(blog.label_index)
        self._label_updated: dict[str, list[Post]] = {}

    def updated_keys(self, blog: Blog) -> list[float]:
        if self._updated_keys is None:
            self._updated_keys = [-p.updated.timestamp() for p in blog.by_updated()]
        return self._updated_keys

    def all_comments(self, blog: Blog) -> tuple[list[tuple[Comment, Post]], list[float]]:
        """Every comment of the blog with its post, newest first (built once: O(N) the first time)."""
        if self._comments is None:
            items = [(c, p) for p in blog.posts for c in blog.comments(p)]
            items.sort(key=lambda cp: (cp[0].published, cp[0].comment_id), reverse=True)
            self._comments = items
            self._comment_keys = [-c.published.timestamp() for c, _ in items]
        assert self._comment_keys is not None
        return self._comments, self._comment_keys

    def label_by_updated(self, blog: Blog, label: str) -> list[Post]:
        if label not in self._label_updated:
            posts = blog.label_index[label].posts
            self._label_updated[label] = sorted(posts, key=lambda p: (p.updated, p.index), reverse=True)
        return self._label_updated[label]


_INDEXES: weakref.WeakKeyDictionary[Blog, _Indexes] = weakref.WeakKeyDictionary()


def _indexes(blog: Blog) -> _Indexes:
    found = _INDEXES.get(blog)
    if found is None:
        found = _INDEXES[blog] = _Indexes(blog)
    return found


def _window(keys: list[float], low: datetime | None, high: datetime | None) -> tuple[int, int]:
    """Slice bounds of items (keys = -timestamp, ascending) with low <= time < high."""
    start = 0 if high is None else bisect.bisect_right(keys, -high.timestamp())
    end = len(keys) if low is None else bisect.bisect_right(keys, -low.timestamp())
    return start, max(start, end)


def _in(moment: datetime, low: datetime | None, high: datetime | None) -> bool:
    return (low is None or moment >= low) and (high is None or moment < high)


# --- selecting posts ----------------------------------------------------------------------------------


def _select_posts(blog: Blog, q: _Query, labels: list[list[str]] | None) -> tuple[list[Post], int]:
    """One page of posts for the query and its total, newest first, without touching all N posts."""
    idx = _indexes(blog)
    if labels is None:
        if q.orderby == "published":
            posts, keys = blog.all_index.posts, blog.all_index.keys
            lo, hi = _window(keys, q.published_min, q.published_max)
            first = lo + q.start - 1
            return (posts[first : min(hi, first + q.size)] if first < hi else []), hi - lo
        posts, keys = blog.by_updated(), idx.updated_keys(blog)
        lo, hi = _window(keys, q.updated_min, q.updated_max)
        if q.published_min is None and q.published_max is None:
            first = lo + q.start - 1
            return (posts[first : min(hi, first + q.size)] if first < hi else []), hi - lo
        matching = [p for p in posts[lo:hi] if _in(p.published, q.published_min, q.published_max)]
        return matching[q.start - 1 : q.start - 1 + q.size], len(matching)
    matching = _label_posts(blog, q, labels)
    return matching[q.start - 1 : q.start - 1 + q.size], len(matching)


def _sort_key(q: _Query) -> Callable[[Post], tuple[datetime, int]]:
    if q.orderby == "published":
        return lambda p: (p.published, p.index)
    return lambda p: (p.updated, p.index)


def _label_posts(blog: Blog, q: _Query, labels: list[list[str]]) -> list[Post]:
    """Select the posts carrying every label group (a group is an OR of labels), in the query's order."""
    idx = _indexes(blog)
    groups = [[lab for lab in group if lab in blog.label_index] for group in labels]
    if any(not group for group in groups):
        return []

    def ordered(label: str) -> list[Post]:
        if q.orderby == "published":
            return blog.label_index[label].posts
        return idx.label_by_updated(blog, label)

    smallest = min(groups, key=lambda g: sum(len(blog.label_index[lab].posts) for lab in g))
    if len(smallest) == 1:
        candidates = ordered(smallest[0])
    else:
        seen: dict[str, Post] = {}
        for lab in smallest:
            seen.update((p.post_id, p) for p in ordered(lab))
        candidates = sorted(seen.values(), key=_sort_key(q), reverse=True)
    others = [set(group) for group in groups if group is not smallest]
    out = []
    for post in candidates:
        if (
            all(group.intersection(post.labels) for group in others)
            and _in(post.published, q.published_min, q.published_max)
            and (q.orderby != "updated" or _in(post.updated, q.updated_min, q.updated_max))
        ):
            out.append(post)
    return out


# --- post bodies --------------------------------------------------------------------------------------


def _image_size(image: Image) -> tuple[int, int]:
    scale = image.display_size / max(image.width, image.height)
    return round(image.width * scale), round(image.height * scale)


def _image_html(image: Image) -> str:
    width, height = _image_size(image)
    img = f'<img border="0" height="{height}" src="{image.src}" width="{width}" />'
    if image.caption:
        return (
            '<table align="center" cellpadding="0" cellspacing="0" class="tr-caption-container" '
            'style="margin-left: auto; margin-right: auto; text-align: center;"><tbody><tr>'
            f'<td style="text-align: center;"><a href="{image.original}" imageanchor="1" '
            f'style="margin-left: auto; margin-right: auto;">{img}</a></td></tr><tr>'
            f'<td class="tr-caption" style="text-align: center;">{_esc_text(image.caption)}</td></tr>'
            "</tbody></table>"
        )
    return (
        '<div class="separator" style="clear: both; text-align: center;">'
        f'<a href="{image.original}" imageanchor="1" style="margin-left: 1em; margin-right: 1em;">'
        f"{img}</a></div>"
    )


def _body_html(body: Body) -> str:
    """Post HTML as Blogger's editor stores it (stand-in until the shared body renderer exists)."""
    parts: list[str] = []
    previous_text = False
    for i, block in enumerate(body.blocks):
        if block.kind == "img" and block.image is not None:
            parts.append(_image_html(block.image))
            previous_text = False
        else:
            text = (
                "<br />".join(_esc_text(line) for line in block.lines)
                if block.kind == "lines"
                else _esc_text(block.text)
            )
            if block.kind == "blank":
                text = "<br />"
            if body.style == "p":
                parts.append(f"<p>{text}</p>" if block.kind != "blank" else "<p><br /></p>")
            elif body.style == "div":
                parts.append(f"<div>{text}</div>" if block.kind != "blank" else "<div><br /></div>")
            else:
                separator = "<br /><br />" if previous_text else ""
                parts.append(separator + (text if block.kind != "blank" else ""))
                previous_text = True
        if body.jump_after is not None and i == body.jump_after:
            parts.append("<a name='more'></a>")
    return "".join(parts)


def _summary_text(body: Body) -> str:
    text = " ".join(" ".join(p.split()) for p in body.paragraphs() if p.strip())
    return text[:SUMMARY_CHARS]


# --- entries ------------------------------------------------------------------------------------------


def _tag(blog: Blog, item_id: str, kind: str = "post") -> str:
    return f"tag:blogger.com,1999:blog-{blog.blog_id}.{kind}-{item_id}"


def _author_el(author: Author, *, commenter: bool = False) -> _El:
    el = _El("author")
    el.add("name", text=author.name)
    if author.uri:
        el.add("uri", text=author.uri)
    el.add("email", text="noreply@blogger.com")
    avatar = AVATAR_BLANK if commenter and not author.uri else AVATAR_DEFAULT
    el.add("gd:image", (("rel", THUMBNAIL_REL), ("width", "16"), ("height", "16"), ("src", avatar)))
    return el


def _link(rel: str, mime: str | None, href: str, title: str | None = None) -> _El:
    attrs = [("rel", rel)]
    if mime is not None:
        attrs.append(("type", mime))
    attrs.append(("href", href))
    if title is not None:
        attrs.append(("title", title))
    return _El("link", attrs)


def _post_entry(site: Site, post: Post, projection: str) -> _El:
    blog = site.blog
    body = blog.body(post)
    kind = "page" if post.kind == "page" else "post"
    collection = "pages" if post.kind == "page" else "posts"
    entry = _El("entry")
    entry.add("id", text=_tag(blog, post.post_id, kind))
    entry.add("published", text=iso_ms(post.published))
    entry.add("updated", text=iso_ms(post.updated))
    for label in post.labels:
        entry.add("category", (("scheme", LABEL_SCHEME), ("term", label)))
    entry.add("title", (("type", "text"),), post.title)
    if projection == "summary":
        entry.add("summary", (("type", "text"),), _summary_text(body))
    else:
        entry.add("content", (("type", "html"),), _body_html(body))
    n_comments = len(blog.comments(post)) if post.comments_enabled else 0
    if post.comments_enabled:
        entry.children.append(
            _link(
                "replies", "application/atom+xml", f"{site.base}/feeds/{post.post_id}/comments/default", "Post Comments"
            )
        )
        entry.children.append(
            _link(
                "replies",
                "text/html",
                f"{BLOGGER}/comment.g?blogID={blog.blog_id}&postID={post.post_id}",
                f"{n_comments} Comments",
            )
        )
    own = f"{BLOGGER}/feeds/{blog.blog_id}/{collection}/default/{post.post_id}"
    entry.children.append(_link("edit", "application/atom+xml", own))
    entry.children.append(_link("self", "application/atom+xml", own))
    entry.children.append(_link("alternate", "text/html", site.post_url(post), post.title))
    entry.children.append(_author_el(post.author))
    if body.images:
        entry.add(
            "media:thumbnail",
            (("xmlns:media", MEDIA_NS), ("url", body.images[0].url("s72-c")), ("height", "72"), ("width", "72")),
        )
    if post.comments_enabled:
        entry.add("thr:total", text=str(n_comments))
    return entry


def _comment_title(text: str, limit: int = 50) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut + "..."


def _display_time(moment: datetime) -> str:
    """Format a comment's time as a zh-CN blog shows it: ``2013年9月18日 下午12:22``."""
    half = "上午" if moment.hour < 12 else "下午"
    hour = moment.hour % 12 or 12
    return f"{moment.year}年{moment.month}月{moment.day}日 {half}{hour}:{moment.minute:02d}"


def _comment_url(site: Site, post: Post, comment: Comment) -> str:
    return f"{site.post_url(post)}?showComment={comment.show_comment}#c{comment.comment_id}"


def _comment_entry(site: Site, post: Post, comment: Comment, projection: str) -> _El:
    blog = site.blog
    entry = _El("entry")
    entry.add("id", text=_tag(blog, comment.comment_id))
    entry.add("published", text=iso_ms(comment.published))
    entry.add("updated", text=iso_ms(comment.published))
    entry.add("title", (("type", "text"),), _comment_title(comment.text))
    html = "<br />".join(_esc_text(line) for line in comment.text.split("\n"))
    if projection == "summary":
        entry.add("summary", (("type", "text"),), comment.text)
    else:
        entry.add("content", (("type", "html"),), html)
    own = f"{BLOGGER}/feeds/{blog.blog_id}/{post.post_id}/comments/default/{comment.comment_id}"
    entry.children.append(_link("edit", "application/atom+xml", own))
    entry.children.append(_link("self", "application/atom+xml", own))
    entry.children.append(_link("alternate", "text/html", _comment_url(site, post, comment), ""))
    entry.children.append(_author_el(comment.author, commenter=True))
    entry.add(
        "thr:in-reply-to",
        (
            ("xmlns:thr", THR_NS),
            ("href", site.post_url(post)),
            ("ref", _tag(blog, post.post_id)),
            ("source", f"{BLOGGER}/feeds/{blog.blog_id}/posts/default/{post.post_id}"),
            ("type", "text/html"),
        ),
    )
    pid = zlib.crc32((comment.author.uri or comment.author.name).encode())
    entry.add("gd:extendedProperty", (("name", "blogger.itemClass"), ("value", f"pid-{pid}")))
    shown = _display_time(comment.published)
    entry.add("gd:extendedProperty", (("name", "blogger.displayTime"), ("value", shown)))
    return entry


# --- feed envelopes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Envelope:
    feed_id: str
    updated: datetime
    title: str
    subtitle: str | None
    feed_link: str  # rel=#feed, on the blog host
    self_url: str  # on www.blogger.com, without query
    alternate: str
    author: Author
    categories: Sequence[str]
    hub: bool = True  # Blogger's comment feeds carry no hub link


def _feed(env: _Envelope, q: _Query, total: int, entries: list[_El]) -> _El:
    feed = _El("feed", ROOT_NAMESPACES)
    feed.add("id", text=env.feed_id)
    feed.add("updated", text=iso_ms(env.updated))
    for term in env.categories:
        feed.add("category", (("term", term),))
    feed.add("title", (("type", "text"),), env.title)
    if env.subtitle is not None:
        feed.add("subtitle", (("type", "html"),), env.subtitle)
    feed.children.append(_link(KIND_FEED, "application/atom+xml", env.feed_link))
    self_url = _with_query(env.self_url, _query_string(q, None, None))
    feed.children.append(_link("self", "application/atom+xml", self_url))
    feed.children.append(_link("alternate", "text/html", env.alternate))
    if env.hub:
        feed.children.append(_link("hub", None, HUB))
    if q.start > 1 and q.size > 0:
        previous = _query_string(q, max(1, q.start - q.size), q.size)
        feed.children.append(_link("previous", "application/atom+xml", _with_query(env.self_url, previous)))
    if q.size > 0 and q.start - 1 + q.size < total:
        following = _query_string(q, q.start + q.size, q.size)
        feed.children.append(_link("next", "application/atom+xml", _with_query(env.self_url, following)))
    feed.children.append(_author_el(env.author))
    feed.add("generator", (("version", "7.00"), ("uri", "https://www.blogger.com")), "Blogger")
    feed.add("openSearch:totalResults", text=str(total))
    feed.add("openSearch:startIndex", text=str(q.start))
    feed.add("openSearch:itemsPerPage", text=str(q.size))
    feed.children.extend(entries)
    return feed


def _single(entry: _El) -> _El:
    entry.attrs = ROOT_NAMESPACES
    return entry


# --- RSS 2.0 (alt=rss), derived from the Atom tree ----------------------------------------------------


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso).astimezone(UTC))


def _rss_item(entry: _El) -> _El:
    item = _El("item")
    item.add("guid", (("isPermaLink", "false"),), _text_of(entry, "id"))
    item.add("pubDate", text=_rfc822(_text_of(entry, "published")))
    item.add("atom:updated", text=_text_of(entry, "updated"))
    for category in entry.find_all("category"):
        item.add("category", (("domain", LABEL_SCHEME),), category.attr("term") or "")
    item.add("title", text=_text_of(entry, "title"))
    body = entry.find("content") or entry.find("summary")
    item.add("description", text=body.text if body is not None else "")
    alternate = next((lk for lk in entry.find_all("link") if lk.attr("rel") == "alternate"), None)
    if alternate is not None:
        item.add("link", text=alternate.attr("href"))
    author = entry.find("author")
    if author is not None:
        item.add("author", text=f"noreply@blogger.com ({_text_of(author, 'name')})")
    for tag in ("media:thumbnail", "thr:total", "thr:in-reply-to"):
        found = entry.find(tag)
        if found is not None:
            item.children.append(found)
    return item


def _text_of(el: _El, tag: str) -> str:
    found = el.find(tag)
    return (found.text or "") if found is not None else ""


def _rss_attrs() -> list[tuple[str, str]]:
    attrs = [("xmlns:atom", ROOT_NAMESPACES[0][1])]
    attrs.extend(ROOT_NAMESPACES[1:])
    attrs.append(("version", "2.0"))
    return attrs


def _rss(root: _El) -> _El:
    rss = _El("rss", _rss_attrs())
    if root.tag == "entry":
        channel = rss.add("channel")
        channel.children.append(_rss_item(root))
        return rss
    channel = rss.add("channel")
    channel.add("atom:id", text=_text_of(root, "id"))
    channel.add("lastBuildDate", text=_rfc822(_text_of(root, "updated")))
    for category in root.find_all("category"):
        channel.add("category", text=category.attr("term"))
    channel.add("title", text=_text_of(root, "title"))
    channel.add("description", text=_text_of(root, "subtitle"))
    alternate = next((lk for lk in root.find_all("link") if lk.attr("rel") == "alternate"), None)
    channel.add("link", text=alternate.attr("href") if alternate is not None else "")
    author = root.find("author")
    channel.add("managingEditor", text=f"noreply@blogger.com ({_text_of(author, 'name') if author else ''})")
    channel.add("generator", text="Blogger")
    for tag in ("openSearch:totalResults", "openSearch:startIndex", "openSearch:itemsPerPage"):
        channel.add(tag, text=_text_of(root, tag))
    channel.children.extend(_rss_item(e) for e in root.find_all("entry"))
    return rss


# --- responses ----------------------------------------------------------------------------------------


def _respond(root: _El, q: _Query, last_modified: datetime) -> Page:
    if q.alt == "json":
        body, ctype = _json_document(root), JSON_TYPE
    elif q.alt == "json-in-script":
        body = f"// API callback\n{q.callback or 'gdata.io.handleScriptLoaded'}({_json_document(root)});"
        ctype = SCRIPT_TYPE
    elif q.alt == "rss":
        out = [XML_DECL, STYLESHEET_PI]
        _write_xml(_rss(root), out)
        body, ctype = "".join(out), RSS_TYPE
    else:
        body, ctype = _xml_document(root), ATOM_TYPE
    return Page(200, ctype, body.encode("utf-8"), last_modified=last_modified, framing="chunked")


def _error(status: int, message: str) -> Page:
    return Page(status, ERROR_TYPE, message.encode("utf-8"), cacheable=False)


def _not_found(what: str) -> Page:
    return _error(404, what)


def _redirect(site: Site, path: str, query: dict[str, list[str]], extra: list[tuple[str, str]]) -> Page:
    pairs = extra + [(k, v) for k, values in query.items() for v in values if k not in dict(extra)]
    qs = "&".join(f"{quote(k, safe='-')}={quote(v, safe=':-._~')}" for k, v in pairs)
    return Page.redirect(_with_query(site.url(path), qs))


def _posts_envelope(site: Site, projection: str, labels: str | None) -> _Envelope:
    blog = site.blog
    suffix = f"/-/{labels}" if labels else ""
    alternate = site.base + "/"
    if labels and "/" not in labels and "|" not in labels:
        alternate = site.label_url(unquote(labels))
    return _Envelope(
        feed_id=f"tag:blogger.com,1999:blog-{blog.blog_id}",
        updated=blog.updated,
        title=blog.title,
        subtitle=blog.description,
        feed_link=f"{site.base}/feeds/posts/default{suffix}",
        self_url=f"{BLOGGER}/feeds/{blog.blog_id}/posts/{projection}{suffix}",
        alternate=alternate,
        author=AUTHOR_MAIN,
        categories=_indexes(blog).labels,
    )


def _render_posts(site: Site, q: _Query, projection: str, labels_raw: str | None, post_id: str | None) -> Page:
    blog = site.blog
    if post_id is not None:
        post = blog.by_id.get(post_id)
        if post is None or post.kind != "post":
            return _not_found("Post not found")
        return _respond(_single(_post_entry(site, post, projection)), q, post.updated)
    labels: list[list[str]] | None = None
    canonical: str | None = None
    if labels_raw is not None:
        segments = [s for s in labels_raw.split("/") if s]
        labels = [[unquote(part) for part in seg.split("|")] for seg in segments]
        canonical = "/".join("|".join(quote(lab, safe="") for lab in group) for group in labels)
    posts, total = _select_posts(blog, q, labels)
    entries = [_post_entry(site, p, projection) for p in posts]
    return _respond(_feed(_posts_envelope(site, projection, canonical), q, total, entries), q, blog.updated)


def _render_pages(site: Site, q: _Query, projection: str, page_id: str | None) -> Page:
    blog = site.blog
    if page_id is not None:
        page = blog.by_id.get(page_id)
        if page is None or page.kind != "page":
            return _not_found("Page not found")
        return _respond(_single(_post_entry(site, page, projection)), q, page.updated)
    pages = sorted(blog.pages, key=_sort_key(q), reverse=True)
    pages = [p for p in pages if _in(p.published, q.published_min, q.published_max)]
    chunk = pages[q.start - 1 : q.start - 1 + q.size]
    updated = max((p.updated for p in blog.pages), default=blog.updated)
    env = _Envelope(
        feed_id=f"tag:blogger.com,1999:blog-{blog.blog_id}",
        updated=updated,
        title=blog.title,
        subtitle=blog.description,
        feed_link=f"{site.base}/feeds/pages/default",
        self_url=f"{BLOGGER}/feeds/{blog.blog_id}/pages/{projection}",
        alternate=site.base + "/",
        author=AUTHOR_MAIN,
        categories=_indexes(blog).labels,
    )
    entries = [_post_entry(site, p, projection) for p in chunk]
    return _respond(_feed(env, q, len(pages), entries), q, updated)


def _comment_window(items: list[tuple[Comment, Post]], q: _Query) -> list[tuple[Comment, Post]]:
    if q.published_min is not None or q.published_max is not None:
        items = [cp for cp in items if _in(cp[0].published, q.published_min, q.published_max)]
    return items


def _render_all_comments(site: Site, q: _Query, projection: str) -> Page:
    blog = site.blog
    items, keys = _indexes(blog).all_comments(blog)
    lo, hi = _window(keys, q.published_min, q.published_max)
    total = hi - lo
    if q.reverse:
        chunk = items[lo + q.start - 1 : min(hi, lo + q.start - 1 + q.size)] if q.start - 1 < total else []
    else:
        end = hi - (q.start - 1)
        chunk = list(reversed(items[max(lo, end - q.size) : end])) if end > lo else []
    updated = items[0][0].published if items else blog.updated
    env = _Envelope(
        feed_id=f"tag:blogger.com,1999:blog-{blog.blog_id}.comments",
        updated=updated,
        title=blog.title,
        subtitle=blog.description,
        feed_link=f"{site.base}/feeds/comments/default",
        self_url=f"{BLOGGER}/feeds/{blog.blog_id}/comments/{projection}",
        alternate=site.base + "/",
        author=AUTHOR_MAIN,
        categories=(),
        hub=False,
    )
    entries = [_comment_entry(site, p, c, projection) for c, p in chunk]
    return _respond(_feed(env, q, total, entries), q, max(updated, blog.updated))


def _render_post_comments(site: Site, q: _Query, projection: str, post_id: str, comment_id: str | None) -> Page:
    blog = site.blog
    post = blog.by_id.get(post_id)
    if post is None:
        return _not_found("Post not found")
    comments = list(blog.comments(post))
    if comment_id is not None:
        comment = next((c for c in comments if c.comment_id == comment_id), None)
        if comment is None:
            return _not_found("Comment not found")
        return _respond(_single(_comment_entry(site, post, comment, projection)), q, comment.published)
    items = _comment_window([(c, post) for c in reversed(comments)], q)
    if not q.reverse:
        items.reverse()
    chunk = items[q.start - 1 : q.start - 1 + q.size]
    updated = max([post.updated] + [c.published for c in comments])
    env = _Envelope(
        feed_id=f"tag:blogger.com,1999:blog-{blog.blog_id}.post{post.post_id}..comments",
        updated=updated,
        title=f"Comments on {blog.title}: {post.title}",
        subtitle=None,
        feed_link=f"{site.base}/feeds/{post.post_id}/comments/default",
        self_url=f"{BLOGGER}/feeds/{blog.blog_id}/{post.post_id}/comments/{projection}",
        alternate=site.post_url(post),
        author=post.author,
        categories=(),
        hub=False,
    )
    entries = [_comment_entry(site, p, c, projection) for c, p in chunk]
    return _respond(_feed(env, q, len(items), entries), q, updated)


def render(site: Site, path: str, query: dict[str, list[str]]) -> Page | None:
    """Serve a feed path of the blog; None when the path is not a feed."""
    blog = site.blog
    if path == "/atom.xml":
        return _redirect(site, "/feeds/posts/default", query, [])
    if path == "/rss.xml":
        return _redirect(site, "/feeds/posts/default", query, [("alt", "rss")])
    if not path.startswith("/feeds/"):
        return None
    if len(path) > len("/feeds/") and path.endswith("/"):
        path = path.rstrip("/")
    post_comments = _POST_COMMENTS_RE.match(path)
    all_comments = _ALL_COMMENTS_RE.match(path)
    posts = _POSTS_RE.match(path)
    pages = _PAGES_RE.match(path)
    match = posts or pages or all_comments or post_comments
    if match is None:
        return None
    # "/feeds/N/comments/default" is the blog's comments (www.blogger.com form) when N is the blog id,
    # else the comments of post N (blog-host form).
    if all_comments and post_comments and all_comments.group("blog") != blog.blog_id:
        match = post_comments
    elif all_comments:
        match = all_comments
    if match.group("blog") is not None and match.group("blog") != blog.blog_id:
        return _not_found("Blog not found")
    try:
        q = _parse_query(query)
    except _BadRequest as exc:
        return _error(400, str(exc))
    projection = match.group("proj")
    if match is posts:
        return _render_posts(site, q, projection, match.group("labels"), match.group("id"))
    if match is pages:
        return _render_pages(site, q, projection, match.group("id"))
    if match is all_comments:
        return _render_all_comments(site, q, projection)
    return _render_post_comments(site, q, projection, match.group("post"), match.group("cid"))
