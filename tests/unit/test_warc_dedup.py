"""The blog's dedup index (archiver.warc.dedup), its crawl extension and `archiver index`.

The WARC files are written with the project's own writer into a blog folder laid out as a crawl leaves it
(``BLOG/<crawl id>/warc/``), with fixed dates so that which capture is the earliest is known.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archiver import cli
from archiver.errors import ConfigError
from archiver.extensions.dedup import DedupIndexExtension
from archiver.layout import crawl_layout
from archiver.spiders.blogspot import BlogspotSpider
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter, dedup
from archiver.warc.dedup import DedupError, DedupIndex, IndexedCapture, date_key, rebuild
from tests.unit.test_middleware_warc import laid_out_crawler, project_settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

HOST = "blog.example.org"
HOME = f"https://{HOST}/"
POST = f"{HOME}2013/09/rally.html"
HTML = [(b"Content-Type", b"text/html; charset=UTF-8")]
DAY1 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DAY2 = datetime(2026, 2, 2, 3, 4, 5, tzinfo=UTC)


def write_crawl(
    blog: Path,
    crawl_id: str,
    when: datetime,
    *captures: tuple[str, bytes],
    truncated: str | None = None,
    keep_open: bool = False,
) -> Path:
    """One crawl's WARC file of (url, body) captures, one second apart from ``when``; returns its path."""
    writer = WarcFileWriter(blog / crawl_id / "warc", HOST, "test", clock=lambda: when)
    for n, (url, body) in enumerate(captures):
        writer.write_capture(
            Capture(
                request=CapturedRequest("GET", url),
                response=CapturedResponse(
                    status=200, protocol="HTTP/1.1", headers=HTML, body=body, truncated=truncated
                ),
                date=when + timedelta(seconds=n),
            )
        )
    writer.close()
    path = writer.files_written[-1]
    if keep_open:  # as a killed crawl leaves it: the name it had while written
        return path.replace(path.with_name(path.name + ".open"))
    return path


def two_crawls(blog: Path) -> tuple[Path, Path]:
    """Day 1: home and post; day 2: the same home page, an edited post, a new page."""
    first = write_crawl(blog, "20260102T030405Z", DAY1, (HOME, b"<p>home</p>"), (POST, b"<p>rally v1</p>"))
    second = write_crawl(
        blog,
        "20260202T030405Z",
        DAY2,
        (HOME, b"<p>home</p>"),
        (POST, b"<p>rally v2</p>"),
        (f"{HOME}p/about.html", b"<p>rally v1</p>"),
    )
    return first, second


def response_records(path: Path) -> list[dict[str, Any]]:
    """What warcio reads back of every response record: the headers the index must agree with."""
    out = []
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type == "response":
                headers = record.rec_headers
                records.read_to_end()
                out.append(
                    {
                        "url": headers.get_header("WARC-Target-URI"),
                        "digest": headers.get_header("WARC-Payload-Digest"),
                        "date": headers.get_header("WARC-Date"),
                        "record_id": headers.get_header("WARC-Record-ID"),
                        "offset": records.get_record_offset(),
                        "length": records.get_record_length(),
                    }
                )
    return out


def test_each_row_is_the_response_record_as_written_and_points_at_it(tmp_path: Path) -> None:
    first, _ = two_crawls(tmp_path)
    with DedupIndex(tmp_path) as index:
        index.add_crawl(first.parent)
        rows = index.rows()
    written = response_records(first)
    assert [(r.url, r.digest, r.date, r.record_id, r.offset, r.length) for r in rows] == [
        (w["url"], w["digest"], w["date"], w["record_id"], w["offset"], w["length"]) for w in written
    ]
    assert all(row.digest.startswith("sha1:") for row in rows)
    assert {(row.file, row.crawl_id, row.status) for row in rows} == {
        (f"20260102T030405Z/warc/{first.name}", "20260102T030405Z", 200)
    }
    # the offset is the record's own gzip member: reading from there gives that very record
    with (tmp_path / rows[1].file).open("rb") as stream:
        stream.seek(rows[1].offset)
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == rows[1].record_id
        assert record.content_stream().read() == b"<p>rally v1</p>"
    assert (tmp_path / "dedup.sqlite").is_file()


