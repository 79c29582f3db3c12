"""Scheduled crawls (``archiver schedule``): APScheduler 3 starts each blog's visits; this module says what a visit is.

The schedules live in one **state folder** (default ``OUTPUT/.schedule/``, or ``--state-dir``):

- ``jobs.sqlite``: APScheduler's own ``SQLAlchemyJobStore`` (SQLite, WAL): one job per blog, its trigger
  (``--every 1d`` or ``--cron "0 3 * * *"`` in a time zone) and its next run time;
- ``history.sqlite``: one row per run (SQLite, WAL): start, end, outcome, exit status, posts and changes, read
  from the crawl folder's ``stats.json`` summary;
- ``logs/run-N.log``: what the crawl of run N printed.

``add``, ``remove``, ``pause`` and ``resume`` change the job store from any process; a running scheduler reads
it again at least every ``ARCHIVER_SCHEDULE_POLL`` seconds (an internal APScheduler job that does nothing
but wake it), so a change takes effect within that time.

**A visit.** A scheduled run crawls the blog into ``OUTPUT/<blog host>/<crawl id>/`` with ``archiver crawl``:
incremental (``--incremental``) once an earlier crawl of the blog finished, full otherwise (the first visit);
``--full`` makes every visit a full one. The crawl id is the run's start time (``YYYYMMDDTHHMMSSZ``).

**Never two crawls of one blog at once.** Each job has ``max_instances=1``, and every visit first takes an
exclusive ``flock`` on ``OUTPUT/<blog host>/.crawl.lock`` without waiting; the local crawl subprocess inherits
the locked file, so the lock is held exactly as long as the crawl runs, even when the scheduler that started it
is gone, and two schedulers (or the cron line of the README, which takes the same lock with ``flock -n``)
cannot overlap. A run that comes due while the blog's previous crawl still runs is **skipped**: it is recorded
as ``skipped`` with the reason, and the blog's next visit is the next run time.

**Misfires** (the scheduler was down, or busy, at a run time): APScheduler's ``coalesce=True`` and
``misfire_grace_time = ARCHIVER_SCHEDULE_MISFIRE_GRACE`` (3600 s). However many run times of a blog passed
while the scheduler was down, at most one run is made for them: at start, when the latest of them is at most
the grace time ago; otherwise that one is recorded as ``missed`` and the blog waits for its next run time.

**Restarts, SIGKILL included.** APScheduler advances a job's next run time in the job store when it starts
the run, so a restarted scheduler never starts a run again; a run whose row still says ``running`` when the
scheduler starts is taken up before any other, never doubled:

- its crawl still holds the blog's lock (the scheduler was killed, its crawl subprocess was not): the
  scheduler waits for the lock and records the outcome from the crawl's ``stats.json``;
- its crawl is gone too (under systemd the whole unit is killed): the same crawl is continued with
  ``archiver crawl --resume CRAWL_DIR`` (nothing its WARCs hold is fetched again), in the same run;
- its crawl had finished (stats.json written) before its row was: only the row is completed.

**Runners.** ``ARCHIVER_SCHEDULE_RUNNER = "local"`` runs ``archiver crawl`` as a subprocess of the scheduler;
``"scrapyd"`` schedules the crawl on the Scrapyd server ``ARCHIVER_SCHEDULE_SCRAPYD_URL`` (project
``ARCHIVER_SCHEDULE_SCRAPYD_PROJECT``) through :mod:`archiver.scrapyd` and polls its state; the scheduler holds
the blog's lock while it does, and the output folder must be the one the Scrapyd server writes to. A Scrapyd
run is not resumed after a restart: the Scrapyd job goes on by itself and is polled again.

**Outcome** of a run: ``ok`` (exit status 0), ``incomplete`` (3: finished, but gave up on some URLs),
``failed`` (anything else: the crawl did not finish), ``skipped``, ``missed``. The exit status of a crawl the
scheduler did not see end itself (taken up after a restart, or run by Scrapyd) is derived from its
``stats.json`` as ``archiver crawl`` derives it: 0 finished, 3 finished with give-ups, 1 otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from archiver.errors import ArchiverError, ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

logger = logging.getLogger(__name__)

STATE_FOLDER = ".schedule"
JOBS_DB = "jobs.sqlite"
HISTORY_DB = "history.sqlite"
LOCK_FILE = ".crawl.lock"
#: the job function APScheduler stores by reference in the job store
JOB_FUNC = "archiver.schedule:scheduled_visit"
#: settings a schedule cannot fix: every visit has its own crawl folder
RESERVED_SETTINGS = ("ARCHIVER_CRAWL_DIR", "ARCHIVER_CRAWL_ID", "ARCHIVER_OUTPUT_DIR", "ARCHIVER_INCREMENTAL")
_EVERY = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
OUTCOMES = ("running", "ok", "incomplete", "failed", "skipped", "missed")


class ScheduleError(ArchiverError):
    """A schedule that does not exist, exists already, or cannot be run."""


# -- triggers ---------------------------------------------------------------------------------------------


def parse_every(text: str) -> timedelta:
    """``30m``, ``12h``, ``1d``, ``1w``, ``1h30m`` (``s`` for seconds too) as a timedelta; ConfigError otherwise."""
    compact = text.strip().lower().replace(" ", "")
    parts = _EVERY.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ConfigError(f"--every {text!r}: expected a number and a unit (s, m, h, d, w), e.g. 1d, 12h, 30m, 1h30m")
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(number)})
    if total <= timedelta():
        raise ConfigError(f"--every {text!r}: the interval must be longer than 0")
    return total


def make_trigger(every: str | None, cron: str | None, timezone: str | None, *, start: datetime | None = None) -> Any:
    """APScheduler's IntervalTrigger (first run one interval after ``start``, default now) or CronTrigger."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if (every is None) == (cron is None):
        raise ConfigError("give exactly one of --every and --cron")
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--timezone {timezone!r}: not a time zone name (e.g. Europe/Berlin, UTC)") from None
    if every is not None:
        interval = parse_every(every)
        first = (start or datetime.now(UTC)) + interval
        return IntervalTrigger(seconds=interval.total_seconds(), start_date=first, timezone=zone)
    try:
        return CronTrigger.from_crontab(str(cron), timezone=zone)
    except ValueError as exc:
        raise ConfigError(f"--cron {cron!r}: {exc}") from None


