"""The crawl's layout (archiver.layout) and the add-on that hands it to every component before they are built."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.utils.misc import build_from_crawler

from archiver.errors import ConfigError
from archiver.extensions.wacz import WaczPackageExtension
from archiver.layout import LAYOUT_SETTINGS, crawl_layout
from archiver.middlewares.crawllog import CrawlLogMiddleware
from archiver.middlewares.warc import WarcRecorderMiddleware, warcinfo_fields
from archiver.pipelines.records import PostRecordsExtension
from archiver.spiders.blogspot import BlogspotSpider
from tests.unit.test_middleware_warc import laid_out_crawler, project_settings

if TYPE_CHECKING:
    from pathlib import Path

HOST = "gongminziyoulianmeng.blogspot.com"
START = datetime(2026, 11, 23, 16, 58, 53, tzinfo=UTC)
UA = "blogspot-archiver/1.0 (web archiving crawler)"


def values(**given: Any) -> dict[str, Any]:
    """The layout's settings as archiver/settings.py leaves them, with ``given`` on top."""
    return {
        "ARCHIVER_OUTPUT_DIR": "output",
        "ARCHIVER_CONTACT": "",
        "ARCHIVER_WARC_PREFIX": "",
        "USER_AGENT": UA,
        **given,
    }


def test_unset_paths_are_derived_from_the_output_folder_the_blog_and_the_start_time() -> None:
    layout = crawl_layout(values(ARCHIVER_OUTPUT_DIR="out"), HOST, now=START)
    assert layout.crawl_id == "20261123T165853Z"
    assert layout.crawl_dir == f"out/{HOST}/20261123T165853Z"
    assert layout.warc_dir == f"out/{HOST}/20261123T165853Z/warc"
    assert layout.corpus_dir == f"out/{HOST}/corpus"
    assert layout.warc_prefix == HOST
    assert layout.user_agent == UA  # no contact: nothing invented


def test_the_host_folder_is_the_one_safe_name() -> None:
    layout = crawl_layout(values(), "Blog.Example.ORG:8080", now=START)
    assert layout.host_folder == "blog.example.org-8080"
    assert layout.crawl_dir == "output/blog.example.org-8080/20261123T165853Z"
    assert layout.warc_prefix == "blog.example.org-8080"


def test_a_given_crawl_folder_names_the_crawl_and_holds_its_warcs(tmp_path: Path) -> None:
    layout = crawl_layout(values(ARCHIVER_CRAWL_DIR=str(tmp_path / "c0")), HOST, now=START)
    assert (layout.crawl_id, layout.crawl_dir) == ("c0", str(tmp_path / "c0"))
    assert layout.warc_dir == str(tmp_path / "c0" / "warc")
    assert layout.corpus_dir == f"output/{HOST}/corpus"  # the corpus stays the blog's, beside its crawls
    both = crawl_layout(
        values(ARCHIVER_CRAWL_DIR=str(tmp_path / "c0"), ARCHIVER_CRAWL_ID="20240102T030405Z"), HOST, now=START
    )
    assert (both.crawl_id, both.crawl_dir) == ("20240102T030405Z", str(tmp_path / "c0"))


def test_given_values_are_used_as_given() -> None:
    layout = crawl_layout(
        values(
            ARCHIVER_WARC_DIR="/w", ARCHIVER_POSTS_CORPUS_DIR="/c", ARCHIVER_WARC_PREFIX="p", ARCHIVER_CRAWL_ID="run-1"
        ),
        HOST,
        now=START,
    )
    assert (layout.crawl_dir, layout.warc_dir, layout.corpus_dir, layout.warc_prefix) == (
        f"output/{HOST}/run-1",
        "/w",
        "/c",
        "p",
    )
    # an empty WARC folder is not "unset": it is passed on, and the WARC recorder refuses it by name
    assert crawl_layout(values(ARCHIVER_WARC_DIR=""), HOST, now=START).warc_dir == ""


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"ARCHIVER_CRAWL_DIR": ""}, "ARCHIVER_CRAWL_DIR is empty"),
        ({"ARCHIVER_CRAWL_DIR": " "}, "ARCHIVER_CRAWL_DIR is empty"),
        ({"ARCHIVER_CRAWL_ID": ""}, "ARCHIVER_CRAWL_ID '' is not a plain name"),
        ({"ARCHIVER_CRAWL_ID": "a/b"}, "ARCHIVER_CRAWL_ID 'a/b' is not a plain name"),
        ({"ARCHIVER_CRAWL_ID": ".."}, "ARCHIVER_CRAWL_ID '..' is not a plain name"),
        ({"ARCHIVER_OUTPUT_DIR": ""}, "ARCHIVER_OUTPUT_DIR is empty"),
        ({"ARCHIVER_OUTPUT_DIR": None}, "ARCHIVER_OUTPUT_DIR is empty"),
    ],
)
def test_what_the_rules_derive_from_must_be_usable(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        crawl_layout(values(**given), HOST, now=START)


def test_the_contact_is_appended_to_the_user_agent_once() -> None:
    layout = crawl_layout(values(ARCHIVER_CONTACT=" mailto:ops@example.org "), HOST, now=START)
    assert layout.contact == "mailto:ops@example.org"
    assert layout.user_agent == f"{UA} (+mailto:ops@example.org)"
    again = crawl_layout(values(ARCHIVER_CONTACT="mailto:ops@example.org", USER_AGENT=layout.user_agent), HOST)
    assert again.user_agent == layout.user_agent


def test_without_a_blog_only_what_does_not_depend_on_it_is_derived(tmp_path: Path) -> None:
    assert crawl_layout(values(), None, now=START).settings() == {"USER_AGENT": UA}
    layout = crawl_layout(values(ARCHIVER_CRAWL_DIR=str(tmp_path)), None, now=START)
    assert layout.settings() == {
        "ARCHIVER_CRAWL_ID": tmp_path.name,
        "ARCHIVER_CRAWL_DIR": str(tmp_path),
        "ARCHIVER_WARC_DIR": str(tmp_path / "warc"),
        "USER_AGENT": UA,
    }


_maybe_name = st.none() | st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True)


