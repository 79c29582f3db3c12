"""The disk queue names the spider's callbacks without inspecting it, and stores what Scrapy's queue stores."""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import FormRequest, Request, Spider, squeues
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.utils.test import get_crawler

from archiver import diskqueue
from archiver.diskqueue import DiskQueueScheduler, PickleFifoDiskQueue, PickleLifoDiskQueue, request_to_dict
from tests.spider_support import HOME, make_spider, start

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.spiders.blogspot import BlogspotSpider

POST = f"{HOME}2013/09/post.html"


def _spider_requests(spider: BlogspotSpider) -> list[Request]:
    """What the spider really queues: its seed, followed links of several kinds, a retry, and odd requests."""
    made = start(spider)
    made += spider.follow(POST, via=HOME, hop="L")  # the post and its archive pages
    made += spider.follow("https://1.bp.blogspot.com/-x/s1600/a.jpg", via=POST, hop="E")  # a requisite
    retry = get_retry_request(made[1], spider=spider, reason="503")
    assert retry is not None
    made.append(retry)  # dont_filter, a lower priority, retry_times in meta
    made.append(
        Request(
            f"{HOME}search?q=x",
            method="POST",
            body=b"a=1",
            headers={"X-Archiver": "1", "Accept": ["a", "b"]},
            cookies={"c": "1"},
            cb_kwargs={"page": 2, "kind": "search"},
            flags=["held"],
            priority=-3,
            dont_filter=True,
            encoding="latin-1",
            callback=spider.parse,
            errback=spider.on_error,
            meta={"archiver_kind": "search", "archiver_via": POST, "archiver_url": f"{HOME}search?q=x"},
        )
    )
    made.append(FormRequest(f"{HOME}form", formdata={"q": "rally"}, callback=spider.parse_requisite))
    made.append(Request(f"{HOME}no-callback", meta={"archiver_kind": "page"}))
    return made


def _fields(request: Request) -> tuple[Any, ...]:
    return (
        type(request),
        request.url,
        request.method,
        request.headers.to_unicode_dict(),
        request.body,
        request.cookies,
        request.meta,
        request.cb_kwargs,
        request.callback,
        request.errback,
        request.priority,
        request.flags,
        request.dont_filter,
        request.encoding,
    )


@pytest.mark.parametrize("queue_class", [PickleLifoDiskQueue, PickleFifoDiskQueue])
def test_the_spiders_requests_come_back_whole(tmp_path: Path, queue_class: Any) -> None:
    spider = make_spider(tmp_path)
    made = _spider_requests(spider)
    assert {request.callback for request in made} >= {spider.parse_home, spider.parse, spider.parse_requisite}
    queue = queue_class.from_crawler(spider.crawler, str(tmp_path / "queue" / "0"))
    for request in made:
        queue.push(request)
    back = []
    while (request := queue.pop()) is not None:
        back.append(request)
    queue.close()
    if queue_class is PickleLifoDiskQueue:
        back.reverse()
    assert [_fields(request) for request in back] == [_fields(request) for request in made]


