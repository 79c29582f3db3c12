"""Benchmark: crawl a replica blog with ``archiver crawl`` and mirror it with wget, and compare what each costs.

Run from the repository root (it takes minutes: wget fetches one URL at a time):

    .venv/bin/python benchmarks/crawl_bench.py                      # 2,000 posts, 0 and 50 ms, with wget
    .venv/bin/python benchmarks/crawl_bench.py --posts 500 --latency 0 --skip-wget     # a quick look

Every run gets a fresh ``blogger-replica serve --posts N --latency-ms MS --access-log FILE`` on 127.0.0.1, and
the client goes through it in proxy mode, so it sees the real ``https://gongminziyoulianmeng.blogspot.com/``
URLs, with images on ``N.bp.blogspot.com``:

- archiver: ``python -m archiver crawl https://gongminziyoulianmeng.blogspot.com/ --profile local`` (robots.txt
  obeyed, the WACZ package and the post records included, as shipped);
- wget: ``wget --recursive --level=inf --page-requisites --span-hosts
  --domains=gongminziyoulianmeng.blogspot.com,bp.blogspot.com,blogblog.com --warc-file=…`` through the same
  proxy (robots.txt obeyed by default too). www.blogger.com is left out of wget's domains: with it, wget follows
  every post's comment-form link into Blogger's login (hundreds of 302s to accounts.google.com), which is not a
  mirror of the blog. wget therefore misses the two static bundles on www.blogger.com; the archiver takes them.

Figures per run:

- wall: seconds from starting the client to its exit; responses: HTTP responses the replica served to it
  (its access log, robots.txt included); html: responses stored in the client's WARC with a 200 ``text/html``;
  resp/s and html/s are those over wall;
- CPU: user+sys seconds of the client process alone (``os.wait4`` on its pid), also per 1,000 responses; the
  replica runs on the same cores and its own CPU seconds (startup included) are shown next to it;
- RSS: the client's peak resident set (``ru_maxrss`` from ``os.wait4``);
- load: the machine's 1-minute load average when the client started (the replica and the client need about
  one core each: a load well above that means other work skewed the wall times, not the CPU seconds);
- WARC: bytes of the WARC files written; posts: truth posts (``blogger-replica truth --posts N``) with a 200
  response record in the WARC, over the number of posts; dup: fetches of a URL the client had already fetched,
  from the replica's access log (should be 0); warcio: ``warcio check`` on every WARC file.

Each client run is bounded by ``--timeout`` seconds; one that runs over is stopped (SIGTERM, then SIGKILL) and
reported as ``timeout`` with what it had written by then. ``--keep DIR`` keeps every output in DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from blogger_replica.launch import launch
from warcio.archiveiterator import ArchiveIterator

BLOG_HOST = "gongminziyoulianmeng.blogspot.com"
BLOG_URL = f"https://{BLOG_HOST}/"
WGET_DOMAINS = f"{BLOG_HOST},bp.blogspot.com,blogblog.com"
BIN = Path(sys.executable).parent


@dataclass
class Usage:
    """How a finished child process ran: exit status, wall time and its own rusage."""

    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_kib: int
    timed_out: bool = False


@dataclass
class Row:
    """One line of the table."""

    tool: str
    latency_ms: float
    usage: Usage
    replica_cpu_s: float
    responses: int
    html: int
    warc_bytes: int
    posts_found: int
    posts_truth: int
    duplicates: int
    warcio: str
    load: float  # 1-minute load average when the client started: other work on the machine skews wall times


def wait_measured(proc: subprocess.Popen[Any], timeout: float, started: float) -> Usage:
    """Reap ``proc`` with ``os.wait4`` (its own rusage, no other child's); stop it after ``timeout`` seconds."""
    timed_out = False
    deadline = started + timeout
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            proc.send_signal(signal.SIGTERM)  # the archiver closes its WARC files on SIGTERM
            deadline = time.monotonic() + 30
        elif timed_out and time.monotonic() > deadline:
            proc.kill()
            deadline = float("inf")
        time.sleep(0.05)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Usage(proc.returncode, wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss, timed_out)


class Replica:
    """A fresh ``blogger-replica serve`` for one run."""

    def __init__(self, posts: int, latency_ms: float, workdir: Path) -> None:
        self.replica = launch(["--posts", str(posts), "--latency-ms", str(latency_ms)], workdir=workdir)
        self.proc = self.replica.process
        self.proxy = self.replica.proxy

    def env(self) -> dict[str, str]:
        return self.replica.proxy_env()

    def stop(self) -> float:
        """Stop the replica; its CPU seconds over its whole life."""
        self.proc.send_signal(signal.SIGTERM)
        usage = wait_measured(self.proc, 15, time.monotonic())
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return usage.cpu_s

    def fetches(self) -> tuple[int, int]:
        """Responses served (CONNECTs excluded) and fetches of a URL already fetched."""
        urls: Counter[str] = Counter()
        for entry in self.replica.requests_logged():
            if entry["method"] != "CONNECT":
                urls[entry["url"]] += 1
        return sum(urls.values()), sum(count - 1 for count in urls.values())


def truth_posts(posts: int) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-m", "blogger_replica", "truth", "--posts", str(posts)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {record["url"] for record in map(json.loads, out.splitlines()) if record["kind"] == "post"}


def warc_figures(warcs: list[Path], posts: set[str]) -> tuple[int, int, str]:
    """HTML pages stored with a 200, truth posts stored with a 200, and the ``warcio check`` verdict."""
    html, found = 0, set()
    for path in warcs:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                if (record.http_headers.get_header("Content-Type") or "").startswith("text/html"):
                    html += 1
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if uri in posts:
                    found.add(uri)
    if not warcs:
        return 0, 0, "no WARC"
    check = subprocess.run(
        [str(BIN / "warcio"), "check", *map(str, warcs)], capture_output=True, text=True, check=False
    )
    verdict = "ok" if check.returncode == 0 else f"FAIL ({check.stdout.count('invalid')} invalid)"
    return html, len(found), verdict


def run_archiver(replica: Replica, out: Path, timeout: float, log: IO[str]) -> tuple[Usage, list[Path]]:
    crawl_dir = out / "crawl"
    cmd = [
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
    ]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=replica.env(), stdout=log, stderr=log)
    usage = wait_measured(proc, timeout, started)
    return usage, sorted((crawl_dir / "warc").glob("*.warc.gz*"))


