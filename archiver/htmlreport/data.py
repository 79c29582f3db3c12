"""The figures of the HTML report, gathered from a crawl folder's files (or a blog folder's), never from a crawler.

The report is a function of the files alone, so that the one written at the end of a crawl and the one
``archiver report`` writes later are the same bytes. What is read, and what for:

================ =========================================================================================
file             what the report takes from it
================ =========================================================================================
stats.json       every headline number (the ``summary`` the text report computed, and the raw counters)
crawl.json       the seed URL, the start time, the profile
crawl.log        the timeline (responses per second), failures with their reasons, bytes received by content
                 type, and the discovery route of each post: the kind of the URL in the ``via`` column of the
                 post's first attempt (the page whose link the crawl followed first)
index.cdxj       the captures stored in the WARC files by content type and status (bytes as stored)
posts.jsonl      posts per month (``published``), the full-size images referenced and archived, tamper flags
pages.jsonl      tamper flags of the static pages
changes.jsonl    the changes of the visit, with their text diffs
================ =========================================================================================

Nothing is read that is written after the report (the fixity manifest, the report itself) or that a later
crawl changes (the blog's corpus, its dedup index): a crawl folder's report stays what it was. A blog
folder's report adds the history of every visit, one row per crawl folder, from each one's stats.json.
A missing or unreadable file is not an error: its part of the report says it is missing (a killed crawl has no
stats.json; a crawl of a blog's first visit has an empty changes.jsonl).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.blogger.urls import classify
from archiver.errors import ArchiverError
from archiver.records import jsonl
from archiver.warc.dedup import crawl_warc_dirs

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

STATS_NAME = "stats.json"
CRAWL_JSON = "crawl.json"
CRAWL_LOG = "crawl.log"
INDEX = "index.cdxj"
POSTS = "posts.jsonl"
PAGES = "pages.jsonl"
CHANGES = "changes.jsonl"
#: the files whose presence makes a folder a crawl folder
CRAWL_MARKERS = (CRAWL_JSON, STATS_NAME, CRAWL_LOG, "warc")
#: how many URLs a failure group lists (the rest are counted)
FAILURE_EXAMPLES = 10
#: how many changes the report keeps (and shows in full); the rest are counted
CHANGES_KEPT = 200
#: the most bins of the timeline
TIMELINE_BINS = 120
#: the timeline is also counted per tenth of a second over this many seconds (bins below 1 s)
_FINE_SPAN = 0.5 * TIMELINE_BINS
_BIN_WIDTHS: tuple[float, ...] = (
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    21600,
    43200,
    86400,
)

#: the discovery route of a post, by the kind of the URL that led to it (crawl.log's via column)
ROUTES: dict[str, str] = {
    "sitemap": "sitemap",
    "feed": "feeds",
    "archive_year": "archive pages",
    "archive_month": "archive pages",
    "archive_day": "archive pages",
    "label": "label pages",
    "home": "home page and paging",
    "search": "home page and paging",
    "post": "links from posts",
    "page": "links from static pages",
}
#: the routes in the order the report lists them
ROUTE_ORDER = (
    "sitemap",
    "feeds",
    "archive pages",
    "label pages",
    "home page and paging",
    "links from posts",
    "links from static pages",
    "seed",
    "other",
)


class ReportError(ArchiverError):
    """A path given to ``archiver report`` is neither a crawl folder nor a blog folder."""


@dataclass(frozen=True)
class LogLine:
    """One crawl.log line: when, status (negative: Heritrix's failure codes), size, URL, hop, via, MIME, notes."""

    time: datetime
    status: int
    size: int | None
    url: str
    hop: str
    via: str | None
    mime: str
    notes: str


def parse_log_line(line: str) -> LogLine | None:
    """A crawl.log line (``archiver.middlewares.crawllog.format_line``), or None when it is not one."""
    fields = line.split()
    if len(fields) < 12:
        return None
    try:
        time = datetime.fromisoformat(fields[0])  # 2024-01-02T03:04:05.678Z (Python 3.11 reads the Z)
        status = int(fields[1])
        size = None if fields[2] == "-" else int(fields[2])
    except ValueError:
        return None
    via = None if fields[5] == "-" else fields[5]
    return LogLine(time, status, size, fields[3], fields[4], via, fields[6], " ".join(fields[11:]))


def _reason(line: LogLine) -> str:
    """Why an attempt failed: its annotation for a failure code, else the HTTP status."""
    if line.status < 0:
        notes = [note for note in line.notes.split(",") if note and note != "-" and not note[:-1].isdigit()]
        return f"{line.status} {notes[0] if notes else 'failed'}"
    return f"HTTP {line.status}"


@dataclass
class FailureGroup:
    """Failed attempts (or final error answers) of one reason: how many, and the first URLs."""

    reason: str
    count: int = 0
    urls: list[str] = field(default_factory=list)


@dataclass
class LogFigures:
    """What the report takes from crawl.log."""

    lines: int = 0
    first: datetime | None = None
    last: datetime | None = None
    #: bin width in seconds, and the responses (status > 0) and failed attempts (status < 0) of each bin
    bin_s: float = 1
    responses: list[int] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bytes_by_type: dict[str, int] = field(default_factory=dict)
    count_by_type: dict[str, int] = field(default_factory=dict)
    failure_groups: list[FailureGroup] = field(default_factory=list)
    #: distinct post URLs by the route that led to each first
    routes: dict[str, int] = field(default_factory=dict)
    posts_logged: int = 0


def _bin_width(seconds: float) -> float:
    for width in _BIN_WIDTHS:
        if seconds / width <= TIMELINE_BINS:
            return width
    return _BIN_WIDTHS[-1]


def _mime(value: str) -> str:
    return value.split(";", 1)[0].strip().lower() or "-"


def _route(via: str, known: dict[str, str]) -> str:
    """The discovery route of a post found from ``via`` (remembered: the same sitemap or feed leads to many)."""
    route = known.get(via)
    if route is None:
        route = ROUTES.get(classify(via), "other")
        if len(known) < 100_000:
            known[via] = route
    return route


def _binned(counts: Counter[int], width: int, low: int, bins: int) -> list[int]:
    """Counts per tick (an int) summed into ``bins`` bins of ``width`` ticks from tick ``low``."""
    out = [0] * bins
    for tick, count in counts.items():
        out[min((tick - low) // width, bins - 1)] += count
    return out


def log_figures(lines: Iterable[str]) -> LogFigures:
    """Count a crawl.log (any iterable of its lines; lines that do not parse are skipped), in one pass.

    Memory does not grow with the log: the timeline is counted per second (and per tenth of a second over the
    first seconds, for a short crawl), the failures keep their first URLs only, and the routes a set of the
    post URLs.
    """
    figures = LogFigures()
    origin: datetime | None = None
    low = high = 0.0
    seconds: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}
    tenths: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}
    statuses: Counter[int] = Counter()
    sizes: Counter[str] = Counter()
    types: Counter[str] = Counter()
    groups: dict[str, FailureGroup] = {}
    routes: Counter[str] = Counter()
    seen_posts: set[str] = set()
    via_routes: dict[str, str] = {}
    for text in lines:
        line = parse_log_line(text)
        if line is None:
            continue
        figures.lines += 1
        if origin is None:
            origin = line.time
        offset = (line.time - origin).total_seconds()
        low, high = min(low, offset), max(high, offset)
        answered = line.status > 0
        seconds[answered][math.floor(offset)] += 1
        if abs(offset) <= _FINE_SPAN:
            tenths[answered][math.floor(offset * 10)] += 1
        statuses[line.status] += 1
        if answered:
            sizes[_mime(line.mime)] += line.size or 0
            types[_mime(line.mime)] += 1
        if line.status < 0 or line.status >= 400:
            reason = _reason(line)
            group = groups.setdefault(reason, FailureGroup(reason))
            group.count += 1
            if len(group.urls) < FAILURE_EXAMPLES and line.url not in group.urls:
                group.urls.append(line.url)
        if ".html" in line.url and line.url not in seen_posts and classify(line.url) == "post":
            seen_posts.add(line.url)
            routes[_route(line.via, via_routes) if line.via else "seed"] += 1
    if origin is None:
        return figures
    figures.first = origin + timedelta(seconds=low)
    figures.last = origin + timedelta(seconds=high)
    figures.bin_s = _bin_width(high - low)
    if figures.bin_s < 1:
        width, start, ticks = round(figures.bin_s * 10), math.floor(low * 10), tenths
        bins = (math.floor(high * 10) - start) // width + 1
    else:
        width, start, ticks = int(figures.bin_s), math.floor(low), seconds
        bins = (math.floor(high) - start) // width + 1
    figures.responses = _binned(ticks[True], width, start, bins)
    figures.failures = _binned(ticks[False], width, start, bins)
    figures.statuses = dict(sorted(statuses.items()))
    figures.bytes_by_type = dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))
    figures.count_by_type = dict(types)
    figures.failure_groups = sorted(groups.values(), key=lambda g: (-g.count, g.reason))
    figures.routes = {route: routes[route] for route in ROUTE_ORDER if routes.get(route)}
    figures.posts_logged = len(seen_posts)
    return figures


