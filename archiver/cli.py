"""The ``archiver`` command: a thin layer that parses arguments and hands over to the real work."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver import __version__
from archiver.errors import ArchiverError, ConfigError

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from archiver.layout import CrawlLayout


DEFAULT_BLOG_URL = "https://gongminziyoulianmeng.blogspot.com/"
#: `archiver crawl` exit status when a crawl finished but gave up on some URLs (5xx or failed after retries)
EXIT_INCOMPLETE = 3
_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archiver", description="Archive Blogger blogs into WARC files and JSON records."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_crawl_parser(commands)
    _add_package_parser(commands)
    _add_extract_parser(commands)
    _add_index_parser(commands)
    _add_diff_parser(commands)
    return parser


def _add_crawl_parser(commands: Any) -> None:
    from archiver.profiles import DEFAULT_PROFILE, PROFILES

    crawl = commands.add_parser(
        "crawl",
        help="archive Blogger blogs into WARC files (the same as `scrapy crawl blogspot -a url=URL`)",
        description="Crawl each blog into OUTPUT/<host>/<crawl-id>/: warc/, index.cdxj, crawl.log, stats.json, "
        "summary.txt, <host>-<crawl-id>.wacz, posts.jsonl and pages.jsonl (post records, also "
        "folded into OUTPUT/<host>/corpus/), changes.jsonl (what changed since the blog's earlier crawls) "
        "and crawl.json (the seed, for --resume).",
        epilog=f"Exit status: 0 when every URL was archived; {EXIT_INCOMPLETE} when the crawl finished but gave up "
        "on some URLs (a 5xx, 429 or failed fetch after its retries: see summary.txt and crawl.log); "
        "1 when it did not finish (interrupted, WARC write error, not a Blogger blog, bad arguments).",
    )
    crawl.add_argument(
        "urls",
        nargs="*",
        metavar="URL",
        default=None,
        help=f"blog home page (*.blogspot.com or a custom domain; default {DEFAULT_BLOG_URL})",
    )
    crawl.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="root output folder (default: output/, setting ARCHIVER_OUTPUT_DIR)",
    )
    crawl.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help="polite (default: for real blogs) or local (no delays: the replica, tests, benchmarks)",
    )
    crawl.add_argument(
        "--contact",
        default=os.environ.get("ARCHIVER_CONTACT") or None,
        metavar="URL_OR_EMAIL",
        help="how site owners can reach the operator; goes into the User-Agent and warcinfo "
        "(default: environment variable ARCHIVER_CONTACT)",
    )
    crawl.add_argument(
        "--ignore-robots",
        action="store_true",
        help="do not obey robots.txt (for an organisation archiving its own blog: this also "
        "fetches label pages and the /search pager that blogspot's robots.txt forbids)",
    )
    crawl.add_argument("--mobile", action="store_true", help="also archive the ?m=1 mobile pages")
    crawl.add_argument(
        "--incremental",
        action="store_true",
        help="a later visit: fetch the feeds, sitemaps and listings, and only the posts they say changed "
        "(plus a rotating audit sample, ARCHIVER_INCREMENTAL_AUDIT); needs an earlier complete crawl",
    )
    crawl.add_argument(
        "--resume",
        type=Path,
        default=None,
        metavar="CRAWL_DIR",
        help="continue an interrupted or killed crawl in its folder (OUTPUT/<host>/<crawl-id>): "
        "what its WARC files hold is not fetched again, the rest is",
    )
    crawl.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set any Scrapy or ARCHIVER_* setting, as `scrapy crawl -s` does (repeatable)",
    )
    crawl.set_defaults(func=_crawl, scrapy_logging=True)


def _add_package_parser(commands: Any) -> None:
    package = commands.add_parser(
        "package",
        help="package a crawl folder, or every crawl of a blog, as a WACZ file (for ReplayWeb.page, pywb and others)",
        description="Write the WARC files, CDXJ index, page lists and crawl log of CRAWL_DIR as one WACZ 1.1.1 "
        "file. A crawl writes CRAWL_DIR/<host>-<crawl id>.wacz by itself when it ends "
        "(setting ARCHIVER_WACZ_ENABLED); this command makes one on demand. Given a blog folder "
        "OUTPUT/<host> instead, it writes OUTPUT/<host>/<host>-all.wacz: every finished WARC of every crawl, "
        "one merged index and each crawl's pages at their own times, so that a deduplicated crawl replays "
        "with the originals of its revisits.",
    )
    package.add_argument(
        "crawl_dir",
        type=Path,
        metavar="CRAWL_DIR|BLOG_DIR",
        help="a crawl folder OUTPUT/<host>/<crawl id> (holding warc/), or a blog folder OUTPUT/<host>",
    )
    package.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="FILE.wacz",
        help="where to write the package (default CRAWL_DIR/<host>-<crawl id>.wacz, or "
        "BLOG_DIR/<host>-all.wacz for a blog folder)",
    )
    package.set_defaults(func=_package)


def _package(args: argparse.Namespace) -> int:
    from archiver.extensions.progress import human_bytes
    from archiver.warc.wacz import is_blog_dir, package_blog, package_crawl

    blog = is_blog_dir(args.crawl_dir)
    result = package_blog(args.crawl_dir, args.output) if blog else package_crawl(args.crawl_dir, args.output)
    warcs = sum(1 for resource in result.resources if resource.path.startswith("archive/"))
    crawls = f"{len(result.crawls)} crawls, " if blog else ""
    print(
        f"{result.path}: {crawls}{len(result.pages)} pages, {len(result.extra_pages)} extra pages, "
        f"{warcs} WARC files, {human_bytes(result.size)}"
    )
    for required in result.requires:
        print(f"  requires {required['filename']} (crawl {required['crawlId']}) for the originals of its revisits")
    if result.requires:
        print(f"replay with the blog WACZ: archiver package {args.crawl_dir.resolve().parent}")
    return 0


def _add_extract_parser(commands: Any) -> None:
    extract = commands.add_parser(
        "extract",
        help="rebuild the post records (JSON Lines) from WARC files, offline",
        description="Read every response record of the WARC files (or of the *.warc.gz / *.warc files under "
        "the folders given) and write one JSON record per post, exactly as a crawl writes "
        "CRAWL_DIR/posts.jsonl: `archiver extract CRAWL_DIR -o posts.jsonl` rebuilds that file byte "
        "for byte. Nothing is fetched.",
    )
    extract.add_argument("inputs", nargs="+", type=Path, metavar="WARC_OR_DIR", help="WARC files or folders")
    extract.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="where to write the post records (default: standard output)",
    )
    extract.add_argument(
        "--pages",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the records of the blog's static pages (/p/...) to FILE",
    )
    extract.set_defaults(func=_extract)


def _extract(args: argparse.Namespace) -> int:
    import io
    import time

    from archiver.records import jsonl
    from archiver.records.warcread import extract_warcs

    started = time.monotonic()
    result, read = extract_warcs(args.inputs)
    if args.output is None or str(args.output) == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        jsonl.write(result.posts, stream)
        stream.flush()
        stream.detach()
    else:
        jsonl.write_file(result.posts, args.output)
    if args.pages is not None:
        jsonl.write_file(result.pages, args.pages)
    elapsed = time.monotonic() - started
    dropped = "".join(f", {count} dropped ({why})" for why, count in sorted(result.dropped.items()))
    print(
        f"archiver extract: {read.files} WARC files, {read.responses} responses, {len(result.posts)} posts, "
        f"{len(result.pages)} static pages{dropped} in {elapsed:.1f} s "
        f"({len(result.posts) / elapsed if elapsed else 0:.0f} posts/s)",
        file=sys.stderr,
    )
    if read.errors:
        print(
            f"archiver extract: {read.errors} captures could not be extracted (see the messages above): "
            + ", ".join(read.error_urls[:5])
            + (" ..." if read.errors > 5 else ""),
            file=sys.stderr,
        )
        return 1
    return 0


def _add_index_parser(commands: Any) -> None:
    index = commands.add_parser(
        "index",
        help="the blog's dedup index (OUTPUT/<host>/dedup.sqlite): rebuild it from the WARCs, or count it",
        description="The dedup index lists every complete response record of a blog's crawls (URL, payload "
        "digest, date, WARC file and offset) for the revisit records of later crawls. A crawl adds its own "
        "files at the end; `rebuild` makes it again from the WARC files alone.",
    )
    actions = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    for name, help_text, func in (
        ("rebuild", "delete the index and rebuild it from every crawl's warc/*.warc.gz", _index_rebuild),
        ("stats", "print what the index holds", _index_stats),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text)
        action.add_argument(
            "blog_dir", type=Path, metavar="BLOG_DIR", help="the blog's folder OUTPUT/<host>, holding its crawls"
        )
        action.set_defaults(func=func)


def _index_rebuild(args: argparse.Namespace) -> int:
    import time

    from archiver.warc.dedup import rebuild

    started = time.monotonic()

    def progress(path: Path, records: int) -> None:
        print(f"{path}: {records} response records", file=sys.stderr)

    result, crawls, skipped = rebuild(args.blog_dir, progress=progress)
    left_open = f", {len(skipped)} .open files skipped" if skipped else ""
    print(
        f"archiver index rebuild: {result.files} WARC files, {result.records} response records, {crawls} crawls"
        f"{left_open} in {time.monotonic() - started:.1f} s"
    )
    return 0


def _index_stats(args: argparse.Namespace) -> int:
    from archiver.layout import DEDUP_INDEX
    from archiver.warc.dedup import DedupError, DedupIndex

    path = args.blog_dir / DEDUP_INDEX
    if not path.is_file():
        raise DedupError(f"{path} does not exist: run `archiver index rebuild {args.blog_dir}`")
    with DedupIndex(args.blog_dir, path) as index:
        counts = index.stats()
    print(
        f"{path}: {counts.records} response records, {counts.files} WARC files, {counts.crawls} crawls, "
        f"{counts.urls} URLs, {counts.digests} distinct payloads"
    )
    return 0


def _add_diff_parser(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        help="what changed in a blog between two of its crawls (the comparison of changes.jsonl)",
        description="Compare the post records (posts.jsonl) of two crawl folders of a blog and print what "
        "changed from CRAWL_A to CRAWL_B: new, edited, deleted and restored posts, added and removed "
        "comments. A post counts as deleted only when CRAWL_B finished and its WARC files hold a 404 or "
        "410 answer for the post's URL; a post CRAWL_B merely did not reach is named on standard error "
        "as missing. Nothing is fetched.",
        epilog="Exit status: 0 (whether or not anything changed); 1 when a folder is not a crawl.",
    )
    diff.add_argument("crawl_a", type=Path, metavar="CRAWL_A", help="the earlier crawl folder: OUTPUT/<host>/<id>")
    diff.add_argument("crawl_b", type=Path, metavar="CRAWL_B", help="the later crawl folder")
    diff.add_argument("--json", action="store_true", help="print JSON Lines, one change per line, as in changes.jsonl")
    diff.set_defaults(func=_diff)


def _diff(args: argparse.Namespace) -> int:
    import io

    from archiver.records import changes, jsonl

    before, after = changes.read_crawl(args.crawl_a), changes.read_crawl(args.crawl_b)
    found = changes.compare(before.posts, after.posts, gone=after.gone, complete=after.complete)
    lost = changes.missing(before.posts, after.posts, gone=after.gone, complete=after.complete)
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    try:
        if args.json:
            jsonl.write((change.as_record() for change in found), stream)
        else:
            for change in found:
                stream.write(changes.describe(change) + "\n\n")
            counts = "".join(f", {n} {kind}" for kind, n in changes.counts(found).items())
            stream.write(f"{len(found)} changes{counts}\n")
    finally:
        stream.flush()
        stream.detach()
    for post in lost:
        print(
            f"archiver diff: missing (not in {args.crawl_b}, no 404/410 there: not counted as deleted): "
            f"{post['url'] or post['post_id']}",
            file=sys.stderr,
        )
    if not after.complete:
        print(f"archiver diff: {args.crawl_b} did not finish: no post counted as deleted or missing", file=sys.stderr)
    return 0


def parse_setting(item: str) -> tuple[str, str]:
    """Split a ``-s NAME=VALUE`` argument; raises ConfigError naming the bad item."""
    name, sep, value = item.partition("=")
    name = name.strip()
    if not sep or not _SETTING_NAME.match(name):
        raise ConfigError(f"-s {item!r}: expected NAME=VALUE with an upper-case setting name, e.g. -s DOWNLOAD_DELAY=2")
    return name, value


def crawl_settings(args: argparse.Namespace) -> Settings:
    """Project defaults, then the profile, then the flags, then every ``-s``, all with priority cmdline."""
    from scrapy.settings import Settings

    from archiver.profiles import profile

    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    settings.setdict(profile(args.profile), priority="cmdline")
    if args.output is not None:
        settings.set("ARCHIVER_OUTPUT_DIR", str(args.output), priority="cmdline")
    if args.contact:
        settings.set("ARCHIVER_CONTACT", args.contact, priority="cmdline")
    if args.ignore_robots:
        settings.set("ROBOTSTXT_OBEY", False, priority="cmdline")
    if args.mobile:
        settings.set("ARCHIVER_DISCOVERY_MOBILE", True, priority="cmdline")
    if args.incremental:
        settings.set("ARCHIVER_INCREMENTAL", True, priority="cmdline")
    if args.verbose:
        settings.set("LOG_LEVEL", "DEBUG", priority="cmdline")
    for item in args.settings:
        name, value = parse_setting(item)
        settings.set(name, value, priority="cmdline")
    return settings


CRAWL_MANIFEST = "crawl.json"


def _crawl_layout(settings: Settings, home: str, resume: Path | None, now: datetime) -> CrawlLayout:
    """The crawl's paths and identity (archiver.layout), in the resumed folder when ``resume`` is given."""
    from urllib.parse import urlsplit

    from archiver.layout import LAYOUT_SETTINGS, crawl_layout

    values = {name: settings.get(name) for name in LAYOUT_SETTINGS}
    if resume is not None:
        values["ARCHIVER_CRAWL_DIR"] = str(resume)
    layout = crawl_layout(values, urlsplit(home).netloc, now=now)
    if layout.crawl_dir is None:  # only without a blog host, which a home page always has
        raise ConfigError(f"no crawl folder for {home}")
    return layout