def test_what_is_stored_is_what_scrapy_stores(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    for request in _spider_requests(spider):
        ours = request_to_dict(request, spider)
        assert ours == request.to_dict(spider=spider)
        assert pickle.dumps(ours, protocol=4) == pickle.dumps(request.to_dict(spider=spider), protocol=4)


def test_named_without_inspecting_the_spider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spider = make_spider(tmp_path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("inspect.getmembers called")

    monkeypatch.setattr("inspect.getmembers", refuse)
    (request,) = spider.follow(POST, via=HOME, hop="L")[:1]
    assert request_to_dict(request, spider)["callback"] == "parse"
    assert request_to_dict(request, spider)["errback"] == "on_error"


class OddSpider(Spider):
    name = "odd"

    def parse(self, response: object) -> None:
        return None

    def _handler(self, response: object) -> None:
        return None

    handler = _handler  # found by Scrapy's lookup only: its __name__ is not a name of the spider
    del _handler


def _odd_spider() -> OddSpider:
    crawler = get_crawler(
        OddSpider, {"ARCHIVER_QUEUE_ON_DISK": True, "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"}
    )
    spider = OddSpider.from_crawler(crawler)
    crawler.spider = spider
    return spider


def test_a_method_under_another_name_is_named_by_scrapys_lookup(tmp_path: Path) -> None:
    spider = _odd_spider()
    request = Request("https://b.blogspot.com/", callback=spider.handler)
    assert request_to_dict(request, spider)["callback"] == "handler"
    other = OddSpider()  # Scrapy names another instance's method too (read back as this spider's)
    borrowed = Request("https://b.blogspot.com/", callback=other.parse, errback=other.handler)
    assert request_to_dict(borrowed, spider) == borrowed.to_dict(spider=spider)
    assert request_to_dict(borrowed, spider)["errback"] == "handler"
    queue = PickleLifoDiskQueue.from_crawler(spider.crawler, str(tmp_path / "q"))
    queue.push(request)
    popped = queue.pop()
    queue.close()
    assert popped.callback == spider.handler


def _not_methods() -> list[Any]:
    return [lambda response: None, print, OddSpider.parse, Request("https://b.blogspot.com/").copy]


@pytest.mark.parametrize("which", range(4), ids=["lambda", "builtin", "function", "method of another object"])
def test_a_callback_that_is_not_a_spider_method_is_refused_as_scrapy_refuses_it(which: int) -> None:
    spider = _odd_spider()
    callback = _not_methods()[which]
    for field in ("callback", "errback"):
        request = Request("https://b.blogspot.com/", **{field: callback})  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="not an instance method") as ours:
            request_to_dict(request, spider)
        with pytest.raises(ValueError, match="not an instance method") as scrapys:
            request.to_dict(spider=spider)
        assert str(ours.value) == str(scrapys.value)


def test_a_request_that_cannot_be_stored_waits_in_memory_and_is_counted(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    spider = _odd_spider()
    scheduler = DiskQueueScheduler.from_crawler(spider.crawler)
    scheduler.open(spider)
    callback = _not_methods()[0]
    unpicklable = Request(
        "https://b.blogspot.com/lock", callback=spider.parse, meta={"lock": __import__("threading").Lock()}
    )
    for request in (
        Request("https://b.blogspot.com/1", callback=spider.parse),
        Request("https://b.blogspot.com/2", callback=callback),
        unpicklable,
    ):
        scheduler.enqueue_request(request)
    popped = []
    while (request := scheduler.next_request()) is not None:
        popped.append((request.url, request.callback))
    scheduler.close("finished")
    assert sorted(popped, key=lambda item: item[0]) == [
        ("https://b.blogspot.com/1", spider.parse),
        ("https://b.blogspot.com/2", callback),
        ("https://b.blogspot.com/lock", spider.parse),
    ]
    stats: Any = spider.crawler.stats
    assert stats.get_value("scheduler/unserializable") == 2
    assert stats.get_value("scheduler/enqueued/disk") == 1
    assert stats.get_value("scheduler/enqueued/memory") == 2


def _crawl_order(tmp_path: Path, **settings: Any) -> tuple[list[str], DiskQueueScheduler]:
    spider = make_spider(tmp_path, SCHEDULER_PRIORITY_QUEUE="scrapy.pqueues.ScrapyPriorityQueue", **settings)
    scheduler = DiskQueueScheduler.from_crawler(spider.crawler)
    scheduler.open(spider)
    made = []
    for n, priority in enumerate([0, 5, 0, 9, 5, 0, 9, -2, 5, 0, 30]):
        kind = ("post", "image", "archive")[n % 3]
        url = f"{HOME}2014/0{n % 9 + 1}/p{n}.html"
        meta = {"archiver_kind": kind, "archiver_via": HOME, "archiver_hop": "L", "archiver_url": url}
        if n % 4 == 0:
            meta["is_start_request"] = True  # goes to the start queue (SCHEDULER_START_DISK_QUEUE)
        made.append(Request(url, callback=spider.parse, errback=spider.on_error, priority=priority, meta=meta))
    for request in made:
        scheduler.enqueue_request(request)
    order = []
    while (request := scheduler.next_request()) is not None:
        assert request.callback == spider.parse
        order.append(request.url)
    scheduler.close("finished")
    stats: Any = spider.crawler.stats
    assert stats.get_value("scheduler/enqueued/disk") == len(made)
    return order, scheduler


def test_the_crawl_order_is_scrapys_and_a_queue_someone_set_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    ours, scheduler = _crawl_order(tmp_path)
    assert scheduler.dqclass is PickleLifoDiskQueue
    assert scheduler._sdqclass is PickleFifoDiskQueue
    scrapys, scheduler = _crawl_order(
        tmp_path,
        SCHEDULER_DISK_QUEUE="scrapy.squeues.PickleLifoDiskQueue",
        SCHEDULER_START_DISK_QUEUE="scrapy.squeues.PickleFifoDiskQueue",
    )
    assert scheduler.dqclass is squeues.PickleLifoDiskQueue
    assert scheduler._sdqclass is squeues.PickleFifoDiskQueue
    assert ours == scrapys
    assert len(ours) == 11
    assert ours[0].endswith("p10.html")  # highest priority first


def test_with_a_jobdir_it_is_scrapys_queue(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, JOBDIR=str(tmp_path / "job"))
    scheduler = DiskQueueScheduler.from_crawler(spider.crawler)
    assert scheduler.dqclass is squeues.PickleLifoDiskQueue
    assert not scheduler.on_disk
    scheduler.df.close("finished")
    assert diskqueue.PickleLifoDiskQueue is not squeues.PickleLifoDiskQueue