def describe_trigger(every: str | None, cron: str | None, timezone: str | None) -> str:
    """The trigger as ``list`` shows it: ``every 1d`` or ``cron 0 3 * * * Europe/Berlin``."""
    if every is not None:
        return f"every {every}"
    return f"cron {cron} {timezone or 'UTC'}"


# -- the state folder and the history store ---------------------------------------------------------------


def state_dir_for(output: Path, state_dir: Path | None) -> Path:
    """The state folder: ``--state-dir`` when given, else ``OUTPUT/.schedule``."""
    return (state_dir if state_dir is not None else output / STATE_FOLDER).absolute()


def _wal(connection: Any, _record: Any = None) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@dataclass(frozen=True)
class Run:
    """One row of the history: a run of a schedule and what came of it."""

    run_id: int
    schedule_id: str
    url: str
    outcome: str
    started: str
    ended: str | None = None
    scheduled: str | None = None
    mode: str | None = None
    crawl_dir: str | None = None
    exit_status: int | None = None
    posts: int | None = None
    posts_archived: int | None = None
    changes: dict[str, int] = field(default_factory=dict)
    runner: str | None = None
    job: str | None = None
    resumes: int = 0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


_COLUMNS = (
    "run_id, schedule_id, url, outcome, started, ended, scheduled, mode, crawl_dir, exit_status, posts, "
    "posts_archived, changes, runner, job, resumes, note"
)