def test_the_original_of_an_unchanged_payload_is_its_earliest_capture_whatever_the_order_indexed(
    tmp_path: Path,
) -> None:
    first, second = two_crawls(tmp_path)
    with DedupIndex(tmp_path) as index:
        index.add_crawl(second.parent)  # the later crawl first: the order of filling must not matter
        index.add_crawl(first.parent)
        home_day1, post_v1 = (row for row in index.rows() if row.crawl_id == "20260102T030405Z")
        home_day2 = next(row for row in index.rows() if row.crawl_id == "20260202T030405Z" and row.url == HOME)
        assert home_day1.digest == home_day2.digest  # the same payload, archived twice
        assert index.original(HOME, home_day2.digest) == home_day1
        # the edited post's new payload has no earlier capture of that URL
        post_v2 = next(row for row in index.rows() if row.url == POST and row.crawl_id == "20260202T030405Z")
        assert post_v2.digest != post_v1.digest
        assert index.original(POST, post_v2.digest) == post_v2
        assert index.original(f"{HOME}p/about.html", post_v1.digest) is not None  # about has its own capture
        # any URL: the page whose body equals the first version of the post points at the post's capture
        assert index.original_any(post_v1.digest) == post_v1
        assert index.original(HOME, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") is None
        assert index.original_any("sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") is None


def test_dates_order_by_time_at_any_precision() -> None:
    assert date_key("2026-01-02T03:04:05Z") == "20260102030405000000"
    assert date_key("2026-01-02T03:04:05.25Z") == "20260102030405250000"
    assert date_key("2026-01-02T03:04:05Z") < date_key("2026-01-02T03:04:05.000001Z") < date_key("2026-01-02T03:04:06Z")


def test_the_earliest_capture_is_found_by_time_not_by_the_spelling_of_its_date(tmp_path: Path) -> None:
    # as strings, "03:04:05.500000Z" sorts before "03:04:05Z" ('.' < 'Z'), although it is half a second later
    late = write_crawl(tmp_path, "a", DAY1 + timedelta(microseconds=500_000), (HOME, b"same"))
    early = write_crawl(tmp_path, "b", DAY1, (HOME, b"same"))
    with DedupIndex(tmp_path) as index:
        index.add_files([late, early])
        by_crawl = {row.crawl_id: row for row in index.rows()}
        assert (by_crawl["a"].date, by_crawl["b"].date) == ("2026-01-02T03:04:05.500000Z", "2026-01-02T03:04:05Z")
        assert index.original(HOME, by_crawl["a"].digest) == by_crawl["b"]


def test_a_rebuild_equals_the_incremental_fill_and_indexing_twice_changes_nothing(tmp_path: Path) -> None:
    first, second = two_crawls(tmp_path)
    with DedupIndex(tmp_path) as index:
        assert index.add_crawl(first.parent)[0].added == 2
        assert index.add_crawl(second.parent)[0].added == 3
        again = index.add_crawl(second.parent)[0]
        assert (again.records, again.added, again.skipped) == (3, 0, 3)
        incremental = index.rows()
    result, crawls, skipped = rebuild(tmp_path)
    assert (result.files, result.records, crawls, skipped) == (2, 5, 2, [])
    with DedupIndex(tmp_path) as index:
        assert index.rows() == incremental
        counts = index.stats()
    assert (counts.records, counts.files, counts.crawls, counts.urls) == (5, 2, 2, 3)


def test_a_rebuild_drops_rows_of_files_that_are_gone(tmp_path: Path) -> None:
    first, second = two_crawls(tmp_path)
    with DedupIndex(tmp_path) as index:
        index.add_files([first, second])
    second.unlink()
    rebuild(tmp_path)
    with DedupIndex(tmp_path) as index:
        assert {row.crawl_id for row in index.rows()} == {"20260102T030405Z"}


def test_an_open_file_is_never_indexed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first, _ = two_crawls(tmp_path)
    killed = write_crawl(tmp_path, "20260303T000000Z", DAY2, (f"{HOME}new.html", b"new"), keep_open=True)
    assert killed.name.endswith(".warc.gz.open")
    with caplog.at_level(logging.WARNING, logger="archiver.warc.dedup"):
        index = DedupIndex(tmp_path)
        result, left_open = index.add_crawl(killed.parent)
    assert (result.files, left_open) == (0, [killed])
    assert str(killed) in caplog.text
    with pytest.raises(DedupError, match="still open"):
        index.add_files([first, killed])
    assert index.rows() == []  # the finished file before it was rolled back with the rest
    index.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="archiver.warc.dedup"):
        result, crawls, skipped = rebuild(tmp_path)
    assert (crawls, skipped, result.records) == (3, [killed], 5)
    assert str(killed) in caplog.text
    with DedupIndex(tmp_path) as index:
        assert f"{HOME}new.html" not in {row.url for row in index.rows()}


