"""`archiver replay PATH` as a user runs it: a subprocess that starts the real pywb on 127.0.0.1 and prints links.

Each test reads the URLs the command prints, fetches pages through them and compares their text with the
crawl's own records (posts.jsonl) or the replica's truth, checks that no WARC file was copied, then stops it
with SIGINT or SIGTERM: exit status 0, no traceback, pywb gone (its port closed).
"""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import lxml.html
import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver
from tests.integration.test_replay_pywb import fetch

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica
    from tests.integration.conftest import ArchivedCrawl
    from tests.integration.test_replay_pywb import Reply

READY = "Press Ctrl-C to stop."
START_TIMEOUT = 120


@dataclass
class Running:
    """A running ``archiver replay``: its process, what it printed until ready, and the links it gave."""

    process: subprocess.Popen[str]
    stderr: Path
    lines: list[str]
    pending: queue.Queue[str | None] = field(default_factory=queue.Queue)

    @property
    def base(self) -> str:
        return next(line.removeprefix("Open: ") for line in self.lines if line.startswith("Open: "))

    @property
    def homes(self) -> list[str]:
        return [line.rsplit(" ", 1)[1] for line in self.lines if line.startswith("Home page, latest capture: ")]

    @property
    def state(self) -> Path:
        """The state folder, from the first line: "... collection built in STATE" (or "up to date in")."""
        from pathlib import Path

        return Path(self.lines[0].rsplit(" in ", 1)[1])

    @property
    def port(self) -> int:
        match = re.match(r"http://127\.0\.0\.1:(\d+)/", self.base)
        assert match, self.base
        return int(match.group(1))

    def get(self, timestamp: str, mode: str, url: str, headers: dict[str, str] | None = None) -> Reply:
        return fetch(f"{self.base}{timestamp}{mode}/{url}", headers)

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        """Send ``signum``; the exit status, the rest of stdout and stderr, once it has exited (within 15 s)."""
        self.process.send_signal(signum)
        status = self.process.wait(timeout=15)
        rest = []
        while (item := self.pending.get(timeout=5)) is not None:
            rest.append(item)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return status, "".join(rest), self.stderr.read_text(encoding="utf-8", errors="replace")


def start(path: Path, tmp_path: Path, *extra: str) -> Running:
    """``archiver replay PATH --port 0 EXTRA``, waiting for the line that says it is ready."""
    stderr = tmp_path / f"replay-{time.monotonic_ns()}.err"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "archiver", "replay", str(path), "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    running = Running(process, stderr, [])

    def read() -> None:
        assert process.stdout is not None
        for text in process.stdout:
            running.pending.put(text)
        running.pending.put(None)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            text = running.pending.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            text = None
        if text is None:  # it exited, or did not get ready in time
            if process.poll() is None:
                process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()
            raise AssertionError("archiver replay did not get ready:\n" + "".join(running.lines) + stderr.read_text())
        running.lines.append(text.rstrip("\n"))
        if text.rstrip("\n").endswith(READY):
            return running


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def text_of(html: bytes) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


def assert_stopped_cleanly(running: Running, signum: int = signal.SIGINT) -> str:
    status, out, err = running.stop(signum)
    assert status == 0, err
    assert "Traceback" not in err
    assert "Stopped." in out
    assert port_closed(running.port)
    return out


def index_of(crawl_dir: Path) -> list[dict[str, Any]]:
    out = []
    for text in (crawl_dir / "index.cdxj").read_text(encoding="utf-8").splitlines():
        _, timestamp, data = text.split(" ", 2)
        out.append({**json.loads(data), "timestamp": timestamp})
    return out


def latest_capture(crawl_dir: Path, url: str) -> str:
    return max(line["timestamp"] for line in index_of(crawl_dir) if line["url"] == url)


# -- one crawl folder ---------------------------------------------------------------------------------------


