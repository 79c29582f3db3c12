"""The shared frontier (archiver.frontier): scrapy-redis's scheduler on per-blog keys, against a real redis-server.

Each scheduler here is one worker's, built from a spider made with ``get_crawler``; two schedulers on the same
keys are two workers, and a new scheduler under a worker's name is that worker restarted after a kill.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider

from archiver.errors import ConfigError
from archiver.frontier import (
    ENTRY_KEY,
    FrontierScheduler,
    frontier_keys,
    frontier_settings,
    lock_worker,
    unlock_workers,
    worker_layout,
    worker_name,
)
from archiver.layout import crawl_layout
from tests.redisserver import RedisServer, start_redis
from tests.spider_support import HOME, HOST, make_spider

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from archiver.spiders.blogspot import BlogspotSpider


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def worker(redis_server: RedisServer, tmp_path: Path) -> Iterator[Callable[[str], FrontierScheduler]]:
    """Open a worker's scheduler (crawl id ``t``) on a flushed Redis; each is closed at the end."""
    client: Any = redis_server.client()
    client.flushall()
    opened: list[FrontierScheduler] = []

    def open_worker(name: str) -> FrontierScheduler:
        layout = worker_layout(
            crawl_layout({"ARCHIVER_OUTPUT_DIR": str(tmp_path), "ARCHIVER_CRAWL_ID": "t"}, HOST), name
        )
        settings = frontier_settings(layout, redis_server.url, name)
        spider: BlogspotSpider = make_spider(Path(settings.pop("ARCHIVER_CRAWL_DIR")), **settings)
        scheduler = FrontierScheduler.from_crawler(spider.crawler)
        scheduler.open(spider)
        opened.append(scheduler)
        return scheduler

    yield open_worker
    for scheduler in opened:
        scheduler.close("finished")


def post(number: int, priority: int = 0) -> Request:
    return Request(f"{HOME}2013/09/post-{number}.html", priority=priority)


def test_keys_are_per_blog_and_crawl() -> None:
    keys = frontier_keys("Blog.blogspot.com", "20261201")
    assert keys.requests == "archiver:blog.blogspot.com:20261201:requests"
    assert keys.dupefilter == "archiver:blog.blogspot.com:20261201:dupefilter"
    assert keys.processing("w1") == "archiver:blog.blogspot.com:20261201:processing:w1"


def test_a_worker_gets_its_own_folder_and_file_names_and_shares_the_warc_folder(tmp_path: Path) -> None:
    layout = worker_layout(crawl_layout({"ARCHIVER_OUTPUT_DIR": str(tmp_path), "ARCHIVER_CRAWL_ID": "c1"}, HOST), "w1")
    assert layout.crawl_dir == str(tmp_path / HOST / "c1" / "workers" / "w1")
    assert layout.warc_dir == str(tmp_path / HOST / "c1" / "warc")
    assert layout.warc_prefix == f"{HOST}-w1"


