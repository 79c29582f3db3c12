"""Hostile redirects, hosts and status lines: nothing internal is fetched, every refusal is named, heads are kept.

Each test runs ``archiver crawl`` in a subprocess through the tests' hostile server as a proxy (real blog host
names), except the bad-seed tests, which need no server: they must fail before anything is fetched.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import HOSTILE_HOST, HOSTILE_URL, run_archiver
from tests.hostile.behaviours_base import SECRET
from tests.hostile.behaviours_scope import FINE_HEADERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Hostile

BIN = Path(sys.executable).parent


def crawl(server: Hostile, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    crawl_dir = tmp_path / "crawl"
    result = run_archiver(
        "crawl",
        HOSTILE_URL,
        "--profile",
        "local",
        "-o",
        str(tmp_path / "out"),
        "-s",
        f"ARCHIVER_CRAWL_DIR={crawl_dir}",
        *args,
        env=server.proxy_env(),
    )
    return result, crawl_dir


def all_bytes(folder: Path) -> bytes:
    """Every file of a folder, concatenated (WARCs are gzip per record: read them decompressed too)."""
    import gzip

    data = b""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        data += raw
        if path.name.endswith(".warc.gz"):
            data += gzip.decompress(raw)
    return data


def test_a_home_page_redirecting_to_an_internal_service_reaches_nothing_of_it(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    internal = hostile_factory("secret")
    server = hostile_factory("home_redirect", options={"target": f"http://127.0.0.1:{internal.port}/admin"})
    result, crawl_dir = crawl(server, tmp_path)
    assert result.returncode != 0, result.stderr[-3000:]
    assert "refused_address" in result.stderr
    assert f"127.0.0.1:{internal.port}" in result.stderr  # the refusal names the target
    assert internal.requests() == []  # not even its robots.txt
    assert SECRET not in all_bytes(tmp_path)
    log = (crawl_dir / "crawl.log").read_text(encoding="utf-8")
    (refused,) = [line for line in log.splitlines() if f"127.0.0.1:{internal.port}" in line]
    assert refused.split()[1] == "-5000"
    assert "gave_up:refused_address" in refused


def test_a_home_page_redirecting_to_a_file_url_ends_the_crawl_named(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    server = hostile_factory("home_redirect", options={"target": "file:///etc/passwd"})
    result, crawl_dir = crawl(server, tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "refused_scheme" in result.stderr
    assert "file:///etc/passwd" in result.stderr
    assert b"root:" not in all_bytes(tmp_path)
    # nothing discovered from the robots.txt of a site whose home page never passed the Blogger check
    assert not [e for e in server.requests() if "sitemap" in e["path"] or "/feeds/" in e["path"]]


def test_a_30_hop_redirect_chain_is_a_counted_give_up(hostile_factory: Callable[..., Hostile], tmp_path: Path) -> None:
    server = hostile_factory("redirect_chain", options={"hops": "30"})
    result, crawl_dir = crawl(server, tmp_path)
    assert result.returncode == 3, result.stderr[-3000:]
    assert "too_many_redirects" in result.stderr
    assert "REDIRECT_MAX_TIMES" in result.stderr  # the warning names the limit
    hops = [e for e in server.requests() if e["path"] == "/favicon.ico"]
    assert len(hops) == 11  # the first request and REDIRECT_MAX_TIMES (10) hops, then it stops
    assert '"too_many_redirects": 1' in (crawl_dir / "stats.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", ["https://../", "http://.../", "https://./", "https://user:pw@x.blogspot.com/"])
def test_a_bad_seed_is_refused_before_anything_is_written(tmp_path: Path, seed: str) -> None:
    out = tmp_path / "out"
    result = run_archiver("crawl", seed, "--profile", "local", "-o", str(out), timeout=60)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "UrlError" in result.stderr
    assert repr(seed) in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_percent_escaped_host_is_refused_quickly(hostile_factory: Callable[..., Hostile], tmp_path: Path) -> None:
    server = hostile_factory("bad_host_link", posts=2)
    started = time.monotonic()
    result, _ = crawl(server, tmp_path)
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert any(e["answered_by"] == "bad_host_link" for e in server.requests())
    assert not [e for e in server.requests() if "%2e" in e["host"].lower() or "a.b.bp" in e["host"]]


def test_the_status_line_and_headers_are_stored_as_received(
    hostile_factory: Callable[..., Hostile], tmp_path: Path
) -> None:
    server = hostile_factory("fine_by_me", posts=2)
    result, crawl_dir = crawl(server, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    warcs = sorted((crawl_dir / "warc").glob("*.warc.gz"))
    home = None
    for warc in warcs:
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == HOSTILE_URL:
                    home = record.http_headers
    assert home is not None
    assert home.protocol == "HTTP/1.1"
    assert home.statusline == "200 Fine By Me"
    assert home.headers[: len(FINE_HEADERS)] == FINE_HEADERS  # names, case, order and repeats as sent
    for warc in warcs:
        check = subprocess.run([str(BIN / "warcio"), "check", str(warc)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    assert HOSTILE_HOST in warcs[0].name