@dataclass
class IndexFigures:
    """What the report takes from index.cdxj: captures and stored bytes by content type, captures by status."""

    captures: int = 0
    bytes_by_type: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


def index_figures(lines: Iterable[str]) -> IndexFigures:
    """Count index.cdxj lines (``SURT TIMESTAMP JSON``); lines that do not parse are skipped."""
    figures = IndexFigures()
    sizes: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) < 3:
            continue
        try:
            fields = json.loads(parts[2])
            length = int(fields.get("length") or 0)
        except (ValueError, TypeError, AttributeError):
            continue
        figures.captures += 1
        sizes[_mime(str(fields.get("mime") or "-"))] += length
        statuses[str(fields.get("status") or "-")] += 1
    figures.bytes_by_type = dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))
    figures.statuses = dict(sorted(statuses.items()))
    return figures


@dataclass
class PostFigures:
    """What the report takes from posts.jsonl and pages.jsonl."""

    posts: int = 0
    pages: int = 0
    #: ``YYYY-MM`` of ``published`` → posts, every month from the first to the last (empty months included)
    per_month: dict[str, int] = field(default_factory=dict)
    undated: int = 0
    images_referenced: int = 0
    images_archived: int = 0
    #: the full-size images referenced but not archived (first few)
    images_missing: list[str] = field(default_factory=list)
    #: (kind, title, url, flag) of every tamper flag of a post or page
    flags: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)


