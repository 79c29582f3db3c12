"""Many workers, one frontier: real ``archiver crawl --frontier`` subprocesses, a real redis-server, the replica.

Two workers crawl two blogs (one replica process serving both, ``--also-blog``) through the replica's proxy:
every post of both is archived exactly once across the workers' WARC files, no URL of a blog is fetched twice
(the replica's access log), and ``archiver merge`` builds each blog's records and WACZ from both workers' files.
A worker killed with SIGKILL mid-crawl and restarted under its name leaves every post archived. The two-worker
test prints the figures the capacity plan (docs/scale.md) starts from: wall time, requests, Redis memory.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import run_archiver
from tests.redisserver import RedisServer, start_redis

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.conftest import Replica

POSTS = 120
SECOND = "second"
BLOGS = {f"{DEFAULT_BLOG_NAME}.blogspot.com": DEFAULT_BLOG_NAME, f"{SECOND}.blogspot.com": SECOND}
CRAWL_ID = "c1"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_redis(tmp_path / "redis-data")
    yield server
    server.stop()


def truth_urls(name: str) -> dict[str, str]:
    """The post id -> URL map of every post of the replica blog ``name``."""
    records = truth_records(Blog(POSTS, 0, name))
    return {record["post_id"]: record["url"] for record in records if record["kind"] == "post"}


def worker_cmd(out: Path, redis: RedisServer, worker: str, *hosts: str, settings: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "archiver", "crawl", *(f"https://{host}/" for host in hosts), "--profile", "local",
            "-o", str(out), "--frontier", redis.url, "--worker", worker, "-s", f"ARCHIVER_CRAWL_ID={CRAWL_ID}",
            "-s", "LOG_LEVEL=INFO", *(item for setting in settings for item in ("-s", setting))]  # fmt: skip


def start_worker(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stream:
        return subprocess.Popen(cmd, env=env, stdout=stream, stderr=stream)


def responses_200(crawl_dir: Path) -> Counter[str]:
    """How many 200 response records each URL has in the finished WARC files of every worker."""
    counts: Counter[str] = Counter()
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.http_headers.get_statuscode() == "200":
                    counts[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return counts


class RedisSampler:
    """Samples the frontier's keys while the crawl runs: the largest queue and dupefilter, in entries and bytes."""

    def __init__(self, redis: RedisServer) -> None:
        self.client: Any = redis.client()
        self.peak: dict[str, tuple[int, int]] = {}
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            for key in self.client.keys("archiver:*"):
                name = key.decode()
                kind = self.client.type(key).decode()
                size = self.client.zcard(key) if kind == "zset" else self.client.scard(key) if kind == "set" else 0
                used = self.client.execute_command("MEMORY", "USAGE", key) or 0
                if size >= self.peak.get(name, (0, 0))[0]:
                    self.peak[name] = (size, int(used))
            time.sleep(0.05)

    def stop(self) -> dict[str, Any]:
        self.running = False
        self.thread.join(5)
        info = self.client.info("memory")
        return {"used_memory_peak": info["used_memory_peak"], "keys": self.peak}


