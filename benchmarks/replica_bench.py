"""Benchmark: whether the replica serves a 20,000-post blog as fast as a 200-post one.

Starts ``blogger-replica serve`` for each size, fetches the same mix of URLs a crawler asks for (home,
archives, post pages, deep feed pages, sitemap children, images) from several client threads over
keep-alive connections in direct mode, and prints start-up time, requests/s and latency percentiles.

    .venv/bin/python benchmarks/replica_bench.py [--sizes 200,20000] [--requests 2000] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time

from blogger_replica.launch import launch


def start(posts: int) -> tuple[subprocess.Popen[str], int, float]:
    started = time.monotonic()
    replica = launch(["--posts", str(posts)], stderr=None)
    return replica.process, replica.port, time.monotonic() - started


def url_mix(posts: int, count: int, seed: int = 1) -> list[str]:
    truth = subprocess.run(
        [sys.executable, "-m", "blogger_replica", "truth", "--posts", str(posts)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    records = [json.loads(line) for line in truth]
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        roll = rng.random()
        record = rng.choice(records)
        year, month = record["published"][:4], record["published"][5:7]
        if roll < 0.5:
            paths.append(record["path"])
        elif roll < 0.65:
            paths.append(f"/{year}/{month}/")
        elif roll < 0.7:
            paths.append(f"/{year}/")
        elif roll < 0.8:
            start_index = rng.randrange(1, max(2, posts - 150))
            paths.append(f"/feeds/posts/default?start-index={start_index}&max-results=150")
        elif roll < 0.85:
            paths.append(f"/sitemap.xml?page={rng.randrange(1, posts // 150 + 2)}")
        elif roll < 0.9:
            paths.append("/")
        else:
            paths.append(f"/feeds/{record['post_id']}/comments/default")
    return paths


def run_clients(port: int, paths: list[str], clients: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    lock = threading.Lock()
    bytes_total = [0]

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local, size = [], 0
        for path in chunk:
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            size += len(response.read())
            local.append(time.perf_counter() - t0)
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status}")
        with lock:
            latencies.extend(local)
            bytes_total[0] += size

    threads = [threading.Thread(target=worker, args=(paths[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, bytes_total[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,20000")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(f"{'posts':>7} {'start s':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'MB':>7}")
    for posts in (int(s) for s in args.sizes.split(",")):
        proc, port, startup = start(posts)
        try:
            paths = url_mix(posts, args.requests)
            run_clients(port, paths[:100], 1)  # warm-up: first requests build per-blog caches
            latencies, elapsed, size = run_clients(port, paths, args.clients)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        q = statistics.quantiles(latencies, n=100)
        print(
            f"{posts:>7} {startup:>8.2f} {len(latencies) / elapsed:>8.0f} {q[49] * 1000:>7.1f} "
            f"{q[94] * 1000:>7.1f} {q[98] * 1000:>7.1f} {size / 1e6:>7.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
