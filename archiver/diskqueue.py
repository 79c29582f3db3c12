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
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler

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
        scheduler.on_disk = scheduler.dqdir is None and crawler.settings.getbool("ARCHIVER_QUEUE_ON_DISK")
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
