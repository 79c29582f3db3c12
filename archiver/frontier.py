"""A frontier shared by many workers on many machines: scrapy-redis, with nothing lost when a worker dies.

``archiver crawl --frontier redis://HOST:PORT/DB -s ARCHIVER_CRAWL_ID=ID [--worker NAME] URL [URL ...]`` runs on
N machines. Each worker runs one crawler per blog (as ``archiver crawl`` always does) whose scheduler is
:class:`FrontierScheduler`, scrapy-redis's ``Scheduler`` with its ``PriorityQueue`` and ``RFPDupeFilter``, on
keys of the blog and the crawl (:func:`frontier_keys`)::

    archiver:<blog host>:<crawl id>:requests            the queue (sorted set, scrapy-redis's PriorityQueue)
    archiver:<blog host>:<crawl id>:dupefilter          fingerprints of every request ever queued (a set)
    archiver:<blog host>:<crawl id>:processing:<worker> what a worker popped and has not settled (sorted set)
    archiver:<blog host>:<crawl id>:workers             the names of the workers that joined (a set)

so every URL of a blog is queued once across all workers, and fetched by whichever worker pops it.

**The crawl id** is required (``-s ARCHIVER_CRAWL_ID=...``, e.g. the date): it names the keys and the crawl
folder, and workers started at different times must agree on it; a value derived from the clock would not.

**Nothing lost.** scrapy-redis pops a request without acknowledgement: a worker killed with it in flight loses
it. Here the pop is one Lua script that moves the request from the queue to the worker's processing set
(atomic in Redis), and the request leaves that set only when it is settled: its response went through the
spider and every request it led to is queued (:class:`FrontierSettleMiddleware`, the outermost spider
middleware), or its final failure was counted (the spider's errback sends ``archiver.signals.request_settled``).
Settling at the capture would be too early: another worker that finds the queue empty and nothing in flight
would stop before the links of that page are queued. A retry or a redirect that is queued again replaces its
entry in the same script that queues it. A worker that starts under a name that has a processing set (the same
``--worker`` after a crash) first puts that set back on the queue (:func:`lock_worker` refuses a second live
worker of one name). The price: a request whose capture was written just before the kill, and not yet
settled, is fetched once more (a second capture; the merge keeps both, as WARC allows; measured: 7 of 120
posts after a kill with about 60 requests in flight).

**When a blog is done.** A worker whose queue is empty does not stop while another worker of the blog still
has requests in flight (they may queue more): its ``spider_idle`` waits until the queue and every worker's
processing set are empty. A worker that was killed and is never restarted therefore keeps the others waiting;
restart it (same name), and it hands its requests back. An idle worker asks the queue again at Scrapy's engine
heartbeat (every 5 s). The keys stay in Redis after the crawl (the dupefilter is the record of what was
queued); delete ``archiver:<blog host>:<crawl id>:*`` when the crawl is merged.

**Files.** Each worker writes into the blog's crawl folder ``OUTPUT/<host>/<crawl id>/``: its WARC files into
the shared ``warc/``, named ``<host>-<worker>-<time>-<serial>-<machine>.warc.gz`` (``ARCHIVER_WARC_PREFIX``), and
its crawl.log, stats.json, summary.txt and crawl.json into ``workers/<worker>/`` (its ``ARCHIVER_CRAWL_DIR``),
so workers on one shared file system, or on separate machines, never write the same file. A worker mends only
its own ``.open`` files when it starts. The end-of-crawl products of one worker would each be partial, so a
worker writes none (no index.cdxj, records, corpus fold, dedup index or WACZ); ``archiver merge CRAWL_DIR
[FOLDER ...]`` (:func:`merge_crawl`) builds them all from every worker's files once the crawl is done.

**The spider** keeps per-process state (what it asked for, the blog id, the trap bounds). In frontier mode
(``ARCHIVER_FRONTIER``) a worker that did not fetch the home page learns the blog id from the first Blogger page
it parses, and the spider's own ``unfetched`` check is left out (another worker may fetch what this one
asked for): the frontier's own check replaces it. When the last worker finds the blog done, every request ever
queued has been settled; a request still in a processing set after a normal finish is counted in
``archiver/gave_up/unfetched``.

**scrapy-redis 0.9.1 with Scrapy 2.19**, as found: the scheduler's duck-typed interface (``open``, ``close``,
``enqueue_request``, ``next_request``, ``has_pending_requests``) is the one Scrapy 2.19's engine calls; its
dupefilter computes its own fingerprint (method, canonical URL, body), not Scrapy's fingerprinter, which is
what a frontier shared between processes needs anyway. Its ``close`` deletes the queue and the dupefilter
unless ``SCHEDULER_PERSIST``: fatal for the other workers, so persistence is forced here. Its ``open`` calls
``Spider.log``, deprecated in Scrapy 2.19, when the queue is not empty: the queue is opened here instead. Its
pop and its enqueue (dupefilter, then queue) are two steps each, where a kill loses a request: both are one
Lua script here. Its wheel asks for redis-py >= 4.2 while pywb pins redis-py 2.10.6; every call it makes exists
in 2.10.6 (tested against a real redis-server 7), so it is installed without its dependencies
(``tool.archiver.no-deps-dependencies`` in pyproject.toml, ``./dev.sh``).
"""