def test_revisit_request_metadata_and_truncated_records_are_no_originals(tmp_path: Path) -> None:
    path = write_crawl(tmp_path, "c", DAY1, (HOME, b"cut"), truncated="length")
    with DedupIndex(tmp_path) as index:
        result = index.add_files([path])
        assert (result.records, index.rows()) == (0, [])  # request + response + metadata, none indexed
    assert [r["url"] for r in response_records(path)] == [HOME]


def test_a_fill_that_fails_midway_leaves_the_previous_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = two_crawls(tmp_path)
    with DedupIndex(tmp_path) as index:
        index.add_files([first])
        before = index.rows()
    real = dedup.read_captures

    def failing(path: Path, blog_dir: Path) -> Iterator[IndexedCapture]:
        rows = real(path, blog_dir)
        yield next(rows)
        yield next(rows)  # two rows of the second crawl are inserted...
        raise OSError(5, "Input/output error", str(path))  # ...then the disk fails

    monkeypatch.setattr(dedup, "read_captures", failing)
    with DedupIndex(tmp_path) as index, pytest.raises(DedupError, match="Input/output error"):
        index.add_files([second])
    monkeypatch.undo()
    with DedupIndex(tmp_path) as index:  # a fresh connection: nothing of the failed fill was committed
        assert index.rows() == before


KILL_MIDWAY = """
import os, sys
from pathlib import Path
from archiver.warc import dedup
real = dedup.read_captures
def dying(path, blog_dir):
    rows = real(path, blog_dir)
    yield next(rows)
    yield next(rows)
    os._exit(9)  # the process dies inside the transaction, as with SIGKILL
dedup.read_captures = dying
with dedup.DedupIndex(Path(sys.argv[1])) as index:
    index.add_files([Path(sys.argv[2])])
"""


def test_a_process_killed_inside_the_transaction_leaves_the_previous_state(tmp_path: Path) -> None:
    first, second = two_crawls(tmp_path)
    with DedupIndex(tmp_path) as index:
        index.add_files([first])
        before = index.rows()
    died = subprocess.run(
        [sys.executable, "-c", KILL_MIDWAY, str(tmp_path), str(second)], capture_output=True, check=False
    )
    assert died.returncode == 9, died.stderr
    with DedupIndex(tmp_path) as index:
        assert index.rows() == before
        assert index.add_files([second]).added == 3  # and the index is usable as ever


def test_a_file_outside_the_crawl_layout_is_refused_because_no_rebuild_would_find_it(tmp_path: Path) -> None:
    stray = write_crawl(tmp_path / "elsewhere", "c", DAY1, (HOME, b"x"))
    with DedupIndex(tmp_path / "blog") as index, pytest.raises(DedupError, match="not in the blog's folder"):
        index.add_files([stray])


