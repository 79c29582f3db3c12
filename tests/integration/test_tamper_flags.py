"""Tamper flags end to end: crawl the clean replica, then its planted-code state, into one output.

The planted state (``serve --planted``) puts an obfuscated ``eval(atob(...))`` script, a hidden iframe, an
unknown external script and a meta refresh off the blog into four posts' own pages, and a harmless YouTube
embed into a fifth; its ground truth lists each (``planted``). Every planted element must be flagged, on the
pages that carry it and nowhere else: in posts.jsonl ``flags``, in the pages' metadata records, in the crawl
summary; the second visit's change report raises each new flag; ``archiver extract`` rebuilds the same records.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from archiver.records import jsonl
from archiver.schemas import load
from tests.conftest import BLOG_HOST as HOST
from tests.conftest import BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

POSTS = 30
FLAG_FIELDS = ("kind", "element", "attribute", "host")


def crawl(replica_factory: Callable[..., Replica], out: Path, crawl_id: str, *extra: str) -> Path:
    replica = replica_factory("--posts", str(POSTS), *extra)
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}"]
    result = run_archiver(*args, env=replica.proxy_env())
    assert result.returncode == 0, result.stderr[-4000:]
    return out / HOST / crawl_id


@pytest.fixture(scope="module")
def visits(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("tamper")
    clean = crawl(replica_factory, out, "20240101T000000Z")
    planted = crawl(replica_factory, out, "20240201T000000Z", "--planted")
    return clean, planted


def truth() -> dict[str, dict[str, Any]]:
    blog = Blog(POSTS, 0, DEFAULT_BLOG_NAME, planted=True)
    return {str(r["post_id"]): r for r in truth_records(blog)}


def metadata_flags(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Target URI to the tamperFlag lines of its metadata records, for every capture's metadata record."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted((folder / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "metadata":
                    continue
                if record.rec_headers.get_header("Content-Type") != "application/warc-fields":
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                found[uri]  # noqa: B018 -- every capture is listed, flagged or not
                for line in record.content_stream().read().decode("utf-8").splitlines():
                    name, _, value = line.partition(": ")
                    if name == "tamperFlag":
                        found[uri].append(json.loads(value))
    return found


def test_the_clean_blog_gives_no_flag(visits: tuple[Path, Path]) -> None:
    clean, _ = visits
    posts = list(jsonl.read_file(clean / "posts.jsonl"))
    assert len(posts) == POSTS
    assert [r for r in posts if r["flags"]] == []
    flags = metadata_flags(clean)
    assert len(flags) > 2 * POSTS
    assert {uri: found for uri, found in flags.items() if found} == {}
    summary = json.loads((clean / "stats.json").read_text(encoding="utf-8"))["summary"]
    assert summary["tamper"]["pages"] >= 2 * POSTS
    assert summary["tamper"]["flags"] == {}
    assert f"  tamper      no flag in {summary['tamper']['pages']} HTML pages scanned\n" in (
        clean / "summary.txt"
    ).read_text(encoding="utf-8")


def test_every_planted_element_is_in_its_post_record_and_nothing_else(visits: tuple[Path, Path]) -> None:
    _, planted = visits
    want = truth()
    posts = list(jsonl.read_file(planted / "posts.jsonl"))
    assert len(posts) == POSTS
    schema = jsonschema.Draft202012Validator(load("post"))
    for record in posts:
        schema.validate(record)
        assert [{k: f[k] for k in FLAG_FIELDS} for f in record["flags"]] == want[record["post_id"]]["planted"]
    flagged = {r["post_id"]: r["flags"] for r in posts if r["flags"]}
    assert len(flagged) == 5
    youtube = next(f for flags in flagged.values() for f in flags if f["host"] == "www.youtube.com")
    assert (youtube["kind"], youtube["severity"]) == ("external_embed", "low")
    assert all(f["severity"] == "high" for flags in flagged.values() for f in flags if f is not youtube)
    pages = list(jsonl.read_file(planted / "pages.jsonl"))
    assert pages
    assert all(p["flags"] == [] for p in pages)


def test_every_planted_element_is_in_the_metadata_record_of_each_page_that_carries_it(
    visits: tuple[Path, Path],
) -> None:
    _, planted = visits
    want = {r["url"]: r["planted"] for r in truth().values()}
    found = metadata_flags(planted)
    expected: dict[str, list[dict[str, Any]]] = {}
    for url, flags in want.items():
        if flags:
            expected[url] = flags
            if f"{url}?m=1" in found:  # the mobile page, when the crawl archived it
                expected[f"{url}?m=1"] = flags
    assert {uri: [{k: f[k] for k in FLAG_FIELDS} for f in got] for uri, got in found.items() if got} == expected
    assert not [uri for uri in found if ".example/" in uri]  # nothing planted was fetched


def test_the_summary_counts_the_flags(visits: tuple[Path, Path]) -> None:
    _, planted = visits
    summary = json.loads((planted / "stats.json").read_text(encoding="utf-8"))["summary"]
    pages = [flags for flags in metadata_flags(planted).values() if flags]  # one plant a page
    assert len(pages) >= 5
    by_kind: dict[str, int] = defaultdict(int)
    for flags in pages:
        by_kind[flags[0]["kind"]] += len(flags)
    assert set(by_kind) == {"obfuscated_script", "hidden_iframe", "external_script", "meta_refresh", "external_embed"}
    assert summary["tamper"]["flags"] == dict(sorted(by_kind.items()))
    assert summary["tamper"]["flagged"] == len(pages)
    text = (planted / "summary.txt").read_text(encoding="utf-8")
    n = by_kind["hidden_iframe"]
    assert f"  tamper      {len(pages)} FLAGS on {len(pages)} of {summary['tamper']['pages']} HTML pages (" in text
    assert (
        f"hidden_iframe {n}, external_script {n}, obfuscated_script {n}, meta_refresh {n}, external_embed {n})" in text
    )


def test_the_recrawl_raises_every_new_flag_and_nothing_else(visits: tuple[Path, Path]) -> None:
    _, planted = visits
    records = list(jsonl.read_file(planted / "changes.jsonl"))
    want = {(post_id, (f := t["planted"][0])["kind"], f["host"]) for post_id, t in truth().items() if t["planted"]}
    assert {(r["change"]) for r in records} == {"flagged"}
    assert {(r["post_id"], r["flag"]["kind"], r["flag"]["host"]) for r in records} == want
    assert len(records) == len(want)
    stats = json.loads((planted / "stats.json").read_text(encoding="utf-8"))["stats"]
    assert stats["archiver/changes/flagged"] == 5
    assert "  changes     5 flagged (changes.jsonl)" in (planted / "summary.txt").read_text(encoding="utf-8")


def test_archiver_extract_rebuilds_the_same_records(visits: tuple[Path, Path], tmp_path: Path) -> None:
    _, planted = visits
    result = subprocess.run(
        [sys.executable, "-m", "archiver", "extract", str(planted), "-o", str(tmp_path / "posts.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "posts.jsonl").read_bytes() == (planted / "posts.jsonl").read_bytes()