from __future__ import annotations

import logging
import re
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy_redis.dupefilter import RFPDupeFilter  # type: ignore[import-untyped]
from scrapy_redis.queue import PriorityQueue  # type: ignore[import-untyped]
from scrapy_redis.scheduler import Scheduler  # type: ignore[import-untyped]

from archiver.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from archiver.layout import CrawlLayout

logger = logging.getLogger(__name__)

#: request meta key: the request's entry in its worker's processing set (its serialised form)
ENTRY_KEY = "archiver_frontier_entry"
WORKERS_FOLDER = "workers"
_WORKER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: pop the best request from the queue into the processing set, in one atomic step
_POP_SCRIPT = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('ZADD', KEYS[2], found[2], found[1])
return found[1]
"""
#: queue a request unless its fingerprint is known (dont_filter: always), and settle the popped request it
#: replaces (a retry, a redirect), in one atomic step: a kill can never leave a fingerprint without its request
_ENQUEUE_SCRIPT = """
local queue = 1
if ARGV[5] == '0' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then queue = 0 end
if queue == 1 then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return queue
"""
#: put a processing set back on the queue (keeping each request's priority), in one atomic step
_REQUEUE_SCRIPT = """
local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do redis.call('ZADD', KEYS[1], entries[i + 1], entries[i]) end
redis.call('DEL', KEYS[2])
return #entries / 2
"""


@dataclass(frozen=True)
class FrontierKeys:
    """The Redis keys of one blog's crawl."""

    prefix: str

    @property
    def requests(self) -> str:
        return self.prefix + "requests"

    @property
    def dupefilter(self) -> str:
        return self.prefix + "dupefilter"

    @property
    def workers(self) -> str:
        return self.prefix + "workers"

    def processing(self, worker: str) -> str:
        return f"{self.prefix}processing:{worker}"


def frontier_keys(blog_host: str, crawl_id: str) -> FrontierKeys:
    """``archiver:<blog host>:<crawl id>:`` keys (see the module docstring)."""
    return FrontierKeys(f"archiver:{blog_host.lower()}:{crawl_id}:")


