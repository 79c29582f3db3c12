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
class Replica:
    """A running ``archiver replica serve``: its address, its access log, and how to stop it."""

    process: subprocess.Popen[str]
    url: str  # "http://127.0.0.1:PORT/" (direct mode)
    port: int
    access_log: Path
    ca_cert: Path
    args: list[str] = field(default_factory=list)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def proxy_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = self.proxy
        for name in ("no_proxy", "NO_PROXY"):
            env.pop(name, None)
        return env

    def requests_logged(self) -> list[dict[str, object]]:
        import json

        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text(encoding="utf-8").splitlines() if line]

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out or ""


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