class History:
    """``history.sqlite``: every run of every schedule (SQLite in WAL mode, one short transaction per change)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        _wal(self._db)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS runs (run_id INTEGER PRIMARY KEY AUTOINCREMENT, schedule_id TEXT NOT NULL, "
            "url TEXT NOT NULL, outcome TEXT NOT NULL, started TEXT NOT NULL, ended TEXT, scheduled TEXT, mode TEXT, "
            "crawl_dir TEXT, exit_status INTEGER, posts INTEGER, posts_archived INTEGER, changes TEXT, runner TEXT, "
            "job TEXT, resumes INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '')"
        )

    def close(self) -> None:
        self._db.close()

    def add(self, schedule_id: str, url: str, outcome: str, **values: Any) -> int:
        values.setdefault("started", _now_text())
        if "changes" in values:
            values["changes"] = json.dumps(values["changes"], sort_keys=True)
        names = ["schedule_id", "url", "outcome", *values]
        with self._lock:
            cursor = self._db.execute(
                f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [schedule_id, url, outcome, *values.values()],
            )
            return int(cursor.lastrowid or 0)

    def update(self, run_id: int, **values: Any) -> None:
        if "changes" in values:
            values["changes"] = json.dumps(values["changes"], sort_keys=True)
        with self._lock:
            self._db.execute(
                f"UPDATE runs SET {', '.join(f'{name} = ?' for name in values)} WHERE run_id = ?",
                [*values.values(), run_id],
            )

    def runs(self, schedule_id: str | None = None, *, outcome: str | None = None) -> list[Run]:
        query = f"SELECT {_COLUMNS} FROM runs"
        clauses, params = [], []
        if schedule_id is not None:
            clauses.append("schedule_id = ?")
            params.append(schedule_id)
        if outcome is not None:
            clauses.append("outcome = ?")
            params.append(outcome)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY run_id", params).fetchall()
        return [_run(row) for row in rows]

    def last(self, schedule_id: str) -> Run | None:
        runs = self.runs(schedule_id)
        return runs[-1] if runs else None


def _run(row: tuple[Any, ...]) -> Run:
    values = dict(zip([name.strip() for name in _COLUMNS.split(",")], row, strict=True))
    values["changes"] = json.loads(values["changes"]) if values["changes"] else {}
    return Run(**values)


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- APScheduler ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchedulerOptions:
    """How ``run`` runs: settings ARCHIVER_SCHEDULE_* (archiver/settings.py), read by the CLI."""

    runner: str = "local"
    scrapyd_url: str = ""
    scrapyd_project: str = "archiver"
    misfire_grace: int = 3600
    max_crawls: int = 4
    poll: float = 10.0


def open_scheduler(state: Path, options: SchedulerOptions, *, blocking: bool = False, editor: bool = False) -> Any:
    """An APScheduler 3 scheduler over the state folder's job store (not started).

    ``editor=True`` gives one that never runs a job, to read and change the job store from any process. Not a
    paused BackgroundScheduler: its thread, woken by ``shutdown()``, processes the due jobs once more after the
    executors are gone ("cannot schedule new futures after shutdown"), and still advances their next run time in
    the job store: that run would be lost.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from sqlalchemy import create_engine, event

    state.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{state / JOBS_DB}", connect_args={"timeout": 10})
    event.listen(engine, "connect", _wal)
    cls = _editor_class() if editor else BlockingScheduler if blocking else BackgroundScheduler
    return cls(
        jobstores={"default": SQLAlchemyJobStore(engine=engine), "internal": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(options.max_crawls), "internal": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": options.misfire_grace},
        timezone=UTC,
    )


@functools.cache
def _editor_class() -> type:
    """Built on first use: APScheduler is imported only by the commands that need it."""
    from apscheduler.schedulers.base import BaseScheduler

    class Editor(BaseScheduler):  # type: ignore[misc]
        """A scheduler that never runs a job: it only reads and changes the job store."""

        def wakeup(self) -> None:
            pass

        def shutdown(self, wait: bool = True) -> None:
            super().shutdown(wait)

        def _process_jobs(self) -> None:
            return None

    return Editor


@contextlib.contextmanager
def editing(state: Path) -> Iterator[Any]:
    """A scheduler that never runs a job, over the job store: to read or change the jobs from outside ``run``."""
    scheduler = open_scheduler(state, SchedulerOptions(), editor=True)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def schedule_id_for(url: str) -> str:
    """The id of a blog's schedule: its host folder (``archiver.blogger.urls.safe_name``), one per blog."""
    from archiver.blogger.urls import blog_home, safe_name

    return safe_name(urlsplit(blog_home(url)).netloc)


def add_schedule(
    state: Path,
    url: str,
    *,
    output: Path,
    every: str | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    mode: str = "incremental",
    profile: str = "polite",
    settings: list[str] | None = None,
    start_now: bool = False,
) -> tuple[str, datetime | None]:
    """Add one blog's schedule; returns its id and first run time. ScheduleError when the blog has one."""
    from archiver.blogger.urls import blog_home
    from archiver.cli import parse_setting

    home = blog_home(url)
    for item in settings or []:
        name, _ = parse_setting(item)
        if name in RESERVED_SETTINGS:
            raise ConfigError(f"-s {name}: a schedule sets it for each visit (use --output, --incremental/--full)")
    if mode not in ("incremental", "full"):
        raise ConfigError(f"mode {mode!r}: incremental or full")
    trigger = make_trigger(every, cron, timezone)
    schedule_id = schedule_id_for(home)
    kwargs = {
        "schedule_id": schedule_id,
        "url": home,
        "output": str(output.absolute()),
        "mode": mode,
        "profile": profile,
        "settings": list(settings or []),
        "trigger": describe_trigger(every, cron, timezone),
    }
    with editing(state) as scheduler:
        if scheduler.get_job(schedule_id) is not None:
            raise ScheduleError(f"{home} has a schedule already ({schedule_id}): remove it first")
        extra = {"next_run_time": datetime.now(UTC)} if start_now else {}
        job = scheduler.add_job(JOB_FUNC, trigger, id=schedule_id, name=home, kwargs=kwargs, **extra)
        first: datetime | None = job.next_run_time
        return schedule_id, first


def _job(scheduler: Any, schedule_id: str) -> Any:
    job = scheduler.get_job(schedule_id)
    if job is None:
        raise ScheduleError(f"no schedule {schedule_id!r} (see `archiver schedule list`)")
    return job


def remove_schedule(state: Path, schedule_id: str) -> None:
    """Remove a schedule (its history stays)."""
    with editing(state) as scheduler:
        _job(scheduler, schedule_id).remove()


def pause_schedule(state: Path, schedule_id: str) -> None:
    """Pause a schedule: no run until it is resumed."""
    with editing(state) as scheduler:
        _job(scheduler, schedule_id).pause()


def resume_schedule(state: Path, schedule_id: str) -> datetime | None:
    """Resume a paused schedule: its next run is its trigger's next time from now (paused time is not made up)."""
    with editing(state) as scheduler:
        job = _job(scheduler, schedule_id)
        job.resume()
        next_run: datetime | None = _job(scheduler, schedule_id).next_run_time
        return next_run


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule as ``list`` shows it."""

    schedule_id: str
    url: str
    trigger: str
    mode: str
    output: str
    next_run: datetime | None
    last: Run | None


def list_schedules(state: Path) -> list[ScheduleInfo]:
    """Every schedule of the state folder with its next run (None: paused) and its last run."""
    history = History(state / HISTORY_DB)
    try:
        with editing(state) as scheduler:
            jobs = scheduler.get_jobs(jobstore="default")
        return [
            ScheduleInfo(
                job.id,
                job.kwargs["url"],
                job.kwargs["trigger"],
                job.kwargs["mode"],
                job.kwargs["output"],
                job.next_run_time,
                history.last(job.id),
            )
            for job in sorted(jobs, key=lambda job: job.id)
        ]
    finally:
        history.close()


# -- a visit ----------------------------------------------------------------------------------------------


@dataclass
class Visit:
    """One crawl of a blog by a schedule: what to run, where it goes."""

    schedule_id: str
    url: str
    output: str
    profile: str
    settings: list[str]
    incremental: bool
    crawl_id: str
    resume: bool = False

    @property
    def blog_dir(self) -> Path:
        return Path(self.output) / self.schedule_id

    @property
    def crawl_dir(self) -> Path:
        return self.blog_dir / self.crawl_id

    def crawl_args(self) -> list[str]:
        """The ``archiver crawl`` arguments of the visit (``--resume CRAWL_DIR`` when it continues one)."""
        args = ["crawl", self.url, "--output", self.output, "--profile", self.profile]
        if self.resume and (self.crawl_dir / "crawl.json").exists():
            args += ["--resume", str(self.crawl_dir)]
        else:
            args += ["-s", f"ARCHIVER_CRAWL_ID={self.crawl_id}"]
            if self.incremental:
                args.append("--incremental")
        for item in self.settings:
            args += ["-s", item]
        return args

    def crawl_settings(self) -> dict[str, Any]:
        """The visit as Scrapy settings (the Scrapyd runner passes them with ``setting=``)."""
        from archiver.cli import parse_setting
        from archiver.profiles import profile

        settings: dict[str, Any] = dict(profile(self.profile))
        settings.update(ARCHIVER_OUTPUT_DIR=self.output, ARCHIVER_CRAWL_ID=self.crawl_id)
        if self.incremental:
            settings["ARCHIVER_INCREMENTAL"] = True
        if self.resume:
            settings["ARCHIVER_RESUME"] = True
        settings.update(dict(parse_setting(item) for item in self.settings))
        return settings


class Runner(Protocol):
    """Runs a visit's crawl to its end; returns its exit status, or None to read it from stats.json."""

    name: str

    def run(self, visit: Visit, lock: int, started: Callable[[str], None]) -> int | None: ...

    def adopt(self, visit: Visit, job: str, lock_path: Path) -> int | None: ...


class LocalRunner:
    """``archiver crawl`` as a subprocess that inherits the blog's locked lock file."""

    name = "local"

    def __init__(self, logs: Path) -> None:
        self.logs = logs

    def run(self, visit: Visit, lock: int, started: Callable[[str], None]) -> int | None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log_path = self.logs / f"{visit.schedule_id}-{visit.crawl_id}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "archiver", *visit.crawl_args()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock,),
            )
            started(str(process.pid))
            return process.wait()

    def adopt(self, visit: Visit, job: str, lock_path: Path) -> int | None:
        """Wait for a crawl a killed scheduler left running (it holds the lock) to end."""
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # granted when the crawl ends
        return None