def test_a_crawl_folder_replays_its_home_page_and_posts_and_stops_on_ctrl_c(
    archived_crawl: ArchivedCrawl, tmp_path: Path
) -> None:
    crawl_dir = archived_crawl.dir
    running = start(crawl_dir, tmp_path)
    try:
        home_ts = latest_capture(crawl_dir, BLOG_URL)
        assert running.homes == [f"{running.base}{home_ts}/{BLOG_URL}"]
        framed = fetch(running.homes[0])  # the link printed: pywb's frame around the page
        assert framed.status == 200
        assert BLOG_URL.encode() in framed.body

        posts = [json.loads(x) for x in (crawl_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
        newest = max(posts, key=lambda post: post["published_utc"])
        home = running.get(home_ts, "mp_", BLOG_URL)
        assert home.status == 200
        assert " ".join(newest["title"].split()) in text_of(home.body)

        for post in (newest, min(posts, key=lambda post: post["published_utc"])):
            page = running.get(archived_crawl.timestamp(post["url"]), "mp_", post["url"])
            assert page.status == 200, post["url"]
            text = text_of(page.body)
            assert " ".join(post["title"].split()) in text
            assert post["paragraphs"]
            for paragraph in post["paragraphs"]:
                assert " ".join(paragraph["text"].split()) in text, (post["url"], paragraph)
    finally:
        out = assert_stopped_cleanly(running)
    assert "revisit" not in out  # a first crawl stands alone
    state = running.state
    assert state.name == f"crawl-{crawl_dir.name}"
    assert state.parent.parent.name == ".replay"
    assert (state / "config.yaml").is_file()
    assert [p.name for p in state.rglob("*") if ".warc" in p.name] == []  # no WARC copied
    assert not list(crawl_dir.rglob(".replay"))  # nothing written in the crawl folder


def test_a_second_start_reuses_the_collection_and_sigterm_stops_it(
    archived_crawl: ArchivedCrawl, tmp_path: Path
) -> None:
    first = start(archived_crawl.dir, tmp_path)
    assert_stopped_cleanly(first)
    index = first.state / "index.cdxj"
    built = index.stat().st_mtime_ns
    second = start(archived_crawl.dir, tmp_path)
    try:
        assert "collection up to date" in second.lines[0]
        assert second.homes == [home.replace(first.base, second.base) for home in first.homes]
        assert fetch(second.homes[0]).status == 200
    finally:
        assert_stopped_cleanly(second, signal.SIGTERM)
    assert index.stat().st_mtime_ns == built


def test_a_killed_replay_leaves_no_pywb_holding_the_port(archived_crawl: ArchivedCrawl, tmp_path: Path) -> None:
    running = start(archived_crawl.dir, tmp_path)
    assert fetch(running.homes[0]).status == 200
    running.process.kill()  # SIGKILL: no chance to stop pywb itself
    running.process.wait(timeout=15)
    assert running.process.stdout is not None
    running.process.stdout.close()
    deadline = time.monotonic() + 15
    while not port_closed(running.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert port_closed(running.port), "pywb outlived the archiver replay that started it"


def test_a_port_in_use_is_refused_by_name(archived_crawl: ArchivedCrawl) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_archiver("replay", str(archived_crawl.dir), "--port", str(port), timeout=120)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "Traceback" not in result.stderr


# -- a blog folder: two visits ------------------------------------------------------------------------------

POSTS = 10
FIRST, SECOND = "20240102T030405Z", "20240202T030405Z"


def truth(state: int) -> dict[str, dict[str, Any]]:
    return {str(r["url"]): r for r in truth_records(Blog(POSTS, state, DEFAULT_BLOG_NAME)) if r["kind"] == "post"}


@pytest.fixture(scope="module")
def blog_dir(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two crawls of a 10-post replica, state 0 then state 1, the second storing what did not change as revisits."""
    out = tmp_path_factory.mktemp("replay-visits")
    for state, crawl_id, extra in ((0, FIRST, ()), (1, SECOND, ("-s", "ARCHIVER_DEDUP_REVISITS=url"))):
        replica = replica_factory("--posts", str(POSTS), "--state", str(state))
        args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra]
        result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
        assert result.returncode == 0, result.stderr[-4000:]
    return out / BLOG_HOST


def originals(crawl_dir: Path) -> dict[str, bytes]:
    """The payload bytes of every response of a crawl, by URL."""
    found = {}
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    found[record.rec_headers.get_header("WARC-Target-URI")] = record.raw_stream.read()
    return found


def assert_revisits_replay(running: Running, blog_dir: Path) -> None:
    revisits = [line for line in index_of(blog_dir / SECOND) if line["mime"] == "warc/revisit"]
    assert revisits
    payloads = originals(blog_dir / FIRST)
    for line in revisits[:5]:
        reply = running.get(line["timestamp"], "id_", line["url"], {"Accept-Encoding": "gzip"})
        assert reply.status == 200, line["url"]
        assert reply.body == payloads[line["url"]], line["url"]
        served = parsedate_to_datetime(reply.headers["Memento-Datetime"]).strftime("%Y%m%d%H%M%S")
        assert served == line["timestamp"], line["url"]


@pytest.mark.slow
def test_a_blog_folder_replays_each_visit_at_its_own_time(blog_dir: Path, tmp_path: Path) -> None:
    running = start(blog_dir, tmp_path)
    try:
        assert "2 crawls" in running.lines[0]
        assert running.homes == [f"{running.base}{latest_capture(blog_dir / SECOND, BLOG_URL)}/{BLOG_URL}"]
        before, after = truth(0), truth(1)
        edited = [url for url in before.keys() & after.keys() if before[url]["body_text"] != after[url]["body_text"]]
        assert edited
        for url in edited:
            old_only = set(before[url]["paragraphs"]) - set(after[url]["paragraphs"])
            new_only = set(after[url]["paragraphs"]) - set(before[url]["paragraphs"])
            assert old_only or new_only
            for crawl_id, shown, hidden in ((FIRST, old_only, new_only), (SECOND, new_only, old_only)):
                timestamp = latest_capture(blog_dir / crawl_id, url)
                reply = running.get(timestamp, "id_", url, {"Accept-Encoding": "identity"})
                assert reply.status == 200, (url, crawl_id)
                text = text_of(reply.body)
                assert all(" ".join(p.split()) in text for p in shown), (url, crawl_id)
                assert not any(" ".join(p.split()) in text for p in hidden), (url, crawl_id)
        new_posts = after.keys() - before.keys()
        assert new_posts
        for url in new_posts:  # only the second visit saw them
            reply = running.get(latest_capture(blog_dir / SECOND, url), "mp_", url)
            assert reply.status == 200, url
            assert " ".join(after[url]["title"].split()) in text_of(reply.body)
        assert_revisits_replay(running, blog_dir)
    finally:
        assert_stopped_cleanly(running)
    state = running.state
    assert state == blog_dir.parent / ".replay" / BLOG_HOST / "blog"
    assert [p.name for p in state.rglob("*") if ".warc" in p.name] == []


@pytest.mark.slow
def test_a_deduplicated_crawl_alone_says_where_its_originals_come_from(blog_dir: Path, tmp_path: Path) -> None:
    running = start(blog_dir / SECOND, tmp_path)
    try:
        note = [line for line in running.lines if "revisit records" in line]
        assert len(note) == 1
        assert f"replayed from {FIRST} too" in note[0]
        assert running.homes == [f"{running.base}{latest_capture(blog_dir / SECOND, BLOG_URL)}/{BLOG_URL}"]
        assert_revisits_replay(running, blog_dir)
        # the first visit's version of an edited post is not part of the second crawl's collection: asked for
        # at the first visit's time, pywb serves the closest capture it holds, the second's
        before, after = truth(0), truth(1)
        edited = [url for url in before.keys() & after.keys() if before[url]["body_text"] != after[url]["body_text"]]
        assert edited
        for url in edited:
            reply = running.get(latest_capture(blog_dir / FIRST, url), "id_", url)
            assert reply.status == 200, url
            served = parsedate_to_datetime(reply.headers["Memento-Datetime"]).strftime("%Y%m%d%H%M%S")
            assert served == latest_capture(blog_dir / SECOND, url), url
    finally:
        assert_stopped_cleanly(running)
