"""A real Scrapyd on 127.0.0.1: the project deployed with the real scrapyd-deploy, crawls scheduled through it.

Scrapyd runs in its own working directory (tmp_path/scrapyd) with the replica as its proxy (http_proxy and
https_proxy in its environment, which every job inherits); scrapyd-deploy runs from the repository root as a
user runs it, with a target of its own in a scrapy.cfg under XDG_CONFIG_HOME (the repository's file is not
touched). The jobs are scheduled and followed with archiver.scrapyd, the runner interface of ``archiver
schedule``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records

from archiver.scrapyd import PENDING, RUNNING, UNKNOWN, ScrapydError, schedule_on_scrapyd, scrapyd_job_state
from tests.conftest import BLOG_HOST, BLOG_URL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.conftest import Replica

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
POSTS = 20
PROJECT = "archiver"
#: what Scrapyd keeps in its working directory: its configuration, pid file, eggs, job logs and queues
SCRAPYD_OWN = {"scrapyd.conf", "scrapyd.out", "twistd.pid", "eggs", "logs", "dbs"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return dict(json.loads(response.read()))


class Scrapyd:
    """A running ``scrapyd`` in ``workdir``, listening on ``url``."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        workdir.mkdir(parents=True)
        (workdir / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {workdir / 'eggs'}\n"
            f"logs_dir = {workdir / 'logs'}\n"
            f"dbs_dir = {workdir / 'dbs'}\n"
            "items_dir =\n"
            "max_proc = 4\n",
            encoding="utf-8",
        )
        self.output = (workdir / "scrapyd.out").open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(BIN / "scrapyd")], cwd=workdir, env=env, stdout=self.output, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get_json(self.url + "daemonstatus.json").get("status") == "ok":
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("scrapyd did not start:\n" + (workdir / "scrapyd.out").read_text(encoding="utf-8"))
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()

    def wait(self, job_id: str, timeout: float = 240) -> str:
        """Poll the job until Scrapyd has it finished; its state as scrapyd_job_state tells it."""
        deadline = time.monotonic() + timeout
        while (state := scrapyd_job_state(self.url, PROJECT, job_id)) in (PENDING, RUNNING):
            assert time.monotonic() < deadline, f"job {job_id} still {state} after {timeout} s"
            time.sleep(0.5)
        return state

    def job_log(self, job_id: str) -> str:
        return (self.workdir / "logs" / PROJECT / "blogspot" / f"{job_id}.log").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory, replica_factory: Callable[..., Replica]) -> Iterator[Scrapyd]:
    """A Scrapyd whose jobs reach a 20-post replica through its proxy, with the project deployed on it."""
    replica = replica_factory("--posts", str(POSTS))
    tmp_path = tmp_path_factory.mktemp("scrapyd")
    server = Scrapyd(tmp_path / "scrapyd", replica.proxy_env())
    try:
        config = tmp_path / "xdg"
        config.mkdir()
        (config / "scrapy.cfg").write_text(
            f"[deploy:pytest]\nurl = {server.url}\nproject = {PROJECT}\n", encoding="utf-8"
        )
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env["XDG_CONFIG_HOME"] = str(config)
        deploy = subprocess.run(
            [str(BIN / "scrapyd-deploy"), "pytest", "--version", "1"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert json.loads(deploy.stdout)["status"] == "ok", deploy.stdout
        yield server
    finally:
        server.stop()


def test_deployed_egg_carries_the_settings_entry_point_and_the_schemas(scrapyd: Scrapyd) -> None:
    spiders = _get_json(f"{scrapyd.url}listspiders.json?project={PROJECT}")
    assert spiders["spiders"] == ["blogspot"]
    (egg,) = (scrapyd.workdir / "eggs" / PROJECT).glob("*.egg")
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = archiver.settings" in entry_points
    schemas = {p.name for p in (ROOT / "archiver" / "schemas").glob("*.json")}
    assert schemas
    assert {f"archiver/schemas/{name}" for name in schemas} <= names
    assert not any(name.startswith(("tests/", "replica/", "blogger_replica/")) for name in names)


def test_scheduled_crawl_writes_every_post_into_the_output_folder(scrapyd: Scrapyd, tmp_path: Path) -> None:
    out = tmp_path / "archive"
    settings = {"ARCHIVER_OUTPUT_DIR": str(out), "ARCHIVER_PROFILE": "local"}
    job = schedule_on_scrapyd(scrapyd.url, PROJECT, BLOG_URL, settings)
    # two more jobs at once, each ending its own way: one gives up on every image over 20 kB (a size limit),
    # one is refused before it fetches anything (an empty ARCHIVER_WARC_DIR stops a crawl: a core component)
    gives_up = schedule_on_scrapyd(
        scrapyd.url,
        PROJECT,
        BLOG_URL,
        {
            **settings,
            "ARCHIVER_OUTPUT_DIR": str(tmp_path / "small"),
            "ARCHIVER_LIMITS_FILE_SIZE": "20000",
            "ARCHIVER_LIMITS_FILE_WARN_SIZE": "10000",
        },  # fmt: skip
    )
    refused = schedule_on_scrapyd(scrapyd.url, PROJECT, BLOG_URL, {**settings, "ARCHIVER_WARC_DIR": ""})

    assert scrapyd.wait(job) == "finished", scrapyd.job_log(job)[-4000:]
    assert scrapyd.wait(gives_up) == "gave_up", scrapyd.job_log(gives_up)[-4000:]
    assert scrapyd.wait(refused) == "failed", scrapyd.job_log(refused)[-4000:]

    (crawl_dir,) = (out / BLOG_HOST).glob("2*")
    truth = {r["url"] for r in truth_records(Blog(POSTS, 0, DEFAULT_BLOG_NAME)) if r["kind"] == "post"}
    lines = (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["url"] for line in lines) == sorted(truth)
    assert len(truth) == POSTS
    assert list((crawl_dir / "warc").glob("*.warc.gz"))
    assert not list((crawl_dir / "warc").glob("*.open"))
    (wacz,) = crawl_dir.glob("*.wacz")
    with zipfile.ZipFile(wacz) as archive:
        assert "datapackage.json" in archive.namelist()
    for name in ("index.cdxj", "crawl.log", "stats.json", "summary.txt"):
        assert (crawl_dir / name).is_file(), name
    assert len((out / BLOG_HOST / "corpus" / "posts.jsonl").read_text(encoding="utf-8").splitlines()) == POSTS

    # nothing of any crawl in Scrapyd's working directory: only what Scrapyd keeps itself
    assert {p.name for p in scrapyd.workdir.iterdir()} <= SCRAPYD_OWN
    written = [p for p in scrapyd.workdir.rglob("*") if p.suffix in (".gz", ".open", ".jsonl", ".wacz", ".cdxj")]
    assert written == []

    log = scrapyd.job_log(job)
    assert "Crawl summary:" in log
    assert f"posts       {POSTS} found, {POSTS} archived" in log
    assert "Crawl outcome: finished (exit status 0)" in log
    assert "Crawl outcome: gave_up (exit status 3): finished, but gave up on" in scrapyd.job_log(gives_up)
    assert "ConfigError" in scrapyd.job_log(refused)


def test_job_state_of_an_unknown_job_and_an_unreachable_server(scrapyd: Scrapyd, tmp_path: Path) -> None:
    assert scrapyd_job_state(scrapyd.url, PROJECT, "no-such-job") == UNKNOWN
    with pytest.raises(ScrapydError, match="not found"):
        schedule_on_scrapyd(scrapyd.url, "no-such-project", BLOG_URL, {"ARCHIVER_OUTPUT_DIR": str(tmp_path)})
    with pytest.raises(ScrapydError, match="127.0.0.1"):
        scrapyd_job_state(f"http://127.0.0.1:{_free_port()}/", PROJECT, "any")


def test_the_schedulers_scrapyd_runner_runs_a_visit_to_its_end(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """`archiver schedule run --runner scrapyd`: the visit becomes a Scrapyd job, polled to its exit status."""
    from archiver.schedule import ScrapydRunner, Visit

    visit = Visit(
        schedule_id=BLOG_HOST,
        url=BLOG_URL,
        output=str(tmp_path / "scheduled"),
        profile="local",
        settings=[],
        incremental=False,
        crawl_id="20240101T000000Z",
    )
    jobs: list[str] = []
    status = ScrapydRunner(scrapyd.url, PROJECT, poll=0.5).run(visit, -1, jobs.append)
    assert status == 0, scrapyd.job_log(jobs[0])[-3000:] if jobs else "no job"
    assert len(jobs) == 1
    assert scrapyd_job_state(scrapyd.url, PROJECT, jobs[0]) == "finished"
    lines = (visit.crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == POSTS
