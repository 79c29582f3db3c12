"""archiver.schedule: triggers, the misfire rule, the blog lock, and taking up a run a killed scheduler left."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from archiver import schedule
from archiver.cli import main
from archiver.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

URL = "https://example.blogspot.com/"
ID = "example.blogspot.com"


class FakeRunner:
    """Records each visit and writes the stats.json a crawl would (``gave_up`` makes it incomplete)."""

    name = "local"

    def __init__(self, gave_up: dict[str, int] | None = None, seconds: float = 0.0) -> None:
        self.visits: list[schedule.Visit] = []
        self.gave_up = gave_up or {}
        self.seconds = seconds

    def run(self, visit: schedule.Visit, lock: int, started: Callable[[str], None]) -> int | None:
        self.visits.append(visit)
        started("4242")
        time.sleep(self.seconds)
        visit.crawl_dir.mkdir(parents=True, exist_ok=True)
        summary = {"finish_reason": "finished", "records_posts": 7, "posts_archived": 2, "gave_up": self.gave_up}
        summary["changes"] = {"total": 3, "new": 2, "edited": 1}
        (visit.crawl_dir / "stats.json").write_text(
            json.dumps({"summary": summary, "stats": {"finish_reason": "finished"}}), encoding="utf-8"
        )
        return 3 if self.gave_up else 0

    def adopt(self, visit: schedule.Visit, job: str, lock_path: Path) -> int | None:
        return None


@pytest.fixture
def started() -> Iterator[Callable[..., object]]:
    schedulers: list[object] = []

    def start(state: Path, runner: FakeRunner, **options: object) -> object:
        opts = schedule.SchedulerOptions(poll=0.2, **options)  # type: ignore[arg-type]
        scheduler = schedule.start_scheduler(state, opts, runner, blocking=False)
        schedulers.append(scheduler)
        return scheduler

    yield start
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)  # type: ignore[attr-defined]
    schedule._SCHEDULER.clear()


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def set_next_run(state: Path, moment: datetime) -> None:
    """What a scheduler that was down leaves behind: a next run time in the past."""
    with schedule.editing(state) as editor:
        editor.get_job(ID).modify(next_run_time=moment)


# -- triggers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1d", timedelta(days=1)), ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)),
     ("1h30m", timedelta(hours=1, minutes=30)), ("2s", timedelta(seconds=2)), ("1w", timedelta(weeks=1))],
)  # fmt: skip
def test_every_accepts_the_units(text: str, expected: timedelta) -> None:
    assert schedule.parse_every(text) == expected


@pytest.mark.parametrize("text", ["", "1", "d", "1x", "0m", "1d junk", "-1d"])
def test_every_refuses_anything_else(text: str) -> None:
    with pytest.raises(ConfigError, match="--every"):
        schedule.parse_every(text)


def test_cron_runs_at_its_time_in_its_time_zone() -> None:
    trigger = schedule.make_trigger(None, "0 3 * * *", "Europe/Berlin")
    now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)  # winter: Berlin is UTC+1
    first = trigger.get_next_fire_time(None, now)
    assert first.astimezone(UTC) == datetime(2026, 1, 11, 2, 0, tzinfo=UTC)
    summer = trigger.get_next_fire_time(None, datetime(2026, 7, 10, 12, 0, tzinfo=UTC))
    assert summer.astimezone(UTC) == datetime(2026, 7, 11, 1, 0, tzinfo=UTC)


def test_interval_first_runs_one_interval_after_start() -> None:
    start = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    trigger = schedule.make_trigger("12h", None, None, start=start)
    first = trigger.get_next_fire_time(None, start)
    assert first == start + timedelta(hours=12)
    assert trigger.get_next_fire_time(first, first) == start + timedelta(hours=24)


def test_bad_time_zone_and_bad_cron_are_refused() -> None:
    with pytest.raises(ConfigError, match="--timezone"):
        schedule.make_trigger(None, "0 3 * * *", "Mars/Olympus")
    with pytest.raises(ConfigError, match="--cron"):
        schedule.make_trigger(None, "0 25 * * *", None)


# -- the job store from the CLI ------------------------------------------------------------------------------


def test_add_list_pause_resume_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["schedule", "add", URL, "-o", str(tmp_path), "--every", "1d"]
    assert main(base) == 0
    assert main(base) == 1  # one schedule per blog
    assert "has a schedule already" in capsys.readouterr().err
    assert main(["schedule", "list", "-o", str(tmp_path)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{ID}\t{URL}\tevery 1d (incremental)\tnext 20")
    assert line.endswith("never run")
    assert main(["schedule", "pause", ID, "-o", str(tmp_path)]) == 0
    main(["schedule", "list", "-o", str(tmp_path)])
    assert "next paused" in capsys.readouterr().out
    assert main(["schedule", "resume", ID, "-o", str(tmp_path)]) == 0
    main(["schedule", "list", "-o", str(tmp_path)])
    assert "next 20" in capsys.readouterr().out
    assert main(["schedule", "remove", ID, "-o", str(tmp_path)]) == 0
    assert main(["schedule", "remove", ID, "-o", str(tmp_path)]) == 1
    assert "no schedule" in capsys.readouterr().err
    assert (tmp_path / ".schedule" / "jobs.sqlite").exists()


def test_a_schedule_cannot_fix_the_crawl_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["schedule", "add", URL, "-o", str(tmp_path), "--every", "1d", "-s", "ARCHIVER_CRAWL_DIR=/x"]
    assert main(args) == 1
    assert "ARCHIVER_CRAWL_DIR" in capsys.readouterr().err


def test_reading_the_store_never_consumes_a_due_run(tmp_path: Path) -> None:
    """A paused BackgroundScheduler would process due jobs once on shutdown and advance them: a lost run."""
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1h")
    due = datetime.now(UTC) - timedelta(minutes=1)
    set_next_run(state, due)
    for _ in range(3):
        (info,) = schedule.list_schedules(state)
    assert info.next_run == due


# -- runs: the first is full, the next incremental; outcomes from stats.json --------------------------------


def test_visits_full_then_incremental_with_their_outcomes(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1s", start_now=True)
    runner = FakeRunner()
    started(state, runner)
    wait_for(lambda: len([r for r in schedule.history_runs(state) if r.outcome == "ok"]) >= 2)
    runs = [r for r in schedule.history_runs(state) if r.outcome == "ok"]
    assert [r.mode for r in runs[:2]] == ["full", "incremental"]
    assert [v.incremental for v in runner.visits[:2]] == [False, True]
    first = runs[0]
    assert (first.exit_status, first.posts, first.posts_archived, first.job) == (0, 7, 2, "4242")
    assert first.changes == {"total": 3, "new": 2, "edited": 1}
    assert schedule.describe_run(first) == "ok (exit 0), full, 7 posts (2 fetched), changes: 1 edited, 2 new"
    assert Path(str(first.crawl_dir)).parent == tmp_path / ID


def test_full_mode_never_goes_incremental(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1s", start_now=True, mode="full")
    runner = FakeRunner(gave_up={"503": 1})
    started(state, runner)
    wait_for(lambda: len(runner.visits) >= 2)
    assert not any(v.incremental for v in runner.visits)
    wait_for(lambda: any(r.outcome == "incomplete" for r in schedule.history_runs(state)))
    assert {r.exit_status for r in schedule.history_runs(state) if r.outcome == "incomplete"} == {3}


# -- overlap ---------------------------------------------------------------------------------------------


def test_a_run_due_while_the_previous_runs_is_skipped(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1s", start_now=True)
    runner = FakeRunner(seconds=2.5)
    started(state, runner)
    wait_for(lambda: any(r.outcome == "ok" for r in schedule.history_runs(state)))
    runs = schedule.history_runs(state)
    assert len(runner.visits) == 1
    skipped = [r for r in runs if r.outcome == "skipped"]
    assert skipped
    assert all("still running" in r.note for r in skipped)


def test_a_crawl_holding_the_blog_lock_makes_the_run_skip(tmp_path: Path, started: Callable[..., object]) -> None:
    """Another scheduler, the cron line or a crawl by hand holds OUTPUT/<host>/.crawl.lock: no second crawl."""
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1h", start_now=True)
    runner = FakeRunner()
    with schedule.blog_lock(tmp_path / ID) as lock:
        assert lock is not None
        started(state, runner)
        wait_for(lambda: bool(schedule.history_runs(state)))
    (run,) = schedule.history_runs(state)
    assert run.outcome == "skipped"
    assert ".crawl.lock" in run.note
    assert runner.visits == []


# -- the misfire rule ------------------------------------------------------------------------------------


def test_runs_missed_while_down_within_the_grace_run_once(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1h")
    now = datetime.now(UTC)
    set_next_run(state, now - timedelta(hours=2, minutes=30))  # three run times passed: -2h30, -1h30, -30min
    runner = FakeRunner()
    started(state, runner, misfire_grace=3600)
    wait_for(lambda: any(r.outcome == "ok" for r in schedule.history_runs(state)))
    time.sleep(0.5)
    assert len(runner.visits) == 1  # coalesced: one run, not three
    assert [r.outcome for r in schedule.history_runs(state)] == ["ok"]
    (info,) = schedule.list_schedules(state)
    assert info.next_run is not None
    assert now < info.next_run <= now + timedelta(hours=1)


def test_a_run_missed_past_the_grace_is_recorded_missed(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1d")
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    set_next_run(state, due)
    runner = FakeRunner()
    started(state, runner, misfire_grace=3600)
    wait_for(lambda: bool(schedule.history_runs(state)))
    time.sleep(0.5)
    (run,) = schedule.history_runs(state)
    assert (run.outcome, run.scheduled) == ("missed", due.isoformat())
    assert runner.visits == []


# -- taking up a run a killed scheduler left -------------------------------------------------------------


def _left_running(state: Path, tmp_path: Path, crawl_id: str = "20260101T000000Z") -> tuple[int, Path]:
    crawl_dir = tmp_path / ID / crawl_id
    history = schedule.History(state / schedule.HISTORY_DB)
    run_id = history.add(ID, URL, "running", mode="incremental", crawl_dir=str(crawl_dir), runner="local", job="1")
    history.close()
    return run_id, crawl_dir


def test_an_interrupted_run_is_resumed_in_place(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1d", profile="local", settings=["DOWNLOAD_DELAY=0"])
    run_id, crawl_dir = _left_running(state, tmp_path)
    crawl_dir.mkdir(parents=True)
    (crawl_dir / "crawl.json").write_text("{}", encoding="utf-8")
    runner = FakeRunner()
    started(state, runner)
    wait_for(lambda: schedule.history_runs(state)[0].outcome != "running")
    (run,) = schedule.history_runs(state)  # the same run, not a new one
    assert (run.run_id, run.outcome, run.resumes) == (run_id, "ok", 1)
    (visit,) = runner.visits
    assert visit.resume
    assert visit.crawl_dir == crawl_dir
    assert visit.incremental
    args = visit.crawl_args()
    assert args[args.index("--resume") + 1] == str(crawl_dir)
    assert "--incremental" not in args
    assert "ARCHIVER_CRAWL_ID=20260101T000000Z" not in args
    assert ["--profile", "local"] == args[args.index("--profile") : args.index("--profile") + 2]
    assert "DOWNLOAD_DELAY=0" in args


def test_a_run_whose_crawl_had_finished_is_only_completed(tmp_path: Path, started: Callable[..., object]) -> None:
    state = tmp_path / "state"
    schedule.add_schedule(state, URL, output=tmp_path, every="1d")
    run_id, crawl_dir = _left_running(state, tmp_path)
    crawl_dir.mkdir(parents=True)
    summary = {"finish_reason": "finished", "gave_up": {"503": 2}, "records_posts": 5, "changes": {"total": 0}}
    (crawl_dir / "stats.json").write_text(json.dumps({"summary": summary}), encoding="utf-8")
    runner = FakeRunner()
    started(state, runner)
    wait_for(lambda: schedule.history_runs(state)[0].outcome != "running")
    (run,) = schedule.history_runs(state)
    assert (run.run_id, run.outcome, run.exit_status, run.posts) == (run_id, "incomplete", 3, 5)
    assert runner.visits == []


def test_exit_status_from_stats_matches_archiver_crawl() -> None:
    assert schedule.exit_status_from_stats({"finish_reason": "finished", "gave_up": {}}) == 0
    assert schedule.exit_status_from_stats({"finish_reason": "finished", "gave_up": {"503": 1}}) == 3
    assert schedule.exit_status_from_stats({"finish_reason": "shutdown"}) == 1
    assert schedule.exit_status_from_stats(None) == 1