def _months(first: str, last: str) -> Iterator[str]:
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def post_figures(posts: Iterable[dict[str, Any]], pages: Iterable[dict[str, Any]] = ()) -> PostFigures:
    """Posts per month, full-size images referenced and archived, tamper flags."""
    figures = PostFigures()
    months: Counter[str] = Counter()
    images: dict[str, bool] = {}
    for kind, records in (("post", posts), ("page", pages)):
        for record in records:
            if kind == "post":
                figures.posts += 1
                published = str(record.get("published_utc") or record.get("published") or "")
                if len(published) >= 7 and published[:4].isdigit() and published[5:7].isdigit():
                    months[published[:7]] += 1
                else:
                    figures.undated += 1
            else:
                figures.pages += 1
            for image in record.get("images") or ():
                original = image.get("original") or image.get("src")
                if original:
                    images[str(original)] = images.get(str(original), False) or bool(image.get("archived"))
            for flag in record.get("flags") or ():
                figures.flags.append((kind, str(record.get("title") or ""), str(record.get("url") or ""), dict(flag)))
    if months:
        ordered = sorted(months)
        figures.per_month = {month: months.get(month, 0) for month in _months(ordered[0], ordered[-1])}
    figures.images_referenced = len(images)
    figures.images_archived = sum(images.values())
    figures.images_missing = sorted(url for url, archived in images.items() if not archived)[:FAILURE_EXAMPLES]
    figures.flags.sort(key=lambda item: (item[2], json.dumps(item[3], sort_keys=True)))
    return figures


@dataclass
class CrawlData:
    """Everything the report shows of one crawl folder; ``missing`` names the files it could not read."""

    crawl_id: str
    crawl: dict[str, Any]
    summary: dict[str, Any]
    stats: dict[str, Any]
    log: LogFigures
    index: IndexFigures
    posts: PostFigures
    #: the first CHANGES_KEPT records of changes.jsonl, and how many it holds
    changes: list[dict[str, Any]]
    changes_total: int
    missing: list[str]

    @property
    def has_stats(self) -> bool:
        """Whether the crawl reached its end (its report wrote stats.json)."""
        return STATS_NAME not in self.missing


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace") as stream:
        yield from stream


def _records(path: Path, missing: list[str]) -> Iterator[dict[str, Any]]:
    """The records of a JSON Lines file, read as they are used; a file that is not there or breaks is missing."""
    if not path.is_file():
        missing.append(path.name)
        return
    try:
        for record in jsonl.read_file(path):
            if isinstance(record, dict):
                yield record
    except (OSError, ValueError):
        missing.append(path.name)


def is_crawl_dir(path: Path) -> bool:
    """A crawl folder ``OUTPUT/<host>/<crawl id>``: it holds one of crawl.json, stats.json, crawl.log or warc/."""
    return path.is_dir() and any((path / name).exists() for name in CRAWL_MARKERS)