@pytest.mark.slow
def test_two_workers_over_two_blogs_archive_every_post_once_and_merge(
    replica_factory: Callable[..., Replica], redis_server: RedisServer, tmp_path: Path
) -> None:
    replica = replica_factory("--posts", str(POSTS), "--latency-ms", "20", "--also-blog", SECOND)
    env = replica.proxy_env()
    out = tmp_path / "out"
    sampler = RedisSampler(redis_server)
    started = time.monotonic()
    workers = {
        name: start_worker(worker_cmd(out, redis_server, name, *BLOGS), env, tmp_path / f"{name}.log")
        for name in ("w1", "w2")
    }
    try:
        codes = {name: process.wait(300) for name, process in workers.items()}
    finally:
        for process in workers.values():  # never leave a worker running into the next test
            if process.poll() is None:
                process.kill()
                process.wait()
    wall = time.monotonic() - started
    figures = sampler.stop()
    for name, code in codes.items():
        assert code == 0, (tmp_path / f"{name}.log").read_text(encoding="utf-8")[-3000:]

    fetched = Counter(entry["url"] for entry in replica.requests_logged())
    for host, name in BLOGS.items():
        crawl_dir = out / host / CRAWL_ID
        truth = truth_urls(name)
        captures = responses_200(crawl_dir)
        assert {url: captures[url] for url in truth.values()} == dict.fromkeys(truth.values(), 1)
        # each worker took part (the frontier is shared), and wrote only its own files
        by_worker = {path.name.split(f"{host}-", 1)[1].split("-", 1)[0] for path in (crawl_dir / "warc").iterdir()}
        assert by_worker == {"w1", "w2"}
        assert sorted(p.name for p in (crawl_dir / "workers").iterdir() if p.is_dir()) == ["w1", "w2"]
        # no URL of the blog fetched twice; robots.txt is read by every worker, which must obey it itself
        twice = {url: n for url, n in fetched.items() if f"//{host}/" in url and n > 1 and "/robots.txt" not in url}
        assert twice == {}

        merged = run_archiver("merge", str(crawl_dir))
        assert merged.returncode == 0, merged.stderr[-3000:]
        posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
        assert sorted(post["post_id"] for post in posts) == sorted(truth)
        assert (crawl_dir / f"{host}-{CRAWL_ID}.wacz").is_file()
        assert (crawl_dir / "index.cdxj").stat().st_size > 0
        assert len((out / host / "corpus" / "posts.jsonl").read_text(encoding="utf-8").splitlines()) == POSTS

    urls = sum(figures["keys"].get(f"archiver:{host}:{CRAWL_ID}:dupefilter", (0, 0))[0] for host in BLOGS)
    dupefilter_bytes = sum(figures["keys"].get(f"archiver:{host}:{CRAWL_ID}:dupefilter", (0, 0))[1] for host in BLOGS)
    queue_peak = {key: value for key, value in figures["keys"].items() if key.endswith(":requests")}
    print(
        f"\nfrontier figures: wall {wall:.1f} s, {sum(fetched.values())} requests served, "
        f"{urls} URLs queued, used_memory_peak {figures['used_memory_peak']} B, "
        f"dupefilter {dupefilter_bytes * 1000 / max(urls, 1):.0f} B per 1,000 URLs, queue peaks {queue_peak}"
    )


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_and_restarted_leaves_every_post_archived(
    replica_factory: Callable[..., Replica], redis_server: RedisServer, tmp_path: Path
) -> None:
    replica = replica_factory("--posts", str(POSTS), "--latency-ms", "50")
    env = replica.proxy_env()
    out = tmp_path / "out"
    host = f"{DEFAULT_BLOG_NAME}.blogspot.com"
    crawl_dir = out / host / CRAWL_ID
    client: Any = redis_server.client()
    dupefilter = f"archiver:{host}:{CRAWL_ID}:dupefilter"
    # a crawl of some seconds at 4 requests at once per host: an idle worker looks at the shared queue only at
    # Scrapy's 5 s heartbeat, so whichever worker started first may hold all the work for a while
    slow = ("CONCURRENT_REQUESTS_PER_DOMAIN=4",)
    logs = {name: tmp_path / f"{name}.log" for name in ("w1", "w2")}
    workers = {
        name: start_worker(worker_cmd(out, redis_server, name, host, settings=slow), env, logs[name]) for name in logs
    }
    started = list(workers.values())
    try:
        # mid-crawl, by the shared frontier itself: a good part of the blog found, and a worker holding requests
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline:
            assert all(process.poll() is None for process in workers.values()), "a worker ended before the kill"
            if client.scard(dupefilter) >= 3 * POSTS:
                busy = [name for name in workers if client.zcard(f"archiver:{host}:{CRAWL_ID}:processing:{name}") > 0]
                victim = busy[0] if busy else None
            time.sleep(0.01)
        assert victim is not None, "no worker held requests mid-crawl"
        other = next(name for name in workers if name != victim)
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        in_flight = client.zcard(f"archiver:{host}:{CRAWL_ID}:processing:{victim}")
        assert in_flight > 0  # what the kill would have lost without the processing set
        assert workers[other].poll() is None  # the other waits for those requests rather than finish without them
        restarted = start_worker(worker_cmd(out, redis_server, victim, host, settings=slow), env, logs[victim])
        started.append(restarted)
        assert restarted.wait(300) == 0, logs[victim].read_text(encoding="utf-8")[-3000:]
        assert workers[other].wait(300) == 0, logs[other].read_text(encoding="utf-8")[-3000:]
    finally:
        for process in started:  # never leave a worker running into the next test
            if process.poll() is None:
                process.kill()
                process.wait()

    assert not list((crawl_dir / "warc").glob("*.open"))  # the killed run's file was mended by its restart
    captures = responses_200(crawl_dir)
    truth = truth_urls(DEFAULT_BLOG_NAME)
    assert [url for url in truth.values() if captures[url] == 0] == []
    merged = run_archiver("merge", str(crawl_dir))
    assert merged.returncode == 0, merged.stderr[-3000:]
    posts = [json.loads(line) for line in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(post["post_id"] for post in posts) == sorted(truth)
    twice = sum(1 for url in truth.values() if captures[url] > 1)
    print(f"\nkilled worker: {in_flight} requests in flight put back, {twice} posts captured twice")