def check_frontier_url(url: str) -> str:
    """The Redis URL of ``--frontier``, checked; raises ConfigError naming it."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ConfigError(f"--frontier {url!r}: expected redis://HOST:PORT/DB")
    return url


def worker_name(given: str | None) -> str:
    """The worker's name: the one given, else the machine's host name; a plain file-name part."""
    name = given or socket.gethostname().split(".")[0]
    if not _WORKER_NAME.match(name):
        raise ConfigError(f"--worker {name!r} is not a plain name (letters, digits, '.', '_', '-')")
    return name


def worker_layout(layout: CrawlLayout, worker: str) -> CrawlLayout:
    """The layout of one worker: its own crawl folder under the blog's, the blog's shared WARC folder."""
    if layout.crawl_dir is None:
        raise ConfigError("a frontier crawl needs a crawl folder")
    crawl_dir = Path(layout.crawl_dir)
    warc_dir = layout.warc_dir if layout.warc_dir is not None else str(crawl_dir / "warc")
    return replace(
        layout,
        crawl_dir=str(crawl_dir / WORKERS_FOLDER / worker),
        warc_dir=warc_dir,
        warc_prefix=f"{layout.warc_prefix or layout.host_folder or 'archiver'}-{worker}",
    )


def own_warcs(layout: CrawlLayout) -> list[Path]:
    """The worker's own WARC files (finished or ``.open``) in the blog's shared WARC folder."""
    if not layout.warc_dir or not Path(layout.warc_dir).is_dir():
        return []
    prefix = f"{layout.warc_prefix}-"
    return sorted(
        path
        for path in Path(layout.warc_dir).iterdir()
        if path.name.startswith(prefix) and path.name.endswith((".warc.gz", ".warc.gz.open"))
    )


def mend_own(layout: CrawlLayout) -> int:
    """Mend the worker's own ``.open`` files (another worker's are being written); return how many."""
    from archiver.warc.mend import mend_open_file

    mended = 0
    for path in own_warcs(layout):
        if path.name.endswith(".open"):
            result = mend_open_file(path)
            logger.warning("Mended %s left by an earlier run of this worker: %s", path, result)
            mended += 1
    return mended


#: the worker locks this process holds (released by the system when it exits, however it exits)
_LOCKS: list[Any] = []


def lock_worker(layout: CrawlLayout, worker: str) -> None:
    """Refuse a second live worker of the same name on the crawl: it would mend the first one's open file.

    An exclusive ``flock`` on ``workers/.<worker>.lock`` beside the worker's folder, held until the process exits
    (a SIGKILL releases it too, so a restart after a kill goes on).
    """
    import fcntl

    if layout.crawl_dir is None:
        raise ConfigError("a frontier crawl needs a crawl folder")
    path = Path(layout.crawl_dir).parent / f".{worker}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(
            f"worker {worker} is already running on {path.parent.parent}: give each worker its own --worker"
        ) from None
    _LOCKS.append(handle)


def unlock_workers() -> None:
    """Release every worker lock this process holds (the end of a test; a worker's exit does it by itself)."""
    while _LOCKS:
        _LOCKS.pop().close()


def frontier_settings(layout: CrawlLayout, url: str, worker: str) -> dict[str, Any]:
    """The settings of a worker's crawler: the frontier scheduler, and no per-worker end-of-crawl products."""
    return {
        **layout.settings(),
        "ARCHIVER_FRONTIER": url,
        "ARCHIVER_FRONTIER_WORKER": worker,
        "SCHEDULER": "archiver.frontier.FrontierScheduler",
        "SCHEDULER_PERSIST": True,  # scrapy-redis would delete the shared queue when one worker closes
        "REDIS_URL": url,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SPIDER_MIDDLEWARES": {"archiver.frontier.FrontierSettleMiddleware": 5},
        # a worker's own products would each be partial: `archiver merge` builds them from every worker's files
        "ARCHIVER_CDXJ_ENABLED": False,
        "ARCHIVER_POSTS_ENABLED": False,
        "ARCHIVER_WACZ_ENABLED": False,
        "ARCHIVER_DEDUP_ENABLED": False,
        # another worker's .open file is being written: the CLI mends this worker's own only
        "ARCHIVER_WARC_MEND_ON_START": False,
    }


class FrontierScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's Scheduler on per-blog keys, with a processing set per worker (see the module docstring).

    Reads ARCHIVER_FRONTIER (the Redis URL), ARCHIVER_FRONTIER_WORKER, ARCHIVER_FRONTIER_WAIT_LOG and
    ARCHIVER_CRAWL_ID, and scrapy-redis's REDIS_* and SCHEDULER_* settings.
    """

    keys: FrontierKeys
    worker: str
    crawler: Crawler
    wait_log: float
    _last_wait_log: float
    _pop: Any
    _requeue: Any
    _enqueue: Any

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        """Build the scheduler for the crawler's blog; ConfigError when the frontier settings are incomplete."""
        from scrapy import signals

        from archiver import signals as archiver_signals

        settings = crawler.settings
        url = settings.get("ARCHIVER_FRONTIER")
        crawl_id = settings.get("ARCHIVER_CRAWL_ID")
        spider = crawler.spider
        host = getattr(spider, "blog_host", None)
        if not url or not crawl_id or not host:
            raise ConfigError("FrontierScheduler needs ARCHIVER_FRONTIER, ARCHIVER_CRAWL_ID and the blogspot spider")
        keys = frontier_keys(str(host), str(crawl_id))
        scheduler: FrontierScheduler = super().from_crawler(crawler)
        scheduler.persist = True
        scheduler.queue_key = keys.requests
        scheduler.dupefilter_key = keys.dupefilter
        scheduler.keys = keys
        scheduler.worker = worker_name(settings.get("ARCHIVER_FRONTIER_WORKER"))
        scheduler.crawler = crawler
        scheduler.wait_log = settings.getfloat("ARCHIVER_FRONTIER_WAIT_LOG", 30.0)
        scheduler._last_wait_log = 0.0
        scheduler._pop = scheduler.server.register_script(_POP_SCRIPT)
        scheduler._requeue = scheduler.server.register_script(_REQUEUE_SCRIPT)
        scheduler._enqueue = scheduler.server.register_script(_ENQUEUE_SCRIPT)
        crawler.signals.connect(scheduler.settle, signal=archiver_signals.request_settled)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Any) -> None:
        """Open the queue and dupefilter on the blog's keys; take back what this worker had in flight."""
        self.df = RFPDupeFilter(
            self.server, key=self.keys.dupefilter, debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG")
        )
        # not Scheduler.open, which calls Spider.log (deprecated in Scrapy 2.19) when the queue is not empty
        self.spider = spider
        self.queue = PriorityQueue(self.server, spider, self.keys.requests, serializer=self.serializer)
        self.server.sadd(self.keys.workers, self.worker)
        taken_back = int(self._requeue(keys=[self.keys.requests, self.keys.processing(self.worker)]))
        stats: Any = self.crawler.stats
        stats.set_value("archiver/frontier/requeued", taken_back)
        if taken_back:
            logger.warning(
                "Worker %s: %d requests an earlier run popped and did not settle are queued again",
                self.worker,
                taken_back,
            )
        logger.info(
            "Frontier %s, worker %s, keys %s*",
            self.crawler.settings.get("ARCHIVER_FRONTIER"),
            self.worker,
            self.keys.prefix,
        )

    def close(self, reason: str) -> None:
        """Keep the shared keys; after a normal finish, count what this worker popped and never settled."""
        left = self.server.zcard(self.keys.processing(self.worker))
        if reason == "finished" and left:
            stats: Any = self.crawler.stats
            stats.inc_value("archiver/gave_up/unfetched", left)
            logger.warning("Worker %s: %d requests popped were neither archived nor failed", self.worker, left)
            self.server.delete(self.keys.processing(self.worker))

    def enqueue_request(self, request: Request) -> bool:
        """Queue a request unless the blog's dupefilter has seen it; a retry or redirect replaces its entry."""
        entry = request.meta.pop(ENTRY_KEY, None) or b""
        queued = self._enqueue(
            keys=[self.keys.dupefilter, self.keys.requests, self.keys.processing(self.worker)],
            args=[
                self.df.request_fingerprint(request),
                -request.priority,
                self.queue._encode_request(request),
                entry,
                int(request.dont_filter),
            ],
        )
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        """Move the best request of the queue into this worker's processing set, and return it."""
        entry = self._pop(keys=[self.keys.requests, self.keys.processing(self.worker)])
        if not entry:
            return None
        request: Request = self.queue._decode_request(entry)
        request.meta[ENTRY_KEY] = entry
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def settle(self, request: Any = None, **_: Any) -> None:
        """The request is archived or failed for good: take it out of the processing set."""
        entry = request.meta.get(ENTRY_KEY) if request is not None else None
        if entry is not None:
            self.server.zrem(self.keys.processing(self.worker), entry)

    def in_flight(self) -> dict[str, int]:
        """Requests popped and not settled, per worker of the blog's crawl."""
        workers = sorted(
            name.decode() if isinstance(name, bytes) else name for name in self.server.smembers(self.keys.workers)
        )
        counts = {name: int(self.server.zcard(self.keys.processing(name))) for name in workers}
        return {name: count for name, count in counts.items() if count}

    def spider_idle(self, spider: Any) -> None:
        """Stay open while the queue has requests or any worker of the blog has some in flight."""
        from scrapy.exceptions import DontCloseSpider

        queued = int(self.server.zcard(self.keys.requests))
        busy = self.in_flight()
        if not queued and not busy:
            return
        now = time.monotonic()
        if now - self._last_wait_log >= self.wait_log:
            self._last_wait_log = now
            logger.info("Frontier: %d queued, in flight at %s: waiting", queued, busy or "nobody")
        raise DontCloseSpider