def wget_command(proxy: str, out: Path) -> list[str]:
    """The command line of a wget mirror of the blog through the replica at ``proxy``, written under ``out``."""
    wget = shutil.which("wget")
    if wget is None:
        raise SystemExit("wget is not installed: install it (apt-get install wget) or pass --skip-wget")
    return [
        wget,
        "--recursive",
        "--level=inf",
        "--page-requisites",
        "--span-hosts",
        f"--domains={WGET_DOMAINS}",
        f"--warc-file={out / 'wget'}",
        "--no-verbose",
        "--no-check-certificate",
        "-e",
        "use_proxy=yes",
        "-e",
        f"https_proxy={proxy}",
        "-e",
        f"http_proxy={proxy}",
        f"--directory-prefix={out / 'mirror'}",
        BLOG_URL,
    ]


def run_wget(replica: Replica, out: Path, timeout: float, log: IO[str]) -> tuple[Usage, list[Path]]:
    cmd = wget_command(replica.proxy, out)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=replica.env(), stdout=log, stderr=log)
    usage = wait_measured(proc, timeout, started)
    return usage, sorted(out.glob("wget*.warc.gz"))


def measure(tool: str, posts: int, latency_ms: float, workdir: Path, truth: set[str], timeout: float) -> Row:
    run_dir = workdir / f"{tool}-{posts}-{latency_ms:g}ms"
    run_dir.mkdir(parents=True)
    replica = Replica(posts, latency_ms, run_dir)
    load = os.getloadavg()[0]
    try:
        with (run_dir / f"{tool}.log").open("w", encoding="utf-8") as log:
            runner = run_archiver if tool == "archiver" else run_wget
            usage, warcs = runner(replica, run_dir, timeout, log)
    finally:
        replica_cpu = replica.stop()
    responses, duplicates = replica.fetches()
    html, found, verdict = warc_figures([w for w in warcs if w.name.endswith(".warc.gz")], truth)
    return Row(
        tool,
        latency_ms,
        usage,
        replica_cpu,
        responses,
        html,
        sum(w.stat().st_size for w in warcs),
        found,
        len(truth),
        duplicates,
        verdict,
        load,
    )


HEADER = (
    f"{'client':<9} {'lat ms':>6} {'wall s':>7} {'resp':>6} {'resp/s':>7} {'html':>5} {'html/s':>7} "
    f"{'CPU s':>6} {'CPU s/1k':>8} {'replica CPU s':>13} {'peak RSS':>9} {'WARC':>9} {'posts':>11} "
    f"{'dup':>4} {'warcio':>7} {'exit':>7} {'load':>5}"
)


def format_row(row: Row) -> str:
    u = row.usage
    rate = row.responses / u.wall_s if u.wall_s else 0.0
    per_k = u.cpu_s / row.responses * 1000 if row.responses else 0.0
    exit_text = "timeout" if u.timed_out else str(u.returncode)
    return (
        f"{row.tool:<9} {row.latency_ms:>6g} {u.wall_s:>7.1f} {row.responses:>6} {rate:>7.1f} {row.html:>5} "
        f"{row.html / u.wall_s if u.wall_s else 0:>7.1f} {u.cpu_s:>6.1f} {per_k:>8.2f} {row.replica_cpu_s:>13.1f} "
        f"{u.max_rss_kib / 1024:>5.0f} MiB {row.warc_bytes / 2**20:>5.1f} MiB "
        f"{f'{row.posts_found}/{row.posts_truth}':>11} {row.duplicates:>4} {row.warcio:>7} {exit_text:>7} "
        f"{row.load:>5.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=2000, help="posts in the replica (default 2000)")
    parser.add_argument(
        "--latency",
        default="0,50",
        metavar="MS[,MS…]",
        help="replica latencies to run at, in milliseconds (default 0,50)",
    )
    parser.add_argument("--skip-wget", action="store_true", help="run the archiver only")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        metavar="S",
        help="stop a client that runs longer than this (default 900 s)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        metavar="DIR",
        help="write every output under DIR and keep it (default: a temporary folder)",
    )
    args = parser.parse_args(argv)
    latencies = [float(x) for x in args.latency.split(",") if x.strip()]
    tools = ["archiver"] if args.skip_wget else ["archiver", "wget"]
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="crawl-bench-", dir=args.keep))
    truth = truth_posts(args.posts)
    print(
        f"crawl benchmark: {args.posts} posts, {os.cpu_count()} CPUs, python {sys.version.split()[0]}, "
        f"output in {workdir}",
        flush=True,
    )
    print(HEADER, flush=True)
    try:
        for latency in latencies:
            for tool in tools:
                print(format_row(measure(tool, args.posts, latency, workdir, truth, args.timeout)), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