def test_a_file_that_is_not_an_index_is_named_with_the_way_out(tmp_path: Path) -> None:
    (tmp_path / "dedup.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(DedupError, match="archiver index rebuild"):
        DedupIndex(tmp_path)


# -- the extension: filled at the end of every crawl, from the layout's path ----------------------------------


def test_the_layout_puts_the_index_in_the_blog_folder() -> None:
    values = {"ARCHIVER_OUTPUT_DIR": "out", "USER_AGENT": "ua"}
    assert crawl_layout(values, HOST).dedup_index == f"out/{HOST}/dedup.sqlite"
    assert crawl_layout({**values, "ARCHIVER_DEDUP_INDEX": "/i.sqlite"}, HOST).dedup_index == "/i.sqlite"


def dedup_crawler(tmp_path: Path, **settings: Any) -> Any:
    return laid_out_crawler(
        BlogspotSpider,
        project_settings(ARCHIVER_OUTPUT_DIR=str(tmp_path), ARCHIVER_CRAWL_ID="20260202T030405Z", **settings),
        url=HOME,
    )


def test_the_extension_indexes_the_crawls_finished_files_when_the_engine_stops(tmp_path: Path) -> None:
    crawler = dedup_crawler(tmp_path)
    extension = build_from_crawler(DedupIndexExtension, crawler)
    blog = tmp_path / HOST
    assert extension.index_path == blog / "dedup.sqlite"
    finished = write_crawl(blog, "20260202T030405Z", DAY2, (HOME, b"a"), (POST, b"b"))
    write_crawl(blog, "20260202T030405Z", DAY2, (f"{HOME}x.html", b"c"), keep_open=True)
    extension.engine_stopped()
    extension.engine_stopped()  # e.g. a resumed crawl indexing its folder again: nothing changes
    stats = crawler.stats
    assert stats.get_value("archiver/dedup/records") == 0  # the second time added nothing
    assert stats.get_value("archiver/dedup/files") == 1
    assert stats.get_value("archiver/dedup/open_skipped") == 1
    with DedupIndex(blog) as index:
        assert [row.url for row in index.rows()] == [HOME, POST]
        assert {row.file for row in index.rows()} == {f"20260202T030405Z/warc/{finished.name}"}


def test_a_failing_index_is_counted_and_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    crawler = dedup_crawler(tmp_path)
    extension = build_from_crawler(DedupIndexExtension, crawler)
    write_crawl(tmp_path / HOST, "20260202T030405Z", DAY2, (HOME, b"a"))
    (tmp_path / HOST / "dedup.sqlite").write_bytes(b"garbage" * 200)
    with caplog.at_level(logging.ERROR, logger="archiver.extensions.dedup"):
        extension.engine_stopped()
    assert crawler.stats.get_value("archiver/dedup/errors") == 1
    assert "archiver index rebuild" in caplog.text


def test_the_extension_is_optional_but_an_empty_path_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="ARCHIVER_DEDUP_ENABLED"):
        build_from_crawler(DedupIndexExtension, dedup_crawler(tmp_path, ARCHIVER_DEDUP_ENABLED=False))
    with pytest.raises(NotConfigured, match="ARCHIVER_WARC_ENABLED"):
        build_from_crawler(DedupIndexExtension, dedup_crawler(tmp_path, ARCHIVER_WARC_ENABLED=False))
    with pytest.raises(NotConfigured, match="no crawl laid out"):
        build_from_crawler(DedupIndexExtension, get_crawler(Spider, project_settings()))
    crawler = dedup_crawler(tmp_path, ARCHIVER_DEDUP_INDEX="", EXTENSIONS={})
    with pytest.raises(ConfigError, match="ARCHIVER_DEDUP_INDEX is empty"):
        build_from_crawler(DedupIndexExtension, crawler)


# -- archiver index ---------------------------------------------------------------------------------------------


def test_index_rebuild_prints_progress_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = two_crawls(tmp_path)
    assert cli.main(["index", "rebuild", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert f"{first}: 2 response records" in err
    assert f"{second}: 3 response records" in err
    assert out.startswith("archiver index rebuild: 2 WARC files, 5 response records, 2 crawls in ")
    assert cli.main(["index", "stats", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    assert "5 response records, 2 WARC files, 2 crawls, 3 URLs, 3 distinct payloads" in out


def test_index_rebuild_of_a_folder_without_crawls_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "corpus").mkdir()
    assert cli.main(["index", "rebuild", str(tmp_path)]) == 1
    assert f"{tmp_path} holds no crawl" in capsys.readouterr().err
    assert not (tmp_path / "dedup.sqlite").exists()
    assert cli.main(["index", "stats", str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_a_crawl_folder_outside_the_blog_folder_is_not_indexed_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crawler = dedup_crawler(tmp_path, ARCHIVER_CRAWL_DIR=str(tmp_path / "elsewhere" / "crawl"))
    extension = build_from_crawler(DedupIndexExtension, crawler)
    write_crawl(tmp_path / "elsewhere", "crawl", DAY2, (HOME, b"a"))
    with caplog.at_level(logging.WARNING, logger="archiver.extensions.dedup"):
        extension.engine_stopped()
    assert "archiver index rebuild" in caplog.text
    assert crawler.stats.get_value("archiver/dedup/outside_blog_folder") == 1
    assert not (tmp_path / HOST / "dedup.sqlite").exists()
