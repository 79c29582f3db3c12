"""The end-of-crawl HTML report: written from the crawl folder's files, after what it reads, before the manifest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver import settings
from archiver.extensions.htmlreport import REPORT_STAT, HtmlReportExtension
from archiver.htmlreport import REPORT_NAME, render_folder
from archiver.spiders.blogspot import BlogspotSpider
from tests.unit.test_htmlreport import write_crawl

if TYPE_CHECKING:
    from pathlib import Path

EXTENSION = "archiver.extensions.htmlreport.HtmlReportExtension"


def test_it_runs_after_every_extension_whose_files_it_reads_and_before_the_manifest() -> None:
    order = settings.EXTENSIONS
    for before in (
        "archiver.pipelines.records.PostRecordsExtension",
        "archiver.extensions.wacz.WaczPackageExtension",
        "archiver.extensions.dedup.DedupIndexExtension",
        "archiver.extensions.timestamps.TimestampExtension",
        "archiver.extensions.report.CrawlReportExtension",
    ):
        assert order[before] < order[EXTENSION], before
    assert order[EXTENSION] < order["archiver.extensions.fixity.FixityManifestExtension"]
    assert settings.ARCHIVER_REPORT_HTML_ENABLED is True


def test_it_names_the_report_for_the_summary_and_writes_it_when_the_engine_stops(tmp_path: Path) -> None:
    crawl = write_crawl(tmp_path / "c")
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_CRAWL_DIR": str(crawl), "ARCHIVER_REPORT_HTML_ENABLED": True})
    crawler.stats.open_spider()
    extension = build_from_crawler(HtmlReportExtension, crawler)
    extension.spider_opened()
    assert crawler.stats.get_value(REPORT_STAT) == REPORT_NAME
    extension.engine_stopped()
    assert (crawl / REPORT_NAME).read_text(encoding="utf-8") == render_folder(crawl)
    assert not list(crawl.glob("*.tmp"))


def test_a_report_that_cannot_be_written_is_counted_not_raised(tmp_path: Path) -> None:
    crawl = write_crawl(tmp_path / "c")
    (crawl / REPORT_NAME).mkdir()  # a folder in the way
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_CRAWL_DIR": str(crawl), "ARCHIVER_REPORT_HTML_ENABLED": True})
    crawler.stats.open_spider()
    build_from_crawler(HtmlReportExtension, crawler).engine_stopped()
    assert crawler.stats.get_value("archiver/report/html_errors") == 1


def test_it_can_be_switched_off(tmp_path: Path) -> None:
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_CRAWL_DIR": str(tmp_path), "ARCHIVER_REPORT_HTML_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(HtmlReportExtension, crawler)


def test_the_summary_lists_the_report_among_the_crawls_files() -> None:
    from archiver.extensions.report import summarise, summary_text

    stats = {"finish_reason": "finished", REPORT_STAT: REPORT_NAME}
    summary = summarise(stats, seed="https://b.blogspot.com/", crawl_dir="out/b/1", duration_s=1.0, files=[], mended=[])
    assert summary["report_html"] == REPORT_NAME
    assert "summary.txt, report.html)" in summary_text(summary)
