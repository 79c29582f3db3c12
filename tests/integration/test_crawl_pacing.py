"""How a crawl paces itself: connection ramp-up per host, and fetch durations that measure the fetch.

Ramp-up is seen from the server's side: the hostile server's ``counted`` behaviour logs, for every request to
the blog's host, how many of them were in flight when it arrived. Fetch durations are read back from crawl.log
and the WARC metadata records of crawls of the replica.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import HOSTILE_URL, crawl_command, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Hostile, Replica

PER_HOST = 8  # CONCURRENT_REQUESTS_PER_DOMAIN of the ramp-up crawls


def _crawl_counted(hostile_factory: Callable[..., Hostile], tmp_path: Path, *settings: str) -> list[int]:
    """Crawl the hostile blog, each of its answers 0.1 s late; the in-flight count at each request's arrival."""
    counted = tmp_path / "counted.jsonl"
    server = hostile_factory("counted", posts=12, options={"counted_log": str(counted), "counted_delay": "0.1"})
    args = ["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={PER_HOST}"]
    for setting in settings:
        args += ["-s", setting]
    result = run_archiver(
        "crawl", HOSTILE_URL, "--profile", "local", "-o", str(tmp_path), "-s", f"ARCHIVER_CRAWL_DIR={tmp_path / 'c'}",
        *args, env=server.proxy_env(), timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in counted.read_text(encoding="utf-8").splitlines()]
    return [line["in_flight"] for line in sorted(lines, key=lambda line: line["seq"])]


def test_connections_to_a_host_ramp_up_from_one(hostile_factory: Callable[..., Hostile], tmp_path: Path) -> None:
    """Slow start: 1 request at first, then 2, 4, 8 as answers come back; never more than the host's limit."""
    in_flight = _crawl_counted(hostile_factory, tmp_path / "ramp", "ARCHIVER_RAMP_UP_START=1")
    print("in flight at each arrival, ramp-up from 1:", in_flight)
    # robots.txt and the home page go alone; the next round of two may not all have left when four more arrive
    assert in_flight[:2] == [1, 1]
    assert max(in_flight[:4]) <= 2
    assert max(in_flight[:8]) <= 4
    assert max(in_flight[: PER_HOST + 4]) < PER_HOST  # where, without ramp-up, the host has all 8 (below)
    assert max(in_flight) == PER_HOST  # it grows to the host's limit, and never past it


def test_without_ramp_up_a_host_gets_its_connections_at_once(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    """The baseline the ramp-up test is read against: with it off, the first burst opens every connection."""
    in_flight = _crawl_counted(hostile_factory, tmp_path / "flat", "ARCHIVER_RAMP_UP_ENABLED=False")
    print("in flight at each arrival, no ramp-up:", in_flight)
    # robots.txt, the home page and the first seeds go one by one; the burst of everything they link comes next
    assert max(in_flight[: PER_HOST + 4]) == PER_HOST


@dataclass
class Fetch:
    """A 200 line of crawl.log."""

    start: datetime
    duration: float  # seconds
    url: str
    hop: str  # L link, E embed, X found specially (an archive page derived from a post URL: via is that URL)
    via: str

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)


def _crawl_log(crawl_dir: Path) -> list[Fetch]:
    """The 200 lines of crawl.log."""
    rows = []
    for line in (crawl_dir / "crawl.log").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields[1] != "200":
            continue
        stamp, _, millis = fields[8].partition("+")
        start = datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
        rows.append(Fetch(start, int(millis) / 1000, fields[3], fields[4], fields[5]))
    return rows


def _crawl_replica(replica_factory: Callable[..., Replica], out: Path, latency_ms: int, *extra: str) -> Path:
    replica = replica_factory("--posts", "20", "--latency-ms", str(latency_ms))
    cmd = crawl_command(out, out / "crawl", *extra)
    result = subprocess.run(cmd, env=replica.proxy_env(), capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "crawl"


def test_fetch_durations_include_the_servers_latency(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    """With a replica that takes 200 ms per answer, every fetch lasts at least that (crawl.log and WARC)."""
    crawl_dir = _crawl_replica(replica_factory, tmp_path, 200)
    rows = _crawl_log(crawl_dir)
    assert rows
    assert min(row.duration for row in rows) >= 0.2, sorted(row.duration for row in rows)[:5]
    fetch_ms = []
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "metadata":
                    body = record.content_stream().read().decode("utf-8")
                    fetch_ms += [
                        int(line.split(":", 1)[1]) for line in body.splitlines() if line.startswith("fetchTimeMs:")
                    ]
    assert fetch_ms
    assert min(fetch_ms) >= 200, sorted(fetch_ms)[:5]


def test_fetch_durations_leave_out_the_crawlers_own_queue(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    """A request's wait in the crawler is not in its fetch: it starts when sent and lasts a fraction of the wait.

    At 0 ms latency with 64 requests in the downloader and 2 connections to the host, most of a request's time
    is spent waiting in the crawler. The fetch recorded starts when the request was sent, never before the page
    that linked to it was read.
    """
    crawl_dir = _crawl_replica(
        replica_factory, tmp_path, 0, "-s", "CONCURRENT_REQUESTS=64", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"
    )
    rows = _crawl_log(crawl_dir)
    by_url = {row.url: row for row in rows}
    waits, durations = [], []
    for row in rows:
        linked_from = by_url.get(row.via)
        if linked_from is None or row.hop not in ("L", "E"):  # found in the page: asked for once it was read
            continue
        wait = (row.start - linked_from.end).total_seconds()
        assert wait >= -0.002, (row, linked_from)  # crawl.log has milliseconds
        waits.append(wait)
        durations.append(row.duration)
    assert len(waits) > 50
    wait, fetch = statistics.median(waits), statistics.median(durations)
    print(f"median wait after the linking page was read {wait:.3f} s, median fetch {fetch:.3f} s")
    assert fetch < wait / 4