@pytest.mark.parametrize("name", ["../x", "a b", "", ".hidden"])
def test_a_worker_name_must_be_a_plain_file_name(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("socket.gethostname", lambda: "")
    with pytest.raises(ConfigError, match="--worker"):
        worker_name(name)


def test_every_url_is_queued_once_across_workers(worker: Callable[[str], FrontierScheduler]) -> None:
    one, two = worker("w1"), worker("w2")
    assert one.enqueue_request(post(1))
    assert not two.enqueue_request(post(1))  # the blog's dupefilter is shared
    assert two.enqueue_request(post(2))
    popped = {one.next_request().url, two.next_request().url}  # type: ignore[union-attr]
    assert popped == {post(1).url, post(2).url}
    assert one.next_request() is None


def test_the_best_request_is_popped_first(worker: Callable[[str], FrontierScheduler]) -> None:
    one = worker("w1")
    one.enqueue_request(post(1, priority=0))
    one.enqueue_request(post(2, priority=50))
    first = one.next_request()
    assert first is not None
    assert first.url == post(2).url


def test_a_popped_request_stays_in_flight_until_settled(worker: Callable[[str], FrontierScheduler]) -> None:
    one = worker("w1")
    one.enqueue_request(post(1))
    request = one.next_request()
    assert request is not None
    assert one.in_flight() == {"w1": 1}
    one.settle(request=request)
    assert one.in_flight() == {}


def test_a_restarted_worker_puts_back_what_it_had_in_flight(worker: Callable[[str], FrontierScheduler]) -> None:
    killed = worker("w1")
    for number in range(3):
        killed.enqueue_request(post(number))
    in_flight = [killed.next_request(), killed.next_request()]
    assert all(in_flight)
    # w1 is killed here (never settles); it starts again under the same name
    restarted = worker("w1")
    assert restarted.crawler.stats.get_value("archiver/frontier/requeued") == 2  # type: ignore[union-attr]
    urls = set()
    while (request := restarted.next_request()) is not None:
        urls.add(request.url)
    assert urls == {post(number).url for number in range(3)}


def test_a_retry_replaces_its_entry_in_one_step(worker: Callable[[str], FrontierScheduler]) -> None:
    one = worker("w1")
    one.enqueue_request(post(1))
    request = one.next_request()
    assert request is not None
    assert ENTRY_KEY in request.meta
    retry = request.replace(dont_filter=True)  # what the retry middleware sends back to the scheduler
    assert one.enqueue_request(retry)
    assert one.in_flight() == {}
    again = one.next_request()
    assert again is not None
    assert again.url == request.url


def test_a_worker_waits_while_another_has_requests_in_flight(worker: Callable[[str], FrontierScheduler]) -> None:
    one, two = worker("w1"), worker("w2")
    one.enqueue_request(post(1))
    request = one.next_request()
    assert request is not None
    with pytest.raises(DontCloseSpider):  # w1's page may still add links to the queue
        two.spider_idle(two.spider)
    one.settle(request=request)
    two.spider_idle(two.spider)  # nothing queued, nothing in flight: the blog is done


def test_a_request_popped_and_never_settled_counts_as_unfetched(worker: Callable[[str], FrontierScheduler]) -> None:
    one = worker("w1")
    one.enqueue_request(post(1))
    assert one.next_request() is not None
    one.close("finished")
    assert one.crawler.stats.get_value("archiver/gave_up/unfetched") == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "ARCHIVER_CRAWL_ID"),  # workers started at different times must agree on the crawl id
        (["-s", "ARCHIVER_CRAWL_ID=c1", "--incremental"], "neither resumed nor incremental"),
        (["-s", "ARCHIVER_CRAWL_ID=c1", "--worker", "../up"], "--worker"),
        (["-s", "ARCHIVER_CRAWL_ID=c1", "-s", "ARCHIVER_TSA_URL=http://127.0.0.1:1/"], "archiver timestamp"),
    ],
)
def test_a_frontier_crawl_refuses_what_it_cannot_share(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from archiver.cli import main

    assert main(["crawl", HOME, "-o", str(tmp_path), "--frontier", "redis://127.0.0.1:1/0", *extra]) == 1
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before anything was written or contacted


def test_a_worker_name_without_a_frontier_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archiver.cli import main

    assert main(["crawl", HOME, "-o", str(tmp_path), "--worker", "w1"]) == 1
    assert "--frontier" in capsys.readouterr().err


def test_a_frontier_url_must_be_redis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from archiver.cli import main

    assert (
        main(["crawl", HOME, "-o", str(tmp_path), "--frontier", "http://127.0.0.1:1/", "-s", "ARCHIVER_CRAWL_ID=c"])
        == 1
    )
    assert "redis://HOST:PORT/DB" in capsys.readouterr().err


def test_merge_refuses_a_crawl_whose_worker_is_still_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from archiver.cli import main

    crawl_dir = tmp_path / HOST / "c1"
    (crawl_dir / "warc").mkdir(parents=True)
    (crawl_dir / "warc" / f"{HOST}-w1-20261201000000000-00000-m.warc.gz.open").write_bytes(b"")
    assert main(["merge", str(crawl_dir)]) == 1
    assert "unfinished" in capsys.readouterr().err
    assert not (crawl_dir / "posts.jsonl").exists()


def test_two_live_workers_of_one_name_are_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    layout = worker_layout(crawl_layout({"ARCHIVER_OUTPUT_DIR": str(tmp_path), "ARCHIVER_CRAWL_ID": "c1"}, HOST), "w1")
    holder = subprocess.Popen(  # another process holds w1's lock, as a running worker does
        [sys.executable, "-c", "import sys, time; from archiver.frontier import *; from archiver.layout import *;"
         f"lock_worker(worker_layout(crawl_layout({{'ARCHIVER_OUTPUT_DIR': {str(tmp_path)!r}, 'ARCHIVER_CRAWL_ID': "
         f"'c1'}}, {HOST!r}), 'w1'), 'w1'); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ConfigError, match="already running"):
            lock_worker(layout, "w1")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    lock_worker(layout, "w1")  # the killed worker's lock went with it: its restart goes on
    unlock_workers()
