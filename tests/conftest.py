"""Shared fixtures: the offline Blogger replica, started as a real subprocess on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from blogger_replica.launch import Replica, Server, launch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

BLOG_HOST = "gongminziyoulianmeng.blogspot.com"
BLOG_URL = f"https://{BLOG_HOST}/"


def start_replica(tmp: Path, *args: str) -> Replica:
    """Start ``python -m blogger_replica serve --port 0 ARGS``, its access log and CA certificate in ``tmp``."""
    return launch(args, workdir=tmp)


@pytest.fixture(scope="session")
def replica_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Replica]]:
    """Start replicas with any arguments; all are stopped at the end of the session."""
    started: list[Replica] = []

    def factory(*args: str) -> Replica:
        replica = start_replica(tmp_path_factory.mktemp("replica"), *args)
        started.append(replica)
        return replica

    yield factory
    for replica in started:
        replica.stop()


@pytest.fixture(scope="session")
def replica(replica_factory: Callable[..., Replica]) -> Replica:
    """A 60-post classic-theme replica shared by the tests that only read from it."""
    return replica_factory("--posts", "60")


# -- the tests' own hostile server (tests/hostile/server.py) ------------------------------------------------

HOSTILE_HOST = "hostile.blogspot.com"
HOSTILE_URL = f"https://{HOSTILE_HOST}/"


def _unset_path(name: str) -> Path:
    raise TypeError(f"{name} is required")


@dataclass
class Hostile(Server):
    """A running ``python -m tests.hostile.server``: its address, its request log, and how to stop it."""

    log: Path = field(default_factory=lambda: _unset_path("log"))

    def requests(self) -> list[dict[str, str]]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]


def start_hostile(tmp: Path, *behaviours: str, posts: int = 5, options: dict[str, str] | None = None) -> Hostile:
    """Start the hostile server with the named behaviours and wait for the address it prints."""
    from pathlib import Path as _Path

    tmp.mkdir(parents=True, exist_ok=True)
    log = tmp / "hostile-requests.jsonl"
    cmd = [sys.executable, "-u", "-m", "tests.hostile.server", "--port", "0", "--posts", str(posts), "--log", str(log)]
    for name in behaviours:
        cmd += ["--behaviour", name]
    for key, value in (options or {}).items():
        cmd += ["--opt", f"{key}={value}"]
    root = str(_Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=root, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:(\d+)/)", line)
    if not match:
        process.kill()
        raise RuntimeError("hostile server did not start:\n" + line + (process.stdout.read() or ""))
    return Hostile(process, match.group(1), int(match.group(2)), log)


@pytest.fixture
def hostile_factory(tmp_path: Path) -> Iterator[Callable[..., Hostile]]:
    """Start hostile servers for one test: ``hostile_factory("secret", posts=3, options={...})``."""
    started: list[Hostile] = []

    def factory(*behaviours: str, posts: int = 5, options: dict[str, str] | None = None) -> Hostile:
        server = start_hostile(tmp_path / f"hostile{len(started)}", *behaviours, posts=posts, options=options)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


def crawl_command(out: Path, crawl_dir: Path, *extra: str, url: str = BLOG_URL) -> list[str]:
    """``python -m archiver crawl URL --profile local -o OUT -s ARCHIVER_CRAWL_DIR=DIR EXTRA...``."""
    return [sys.executable, "-m", "archiver", "crawl", url, "--profile", "local", "-o", str(out),
            "-s", f"ARCHIVER_CRAWL_DIR={crawl_dir}", *extra]  # fmt: skip


def run_archiver(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m archiver ARGS`` in a subprocess (the CLI as a user runs it)."""
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
