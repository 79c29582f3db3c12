"""Shared fixtures: the offline Blogger replica, started as a real subprocess on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

BLOG_HOST = "gongminziyoulianmeng.blogspot.com"
BLOG_URL = f"https://{BLOG_HOST}/"


@dataclass
class LocalServer:
    """A test server subprocess on 127.0.0.1 that is both a web server (direct mode) and a forward proxy."""

    process: subprocess.Popen[str]
    url: str  # "http://127.0.0.1:PORT/" (direct mode)
    port: int

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def proxy_env(self) -> dict[str, str]:
        """The environment of a crawl through this server as its proxy (real host names in the URLs)."""
        env = dict(os.environ)
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = self.proxy
        for name in ("no_proxy", "NO_PROXY"):
            env.pop(name, None)
        return env

    def stop(self) -> str:
        """Terminate it (kill if it lingers) and return what it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out or ""


@dataclass
class Replica(LocalServer):
    """A running ``archiver replica serve``: its address, its access log, and how to stop it."""

    access_log: Path = field(default_factory=lambda: _unset_path("access_log"))
    ca_cert: Path = field(default_factory=lambda: _unset_path("ca_cert"))
    args: list[str] = field(default_factory=list)

    def requests_logged(self) -> list[dict[str, object]]:
        import json

        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text(encoding="utf-8").splitlines() if line]


def _unset_path(name: str) -> Path:
    raise TypeError(f"{name} is required")


def start_replica(tmp: Path, *args: str) -> Replica:
    """Start ``archiver replica serve --port 0 ARGS`` and wait for the address it prints."""
    tmp.mkdir(parents=True, exist_ok=True)
    access_log, ca_cert = tmp / "access.jsonl", tmp / "ca.pem"
    cmd = [sys.executable, "-u", "-m", "archiver", "replica", "serve", "--port", "0",
           "--access-log", str(access_log), "--ca-cert", str(ca_cert), *args]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+)/)", line)
        if match:
            return Replica(process, match.group(1), int(match.group(2)), access_log, ca_cert, list(args))
        if len(lines) > 50:
            break
    process.kill()
    raise RuntimeError("replica did not start:\n" + "".join(lines) + (process.stdout.read() or ""))


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


@dataclass
class Hostile(LocalServer):
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


def run_archiver(*args: str, env: dict[str, str] | None = None,
                 timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``python -m archiver ARGS`` in a subprocess (the CLI as a user runs it)."""
    return subprocess.run([sys.executable, "-m", "archiver", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
