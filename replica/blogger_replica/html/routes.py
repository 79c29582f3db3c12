"""Routing and paging of the replica's HTML pages, shared by both themes (pure: no markup here).

Blogger's listing pages are windows over the posts sorted by publication time:

- ``/`` shows the newest :data:`HOME_POSTS`; its older link is
  ``/search?updated-max=<oldest shown, seconds, with offset>&max-results=7``.
- ``updated-max`` is exclusive: a window shows posts published strictly before it. Posts carry
  milliseconds (``21:38:00.001``) while links carry whole seconds (``21:38:00``), so the oldest post
  shown is never shown again on the next page.
- ``updated-min`` with ``reverse-paginate=true`` (the "newer posts" link) shows the posts published in a
  later second than ``updated-min``, the ones closest to it, still listed newest first.
- ``/YYYY/`` and ``/YYYY/MM/`` (with or without the trailing slash) list the period's posts, up to
  :data:`ARCHIVE_POSTS`, and continue with relative ``/search`` windows.

Every link here is a path with its query (``/search?…``); the themes make them absolute with
:meth:`Site.url`, which also appends ``m=1`` on mobile pages.
"""

from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, quote_plus, unquote

from blogger_replica.content import iso_seconds, localize

if TYPE_CHECKING:
    from blogger_replica.content import Blog, Post

HOME_POSTS = 7  # the blog's "Show at most" setting
LABEL_POSTS = 20  # Blogger's default page size on label and search-query pages
ARCHIVE_POSTS = 50  # Blogger lists at most this many posts on an archive page
MAX_RESULTS_CAP = 500  # Blogger caps max-results on listing pages

PageType = Literal["index", "archive", "item", "static_page", "error"]
MessageKind = Literal["label", "query", "empty", "not_found"]

_YEAR = re.compile(r"^/(\d{4})/?$")
_MONTH = re.compile(r"^/(\d{4})/(\d{2})/?$")
_DAY = re.compile(r"^/(\d{4})_(\d{2})_(\d{2})_archive\.html$")
_POST = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
_PAGE = re.compile(r"^/p/[^/]+\.html$")


@dataclass(frozen=True)
class Message:
    """The status message Blogger shows above a listing (label, search, empty period, 404)."""

    kind: MessageKind
    arg: str = ""


@dataclass(frozen=True)
class View:
    """Everything a theme needs to render one HTML page, whatever the theme."""

    page_type: PageType
    mobile: bool
    canonical: str  # path and query of the page without the mobile flag
    posts: tuple[Post, ...] = ()
    newer: str | None = None  # path of the newer page (listing) or newer post (item)
    older: str | None = None
    message: Message | None = None
    expanded: tuple[int, int] | None = None  # the (year, month) the archive widget opens
    page_name: str = ""  # "九月 2013", a label, a post title: Blogger's data:blog.pageName
    status: int = 200
    search: dict[str, str] = field(default_factory=dict)  # label / q of a search page

    @property
    def item(self) -> Post | None:
        return self.posts[0] if self.page_type in ("item", "static_page") and self.posts else None


# --- query parsing ----------------------------------------------------------------------------------


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def is_mobile(query: dict[str, list[str]]) -> bool:
    """``?m=1`` asks for the mobile template, ``?m=0`` (or nothing) for the desktop one."""
    return (_first(query, "m") or "").strip() == "1"


def parse_time(value: str | None) -> datetime | None:
    """An ``updated-max``/``updated-min`` value; a ``+`` decoded to a space is put back; None if invalid."""
    if not value:
        return None
    text = value.strip().replace(" ", "+")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return localize(moment) if moment.tzinfo is None else moment


def format_time(moment: datetime) -> str:
    """Blogger's form in links: seconds precision with offset, ``+`` escaped: ``2015-10-17T10:00:00-07:00``."""
    return quote(iso_seconds(moment), safe=":")


