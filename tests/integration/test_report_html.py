"""The HTML report of a real crawl of the replica: written at the end, covered by the manifest, and reproducible."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from archiver.fixity import MANIFEST_NAME
from archiver.htmlreport import REPORT_NAME
from tests.conftest import run_archiver
from tests.integration.conftest import POSTS

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.conftest import ArchivedCrawl

_DATA_STAT = re.compile(r'<data value="(-?\d+)" data-stat="([^"]+)">')


def test_the_crawl_writes_its_report_and_the_manifest_covers_it(archived_crawl: ArchivedCrawl) -> None:
    report = archived_crawl.dir / REPORT_NAME
    assert report.is_file()
    manifest = (archived_crawl.dir / MANIFEST_NAME).read_text(encoding="utf-8")
    assert any(line.endswith(f"  {REPORT_NAME}") for line in manifest.splitlines())
    assert f"summary.txt, {REPORT_NAME}" in (archived_crawl.dir / "summary.txt").read_text(encoding="utf-8")


def test_the_report_names_the_crawls_counts(archived_crawl: ArchivedCrawl) -> None:
    html = (archived_crawl.dir / REPORT_NAME).read_text(encoding="utf-8")
    stats = json.loads((archived_crawl.dir / "stats.json").read_text(encoding="utf-8"))["stats"]
    shown = {key: int(value) for value, key in _DATA_STAT.findall(html)}
    assert shown["archiver/posts/found"] == POSTS
    assert shown["archiver/fetched/post"] == POSTS
    assert shown["archiver/posts/written"] == POSTS
    assert shown == {key: stats[key] for key in shown}
    assert 'data-outcome="finished"' in html
    # every post came by some route the crawl recorded, and the routes add up to the posts of crawl.log
    routes = re.search(r"<strong>posts in crawl.log</strong></td><td class=\"n\"><data value=\"(\d+)\"", html)
    assert routes is not None
    assert int(routes.group(1)) == POSTS


def test_archiver_report_offline_gives_the_same_bytes(archived_crawl: ArchivedCrawl, tmp_path: Path) -> None:
    again = tmp_path / "again.html"
    result = run_archiver("report", str(archived_crawl.dir), "-o", str(again))
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == (archived_crawl.dir / REPORT_NAME).read_bytes()
    refused = run_archiver("report", str(archived_crawl.dir))
    assert refused.returncode == 1
    assert "covered by the crawl's fixity manifest" in refused.stderr
