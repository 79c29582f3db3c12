"""Benchmark: offline ``archiver extract`` speed, in posts per second, on a crawl of a 2,000-post replica.

Without ``--crawl`` it starts ``blogger-replica serve --posts N`` and crawls it through the replica's proxy
(``archiver crawl --profile local``) into a temporary folder first; the crawl is not timed. Then it runs
``archiver extract CRAWL_DIR`` ``--repeat`` times in a fresh process each time and prints the WARC volume,
the number of records, wall time and posts/s (best and median), and checks that the output equals the
crawl's own posts.jsonl byte for byte.

    .venv/bin/python benchmarks/extract_bench.py [--posts 2000] [--crawl CRAWL_DIR] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from blogger_replica.launch import launch

BLOG_URL = "https://gongminziyoulianmeng.blogspot.com/"


def crawl(posts: int, out: Path) -> Path:
    """Crawl a fresh replica of ``posts`` posts into ``out``; return the crawl folder."""
    replica = launch(["--posts", str(posts)])
    try:
        env = replica.proxy_env()
        crawl_dir = out / "crawl"
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "archiver",
                "crawl",
                BLOG_URL,
                "--profile",
                "local",
                "-o",
                str(out),
                "-s",
                f"ARCHIVER_CRAWL_DIR={crawl_dir}",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"crawled {posts} posts in {time.monotonic() - started:.0f} s into {crawl_dir}", flush=True)
        return crawl_dir
    finally:
        replica.stop(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts in the replica to crawl (default 2000)")
    parser.add_argument("--crawl", type=Path, default=None, help="an existing crawl folder to extract instead")
    parser.add_argument("--repeat", type=int, default=3, help="extract runs (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary crawl folder")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="extract-bench-"))
    try:
        crawl_dir = args.crawl or crawl(args.posts, tmp)
        warcs = sorted(crawl_dir.rglob("*.warc.gz"))
        size = sum(p.stat().st_size for p in warcs)
        print(f"input: {len(warcs)} WARC files, {size / 2**20:.1f} MiB", flush=True)
        times, summary = [], ""
        for run in range(args.repeat):
            output = tmp / f"posts-{run}.jsonl"
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "archiver", "extract", str(crawl_dir), "-o", str(output)],
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(time.perf_counter() - started)
            summary = result.stderr.strip().splitlines()[-1]
            own = crawl_dir / "posts.jsonl"
            if own.exists() and own.read_bytes() != output.read_bytes():
                print("MISMATCH: extract output differs from the crawl's posts.jsonl", file=sys.stderr)
                return 1
        records = sum(1 for _ in (tmp / "posts-0.jsonl").open(encoding="utf-8"))
        best, median = min(times), statistics.median(times)
        print(summary)
        print(
            f"archiver extract: {records} posts; wall time best {best:.2f} s, median {median:.2f} s "
            f"(process start included); {records / best:.0f} posts/s best, {records / median:.0f} posts/s median; "
            f"{size / 2**20 / best:.1f} MiB of WARC/s"
        )
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