class FrontierSettleMiddleware:
    """Settle a popped request once the spider's output for its response is all queued (frontier mode only).

    The outermost spider middleware: its loop ends after the engine has taken every request the callback
    yielded. Sends ``archiver.signals.request_settled``, which :class:`FrontierScheduler` listens to.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the middleware (SPIDER_MIDDLEWARES, set by :func:`frontier_settings`)."""
        return cls(crawler)

    def _settle(self, response: Response | None) -> None:
        from archiver import signals as archiver_signals

        if response is not None and response.request is not None:
            self.crawler.signals.send_catch_log(archiver_signals.request_settled, request=response.request)

    def process_spider_output(self, response: Response | None, result: Iterable[Any]) -> Iterator[Any]:
        """Pass the output on, then settle the response's request."""
        yield from result
        self._settle(response)

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """Pass the output on, then settle the response's request."""
        async for item in result:
            yield item
        self._settle(response)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        """A callback that raised has no more output: settle its request (the error is Scrapy's to log)."""
        self._settle(response)


# -- the merge: one crawl folder from every worker's files ----------------------------------------------------


@dataclass
class MergeSummary:
    """What ``archiver merge`` built, and what the workers reported."""

    crawl_dir: Path
    workers: dict[str, str]
    warcs: int
    copied: int
    index_lines: int
    posts: int
    pages: int
    dedup_added: int
    wacz: Path | None
    gave_up: dict[str, int]

    @property
    def exit_status(self) -> int:
        """1 when a worker did not finish, 3 when one gave up on something, else 0 (as ``archiver crawl``)."""
        if any(reason != "finished" for reason in self.workers.values()):
            return 1
        return 3 if self.gave_up else 0


