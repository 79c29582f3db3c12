"""Benchmark: a blog's first crawl, a full recrawl and an incremental recrawl, side by side.

Run from the repository root (it takes minutes):

    .venv/bin/python benchmarks/recrawl_bench.py                    # 2,000 posts at 50 ms, as issue 9 asks
    .venv/bin/python benchmarks/recrawl_bench.py --posts 300 --latency 0    # a quick look

One ``blogger-replica serve --posts N --latency-ms MS`` on 127.0.0.1 (proxy mode: the real https URLs) serves
the blog's state 0; ``archiver crawl --profile local`` crawls it three times into one output folder:

1. first: the blog's first crawl (everything stored in full);
2. full recrawl: every URL fetched again; unchanged payloads become revisit records (ARCHIVER_DEDUP_REVISITS,
   ``url`` by default);
3. incremental: ``--incremental``, the feeds, sitemaps and listings fetched, the posts they show unchanged
   carried from their last capture, 5% audited (ARCHIVER_INCREMENTAL_AUDIT).

Figures per crawl: requests the replica answered (its access log, CONNECTs left out), the crawl's WARC bytes,
wall seconds from start to exit, the number of records in posts.jsonl and of changes in changes.jsonl
(0 expected: the blog did not change), revisit records, posts carried; each also as a share of the first
crawl. The machine's 1-minute load average at the start of each crawl is shown: wall times are only
comparable on a quiet machine. ``--keep DIR`` keeps the output; ``--photo-bpp`` is passed to the replica (its
default gives the posts' photos a realistic weight).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from blogger_replica.launch import launch

BLOG_HOST = "gongminziyoulianmeng.blogspot.com"
BLOG_URL = f"https://{BLOG_HOST}/"


@dataclass
class Run:
    """One crawl's figures."""

    name: str
    requests: int
    warc_bytes: int
    wall_s: float
    posts: int
    changes: int
    revisits: int
    carried: int
    returncode: int
    load: float


def warc_bytes(crawl_dir: Path) -> int:
    return sum(path.stat().st_size for path in (crawl_dir / "warc").glob("*.warc.gz"))


def lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()) if path.exists() else 0


def crawl(name: str, crawl_id: str, replica: object, out: Path, extra: list[str], log: Path) -> Run:
    served_before = served(replica)
    load = os.getloadavg()[0]
    started = time.monotonic()
    cmd = [sys.executable, "-m", "archiver", "crawl", BLOG_URL, "--profile", "local", "-o", str(out)]
    cmd += ["-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra]
    with log.open("a", encoding="utf-8") as stream:
        result = subprocess.run(cmd, env=replica.proxy_env(), stdout=stream, stderr=stream, check=False)  # type: ignore[attr-defined]
    wall = time.monotonic() - started
    folder = out / BLOG_HOST / crawl_id
    stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))["stats"]
    return Run(
        name=name,
        requests=served(replica) - served_before,
        warc_bytes=warc_bytes(folder),
        wall_s=wall,
        posts=lines(folder / "posts.jsonl"),
        changes=lines(folder / "changes.jsonl"),
        revisits=int(stats.get("archiver/warc/revisits", 0)),
        carried=int(stats.get("archiver/incremental/skipped", 0)),
        returncode=result.returncode,
        load=load,
    )


def served(replica: object) -> int:
    return sum(1 for entry in replica.requests_logged() if entry.get("method") != "CONNECT")  # type: ignore[attr-defined]


def table(runs: list[Run], posts: int, latency: float) -> str:
    first = runs[0]
    head = (
        f"recrawl_bench: {posts} posts, {latency:g} ms latency, --profile local, {os.cpu_count()} cores\n"
        f"{'crawl':<14}{'requests':>9}{'share':>7}{'WARC bytes':>14}{'share':>7}{'wall s':>8}{'share':>7}"
        f"{'posts':>7}{'changes':>8}{'revisits':>9}{'carried':>8}{'exit':>5}{'load':>6}"
    )
    rows = [head]
    for run in runs:
        rows.append(
            f"{run.name:<14}{run.requests:>9}{run.requests / first.requests:>7.1%}{run.warc_bytes:>14,}"
            f"{run.warc_bytes / first.warc_bytes:>7.1%}{run.wall_s:>8.1f}{run.wall_s / first.wall_s:>7.1%}"
            f"{run.posts:>7}{run.changes:>8}{run.revisits:>9}{run.carried:>8}{run.returncode:>5}{run.load:>6.2f}"
        )
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=50, help="replica latency per response, ms (default 50)")
    parser.add_argument("--photo-bpp", default=None, help="the replica's --photo-bpp (default: the replica's)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the output in this folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="recrawl-bench-"))
    out = args.keep or work / "out"
    replica_args = ["--posts", str(args.posts), "--latency-ms", str(args.latency)]
    if args.photo_bpp is not None:
        replica_args += ["--photo-bpp", str(args.photo_bpp)]
    replica = launch(replica_args, workdir=work / "replica")
    log = work / "crawls.log"
    try:
        runs = [
            crawl("first", "20240101T000000Z", replica, out, [], log),
            crawl("full recrawl", "20240201T000000Z", replica, out, [], log),
            crawl("incremental", "20240301T000000Z", replica, out, ["--incremental"], log),
        ]
    finally:
        replica.stop()
    sys.stdout.write(table(runs, args.posts, args.latency))
    if any(run.returncode for run in runs):
        print(f"a crawl failed: see {log}", file=sys.stderr)
        return 1
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
