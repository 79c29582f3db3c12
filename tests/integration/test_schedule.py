"""`archiver schedule run` as a real process against a 10-post replica: on time, no overlap, a SIGKILL survived."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Replica


def history(out: Path) -> list[dict[str, object]]:
    result = run_archiver("schedule", "history", "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def wait_for(condition: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def start_scheduler(out: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "archiver", "schedule", "run", "-o", str(out), "-s", "ARCHIVER_SCHEDULE_POLL=0.5"]
    with log.open("ab") as handle:  # its own session: the SIGKILL below reaches the scheduler alone
        return subprocess.Popen(cmd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.slow
def test_scheduler_runs_on_time_skips_overlaps_and_survives_sigkill(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", "10")
    env = replica.proxy_env()
    out = tmp_path / "out"
    added = run_archiver(
        *("schedule", "add", BLOG_URL, "-o", str(out), "--every", "3s", "--start-now", "--profile", "local"),
        *("-s", "DOWNLOAD_DELAY=0.06", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),  # a crawl of ~5 s: longer than 3 s
        env=env,
    )
    assert added.returncode == 0, added.stderr
    log = tmp_path / "scheduler.log"
    before = time.time()
    first = start_scheduler(out, env, log)
    schedulers = [first]
    try:
        # on time: the first run starts within seconds of the scheduler's start
        wait_for(lambda: bool(history(out)), timeout=30)
        assert datetime.fromisoformat(str(history(out)[0]["started"])).timestamp() - before < 10
        # the run due while the first crawl still runs is skipped, not started beside it
        wait_for(lambda: any(run["outcome"] == "skipped" for run in history(out)))
        wait_for(lambda: any(run["outcome"] == "ok" for run in history(out)))

        # SIGKILL the scheduler in the middle of a crawl (one that has fetched something)
        def crawling() -> bool:
            runs = [run for run in history(out) if run["outcome"] == "running"]
            return bool(runs) and (Path(str(runs[-1]["crawl_dir"])) / "crawl.log").exists()

        wait_for(crawling)
        killed = next(run for run in history(out) if run["outcome"] == "running")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        second = start_scheduler(out, env, log)
        schedulers.append(second)
        # the killed run is taken up (its crawl finished under the lock, or resumed), then the schedule goes on
        wait_for(lambda: next(r for r in history(out) if r["run_id"] == killed["run_id"])["outcome"] != "running")
        wait_for(lambda: any(r["outcome"] == "ok" and r["run_id"] > killed["run_id"] for r in history(out)))
    finally:
        for process in schedulers:  # the schedulers and the crawls they started, by their own process group ids
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
    runs = history(out)
    taken_up = next(run for run in runs if run["run_id"] == killed["run_id"])
    assert (taken_up["outcome"], taken_up["exit_status"], taken_up["posts"]) == ("ok", 0, 10), taken_up
    done = [run for run in runs if run["outcome"] == "ok"]
    assert done[0]["mode"] == "full"
    assert all(run["mode"] == "incremental" for run in done[1:])
    # never doubled: one crawl folder per run, and no two finished runs overlapped in time
    crawl_dirs = [run["crawl_dir"] for run in runs if run["crawl_dir"]]
    assert len(crawl_dirs) == len(set(crawl_dirs))
    assert {Path(str(d)).name for d in crawl_dirs} >= {p.name for p in (out / BLOG_HOST).glob("2*")}
    for earlier, later in zip(done, done[1:], strict=False):
        assert str(earlier["ended"]) <= str(later["started"])
    for run in done:
        stats = json.loads((Path(str(run["crawl_dir"])) / "stats.json").read_text(encoding="utf-8"))
        assert stats["summary"]["finish_reason"] == "finished"
    # history as a person reads it: exit status, posts and changes of each run
    text = run_archiver("schedule", "history", "-o", str(out)).stdout
    assert "ok (exit 0), full, 10 posts (10 fetched), changes: first crawl" in text
    assert "ok (exit 0), incremental" in text
    assert "skipped: the previous run of this schedule is still running" in text
    listing = run_archiver("schedule", "list", "-o", str(out)).stdout
    assert listing.startswith(f"{BLOG_HOST}\t{BLOG_URL}\tevery 3s (incremental)\tnext 20")
