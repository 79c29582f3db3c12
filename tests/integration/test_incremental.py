"""Incremental recrawls: a later visit fetches the feeds and listings, and only the posts they say changed.

One full crawl of the replica's state 0, then incremental crawls (``archiver crawl --incremental``) of state 0
(nothing changed), state 1 and state 2, each a fresh replica process whose access log tells exactly what the
crawler asked for. The change report of every incremental visit must be what the replica's ground truth says
changed, as a full crawl reports it; the unchanged posts are not fetched again and their records come from
their earlier captures, byte for byte the same when ``archiver extract`` rebuilds them from the WARCs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from archiver.incremental import audited
from archiver.records import jsonl
from tests.conftest import BLOG_HOST as HOST
from tests.conftest import BLOG_URL, run_archiver
from tests.integration.test_changes import POSTS, expected, reported, truth

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

IDS = ["20240101T000000Z", "20240105T000000Z", "20240201T000000Z", "20240301T000000Z"]


def crawl(
    replica_factory: Callable[..., Replica],
    out: Path,
    crawl_id: str,
    *replica_args: str,
    incremental: bool = True,
    extra: tuple[str, ...] = (),
) -> tuple[Path, list[dict[str, Any]], str]:
    """Crawl a fresh replica; the crawl folder, every request the replica served, and the crawl's stderr."""
    replica = replica_factory("--posts", str(POSTS), *replica_args)
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}"]
    args += ["-s", "ARCHIVER_DEDUP_REVISITS=url", *(["--incremental"] if incremental else []), *extra]
    result = run_archiver(*args, env=replica.proxy_env())
    assert result.returncode == 0, result.stderr[-4000:]
    return out / HOST / crawl_id, replica.requests_logged(), result.stderr


def paths(requests: list[dict[str, Any]]) -> list[str]:
    return [str(r.get("path") or urlsplit(str(r.get("url", ""))).path) for r in requests]


def stats_of(folder: Path) -> dict[str, Any]:
    stats: dict[str, Any] = json.loads((folder / "stats.json").read_text(encoding="utf-8"))["stats"]
    return stats


@pytest.fixture(scope="module")
def visits(
    replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[tuple[Path, list[dict[str, Any]], str]]]:
    out = tmp_path_factory.mktemp("incremental")
    first = crawl(replica_factory, out, IDS[0], "--state", "0", incremental=False)
    later = [crawl(replica_factory, out, IDS[n], "--state", str(state)) for n, state in ((1, 0), (2, 1), (3, 2))]
    return out, [first, *later]


def test_an_unchanged_blog_is_revisited_with_few_requests_and_no_change(
    visits: tuple[Path, list[tuple[Path, list[dict[str, Any]], str]]],
) -> None:
    _, runs = visits
    (first, first_requests, _), (second, second_requests, _) = runs[0], runs[1]
    assert (second / "changes.jsonl").read_bytes() == b""
    stats = stats_of(second)
    assert stats["archiver/incremental/known"] == len(truth(0))
    skipped = stats["archiver/incremental/skipped"]
    audited = stats.get("archiver/incremental/fetched_audit", 0)
    assert skipped + audited == len(truth(0))  # nothing changed: every post is carried, or audited
    assert not stats.get("archiver/incremental/fetched_changed")
    assert len(second_requests) < 0.6 * len(first_requests)
    # a carried post's page and its comment feed are not asked for; its record is the first crawl's content
    before = {r["post_id"]: r for r in jsonl.read_file(first / "posts.jsonl")}
    after = {r["post_id"]: r for r in jsonl.read_file(second / "posts.jsonl")}
    assert after.keys() == before.keys()
    assert all(after[k]["content_sha256"] == before[k]["content_sha256"] for k in after)
    asked = set(paths(second_requests))
    carried = [r for r in after.values() if r["source"]["filename"] in _files(first)]
    assert len(carried) == skipped
    for record in carried:
        assert urlsplit(record["url"]).path not in asked
        assert f"/feeds/{record['post_id']}/comments/default" not in asked
    summary = (second / "summary.txt").read_text(encoding="utf-8")
    assert f"{skipped} skipped as unchanged" in summary
    assert "no unannounced change" in summary


def _files(folder: Path) -> set[str]:
    return {path.name for path in (folder / "warc").glob("*.warc.gz")}


def test_the_incremental_crawls_records_are_rebuilt_from_its_warcs(
    visits: tuple[Path, list[tuple[Path, list[dict[str, Any]], str]]], tmp_path: Path
) -> None:
    _, runs = visits
    for folder, _, _ in runs[1:]:
        rebuilt = tmp_path / f"{folder.name}.jsonl"
        result = run_archiver("extract", str(folder), "-o", str(rebuilt))
        assert result.returncode == 0, result.stderr[-3000:]
        assert rebuilt.read_bytes() == (folder / "posts.jsonl").read_bytes(), folder.name


@pytest.mark.parametrize("step", [1, 2])
def test_each_incremental_visit_reports_exactly_what_the_truth_changed(
    visits: tuple[Path, list[tuple[Path, list[dict[str, Any]], str]]], step: int
) -> None:
    _, runs = visits
    folder = runs[step + 1][0]
    records = list(jsonl.read_file(folder / "changes.jsonl"))
    assert reported(records) == expected(truth(step - 1), truth(step))
    stats = stats_of(folder)
    assert stats["archiver/incremental/fetched_changed"] > 0  # the feeds announced the edits and comments
    assert not stats.get("archiver/changes/missing")


