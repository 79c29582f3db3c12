"""The live progress line as a user sees it: a crawl and `archiver extract` under a pseudo-terminal, and not.

On a terminal the line is redrawn in place (carriage return, erase to the end of the line), log lines are
printed whole above it and its last state stays as the final line; off a terminal only plain lines appear.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from typing import TYPE_CHECKING

import pytest

from tests.conftest import crawl_command, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from blogger_replica.launch import Replica

POSTS = 8
COLUMNS = 160
#: one draw of the live line, or an erasure (an empty draw)
DRAW = re.compile(r"\r([^\r\n]*)\x1b\[K")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[\w.]+\] [A-Z]+: ")


def run_in_pty(cmd: list[str], env: dict[str, str], timeout: float = 180) -> tuple[int, str]:
    """Run ``cmd`` with its stderr on a pseudo-terminal COLUMNS wide; its exit status and all it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, COLUMNS, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR  # keep "\n" as written (a terminal would show "\r\n")
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    process = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, env=dict(env, TERM="xterm")
    )
    os.close(slave)
    data = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                data += chunk
            elif process.poll() is not None:
                break
        status = process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return status, data.decode("utf-8", "replace")


def printed_lines(output: str) -> list[str]:
    """The lines left once every draw of the live line is taken out (what the log wrote)."""
    return [line for line in DRAW.sub("", output).split("\n") if line]


@pytest.fixture(scope="module")
def small_replica(replica_factory: Callable[..., Replica]) -> Replica:
    return replica_factory("--posts", str(POSTS))


@pytest.fixture(scope="module")
def live_crawl(small_replica: Replica, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A crawl of the small replica with its stderr on a terminal; the crawl folder and what it showed."""
    out = tmp_path_factory.mktemp("live")
    cmd = crawl_command(out, out / "crawl", "-s", "ARCHIVER_PROGRESS_INTERVAL=0.3")
    status, output = run_in_pty(cmd, small_replica.proxy_env())
    assert status == 0, output[-3000:]
    return out / "crawl", output


def test_a_crawl_on_a_terminal_redraws_its_line_and_leaves_the_last_state(live_crawl: tuple[Path, str]) -> None:
    _, output = live_crawl
    draws = [text for text in DRAW.findall(output) if text]
    assert len(draws) >= 2, output[-3000:]
    assert all(text.startswith("posts ") and len(text) < COLUMNS for text in draws)
    # the final line: the last draw, ended by a newline, with every post archived of the sitemap's count
    final = re.findall(r"\r([^\r\n]*)\x1b\[K\n", output)
    assert final, output[-3000:]
    assert final[-1].startswith(f"posts {POSTS}/{POSTS} archived, {POSTS} found | done in ")


def test_log_lines_stay_whole_around_the_live_line(live_crawl: tuple[Path, str]) -> None:
    _, output = live_crawl
    lines = printed_lines(output)
    assert any(LOG_LINE.match(line) and line.endswith("Closing spider (finished)") for line in lines)
    assert not [line for line in lines if "responses/s" in line]  # no live text left glued to a log line
    # the periodic plain line is what the live line shows: not printed on the terminal
    assert not [line for line in lines if "progress: " in line]


def test_extract_on_a_terminal_shows_bytes_read_and_writes_the_same_records(
    live_crawl: tuple[Path, str], tmp_path: Path
) -> None:
    crawl_dir, _ = live_crawl
    live_out, plain_out = tmp_path / "live.jsonl", tmp_path / "plain.jsonl"
    status, output = run_in_pty(
        [sys.executable, "-m", "archiver", "extract", str(crawl_dir), "-o", str(live_out)], dict(os.environ)
    )
    assert status == 0, output
    final = re.findall(r"\r([^\r\n]*)\x1b\[K\n", output)
    assert final, output
    assert re.fullmatch(r"extract: [\d.]+ (KiB|MiB) of [\d.]+ (KiB|MiB) \(100%\) \| [\d.]+ \S+/s \| done", final[-1])
    assert any(line.startswith("archiver extract: 1 WARC files") for line in printed_lines(output))
    plain = run_archiver("extract", str(crawl_dir), "-o", str(plain_out))
    assert plain.returncode == 0, plain.stderr
    assert "\r" not in plain.stderr
    assert "\x1b[" not in plain.stderr
    assert live_out.read_bytes() == plain_out.read_bytes()


def test_no_progress_on_a_terminal_draws_nothing(live_crawl: tuple[Path, str]) -> None:
    crawl_dir, _ = live_crawl
    status, output = run_in_pty(
        [sys.executable, "-m", "archiver", "verify", str(crawl_dir), "--no-progress"], dict(os.environ)
    )
    assert status == 0, output
    assert "\x1b[" not in output
    status, output = run_in_pty([sys.executable, "-m", "archiver", "verify", str(crawl_dir)], dict(os.environ))
    assert status == 0, output
    assert re.search(r"\rverify: [^\r\n]* \| done\x1b\[K\n", output), output


def test_a_crawl_off_a_terminal_logs_only_the_plain_lines(small_replica: Replica, tmp_path: Path) -> None:
    cmd = crawl_command(tmp_path, tmp_path / "crawl", "-s", "ARCHIVER_PROGRESS_INTERVAL=0.1")
    result = subprocess.run(
        cmd, env=small_replica.proxy_env(), capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "\r" not in result.stderr
    assert "\x1b[" not in result.stderr
    assert re.search(r"INFO: progress: \d+ fetched \(\d+ pages, \d+ posts found\), \d+ queued, ", result.stderr)
