"""The crawl outcome logged for Scrapyd jobs, and the settings a job is scheduled with (archiver.scrapyd).

The calls to a real Scrapyd are in tests/integration/test_scrapyd.py.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver import settings
from archiver.extensions.outcome import CrawlOutcomeExtension, crawl_outcome
from archiver.profiles import PROFILES
from archiver.scrapyd import ScrapydError, job_settings, outcome_in_log
from archiver.spiders.blogspot import BlogspotSpider

if TYPE_CHECKING:
    from pathlib import Path


def test_outcome_follows_the_exit_status_rule_of_archiver_crawl() -> None:
    assert crawl_outcome({"finish_reason": "finished"}).log_line() == (
        "Crawl outcome: finished (exit status 0): finished, everything archived"
    )
    gave_up = crawl_outcome({"finish_reason": "finished", "archiver/gave_up/size_limit": 2, "archiver/gave_up/503": 1})
    assert (gave_up.state, gave_up.exit_status) == ("gave_up", 3)
    assert gave_up.reason == "finished, but gave up on 3 URLs (503 1, size_limit 2)"
    # not finished beats gave up: an interrupted crawl may have given up on something too
    shutdown = crawl_outcome({"finish_reason": "shutdown", "archiver/gave_up/503": 1})
    assert (shutdown.state, shutdown.exit_status) == ("failed", 1)
    assert "shutdown" in shutdown.reason
    assert crawl_outcome({}).state == "failed"


def test_outcome_line_is_read_back_from_a_log_and_missing_means_failed() -> None:
    log = "\n".join(
        [
            "2026-01-01 [scrapy.core.engine] INFO: Spider closed (finished)",
            "2026-01-01 [archiver.extensions.outcome] WARNING: "
            + crawl_outcome({"finish_reason": "finished", "archiver/gave_up/unfetched": 4}).log_line(),
            "2026-01-01 [archiver.extensions.fixity] INFO: Fixity manifest ...",
        ]
    )
    assert outcome_in_log(log) == "gave_up"
    assert outcome_in_log("Traceback (most recent call last):\narchiver.errors.ConfigError: ...") == "failed"
    assert outcome_in_log("") == "failed"


def test_extension_logs_the_outcome_after_the_report(caplog: pytest.LogCaptureFixture) -> None:
    order = settings.EXTENSIONS
    assert (
        order["archiver.extensions.report.CrawlReportExtension"]
        < order["archiver.extensions.outcome.CrawlOutcomeExtension"]
    )
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_OUTCOME_ENABLED": True})
    crawler.stats.open_spider()
    crawler.stats.set_value("finish_reason", "finished")
    crawler.stats.set_value("archiver/gave_up/size_limit", 1)
    extension = build_from_crawler(CrawlOutcomeExtension, crawler)
    with caplog.at_level(logging.INFO, logger="archiver.extensions.outcome"):
        extension.engine_stopped()
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("Crawl outcome: gave_up (exit status 3)")


def test_extension_is_optional() -> None:
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_OUTCOME_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(CrawlOutcomeExtension, crawler)


def test_job_settings_carry_the_profile_and_the_given_settings_win(tmp_path: Path) -> None:
    merged = job_settings({"ARCHIVER_OUTPUT_DIR": str(tmp_path), "ARCHIVER_PROFILE": "local", "DOWNLOAD_DELAY": "2"})
    expected = {name: str(value) for name, value in PROFILES["local"].items()}
    assert merged == {**expected, "ARCHIVER_OUTPUT_DIR": str(tmp_path), "DOWNLOAD_DELAY": "2"}
    assert job_settings({"ARCHIVER_OUTPUT_DIR": str(tmp_path)})["ARCHIVER_PROFILE"] == "polite"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "ARCHIVER_OUTPUT_DIR is needed"),
        ({"ARCHIVER_OUTPUT_DIR": "output"}, "ARCHIVER_OUTPUT_DIR 'output' is relative"),
        ({"ARCHIVER_OUTPUT_DIR": "/a", "ARCHIVER_CRAWL_DIR": "c"}, "ARCHIVER_CRAWL_DIR 'c' is relative"),
    ],
)
def test_job_settings_refuse_a_folder_in_scrapyds_working_directory(given: dict[str, str], message: str) -> None:
    with pytest.raises(ScrapydError, match=message):
        job_settings(given)