def _has_captures(layout: CrawlLayout) -> bool:
    """Whether the crawl's WARC folder already holds WARC files (finished or left ``.open``)."""
    if not layout.warc_dir:
        return False
    warc_dir = Path(layout.warc_dir)
    return warc_dir.is_dir() and any(p.name.endswith((".warc.gz", ".warc.gz.open")) for p in warc_dir.iterdir())


def _resume_args(args: argparse.Namespace) -> list[str]:
    """The seed URL of the crawl to resume, from its crawl.json; a URL given as well must be the same one."""
    import json

    manifest = args.resume / CRAWL_MANIFEST
    try:
        seed = str(json.loads(manifest.read_text(encoding="utf-8"))["url"])
    except FileNotFoundError:
        if not args.urls:
            raise ConfigError(
                f"--resume {args.resume}: no {CRAWL_MANIFEST} names the blog of this crawl folder; give its URL as well"
            ) from None
        return list(args.urls)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"--resume {args.resume}: cannot read {manifest}: {exc}") from exc
    from archiver.blogger.urls import blog_home

    if args.urls and [blog_home(seed)] != [blog_home(url) for url in args.urls]:
        raise ConfigError(f"--resume {args.resume} is a crawl of {seed}, not of {' '.join(args.urls)}")
    if json.loads(manifest.read_text(encoding="utf-8")).get("incremental") is True:
        args.incremental = True  # an incremental crawl goes on as one
    return [seed]