class ScrapydRunner:
    """The crawl as a Scrapyd job (archiver.scrapyd), polled every ``poll`` seconds; the lock is held meanwhile."""

    name = "scrapyd"

    def __init__(self, url: str, project: str, poll: float) -> None:
        if not url:
            raise ConfigError("ARCHIVER_SCHEDULE_RUNNER=scrapyd needs ARCHIVER_SCHEDULE_SCRAPYD_URL")
        self.url, self.project, self.poll = url, project, poll

    def run(self, visit: Visit, lock: int, started: Callable[[str], None]) -> int | None:
        scrapyd = _scrapyd()
        job = str(scrapyd.schedule_on_scrapyd(self.url, self.project, visit.url, visit.crawl_settings()))
        started(job)
        return self._wait(job)

    def adopt(self, visit: Visit, job: str, lock_path: Path) -> int | None:
        handle = lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            return self._wait(job)
        finally:
            handle.close()

    def _wait(self, job: str) -> int | None:
        """The job's exit status as ``archiver crawl`` would give it.

        None (the caller reads stats.json) when Scrapyd no longer knows the job or keeps no log.
        """
        scrapyd = _scrapyd()
        while (state := str(scrapyd.scrapyd_job_state(self.url, self.project, job))) in ("pending", "running"):
            time.sleep(self.poll)  # Scrapyd has no push: its listjobs.json is polled
        return _SCRAPYD_EXIT.get(state)


