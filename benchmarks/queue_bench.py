"""Micro-benchmark: push and pop N requests through the crawl's disk queue and through Scrapy's own.

Run from the repository root (seconds; nothing on the network):

    .venv/bin/python benchmarks/queue_bench.py                 # 20,000 requests, best of 3
    .venv/bin/python benchmarks/queue_bench.py --requests 2000 --repeat 1

The requests are those the blog spider makes (``BlogspotSpider``, its ``parse``/``parse_requisite`` callbacks,
its ``on_error`` errback, its ``archiver_*`` meta keys), pushed into a fresh queue folder under a temporary
directory and popped back, once with ``archiver.diskqueue.PickleLifoDiskQueue`` and once with Scrapy's
``scrapy.squeues.PickleLifoDiskQueue`` (the scheduler's default ``SCHEDULER_DISK_QUEUE``). Figures: CPU
seconds (``time.process_time``) of the pushes and of the pops, the best of ``--repeat`` runs, and each
queue's bytes on disk. The popped requests are checked to be the same for both queues.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, squeues
from scrapy.utils.test import get_crawler

from archiver import diskqueue
from archiver.spiders.blogspot import BlogspotSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

BLOG = "https://gongminziyoulianmeng.blogspot.com"


def requests(spider: BlogspotSpider, count: int) -> list[Request]:
    """Requests like the spider's: posts parsed, images fetched as requisites, a few priorities."""
    made = []
    for n in range(count):
        kind, callback = ("post", spider.parse) if n % 3 else ("image", spider.parse_requisite)
        url = f"{BLOG}/2015/{n % 12 + 1:02d}/post-{n}.html" if kind == "post" else f"https://1.bp.blogspot.com/{n}.jpg"
        meta = {"archiver_kind": kind, "archiver_via": f"{BLOG}/", "archiver_hop": "L", "archiver_url": url}
        made.append(Request(url, callback=callback, errback=spider.on_error, priority=n % 4, meta=meta))
    return made


def run(queue_class: Any, crawler: Crawler, batch: list[Request], folder: Path) -> tuple[float, float, int, list]:
    """CPU seconds to push the batch and to pop it all, the queue's bytes on disk, and what was popped."""
    queue = queue_class.from_crawler(crawler, str(folder / "q"))
    start = time.process_time()
    for request in batch:
        queue.push(request)
    pushed = time.process_time()
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    popped = []
    while (request := queue.pop()) is not None:
        popped.append(request)
    done = time.process_time()
    queue.close()
    seen = [(r.url, r.callback.__name__, r.errback.__name__, r.priority, r.meta) for r in popped]
    return pushed - start, done - pushed, size, seen


def main() -> None:
    """Print the figures of both queues."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_QUEUE_ON_DISK": True})
    spider = BlogspotSpider.from_crawler(crawler, url=f"{BLOG}/")
    crawler.spider = spider
    batch = requests(spider, args.requests)
    queues = {"archiver": diskqueue.PickleLifoDiskQueue, "scrapy": squeues.PickleLifoDiskQueue}
    best: dict[str, tuple[float, float, int]] = {}
    results = {}
    for _ in range(args.repeat):
        for name, queue_class in queues.items():
            with tempfile.TemporaryDirectory() as folder:
                push_s, pop_s, size, results[name] = run(queue_class, crawler, batch, Path(folder))
            if name not in best or push_s + pop_s < sum(best[name][:2]):
                best[name] = (push_s, pop_s, size)
    assert results["archiver"] == results["scrapy"], "the two queues popped different requests"
    print(f"{args.requests:,} requests, best of {args.repeat}")
    print(f"{'queue':10} {'push s':>8} {'pop s':>8} {'total s':>8} {'us/request':>11} {'bytes':>12}")
    for name, (push_s, pop_s, size) in best.items():
        per = (push_s + pop_s) / args.requests * 1e6
        print(f"{name:10} {push_s:8.3f} {pop_s:8.3f} {push_s + pop_s:8.3f} {per:11.1f} {size:12,}")


if __name__ == "__main__":
    main()