def _write_manifest(crawl_dir: Path, layout: CrawlLayout, url: str, settings: Settings, now: datetime) -> None:
    """CRAWL_DIR/crawl.json: what a later --resume needs to know before any WARC is read."""
    import json

    path = crawl_dir / CRAWL_MANIFEST
    if path.exists():
        return
    crawl_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "url": url,
        "crawl_id": layout.crawl_id,
        "started": now.isoformat(timespec="seconds"),
        "profile": settings.get("ARCHIVER_PROFILE"),
        "archiver_version": __version__,
        "incremental": settings.getbool("ARCHIVER_INCREMENTAL"),
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _check_incremental_base(layout: CrawlLayout) -> None:
    """An incremental crawl needs an earlier crawl of the blog that finished: say so before starting."""
    from archiver.incremental import earlier_complete_crawls

    if not layout.dedup_index or not layout.corpus_dir:
        raise ConfigError("--incremental needs the blog's dedup index and corpus (ARCHIVER_DEDUP_*, ARCHIVER_POSTS_*)")
    blog_dir = Path(str(layout.dedup_index)).parent
    if not earlier_complete_crawls(blog_dir, str(layout.crawl_id)):
        raise ConfigError(
            f"--incremental: no earlier crawl of the blog in {blog_dir} finished, so there is nothing to "
            "compare with; crawl the blog in full first (the same command without --incremental)"
        )