def _copy_in(source: Path, crawl_dir: Path) -> int:
    """Copy another machine's copy of the crawl folder in: its WARC files and its workers' folders."""
    import shutil

    if not source.is_dir():
        raise ConfigError(f"{source}: no such folder")
    copied = 0
    for path in sorted((source / "warc").glob("*.warc.gz*")):
        target = crawl_dir / "warc" / path.name
        if target.exists():
            if target.stat().st_size != path.stat().st_size:
                raise ConfigError(f"{path} and {target} have the same name and differ")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    for folder in sorted((source / WORKERS_FOLDER).glob("*")):
        target = crawl_dir / WORKERS_FOLDER / folder.name
        if folder.is_dir() and not target.exists():
            shutil.copytree(folder, target)
    return copied


def _merged_log(crawl_dir: Path, workers: list[Path]) -> None:
    """CRAWL_DIR/crawl.log: every worker's lines, in time order (each line starts with its ISO time)."""
    lines: list[str] = []
    for folder in workers:
        path = folder / "crawl.log"
        if path.is_file():
            lines.extend(line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line)
    tmp = crawl_dir / "crawl.log.tmp"
    tmp.write_text("".join(line + "\n" for line in sorted(lines, key=lambda line: line.split(" ", 1)[0])), "utf-8")
    tmp.replace(crawl_dir / "crawl.log")