def test_an_incremental_crawl_needs_an_earlier_complete_crawl(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", "5")
    result = run_archiver(
        "crawl", BLOG_URL, "--profile", "local", "-o", str(tmp_path), "--incremental", env=replica.proxy_env()
    )
    assert result.returncode == 1
    assert "--incremental: no earlier crawl of the blog" in result.stderr
    assert "crawl the blog in full first" in result.stderr
    assert replica.requests_logged() == []  # refused before anything was fetched


def _quiet_post(rate: float) -> dict[str, Any]:
    """A post that state 1 neither edits nor comments on, audited by the blog's third crawl and not its second."""
    before, after = truth(0), truth(1)
    for post_id, record in sorted(after.items()):
        old = before.get(post_id)
        if old is None or old["updated"] != record["updated"] or len(old["comments"]) != len(record["comments"]):
            continue
        if not audited(post_id, 1, rate) and audited(post_id, 2, rate):
            return record
    raise AssertionError("no post of the replica fits")


def test_the_audit_finds_an_edit_the_feeds_did_not_announce(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    rate = 0.25  # every post audited once in 4 crawls
    post = _quiet_post(rate)
    path = urlsplit(post["url"]).path
    out = tmp_path / "out"
    crawl(replica_factory, out, IDS[0], "--state", "0", incremental=False)
    replica_args = ("--state", "1", "--silent-edit", path)
    audit = ("-s", f"ARCHIVER_INCREMENTAL_AUDIT={rate}")
    second, second_requests, _ = crawl(replica_factory, out, IDS[1], *replica_args, extra=audit)
    # crawl 1 of the blog after the first: the feeds say nothing of the silent edit, and the post is not audited
    assert post["post_id"] not in {r["post_id"] for r in jsonl.read_file(second / "changes.jsonl")}
    assert path not in set(paths(second_requests))
    third, third_requests, stderr = crawl(replica_factory, out, IDS[2], *replica_args, extra=audit)
    assert path in set(paths(third_requests))  # its turn in the audit
    records = list(jsonl.read_file(third / "changes.jsonl"))
    assert [(r["change"], r["post_id"]) for r in records] == [("edited", post["post_id"])]
    assert "body_text" in records[0]["fields"]
    assert stats_of(third)["archiver/incremental/audit_changed"] == 1
    assert "CHANGED WITHOUT THE FEEDS SAYING SO" in (third / "summary.txt").read_text(encoding="utf-8")
    assert "AUDIT: 1 of the" in stderr
    assert post["url"] in stderr


@pytest.mark.slow
def test_an_incremental_visit_of_an_unchanged_2000_post_blog_makes_a_tenth_of_the_requests(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    """Issue 9's figure: at most 10% of the first crawl's requests, and still no change (tiny images: same count)."""
    replica = replica_factory("--posts", "2000", "--photo-bpp", "0")
    base = ["crawl", BLOG_URL, "--profile", "local", "-o", str(tmp_path)]
    served = []
    for crawl_id, extra in ((IDS[0], []), (IDS[1], ["--incremental"])):
        before = len(replica.requests_logged())
        result = run_archiver(
            *base, "-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra, env=replica.proxy_env(), timeout=900
        )
        assert result.returncode == 0, result.stderr[-3000:]
        served.append([r for r in replica.requests_logged()[before:] if r["method"] != "CONNECT"])
    first, incremental = (len(requests) for requests in served)
    assert incremental <= 0.10 * first, (incremental, first)
    folder = tmp_path / HOST / IDS[1]
    assert (folder / "changes.jsonl").read_bytes() == b""
    assert len(list(jsonl.read_file(folder / "posts.jsonl"))) == 2000
    stats = stats_of(folder)
    assert stats["archiver/incremental/skipped"] >= 0.9 * 2000


def test_a_carried_posts_mobile_page_is_not_fetched_again(
    replica_factory: Callable[..., Replica], tmp_path: Path
) -> None:
    replica = replica_factory("--posts", "20")
    base = ["crawl", BLOG_URL, "--profile", "local", "-o", str(tmp_path), "--mobile"]
    logged = 0
    for crawl_id, extra in ((IDS[0], []), (IDS[1], ["--incremental"])):
        logged = len(replica.requests_logged())
        result = run_archiver(*base, "-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra, env=replica.proxy_env())
        assert result.returncode == 0, result.stderr[-3000:]
    asked = {str(r["url"]) for r in replica.requests_logged()[logged:]}
    folder = tmp_path / HOST / IDS[1]
    carried = [
        r
        for r in jsonl.read_file(folder / "posts.jsonl")
        if r["source"]["filename"] in _files(tmp_path / HOST / IDS[0])
    ]
    assert carried
    for record in carried:
        assert record["url"] not in asked
        assert record["url"] + "?m=1" not in asked
    rebuilt = tmp_path / "rebuilt.jsonl"
    assert run_archiver("extract", str(folder), "-o", str(rebuilt)).returncode == 0
    assert rebuilt.read_bytes() == (folder / "posts.jsonl").read_bytes()