def parse_count(value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        count = int(value.strip())
    except ValueError:
        return default
    if count <= 0:
        return default
    return min(count, MAX_RESULTS_CAP)


def _parse_start(value: str | None) -> int:
    try:
        return max(0, int((value or "0").strip()))
    except ValueError:
        return 0


def _floor_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


# --- windows over a newest-first post list ----------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    posts: list[Post]
    newer: bool  # posts newer than the first shown exist in the same list
    older: bool


def _keys(posts: list[Post]) -> list[float]:
    return [-p.published.timestamp() for p in posts]


def window(
    posts: list[Post],
    keys: list[float],
    *,
    updated_max: datetime | None,
    updated_min: datetime | None,
    count: int,
    reverse: bool,
) -> _Window:
    """A page of ``posts`` (newest first, ``keys`` = -timestamps ascending) as Blogger's /search shows it."""
    # posts strictly before updated_max: index >= lo
    lo = 0 if updated_max is None else bisect.bisect_right(keys, -updated_max.timestamp())
    # posts published in a later second than updated_min: index < hi
    hi = (
        len(posts)
        if updated_min is None
        else bisect.bisect_right(keys, -(_floor_second(updated_min) + timedelta(seconds=1)).timestamp())
    )
    if hi < lo:
        hi = lo
    if reverse and updated_min is not None:
        start = max(lo, hi - count)
        chunk = posts[start:hi]
        return _Window(chunk, newer=start > 0, older=hi < len(posts))
    chunk = posts[lo : min(hi, lo + count)]
    end = lo + len(chunk)
    return _Window(chunk, newer=lo > 0, older=end < len(posts))


# --- search-query index, cached per blog ------------------------------------------------------------


class _QueryCache:
    """Title matches of recent ``?q=`` searches of one blog; the titles are lower-cased once."""

    def __init__(self, blog: Blog) -> None:
        self.lowered = [p.title.casefold() for p in blog.posts]
        self.results: dict[str, tuple[list[Post], list[float]]] = {}

    def lookup(self, blog: Blog, word: str) -> tuple[list[Post], list[float]]:
        key = word.casefold()
        hit = self.results.get(key)
        if hit is None:
            matches = [p for p, t in zip(blog.posts, self.lowered, strict=True) if key in t]
            hit = (matches, _keys(matches))
            if len(self.results) > 64:
                self.results.clear()
            self.results[key] = hit
        return hit


_QUERIES: weakref.WeakKeyDictionary[Blog, _QueryCache] = weakref.WeakKeyDictionary()


def _query_matches(blog: Blog, word: str) -> tuple[list[Post], list[float]]:
    cache = _QUERIES.get(blog)
    if cache is None:
        cache = _QUERIES[blog] = _QueryCache(blog)
    return cache.lookup(blog, word)


# --- resolution -------------------------------------------------------------------------------------


def _month_of(post: Post) -> tuple[int, int]:
    return post.published.year, post.published.month


def newest_month(blog: Blog) -> tuple[int, int] | None:
    return _month_of(blog.posts[0]) if blog.posts else None


def label_path(label: str) -> str:
    return f"/search/label/{quote(label, safe='')}"


def resolve(blog: Blog, path: str, query: dict[str, list[str]]) -> View | None:
    """The page at ``path``; None when the path is no HTML page of the blog (feeds, assets, …)."""
    mobile = is_mobile(query)
    if "%" in path:
        path = unquote(path)
    if path in ("/", ""):
        return _home(blog, mobile)
    if path == "/search" or path == "/search/":
        return _search(blog, query, mobile, label=None)
    if path.startswith("/search/label/"):
        label = path[len("/search/label/") :].rstrip("/")
        if not label:
            return _search(blog, query, mobile, label=None)
        return _search(blog, query, mobile, label=label)
    match = _YEAR.match(path)
    if match:
        return _archive(blog, mobile, int(match.group(1)), None)
    match = _MONTH.match(path)
    if match:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            return not_found_view(blog, mobile)
        return _archive(blog, mobile, int(match.group(1)), month)
    match = _DAY.match(path)
    if match:
        return _day(blog, mobile, int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if _POST.match(path) or _PAGE.match(path):
        return _item(blog, path, mobile)
    return None


def not_found_view(blog: Blog, mobile: bool = False) -> View:
    return View(
        page_type="error",
        mobile=mobile,
        canonical="/",
        message=Message("not_found"),
        expanded=newest_month(blog),
        status=404,
    )


def _home(blog: Blog, mobile: bool) -> View:
    posts, more = blog.before(blog.all_index, None, HOME_POSTS)
    older = _older_link("/search", posts, HOME_POSTS) if more else None
    return View(
        page_type="index", mobile=mobile, canonical="/", posts=tuple(posts), older=older, expanded=newest_month(blog)
    )


def _older_link(base: str, posts: list[Post], count: int) -> str:
    return f"{base}?updated-max={format_time(posts[-1].published)}&max-results={count}"


def _newer_link(base: str, posts: list[Post], count: int) -> str:
    return f"{base}?updated-min={format_time(posts[0].published)}&max-results={count}&reverse-paginate=true"


def _search(blog: Blog, query: dict[str, list[str]], mobile: bool, label: str | None) -> View:
    word = _first(query, "q")
    updated_max = parse_time(_first(query, "updated-max"))
    updated_min = parse_time(_first(query, "updated-min"))
    reverse = (_first(query, "reverse-paginate") or "").strip().lower() == "true"
    start = _parse_start(_first(query, "start"))
    search: dict[str, str] = {}
    if label is not None:
        index = blog.label_index.get(label)
        posts, keys = (index.posts, index.keys) if index is not None else ([], [])
        base = label_path(label)
        default = LABEL_POSTS
        search["label"] = label
        message = Message("label", label)
    elif word:
        posts, keys = _query_matches(blog, word)
        base = "/search"
        default = LABEL_POSTS
        search["q"] = word
        message = Message("query", word)
    else:
        posts, keys = blog.all_index.posts, blog.all_index.keys
        base = "/search"
        default = HOME_POSTS
        message = None
    count = parse_count(_first(query, "max-results"), default)
    win = window(posts, keys, updated_max=updated_max, updated_min=updated_min, count=count, reverse=reverse)
    shown = win.posts
    if not shown and message is None:
        message = Message("empty")
    prefix = f"{base}?q={quote_plus(word)}&" if word and label is None else f"{base}?"
    older = newer = None
    if shown and win.older:
        older = f"{prefix}updated-max={format_time(shown[-1].published)}&max-results={count}"
        if label is not None or word:
            older += f"&start={start + len(shown)}&by-date=false"
    if shown and win.newer:
        newer = f"{prefix}updated-min={format_time(shown[0].published)}&max-results={count}&reverse-paginate=true"
    canonical = _canonical_query(base, query, word if label is None else None)
    expanded = _month_of(shown[0]) if shown else newest_month(blog)
    return View(
        page_type="index",
        mobile=mobile,
        canonical=canonical,
        posts=tuple(shown),
        newer=newer,
        older=older,
        message=message,
        expanded=expanded,
        page_name=label or word or "",
        search=search,
    )


_CANONICAL_KEYS = ("q", "updated-min", "updated-max", "max-results", "start", "by-date", "reverse-paginate")


def _canonical_query(base: str, query: dict[str, list[str]], word: str | None) -> str:
    parts = []
    for key in _CANONICAL_KEYS:
        value = _first(query, key)
        if value is None or (key == "q" and not word):
            continue
        parts.append(f"{key}={quote_plus(value, safe=':')}")
    return f"{base}?{'&'.join(parts)}" if parts else base


_ZH_MONTHS = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月")


def zh_month(month: int) -> str:
    """The month name of a zh-CN Blogger blog (Java ``MMMM``): ``九月``."""
    return _ZH_MONTHS[month - 1]


def _archive(blog: Blog, mobile: bool, year: int, month: int | None) -> View:
    if month is None:
        period = blog.years.get(year, [])
        canonical = f"/{year:04d}/"
        name = str(year)
    else:
        period = blog.months.get((year, month), [])
        canonical = f"/{year:04d}/{month:02d}/"
        name = f"{zh_month(month)} {year}"
    shown = period[:ARCHIVE_POSTS]
    older = newer = None
    if shown:
        if blog.before(blog.all_index, _floor_second(shown[-1].published), 1)[0]:
            older = _older_link("/search", shown, ARCHIVE_POSTS)
        if shown[0] is not blog.posts[0]:
            newer = _newer_link("/search", shown, ARCHIVE_POSTS)
    if shown:
        expanded: tuple[int, int] | None = _month_of(shown[0])
    elif month is not None:
        expanded = (year, month)
    else:
        expanded = newest_month(blog)
    return View(
        page_type="archive",
        mobile=mobile,
        canonical=canonical,
        posts=tuple(shown),
        newer=newer,
        older=older,
        message=None if shown else Message("empty"),
        expanded=expanded,
        page_name=name,
    )


def _day(blog: Blog, mobile: bool, year: int, month: int, day: int) -> View:
    try:
        wanted = date(year, month, day)
    except ValueError:
        return not_found_view(blog, mobile)
    shown = [p for p in blog.months.get((year, month), []) if p.day == wanted]
    if not shown:
        return not_found_view(blog, mobile)
    return View(
        page_type="archive",
        mobile=mobile,
        canonical=f"/{year:04d}_{month:02d}_{day:02d}_archive.html",
        posts=tuple(shown),
        expanded=(year, month),
        page_name=f"{year}年{month}月{day}日",
    )


def _item(blog: Blog, path: str, mobile: bool) -> View:
    post = blog.by_path.get(path)
    if post is None:  # deleted since the first visit, or never existed: Blogger's 404 page
        return not_found_view(blog, mobile)
    if post.kind == "page":
        return View(
            page_type="static_page",
            mobile=mobile,
            canonical=post.path,
            posts=(post,),
            expanded=newest_month(blog),
            page_name=post.title,
        )
    newer, older = blog.neighbours(post)
    return View(
        page_type="item",
        mobile=mobile,
        canonical=post.path,
        posts=(post,),
        newer=newer.path if newer else None,
        older=older.path if older else None,
        expanded=_month_of(post),
        page_name=post.title,
    )