@given(
    output=st.from_regex(r"[a-z]{1,8}(/[a-z]{1,8}){0,2}", fullmatch=True),
    crawl_id=_maybe_name,
    crawl_dir=_maybe_name,
    warc_dir=_maybe_name,
    corpus_dir=_maybe_name,
    prefix=st.sampled_from(["", "p"]),
    contact=st.sampled_from(["", "mailto:a@example.org", "https://example.org/c"]),
    host=st.sampled_from([HOST, "blog.example.org", "127.0.0.1:8080", None]),
)
def test_laying_out_a_layout_again_changes_nothing(
    output: str,
    crawl_id: str | None,
    crawl_dir: str | None,
    warc_dir: str | None,
    corpus_dir: str | None,
    prefix: str,
    contact: str,
    host: str | None,
) -> None:
    """The CLI lays out the crawl and the add-on lays it out again from the result: both must agree."""
    first = crawl_layout(
        values(
            ARCHIVER_OUTPUT_DIR=output,
            ARCHIVER_CRAWL_ID=crawl_id,
            ARCHIVER_CRAWL_DIR=crawl_dir,
            ARCHIVER_WARC_DIR=warc_dir,
            ARCHIVER_POSTS_CORPUS_DIR=corpus_dir,
            ARCHIVER_WARC_PREFIX=prefix,
            ARCHIVER_CONTACT=contact,
        ),
        host,
        now=START,
    )
    applied = {
        **values(ARCHIVER_OUTPUT_DIR=output, ARCHIVER_WARC_PREFIX=prefix, ARCHIVER_CONTACT=contact),
        **first.settings(),
    }
    assert set(applied) <= set(LAYOUT_SETTINGS)
    assert crawl_layout(applied, host, now=datetime(2030, 1, 1, tzinfo=UTC)) == first


# -- the add-on: `scrapy crawl blogspot -a url=...` gets the same layout as `archiver crawl` ----------------------


def test_the_addon_lays_out_the_crawl_before_the_components_are_built(tmp_path: Path) -> None:
    crawler = laid_out_crawler(
        BlogspotSpider,
        project_settings(ARCHIVER_OUTPUT_DIR=str(tmp_path), ARCHIVER_CONTACT="mailto:ops@example.org"),
        url=f"https://{HOST}/",
    )
    settings = crawler.settings
    crawl_dir = tmp_path / HOST / settings["ARCHIVER_CRAWL_ID"]
    assert settings["ARCHIVER_CRAWL_DIR"] == str(crawl_dir)
    assert settings["USER_AGENT"].endswith(" (+mailto:ops@example.org)")
    # the components read it in from_crawler: every path comes from the layout, none is derived again
    assert build_from_crawler(WarcRecorderMiddleware, crawler).directory == crawl_dir / "warc"
    assert build_from_crawler(CrawlLogMiddleware, crawler).path == crawl_dir / "crawl.log"
    assert build_from_crawler(WaczPackageExtension, crawler).warc_dir == crawl_dir / "warc"
    assert build_from_crawler(PostRecordsExtension, crawler).corpus_dir == tmp_path / HOST / "corpus"
    info = warcinfo_fields(settings, crawler.spider)
    assert info["isPartOf"] == settings["ARCHIVER_CRAWL_ID"]
    assert info["operator"] == "mailto:ops@example.org"
    assert info["http-header-user-agent"] == settings["USER_AGENT"]


def test_the_addon_warns_when_no_operator_can_be_reached(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="archiver.addons"):
        laid_out_crawler(BlogspotSpider, project_settings(ARCHIVER_OUTPUT_DIR=str(tmp_path)), url=f"https://{HOST}/")
    assert "No operator contact given" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="archiver.addons"):
        laid_out_crawler(
            BlogspotSpider,
            project_settings(ARCHIVER_OUTPUT_DIR=str(tmp_path), ARCHIVER_PROFILE="local"),
            url=f"https://{HOST}/",
        )
    assert "No operator contact given" not in caplog.text  # the replica, tests and benchmarks


def test_the_addon_refuses_a_broken_layout_setting_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ARCHIVER_CRAWL_ID 'a/b'"):
        laid_out_crawler(
            BlogspotSpider,
            project_settings(ARCHIVER_OUTPUT_DIR=str(tmp_path), ARCHIVER_CRAWL_ID="a/b"),
            url=f"https://{HOST}/",
        )


def test_an_empty_corpus_folder_is_refused_by_the_records_not_ignored(tmp_path: Path) -> None:
    crawler = laid_out_crawler(
        BlogspotSpider,
        project_settings(ARCHIVER_OUTPUT_DIR=str(tmp_path), ARCHIVER_POSTS_CORPUS_DIR="", EXTENSIONS={}),
        url=f"https://{HOST}/",
    )
    with pytest.raises(ConfigError, match="ARCHIVER_POSTS_CORPUS_DIR is empty"):
        build_from_crawler(PostRecordsExtension, crawler)
