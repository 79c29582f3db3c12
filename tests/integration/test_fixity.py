"""The fixity manifest of a real crawl, and BagIt bags of it made and validated with the real ``bagit`` tool.

One `archiver crawl` of a small replica runs in a subprocess through the replica's proxy, as a user would, into
``OUTPUT/<host>/<crawl id>`` with every default (the WACZ, the report, the dedup index). The tests that change
files work on copies, so that each sees the crawl as it was written.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import bagit
import pytest

from archiver.fixity import MANIFEST_NAME, folder_files, verify_bag, verify_manifest
from archiver.verify import Report
from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Replica

BAGIT_CLI = Path(sys.executable).parent / "bagit.py"  # the venv's bin: bagit's own command line
CRAWL_ID = "20240102T030405Z"


@dataclass
class Crawled:
    blog: Path
    crawl: Path
    stderr: str


@pytest.fixture(scope="module")
def crawled(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    replica = replica_factory("--posts", "6")
    out = tmp_path_factory.mktemp("fixity")
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={CRAWL_ID}"]
    result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    return Crawled(out / BLOG_HOST, out / BLOG_HOST / CRAWL_ID, result.stderr)


def listed(crawl: Path) -> dict[str, str]:
    lines = (crawl / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def problems(report: Report) -> list[str]:
    return [problem.line() for problem in report.problems]


def test_the_manifest_covers_every_file_the_crawl_wrote_and_verifies(crawled: Crawled) -> None:
    entries = listed(crawled.crawl)
    on_disk = {
        path.relative_to(crawled.crawl).as_posix()
        for path in crawled.crawl.rglob("*")
        if path.is_file() and path.name != MANIFEST_NAME
    }
    assert set(entries) == on_disk
    # written last: the report, the WACZ, the index, the post records and the WARCs are all in it
    for name in ("stats.json", "summary.txt", "index.cdxj", "crawl.log", "crawl.json", "posts.jsonl"):
        assert name in entries
    assert f"{BLOG_HOST}-{CRAWL_ID}.wacz" in entries
    warcs = sorted((crawled.crawl / "warc").glob("*.warc.gz"))
    assert warcs
    for warc in warcs:
        assert entries[f"warc/{warc.name}"] == hashlib.sha256(warc.read_bytes()).hexdigest()
    assert f"sha256 of {len(entries)} files" in crawled.stderr
    report = Report()
    verify_manifest(crawled.crawl, report)
    assert report.passed, problems(report)
    assert report.checked["manifest"] == len(entries)
    assert report.notes == []


def test_an_edited_a_deleted_and_an_added_file_are_each_reported(crawled: Crawled, tmp_path: Path) -> None:
    crawl = tmp_path / CRAWL_ID
    shutil.copytree(crawled.crawl, crawl)
    warc = sorted((crawl / "warc").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    (crawl / "posts.jsonl").unlink()
    later = run_archiver("package", str(crawl), "-o", str(crawl / "later.wacz"))
    assert later.returncode == 0, later.stderr
    report = Report()
    verify_manifest(crawl, report)
    by_path = {problem.path: problem.what for problem in report.problems}
    assert set(by_path) == {str(warc), str(crawl / "posts.jsonl")}, problems(report)
    expected = listed(crawled.crawl)[f"warc/{warc.name}"]
    assert by_path[str(warc)] == f"sha256 differs: expected {expected}, found {hashlib.sha256(data).hexdigest()}"
    assert "missing" in by_path[str(crawl / "posts.jsonl")]
    (note,) = report.notes
    assert "later.wacz" in note
    assert "not in manifest-sha256.txt" in note


def test_a_bag_of_the_blog_validates_with_bagit_and_a_tampered_warc_is_named(crawled: Crawled, tmp_path: Path) -> None:
    before = {path: path.stat().st_mtime_ns for path in crawled.blog.rglob("*")}
    bag_dir = tmp_path / "bag"
    result = run_archiver(
        "package", "--bagit", str(crawled.blog), "-o", str(bag_dir), "--contact", "archivist@example.org"
    )
    assert result.returncode == 0, result.stderr
    assert "BagIt 1.0 bag of 1 crawl(s)" in result.stdout
    assert {path: path.stat().st_mtime_ns for path in crawled.blog.rglob("*")} == before  # copied, not changed
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    assert bag.version_info == (1, 0)
    assert bag.info["Source-Organization"] == "archivist@example.org"
    assert BLOG_URL in bag.info["External-Description"]
    assert CRAWL_ID in bag.info["External-Description"]
    assert (bag_dir / "data" / "dedup.sqlite").is_file()
    assert (bag_dir / "data" / CRAWL_ID / MANIFEST_NAME).is_file()
    validated = subprocess.run(
        [sys.executable, str(BAGIT_CLI), "--validate", str(bag_dir)], capture_output=True, text=True, check=False
    )
    assert validated.returncode == 0, validated.stderr
    report = Report()
    verify_bag(bag_dir, report)
    verify_manifest(bag_dir / "data" / CRAWL_ID, report)  # the crawl's own manifest holds inside the bag too
    assert report.passed, problems(report)

    warc = sorted((bag_dir / "data" / CRAWL_ID / "warc").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[-10] ^= 0xFF
    warc.write_bytes(bytes(data))
    relative = f"data/{CRAWL_ID}/warc/{warc.name}"
    with pytest.raises(bagit.BagValidationError, match=relative):
        bagit.Bag(str(bag_dir)).validate()
    validated = subprocess.run(
        [sys.executable, str(BAGIT_CLI), "--validate", str(bag_dir)], capture_output=True, text=True, check=False
    )
    assert validated.returncode != 0
    assert relative in validated.stderr
    report = Report()
    verify_bag(bag_dir, report)
    assert {problem.path for problem in report.problems} == {str(warc)}
    assert sorted(problem.what.split(" ", 1)[0] for problem in report.problems) == ["sha256", "sha512"]


def test_a_bag_of_one_crawl_and_the_refusal_of_a_folder_in_use(crawled: Crawled, tmp_path: Path) -> None:
    bag_dir = tmp_path / "crawl-bag"
    result = run_archiver("package", "--bagit", str(crawled.crawl), "-o", str(bag_dir))
    assert result.returncode == 0, result.stderr
    assert bagit.Bag(str(bag_dir)).is_valid()
    assert folder_files(bag_dir / "data") == folder_files(crawled.crawl)
    again = run_archiver("package", "--bagit", str(crawled.crawl), "-o", str(bag_dir))
    assert again.returncode == 1
    assert f"{bag_dir} already exists and is not an empty folder" in again.stderr
    assert bagit.Bag(str(bag_dir)).is_valid()  # the bag there is left as it was