def crawl_dirs(blog_dir: Path) -> list[Path]:
    """The crawl folders of a blog folder, in crawl-id (time) order."""
    found = {warc.parent for warc in crawl_warc_dirs(blog_dir)}
    found.update(
        p for p in blog_dir.iterdir() if p.is_dir() and ((p / STATS_NAME).is_file() or (p / CRAWL_JSON).is_file())
    )
    return sorted(found, key=lambda p: p.name)


def is_blog_dir(path: Path) -> bool:
    """A blog folder ``OUTPUT/<host>``: not a crawl folder itself, and holding at least one crawl folder."""
    return path.is_dir() and not is_crawl_dir(path) and bool(crawl_dirs(path))


def read_crawl_dir(crawl_dir: Path) -> CrawlData:
    """Gather the report's figures from the files of a crawl folder (see the module docstring)."""
    crawl_dir = Path(crawl_dir)
    missing: list[str] = []
    document: dict[str, Any] = {}
    try:
        document = dict(json.loads((crawl_dir / STATS_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        missing.append(STATS_NAME)
    crawl: dict[str, Any] = {}
    try:
        crawl = dict(json.loads((crawl_dir / CRAWL_JSON).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        missing.append(CRAWL_JSON)
    log = LogFigures()
    if (crawl_dir / CRAWL_LOG).is_file():
        log = log_figures(_lines(crawl_dir / CRAWL_LOG))
    else:
        missing.append(CRAWL_LOG)
    index = IndexFigures()
    if (crawl_dir / INDEX).is_file():
        index = index_figures(_lines(crawl_dir / INDEX))
    else:
        missing.append(INDEX)
    pages_missing: list[str] = []  # a crawl of a blog without static pages may have no pages.jsonl
    posts = post_figures(_records(crawl_dir / POSTS, missing), _records(crawl_dir / PAGES, pages_missing))
    changes: list[dict[str, Any]] = []
    changes_total = 0
    for record in _records(crawl_dir / CHANGES, missing):
        changes_total += 1
        if len(changes) < CHANGES_KEPT:
            changes.append(record)
    return CrawlData(
        crawl_id=str(crawl.get("crawl_id") or crawl_dir.name),
        crawl=crawl,
        summary=dict(document.get("summary") or {}),
        stats=dict(document.get("stats") or {}),
        log=log,
        index=index,
        posts=posts,
        changes=changes,
        changes_total=changes_total,
        missing=missing,
    )


@dataclass(frozen=True)
class Visit:
    """One row of a blog's history: one crawl folder, from its stats.json (``None`` where it has none)."""

    crawl_id: str
    started: str | None
    finish_reason: str | None
    outcome: str
    posts_found: int | None
    posts_archived: int | None
    changes: dict[str, int]
    responses: int | None
    bytes_received: int | None


def visit(crawl_dir: Path) -> Visit:
    """The history row of one crawl folder (stats.json and crawl.json only: cheap for many visits)."""
    from archiver.extensions.outcome import crawl_outcome

    try:
        document = dict(json.loads((crawl_dir / STATS_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        document = {}
    try:
        crawl = dict(json.loads((crawl_dir / CRAWL_JSON).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        crawl = {}
    summary = dict(document.get("summary") or {})
    stats = dict(document.get("stats") or {})
    outcome = crawl_outcome(stats).state if document else "no stats.json (did not reach its end)"

    def number(name: str) -> int | None:
        return int(summary[name]) if isinstance(summary.get(name), (int, float)) else None

    return Visit(
        crawl_id=str(crawl.get("crawl_id") or crawl_dir.name),
        started=str(crawl["started"]) if crawl.get("started") else None,
        finish_reason=summary.get("finish_reason"),
        outcome=outcome,
        posts_found=number("posts_found"),
        posts_archived=number("posts_archived"),
        changes={str(k): int(v) for k, v in (summary.get("changes") or {}).items()},
        responses=number("responses"),
        bytes_received=number("bytes_received"),
    )


@dataclass
class BlogData:
    """A blog folder: the history of every visit, and the latest crawl's details."""

    host: str
    visits: list[Visit]
    latest: CrawlData | None


def read_blog_dir(blog_dir: Path) -> BlogData:
    """Gather a blog folder's report: one history row per crawl folder, the details of the latest."""
    blog_dir = Path(blog_dir)
    folders = crawl_dirs(blog_dir)
    return BlogData(
        host=blog_dir.absolute().name,
        visits=[visit(folder) for folder in folders],
        latest=read_crawl_dir(folders[-1]) if folders else None,
    )