def _crawl(args: argparse.Namespace) -> int:
    from scrapy.crawler import AsyncCrawlerProcess

    from archiver.blogger.urls import blog_home

    if args.resume is not None:
        if not args.resume.is_dir():
            raise ConfigError(f"--resume {args.resume}: no such crawl folder")
        if len(args.urls or []) > 1:
            raise ConfigError("--resume continues one crawl: give at most one URL")
        args.urls = _resume_args(args)
        if args.output is None:  # the corpus lives beside the crawl: OUTPUT/<host>/corpus
            args.output = args.resume.resolve().parent.parent
    urls = list(args.urls or [DEFAULT_BLOG_URL])
    homes = [blog_home(url) for url in urls]
    settings = crawl_settings(args)
    now = datetime.now(UTC)
    layouts = [_crawl_layout(settings, home, args.resume, now) for home in homes]
    crawl_dirs = [Path(str(layout.crawl_dir)) for layout in layouts]
    if args.resume is None:
        for layout, crawl_dir in zip(layouts, crawl_dirs, strict=True):
            if _has_captures(layout):
                raise ConfigError(
                    f"{crawl_dir} already holds a crawl: continue it with --resume {crawl_dir}, "
                    "or crawl into another folder"
                )
    if settings.getbool("ARCHIVER_INCREMENTAL"):
        for layout in layouts:
            _check_incremental_base(layout)
    if len(set(crawl_dirs)) != len(crawl_dirs):
        raise ConfigError(
            "two blogs would be crawled into the same folder: set no ARCHIVER_CRAWL_DIR with several URLs"
        )
    process = AsyncCrawlerProcess(settings)  # installs the reactor: only once the arguments are known good
    crawlers = []
    tasks = []
    for url, layout, crawl_dir in zip(urls, layouts, crawl_dirs, strict=True):
        _write_manifest(crawl_dir, layout, url, settings, now)
        crawler = process.create_crawler("blogspot")
        # the layout as computed here; the CrawlLayoutAddon recomputes the same from these values
        crawler.settings.setdict(layout.settings(), priority="cmdline")
        if args.resume is not None:
            crawler.settings.set("ARCHIVER_RESUME", True, priority="cmdline")
        tasks.append(process.crawl(crawler, url=url))
        crawlers.append((crawler, crawl_dir))
    process.start()
    # A crawl that could not start: a component refused its settings (ConfigError) while Scrapy built it.
    # AsyncCrawlerProcess leaves that exception in the crawl's task (asyncio would print it as unretrieved);
    # `scrapy crawl` shows it as a traceback and exits 1, `archiver crawl` as one line.
    for task in tasks:
        error = task.exception() if task.done() and not task.cancelled() else None
        if isinstance(error, ArchiverError):
            raise error
    status = 0
    for crawler, crawl_dir in crawlers:
        summary = crawl_dir / "summary.txt"
        if summary.exists() and settings.get("LOG_LEVEL") not in ("DEBUG", "INFO"):
            sys.stdout.write(summary.read_text(encoding="utf-8"))
        stats = crawler.stats.get_stats() if crawler.stats else {}
        seed = getattr(crawler.spider, "start_url", "?")
        gave_up = {key.rsplit("/", 1)[1]: count for key, count in stats.items() if key.startswith("archiver/gave_up/")}
        if stats.get("finish_reason") != "finished":
            print(f"archiver: crawl of {seed} ended: {stats.get('finish_reason')}", file=sys.stderr)
            status = 1
        elif gave_up:
            kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(gave_up.items()))
            print(
                f"archiver: crawl of {seed} finished, but gave up on {sum(gave_up.values())} URLs ({kinds}); "
                f"every attempt is in {crawl_dir / 'crawl.log'}",
                file=sys.stderr,
            )
            status = status or EXIT_INCOMPLETE
    return status


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "scrapy_logging", False):  # Scrapy installs its own root handler for crawls
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    try:
        return int(args.func(args))
    except ArchiverError as exc:
        print(f"archiver: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
