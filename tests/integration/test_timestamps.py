"""Capture-time timestamps of real crawls: `archiver crawl` with ARCHIVER_TSA_URL at a real local OpenSSL TSA.

The crawls run in subprocesses through the replica's proxy, as a user would; the TSA (tests/tsa.py) is reached
directly on 127.0.0.1 (``no_proxy``). Two crawls of one blog stamp every WARC file (small files, so that the
writer rolls over), a third meets a TSA that is down (exit status 3), and `archiver timestamp` stamps its files
later: one chain across all three, which verifies. Tests that change files work on copies.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from archiver.timestamps import CHAIN_FILE, TOKEN_SUFFIX, read_chain, verify_chain
from archiver.verify import Report
from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver
from tests.tsa import LocalTsa, make_pki

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from subprocess import CompletedProcess

    from tests.conftest import Replica
    from tests.tsa import Pki

CRAWLS = ("20240101T000000Z", "20240201T000000Z", "20240301T000000Z")


@dataclass
class Stamped:
    out: Path
    blog: Path
    pki: Pki
    results: list[CompletedProcess[str]]
    catch_up: CompletedProcess[str]
    queries_before_catch_up: int
    tsa_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _crawl(replica: Replica, out: Path, crawl_id: str, *settings: str) -> CompletedProcess[str]:
    env = replica.proxy_env()
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1"  # the TSA is on loopback, the blog behind the proxy
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}"]
    for setting in settings:
        args += ["-s", setting]
    return run_archiver(*args, env=env, timeout=240)


@pytest.fixture(scope="module")
def stamped(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Stamped:
    replica = replica_factory("--posts", "4")
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    out = tmp_path_factory.mktemp("stamped")
    results = []
    with LocalTsa(pki) as tsa:
        tsa_settings = (f"ARCHIVER_TSA_URL={tsa.url}", f"ARCHIVER_TSA_CA_FILE={pki.ca_file}")
        # the first crawl rolls over after every ~50 kB: several files, each stamped as it is closed
        results.append(_crawl(replica, out, CRAWLS[0], *tsa_settings, "ARCHIVER_WARC_MAX_SIZE=50000"))
        results.append(_crawl(replica, out, CRAWLS[1], *tsa_settings))
        down = f"ARCHIVER_TSA_URL=http://127.0.0.1:{_free_port()}/tsr"
        results.append(_crawl(replica, out, CRAWLS[2], down, f"ARCHIVER_TSA_CA_FILE={pki.ca_file}"))
        queries = tsa.queries
        catch_up = run_archiver("timestamp", str(out / BLOG_HOST), "--tsa-url", tsa.url, "--ca-file", str(pki.ca_file))
    return Stamped(out, out / BLOG_HOST, pki, results, catch_up, queries, tsa.url)


def _warcs(blog: Path, crawl_id: str) -> list[Path]:
    return sorted((blog / crawl_id / "warc").glob("*.warc.gz"))


def _problems(report: Report) -> list[str]:
    return [problem.line() for problem in report.problems]


def test_every_warc_of_two_crawls_is_stamped_in_one_chain(stamped: Stamped) -> None:
    first, second, _ = stamped.results
    assert first.returncode == 0, first.stderr[-4000:]
    assert second.returncode == 0, second.stderr[-4000:]
    first_warcs, second_warcs = _warcs(stamped.blog, CRAWLS[0]), _warcs(stamped.blog, CRAWLS[1])
    assert len(first_warcs) >= 2  # rolled over: stamped at rollover and at the end
    assert stamped.queries_before_catch_up == len(first_warcs) + len(second_warcs)
    chain = read_chain(stamped.blog)
    files = [entry.file for entry in chain]
    stamped_in_crawls = [warc.relative_to(stamped.blog).as_posix() for warc in first_warcs + second_warcs]
    assert files[: len(stamped_in_crawls)] == stamped_in_crawls  # in the order closed, crawl after crawl
    for warc in first_warcs + second_warcs:
        assert warc.with_name(warc.name + TOKEN_SUFFIX).is_file()
    # the second crawl's first token follows the first crawl's last one
    link = chain[len(first_warcs)]
    assert link.previous == chain[len(first_warcs) - 1].token_sha256
    summary = (stamped.blog / CRAWLS[1] / "summary.txt").read_text()
    assert f"{len(second_warcs)} WARC files stamped by {stamped.tsa_url}" in summary
    stats = json.loads((stamped.blog / CRAWLS[1] / "stats.json").read_text())
    assert stats["stats"]["archiver/timestamps/stamped"] == len(second_warcs)
    assert stats["summary"]["timestamps"]["failed"] == 0
    # the tokens are part of the crawl's fixity manifest
    manifest = (stamped.blog / CRAWLS[1] / "manifest-sha256.txt").read_text()
    for warc in second_warcs:
        assert f"warc/{warc.name}{TOKEN_SUFFIX}" in manifest


def test_a_tsa_that_is_down_exits_3_and_the_catch_up_stamps_later(stamped: Stamped) -> None:
    down = stamped.results[2]
    assert down.returncode == 3, down.stderr[-4000:]
    assert "timestamp_failed" in down.stderr
    assert "cannot reach the TSA" in down.stderr
    assert "archiver timestamp" in down.stderr  # what to do about it
    late = _warcs(stamped.blog, CRAWLS[2])
    assert late
    summary = (stamped.blog / CRAWLS[2] / "summary.txt").read_text()
    assert f"{len(late)} failed" in summary
    assert stamped.catch_up.returncode == 0, stamped.catch_up.stderr
    assert f"{len(late)} of {len(late)} unstamped WARC files stamped" in stamped.catch_up.stderr
    chain = read_chain(stamped.blog)
    assert [entry.file for entry in chain[-len(late) :]] == [w.relative_to(stamped.blog).as_posix() for w in late]


def test_the_whole_chain_verifies_even_after_the_tsa_certificate_expired(stamped: Stamped) -> None:
    report = Report()
    verify_chain(stamped.blog, report)
    assert report.passed, _problems(report)
    total = sum(len(_warcs(stamped.blog, crawl)) for crawl in CRAWLS)
    assert report.checked["timestamp"] == total
    assert report.checked["timestamp.chain"] == total

    later = Report()
    verify_chain(stamped.blog, later, now=stamped.pki.not_after + dt.timedelta(days=400))
    assert later.passed, _problems(later)


def test_swapped_tokens_and_an_edited_byte_are_named(stamped: Stamped, tmp_path: Path) -> None:
    blog = tmp_path / BLOG_HOST
    shutil.copytree(stamped.blog, blog)
    a, b = _warcs(blog, CRAWLS[0])[:2]
    token_a, token_b = (w.with_name(w.name + TOKEN_SUFFIX) for w in (a, b))
    data_a, data_b = token_a.read_bytes(), token_b.read_bytes()
    token_a.write_bytes(data_b)
    token_b.write_bytes(data_a)
    edited = _warcs(blog, CRAWLS[1])[0]
    body = bytearray(edited.read_bytes())
    body[len(body) // 2] ^= 0x01
    edited.write_bytes(bytes(body))
    report = Report()
    verify_chain(blog, report)
    lines = _problems(report)
    assert any(a.name in line and "swapped" in line for line in lines), lines
    assert any(b.name in line and "swapped" in line for line in lines), lines
    assert any(edited.name in line and "changed since it was stamped" in line for line in lines), lines
    # the chain sees the two swapped tokens too; nothing else is reported
    assert sorted(problem.check for problem in report.problems) == ["timestamp"] * 3 + ["timestamp.chain"] * 2
    assert all(a.name in line or b.name in line or edited.name in line for line in lines), lines
    assert (blog / CHAIN_FILE).is_file()


def test_a_crawl_without_a_tsa_says_so(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    replica = replica_factory("--posts", "4")
    result = _crawl(replica, tmp_path, CRAWLS[0])
    assert result.returncode == 0, result.stderr[-4000:]
    crawl = tmp_path / BLOG_HOST / CRAWLS[0]
    assert "timestamps  not timestamped (no ARCHIVER_TSA_URL)" in (crawl / "summary.txt").read_text()
    assert not list((crawl / "warc").glob(f"*{TOKEN_SUFFIX}"))
    report = Report()
    verify_chain(tmp_path / BLOG_HOST, report)
    assert report.passed
    assert any("not timestamped" in note for note in report.notes)
