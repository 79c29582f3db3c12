"""Scrapy's scheduler with its request queue on disk for the crawl's life (settings ARCHIVER_QUEUE_*).

Without a JOBDIR, Scrapy keeps every scheduled request in memory: about 800 bytes each (the Request, its meta
and its URL), and a blog's frontier is as wide as the blog (its sitemap lists every post at once), so the
queue grew with the blog. :class:`DiskQueueScheduler` gives Scrapy's own disk queues
(``SCHEDULER_DISK_QUEUE``, the same priority queue, so the same order) a temporary folder of the system's
temporary directory, made when the scheduler opens and removed when it closes; the folder of a crawl that was
killed (SIGKILL) is removed by the next crawl to open, once its process is gone. It is not a JOBDIR: nothing
in it is ever read back by another run (a resumed crawl rebuilds its frontier from its WARC files), and the
duplicate filter stays in memory (20-byte fingerprints). What stays in memory per queued request is Scrapy's
bookkeeping of its priority queues (one queue per priority, none per request); a request that cannot be
pickled (a callback that is not a spider method) is kept in memory as before and counted in Scrapy's
``scheduler/unserializable``. With a JOBDIR set, or ARCHIVER_QUEUE_ON_DISK off, it is Scrapy's scheduler.

Scrapy's disk queues serialise a request with ``Request.to_dict``, which names its callback and errback by
walking ``inspect.getmembers(spider)`` for every request pushed. This scheduler's
queues (:class:`PickleLifoDiskQueue`, :class:`PickleFifoDiskQueue` for the start requests, unless
``SCHEDULER_DISK_QUEUE`` or ``SCHEDULER_START_DISK_QUEUE`` is set) build the same dict with
:func:`request_to_dict`: a method bound to the spider is named by its own ``__name__`` when
``getattr(spider, name)`` is that same method, and anything else goes to Scrapy's ``to_dict``, which names it
or refuses it as before. The dict is pickled by Scrapy (protocol 4) and read back by Scrapy's
``request_from_dict``, so what is on disk is what Scrapy writes, and the order is Scrapy's. The one difference:
a method the spider holds under two names is named by its ``__name__`` where Scrapy takes the first name in
alphabetical order; both are the same method when read back. A push and pop of one of the blog spider's
requests costs about 45 µs of CPU here against Scrapy's 125 µs (``benchmarks/queue_bench.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import MethodType
from typing import TYPE_CHECKING, Any

from scrapy import Request, squeues
from scrapy.core.scheduler import Scheduler
from scrapy.settings import SETTINGS_PRIORITIES

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

#: Queue folders are ``<temporary directory>/archiver-queue-<pid>-<random>``.
SPOOL_PREFIX = "archiver-queue-"


class DiskQueueScheduler(Scheduler):
    """Scheduled requests wait in a temporary folder on disk, not in memory (ARCHIVER_QUEUE_ON_DISK)."""

    on_disk = False
    spool: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Scrapy's scheduler; its disk queue gets a temporary folder when it opens, unless a JOBDIR is set."""
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.on_disk = scheduler.dqdir is None and settings.getbool("ARCHIVER_QUEUE_ON_DISK")
        if scheduler.on_disk:  # Scrapy's defaults only: a queue class someone set is kept
            default = SETTINGS_PRIORITIES["default"]
            if settings.getpriority("SCHEDULER_DISK_QUEUE") == default:
                scheduler.dqclass = PickleLifoDiskQueue
            if settings.getpriority("SCHEDULER_START_DISK_QUEUE") == default:
                scheduler._sdqclass = PickleFifoDiskQueue  # read by Scheduler.open, set by its __init__
        return scheduler

    def open(self, spider: Spider) -> Deferred[None] | None:
        """Make the folder (and remove those of crawls killed before they could), then open the queues."""
        if self.on_disk:
            remove_stale_spools()
            self.spool = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-"))
            self.dqdir = self._dqdir(str(self.spool))
        return super().open(spider)

    def close(self, reason: str) -> Deferred[None] | None:
        """Close the queues, then remove the temporary folder and whatever was still queued in it."""
        try:
            return super().close(reason)
        finally:
            if self.spool is not None:
                shutil.rmtree(self.spool, ignore_errors=True)
                self.spool = None


def request_to_dict(request: Request, spider: Spider | None) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, naming a spider's own callback and errback without inspecting it."""
    callback = _method_name(request.callback, spider)
    errback = _method_name(request.errback, spider)
    if (callback is None and callable(request.callback)) or (errback is None and callable(request.errback)):
        return request.to_dict(spider=spider)  # Scrapy's lookup, and its ValueError for what it cannot name
    d = {"url": request.url, "callback": callback, "errback": errback, "headers": dict(request.headers)}
    for attr in request.attributes:
        d.setdefault(attr, getattr(request, attr))
    if type(request) is not Request:
        d["_class"] = type(request).__module__ + "." + type(request).__name__
    return d


def _method_name(func: Any, spider: Spider | None) -> Any:
    """The name of ``func`` if it is a method of ``spider`` found under its own name; else None, or func itself.

    What is not callable (None, or a name) is returned as it is, as ``Request.to_dict`` does.
    """
    if not callable(func):
        return func
    if spider is None or not isinstance(func, MethodType) or func.__self__ is not spider:
        return None
    name = func.__name__
    member = getattr(spider, name, None)
    if isinstance(member, MethodType) and member.__func__ is func.__func__:
        return name
    return None


class PickleLifoDiskQueue(squeues.PickleLifoDiskQueue):  # type: ignore[misc,valid-type]
    """Scrapy's ``PickleLifoDiskQueue`` (SCHEDULER_DISK_QUEUE), each request's dict made by request_to_dict."""

    def push(self, request: Request) -> None:
        """Serialise the request as Scrapy would, and push it (Scrapy's pickling, its ValueError if it fails)."""
        # past Scrapy's own push (Request.to_dict) to the pickling queue under it
        super(squeues.PickleLifoDiskQueue, self).push(request_to_dict(request, self.spider))  # type: ignore[misc]


class PickleFifoDiskQueue(squeues.PickleFifoDiskQueue):  # type: ignore[misc,valid-type]
    """Scrapy's ``PickleFifoDiskQueue`` (SCHEDULER_START_DISK_QUEUE), its dicts made by request_to_dict."""

    def push(self, request: Request) -> None:
        """Serialise the request as Scrapy would, and push it (Scrapy's pickling, its ValueError if it fails)."""
        # past Scrapy's own push (Request.to_dict) to the pickling queue under it
        super(squeues.PickleFifoDiskQueue, self).push(request_to_dict(request, self.spider))  # type: ignore[misc]


def remove_stale_spools(folder: Path | None = None) -> list[Path]:
    """Remove the queue folders whose crawl process is gone (a SIGKILL leaves its folder); return them.

    A folder is named after its process id: one whose process still runs is left alone, whatever it is.
    """
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}*-*"):
        pid = path.name[len(SPOOL_PREFIX) :].partition("-")[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
