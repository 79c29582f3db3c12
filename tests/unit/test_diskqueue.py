"""The scheduler keeps its queue on disk in a temporary folder: same order as Scrapy's, nothing left behind."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from archiver.diskqueue import SPOOL_PREFIX, DiskQueueScheduler, remove_stale_spools

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


class QueueSpider(Spider):
    name = "queue"

    def parse(self, response: object) -> None:
        return None


def _order(on_disk: bool, tmp_path: Path) -> tuple[list[str], dict[str, int]]:
    # Scrapy's default priority queue (one per download slot) needs a running engine: the plain one has its order
    settings = {"ARCHIVER_QUEUE_ON_DISK": on_disk, "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"}
    crawler = get_crawler(QueueSpider, settings)
    spider = QueueSpider.from_crawler(crawler)
    crawler.spider = spider
    scheduler = DiskQueueScheduler.from_crawler(crawler)
    scheduler.open(spider)
    for n, priority in enumerate([0, 5, 0, 9, 5, 0, 9]):
        meta = {"archiver_kind": "post", "archiver_via": None, "archiver_url": f"https://b.blogspot.com/{n}"}
        scheduler.enqueue_request(
            Request(f"https://b.blogspot.com/{n}", callback=spider.parse, priority=priority, meta=meta)
        )
    assert not scheduler.enqueue_request(Request("https://b.blogspot.com/0", callback=spider.parse))  # duplicate
    spools = list(tmp_path.glob(f"{SPOOL_PREFIX}*"))
    assert len(spools) == (1 if on_disk else 0)
    urls = []
    while (request := scheduler.next_request()) is not None:
        assert request.callback == spider.parse
        assert request.meta["archiver_url"] == request.url
        urls.append(request.url)
    scheduler.close("finished")
    assert list(tmp_path.glob(f"{SPOOL_PREFIX}*")) == []  # removed on close
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    return urls, {key: value for key, value in stats.items() if key.startswith("scheduler/")}


def test_disk_queue_keeps_scrapys_order_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    on_disk, disk_stats = _order(True, tmp_path)
    in_memory, memory_stats = _order(False, tmp_path)
    assert on_disk == in_memory  # highest priority first, then Scrapy's LIFO within a priority
    assert len(on_disk) == 7
    assert disk_stats["scheduler/enqueued/disk"] == 7
    assert "scheduler/enqueued/memory" not in disk_stats
    assert memory_stats["scheduler/enqueued/memory"] == 7


def test_folders_of_killed_crawls_are_removed_live_ones_kept(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{SPOOL_PREFIX}{int(gone.stdout)}-abc"
    live = tmp_path / f"{SPOOL_PREFIX}{__import__('os').getpid()}-def"
    other = tmp_path / "archiver-queue-notapid"
    for folder in (dead, live, other):
        (folder / "requests.queue").mkdir(parents=True)
    assert remove_stale_spools(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