def merge_crawl(crawl_dir: Path, sources: list[Path] | None = None, *, signer: Any = None) -> MergeSummary:
    """Build a frontier crawl's index.cdxj, posts.jsonl, pages.jsonl, corpus, dedup rows, WACZ and summary.

    ``crawl_dir`` is ``OUTPUT/<host>/<crawl id>``; ``sources`` are copies of the same folder from other machines
    (their WARC files and worker folders are copied in first). Every WARC file must be finished: a
    ``.warc.gz.open`` file means a worker is still running, or was killed and not restarted (WaczError).
    """
    import json

    from archiver.records import corpus, jsonl
    from archiver.records.warcread import extract_warcs
    from archiver.warc.cdxj import write_cdxj
    from archiver.warc.dedup import DedupIndex
    from archiver.warc.wacz import collect_index, crawl_warcs, package_crawl

    crawl_dir = Path(crawl_dir)
    copied = sum(_copy_in(Path(source), crawl_dir) for source in sources or [])
    warcs = crawl_warcs(crawl_dir)
    workers = sorted(path for path in (crawl_dir / WORKERS_FOLDER).glob("*") if path.is_dir())
    reasons: dict[str, str] = {}
    gave_up: dict[str, int] = {}
    totals: dict[str, float] = {}
    for folder in workers:
        try:
            stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            reasons[folder.name] = "no stats.json (still running, or killed)"
            continue
        reasons[folder.name] = str(stats.get("summary", {}).get("finish_reason"))
        for key, value in stats.get("stats", {}).items():
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and not key.startswith(("memusage/", "elapsed"))
            ):
                totals[key] = totals.get(key, 0) + value
                if key.startswith("archiver/gave_up/"):
                    gave_up[key.rsplit("/", 1)[1]] = gave_up.get(key.rsplit("/", 1)[1], 0) + int(value)
    manifest = crawl_dir / "crawl.json"
    if not manifest.exists() and workers and (workers[0] / "crawl.json").is_file():
        manifest.write_text((workers[0] / "crawl.json").read_text(encoding="utf-8"), encoding="utf-8")
    _merged_log(crawl_dir, workers)
    lines = collect_index(warcs)
    write_cdxj(lines, crawl_dir / "index.cdxj")
    result, _read = extract_warcs(warcs)
    posts = jsonl.write_file(result.posts, crawl_dir / "posts.jsonl")
    pages = jsonl.write_file(result.pages, crawl_dir / "pages.jsonl")
    blog_dir = crawl_dir.resolve().parent
    finished = bool(reasons) and all(reason == "finished" for reason in reasons.values())
    corpus.fold_files(
        blog_dir / "corpus", result.posts, result.pages, crawl_id=crawl_dir.resolve().name, complete=finished
    )
    with DedupIndex(blog_dir) as index:
        added = index.add_files(warcs).added
    wacz = package_crawl(crawl_dir, signer=signer).path
    summary = MergeSummary(crawl_dir, reasons, len(warcs), copied, len(lines), posts, pages, added, wacz, gave_up)
    document = {"summary": {**summary.__dict__, "crawl_dir": str(crawl_dir), "wacz": str(wacz)}, "stats": totals}
    (crawl_dir / "stats.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (crawl_dir / "summary.txt").write_text(merge_report(summary), encoding="utf-8")
    return summary


def merge_report(summary: MergeSummary) -> str:
    """The merged crawl's summary.txt."""
    workers = ", ".join(f"{name} {reason}" for name, reason in sorted(summary.workers.items())) or "none"
    gave_up = ", ".join(f"{kind} {count}" for kind, count in sorted(summary.gave_up.items())) or "none"
    return (
        f"merged crawl {summary.crawl_dir}\n"
        f"  workers     {workers}\n"
        f"  WARC        {summary.warcs} files ({summary.copied} copied in), {summary.index_lines} index lines\n"
        f"  records     {summary.posts} posts, {summary.pages} static pages\n"
        f"  dedup       {summary.dedup_added} records added to the blog's index\n"
        f"  gave up on  {gave_up}\n"
        f"  WACZ        {summary.wacz}\n"
    )