#: a finished Scrapyd job's outcome (archiver.scrapyd.scrapyd_job_state) as the exit status of `archiver crawl`
_SCRAPYD_EXIT = {"finished": 0, "gave_up": 3, "failed": 1}


def _scrapyd() -> Any:
    import importlib

    return importlib.import_module("archiver.scrapyd")  # the Scrapyd client, imported only for this runner


def exit_status_from_stats(summary: dict[str, Any] | None) -> int:
    """The exit status ``archiver crawl`` gives a crawl with this stats.json summary (0, 3 or 1)."""
    if not summary or summary.get("finish_reason") != "finished":
        return 1
    return 3 if summary.get("gave_up") else 0


def read_summary(crawl_dir: Path) -> dict[str, Any] | None:
    """The ``summary`` of CRAWL_DIR/stats.json, None when there is none (yet) or it cannot be read."""
    try:
        document = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    summary = document.get("summary") if isinstance(document, dict) else None
    return summary if isinstance(summary, dict) else None


def outcome_of(exit_status: int) -> str:
    return {0: "ok", 3: "incomplete"}.get(exit_status, "failed")


@contextlib.contextmanager
def blog_lock(blog_dir: Path) -> Iterator[int | None]:
    """The blog's lock file, locked without waiting: its descriptor, or None when another crawl holds it."""
    blog_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(blog_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        yield fd
    finally:
        os.close(fd)


def lock_held(blog_dir: Path) -> bool:
    """Whether a crawl holds the blog's lock now."""
    with blog_lock(blog_dir) as fd:
        return fd is None


class Service:
    """What the scheduler's runs share: the history, the runner, the logs. One per ``run`` process."""

    def __init__(self, state: Path, runner: Runner) -> None:
        self.state = state
        self.history = History(state / HISTORY_DB)
        self.runner = runner
        #: the schedules' job kwargs as the job store held them when the scheduler started
        self.jobs: dict[str, dict[str, Any]] = {}

    def visit(self, job: dict[str, Any]) -> None:
        """A due run of a schedule (``job`` is its kwargs): lock the blog, crawl it, record the outcome."""
        from archiver.incremental import earlier_complete_crawls

        schedule_id, url = job["schedule_id"], job["url"]
        blog_dir = Path(job["output"]) / schedule_id
        with blog_lock(blog_dir) as lock:
            if lock is None:
                self.history.add(
                    schedule_id, url, "skipped", ended=_now_text(), note=f"another crawl holds {blog_dir / LOCK_FILE}"
                )
                logger.warning("%s: run skipped: the previous crawl of the blog is still running", schedule_id)
                return
            now = datetime.now(UTC)
            incremental = job["mode"] == "incremental" and bool(earlier_complete_crawls(blog_dir, ""))
            visit = Visit(
                schedule_id,
                url,
                job["output"],
                job["profile"],
                list(job["settings"]),
                incremental,
                crawl_id=now.strftime("%Y%m%dT%H%M%SZ"),
            )
            run_id = self.history.add(
                schedule_id,
                url,
                "running",
                started=now.isoformat(timespec="seconds"),
                mode="incremental" if incremental else "full",
                crawl_dir=str(visit.crawl_dir),
                runner=self.runner.name,
            )
            logger.info("%s: run %d: %s crawl into %s", schedule_id, run_id, visit_mode(visit), visit.crawl_dir)
            status = self.runner.run(visit, lock, lambda ref: self.history.update(run_id, job=ref))
            self.finish(run_id, visit, status)

    def finish(self, run_id: int, visit: Visit, status: int | None) -> Run:
        """Record a run's end: its exit status (from stats.json when None), posts and changes; log it."""
        summary = read_summary(visit.crawl_dir)
        if status is None:
            status = exit_status_from_stats(summary)
        summary = summary or {}
        self.history.update(
            run_id,
            outcome=outcome_of(status),
            ended=_now_text(),
            exit_status=status,
            posts=summary.get("records_posts"),
            posts_archived=summary.get("posts_archived"),
            changes=summary.get("changes") or {},
        )
        (run,) = [run for run in self.history.runs(visit.schedule_id) if run.run_id == run_id]
        logger.info("%s: run %d: %s", visit.schedule_id, run_id, describe_run(run))
        return run

    def take_up(self) -> list[threading.Thread]:
        """At start: finish, wait for or resume every run a killed scheduler left ``running`` (see the docstring)."""
        threads = []
        for run in self.history.runs(outcome="running"):
            if not run.crawl_dir:
                self.history.update(run.run_id, outcome="failed", ended=_now_text(), note="no crawl folder")
                continue
            crawl_dir = Path(run.crawl_dir)
            visit = Visit(
                run.schedule_id,
                run.url,
                str(crawl_dir.parent.parent),
                "polite",
                [],
                run.mode == "incremental",
                crawl_dir.name,
                resume=True,
            )
            job = self._job_kwargs(run.schedule_id)
            if job is not None:
                visit.profile, visit.settings = job["profile"], list(job["settings"])
            thread = threading.Thread(target=self._take_up, args=(run, visit), name=f"take-up-{run.run_id}")
            thread.start()
            threads.append(thread)
        return threads

    def _take_up(self, run: Run, visit: Visit) -> None:
        try:
            lock_path = visit.blog_dir / LOCK_FILE
            if lock_held(visit.blog_dir):
                logger.info("%s: run %d is still crawling: waiting for it", run.schedule_id, run.run_id)
                self.finish(run.run_id, visit, self.runner.adopt(visit, run.job or "", lock_path))
                return
            if self.runner.name == "scrapyd" and run.job:
                self.finish(run.run_id, visit, self.runner.adopt(visit, run.job, lock_path))
                return
            if read_summary(visit.crawl_dir) is not None:  # the crawl ended before its run's row did
                self.finish(run.run_id, visit, None)
                return
            with blog_lock(visit.blog_dir) as lock:
                if lock is None:  # started meanwhile: wait for it
                    self.finish(run.run_id, visit, self.runner.adopt(visit, run.job or "", lock_path))
                    return
                self.history.update(run.run_id, resumes=run.resumes + 1)
                logger.info(
                    "%s: run %d was interrupted with the scheduler: resuming %s",
                    run.schedule_id,
                    run.run_id,
                    visit.crawl_dir,
                )
                status = self.runner.run(visit, lock, lambda ref: self.history.update(run.run_id, job=ref))
            self.finish(run.run_id, visit, status)
        except Exception:
            logger.exception("%s: run %d could not be taken up", run.schedule_id, run.run_id)
            self.history.update(run.run_id, outcome="failed", ended=_now_text(), note="could not be taken up")

    def _job_kwargs(self, schedule_id: str) -> dict[str, Any] | None:
        scheduler = _SCHEDULER.get("scheduler")
        job = scheduler.get_job(schedule_id, "default") if scheduler is not None else None
        return dict(job.kwargs) if job is not None else self.jobs.get(schedule_id)

    def on_event(self, event: Any) -> None:
        """APScheduler events: a run refused for max_instances is ``skipped``, one past the grace time ``missed``."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        if event.jobstore != "default":
            return
        job = self._job_kwargs(event.job_id) or {"url": ""}
        if event.code == EVENT_JOB_MAX_INSTANCES:
            for run_time in event.scheduled_run_times:
                self.history.add(
                    event.job_id,
                    job["url"],
                    "skipped",
                    scheduled=run_time.isoformat(timespec="seconds"),
                    ended=_now_text(),
                    note="the previous run of this schedule is still running",
                )
            logger.warning("%s: run skipped: the previous run is still going", event.job_id)
        elif event.code == EVENT_JOB_MISSED:
            self.history.add(
                event.job_id,
                job["url"],
                "missed",
                scheduled=event.scheduled_run_time.isoformat(timespec="seconds"),
                ended=_now_text(),
                note="due while the scheduler was not running, longer ago than ARCHIVER_SCHEDULE_MISFIRE_GRACE",
            )
            logger.warning("%s: run of %s missed (past the grace time)", event.job_id, event.scheduled_run_time)
        elif event.code == EVENT_JOB_ERROR:
            logger.error("%s: run raised %r", event.job_id, event.exception)


#: the running scheduler and its service (APScheduler stores the job function by reference: it finds them here)
_SCHEDULER: dict[str, Any] = {}


def scheduled_visit(**job: Any) -> None:
    """The job function of every schedule (``archiver.schedule:scheduled_visit``), run by APScheduler."""
    service = _SCHEDULER.get("service")
    if service is None:
        raise ScheduleError("a scheduled visit runs only inside `archiver schedule run`")
    service.visit(job)


def _wake() -> None:
    """The internal job: does nothing; its runs make the scheduler read the job store again."""


def start_scheduler(state: Path, options: SchedulerOptions, runner: Runner, *, blocking: bool) -> Any:
    """Take up interrupted runs, then start the scheduler (blocking: until the process is stopped)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

    service = Service(state, runner)
    with editing(state) as paused:
        service.jobs = {job.id: dict(job.kwargs) for job in paused.get_jobs(jobstore="default")}
        for job in paused.get_jobs(jobstore="default"):
            logger.info("schedule %s: %s, next run %s", job.id, job.kwargs["trigger"], job.next_run_time)
    service.take_up()  # before the scheduler starts: an interrupted run has the blog's lock before any due run
    scheduler = open_scheduler(state, options, blocking=blocking)
    scheduler.add_listener(service.on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.add_job(_wake, "interval", seconds=options.poll, id="wake", jobstore="internal", executor="internal")
    logging.getLogger("apscheduler.executors.internal").setLevel(logging.WARNING)
    _SCHEDULER.update(scheduler=scheduler, service=service)
    scheduler.start()
    return scheduler


def make_runner(state: Path, options: SchedulerOptions) -> Runner:
    if options.runner == "local":
        return LocalRunner(state / "logs")
    if options.runner == "scrapyd":
        return ScrapydRunner(options.scrapyd_url, options.scrapyd_project, options.poll)
    raise ConfigError(f"ARCHIVER_SCHEDULE_RUNNER {options.runner!r}: local or scrapyd")


# -- reading ----------------------------------------------------------------------------------------------


def visit_mode(visit: Visit) -> str:
    return ("resumed " if visit.resume else "") + ("incremental" if visit.incremental else "full")


def describe_changes(changes: dict[str, int]) -> str:
    """``first crawl``, ``none`` or ``2 new, 1 edited`` from a stats.json ``changes`` summary."""
    if not changes:
        return "-"
    if changes.get("first_crawl"):
        return "first crawl"
    kinds = {kind: n for kind, n in changes.items() if kind != "total" and n}
    return ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none"


def describe_run(run: Run) -> str:
    """One line of ``history``: outcome, exit status, posts, changes."""
    if run.outcome in ("skipped", "missed", "running"):
        return f"{run.outcome}{': ' + run.note if run.note else ''}"
    posts = "-" if run.posts is None else f"{run.posts} posts ({run.posts_archived or 0} fetched)"
    resumed = f", resumed {run.resumes}x" if run.resumes else ""
    return (
        f"{run.outcome} (exit {run.exit_status}), {run.mode}{resumed}, {posts}, "
        f"changes: {describe_changes(run.changes)}"
    )


def history_runs(state: Path, schedule_id: str | None = None) -> list[Run]:
    history = History(state / HISTORY_DB)
    try:
        return history.runs(schedule_id)
    finally:
        history.close()
