"""Benchmark: offline ``archiver extract`` speed, in posts per second, on a crawl of a 2,000-post replica.

Without ``--crawl`` it starts ``blogger-replica serve --posts N`` and crawls it through the replica's proxy
(``archiver crawl --profile local``) into a temporary folder first; the crawl is not timed. Then, for each
configuration, it runs ``archiver extract CRAWL_DIR`` ``--repeat`` times in a fresh process each time and
prints the WARC volume, wall time and posts/s (best and median), and checks that the output equals the
crawl's own posts.jsonl and pages.jsonl byte for byte (and that every configuration gives the same bytes).

Configurations: ``--jobs 1 2`` (processes of ``archiver extract --jobs``), each run on every core and, with
``--one-core``, pinned to one (``taskset -c 0``: the jobs then share it); ``--scan`` adds the same runs with
``--no-index`` (every record of every WARC read, the way extraction worked before the index was used).

    .venv/bin/python benchmarks/extract_bench.py [--posts 2000] [--crawl CRAWL_DIR] [--repeat 3] [--keep]
        [--jobs 1 2] [--one-core] [--scan]
"""

from __future__ import annotations

import argparse
import os
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


def extract_runs(
    crawl_dir: Path, tmp: Path, *, jobs: int, one_core: bool, scan: bool, repeat: int
) -> tuple[list[float], Path, str]:
    """Run ``archiver extract`` ``repeat`` times; return the wall times, the last output and its summary line."""
    command = [sys.executable, "-m", "archiver", "extract", str(crawl_dir), "--jobs", str(jobs)]
    command += ["--no-index"] if scan else []
    prefix = ["taskset", "-c", "0"] if one_core else []
    name = f"j{jobs}{'-1core' if one_core else ''}{'-scan' if scan else ''}"
    times, summary = [], ""
    output, pages = tmp / f"posts-{name}.jsonl", tmp / f"pages-{name}.jsonl"
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(
            [*prefix, *command, "-o", str(output), "--pages", str(pages)], capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - started)
        summary = result.stderr.strip().splitlines()[-1]
    return times, output, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts in the replica to crawl (default 2000)")
    parser.add_argument("--crawl", type=Path, default=None, help="an existing crawl folder to extract instead")
    parser.add_argument("--repeat", type=int, default=3, help="extract runs per configuration (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary crawl folder")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values to run (default 1 2)")
    parser.add_argument("--one-core", action="store_true", help="also run each pinned to one core (taskset -c 0)")
    parser.add_argument("--scan", action="store_true", help="also run each with --no-index (the old full scan)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="extract-bench-"))
    try:
        crawl_dir = args.crawl or crawl(args.posts, tmp)
        warcs = sorted(crawl_dir.rglob("*.warc.gz"))
        size = sum(p.stat().st_size for p in warcs)
        load = os.getloadavg()[0]
        print(f"input: {len(warcs)} WARC files, {size / 2**20:.1f} MiB; {os.cpu_count()} CPUs, load {load:.2f}")
        configs = [
            (jobs, one_core, scan)
            for scan in ([False, True] if args.scan else [False])
            for one_core in ([False, True] if args.one_core else [False])
            for jobs in args.jobs
        ]
        reference: bytes | None = None
        for jobs, one_core, scan in configs:
            times, output, summary = extract_runs(
                crawl_dir, tmp, jobs=jobs, one_core=one_core, scan=scan, repeat=args.repeat
            )
            data = output.read_bytes()
            own = crawl_dir / "posts.jsonl"
            if own.exists() and own.read_bytes() != data:
                print("MISMATCH: extract output differs from the crawl's posts.jsonl", file=sys.stderr)
                return 1
            pages = crawl_dir / "pages.jsonl"
            if (
                pages.exists()
                and pages.read_bytes() != output.with_name(output.name.replace("posts", "pages")).read_bytes()
            ):
                print("MISMATCH: extract output differs from the crawl's pages.jsonl", file=sys.stderr)
                return 1
            if reference is not None and data != reference:
                print("MISMATCH: the configurations give different records", file=sys.stderr)
                return 1
            reference = data
            records = data.count(b"\n")
            best, median = min(times), statistics.median(times)
            label = f"--jobs {jobs}{', one core' if one_core else ', all cores'}{', --no-index' if scan else ''}"
            print(f"  {summary}")
            print(
                f"{label}: {records} posts; wall best {best:.2f} s, median {median:.2f} s (process start "
                f"included); {records / best:.0f} posts/s best, {records / median:.0f} posts/s median; "
                f"{size / 2**20 / best:.1f} MiB of WARC/s",
                flush=True,
            )
        return 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
