"""Start ``python -m blogger_replica serve`` as a subprocess on a free port and learn where it listens.

This is the one place that reads the line the server prints when it is ready (``ANNOUNCE``, written by
:func:`blogger_replica.server.run`): the tests' fixtures, the demo and the benchmarks all start the replica
through :func:`launch`, so a change of that line is made once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

#: the first line the server prints once its socket is bound
ANNOUNCE = "replica listening on http://{host}:{port}/"
_LISTENING = re.compile(r"replica listening on (http://127\.0\.0\.1:(\d+)/)")
#: lines read before giving up on a server that prints something else (a traceback, say)
MAX_LINES = 50


class ReplicaDidNotStart(RuntimeError):
    """The replica exited or printed something else instead of where it listens."""


@dataclass
class Server:
    """A local server subprocess on 127.0.0.1 that is both a web server (direct mode) and a forward proxy."""

    process: subprocess.Popen[str]
    url: str  # "http://127.0.0.1:PORT/": direct mode
    port: int

    @property
    def proxy(self) -> str:
        """The address to use as http_proxy/https_proxy (proxy mode: real host names in the URLs)."""
        return f"http://127.0.0.1:{self.port}"

    def proxy_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) with every proxy variable pointing at the server."""
        env = dict(os.environ if base is None else base)
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = self.proxy
        for name in ("no_proxy", "NO_PROXY"):
            env.pop(name, None)
        return env

    def stop(self, timeout: float = 10) -> str:
        """Terminate it (kill it if it lingers) and return what it printed after its address."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out or ""


@dataclass
class Replica(Server):
    """A running replica: its address, the ``serve`` options it got, its access log and CA certificate files."""

    access_log: Path | None = None
    ca_cert: Path | None = None
    args: list[str] = field(default_factory=list)

    def requests_logged(self) -> list[dict[str, Any]]:
        """Every request its access log holds so far (one JSON object per request), oldest first."""
        if self.access_log is None or not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text(encoding="utf-8").splitlines() if line]


def serve_command(args: Sequence[str] = (), python: str = sys.executable) -> list[str]:
    """The command line of a replica on a free port of 127.0.0.1 (``args`` are more ``serve`` options)."""
    return [python, "-u", "-m", "blogger_replica", "serve", "--port", "0", *args]


def launch(
    args: Sequence[str] = (),
    *,
    workdir: Path | None = None,
    python: str = sys.executable,
    stderr: int | IO[str] | None = subprocess.STDOUT,
    env: Mapping[str, str] | None = None,
) -> Replica:
    """Start ``python -m blogger_replica serve --port 0 ARGS`` and wait until it says where it listens.

    With ``workdir``, the replica writes its access log (``access.jsonl``) and CA certificate (``ca.pem``)
    there. Its standard output (and, by default, its standard error) stays a pipe: read it, or call
    :meth:`Server.stop`, which returns the rest of it. Raises :class:`ReplicaDidNotStart` with what the
    process printed when it exits or prints :data:`MAX_LINES` lines without its address.
    """
    access_log = ca_cert = None
    extra: list[str] = []
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        access_log, ca_cert = workdir / "access.jsonl", workdir / "ca.pem"
        extra = ["--access-log", str(access_log), "--ca-cert", str(ca_cert)]
    cmd = serve_command([*extra, *args], python)
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=None if env is None else dict(env)
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        match = _LISTENING.search(line)
        if match:
            return Replica(process, match.group(1), int(match.group(2)), access_log, ca_cert, list(args))
        lines.append(line)
        if len(lines) >= MAX_LINES:
            break
    process.kill()
    rest, _ = process.communicate()
    raise ReplicaDidNotStart(f"the replica did not start ({' '.join(cmd)}):\n" + "".join(lines) + (rest or ""))
