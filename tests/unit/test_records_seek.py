"""``archiver extract`` through the crawl's index.cdxj and in parallel: the same records as a scan of every record."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from archiver.cli import build_parser, main
from archiver.incremental import CARRY_CONTENT_TYPE, CarriedCapture, Carry
from archiver.records import jsonl, warcread
from archiver.records.warcread import extract_warcs, read_cdxj
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter
from archiver.warc.cdxj import index_warc, write_cdxj
from archiver.warc.dedup import DedupIndex
from tests.records_support import BASE, app, serve
from tests.unit import test_records_revisits as revisits
from tests.unit.test_records_warcread import START, small_site, write_warcs

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.records.merge import MergeResult
    from archiver.records.warcread import ReadStats

IMAGE = "https://1.bp.blogspot.com/x/s1600/b.png"


def crawl_folder(tmp_path: Path, *, max_size: int = 10**9, index: bool = True) -> Path:
    """A crawl folder laid out as a crawl leaves it: warc/ and (when asked) index.cdxj of its files."""
    crawl = tmp_path / "blog" / "crawl"
    warcs = write_warcs(crawl / "warc", small_site(), max_size=max_size)
    writer = WarcFileWriter(crawl / "warc", "U", "h", clock=lambda: START)
    with writer:  # an image and a script: responses the index settles without their records being read
        for url, mime in ((IMAGE, "image/png"), (f"{BASE}/x.js", "text/javascript")):
            writer.write_capture(
                Capture(
                    CapturedRequest("GET", url),
                    CapturedResponse(200, None, "HTTP/1.1", [(b"Content-Type", mime.encode())], b"\x89PNG" * 99, "::1"),
                    START,
                )
            )
    warcs += writer.files_written
    if index:
        write_cdxj([line for path in warcs for line in index_warc(path)], crawl / "index.cdxj")
    return crawl


def output(result: MergeResult) -> tuple[str, str]:
    """posts.jsonl and pages.jsonl as `archiver extract` writes them."""
    return "".join(jsonl.dumps(r) + "\n" for r in result.posts), "".join(jsonl.dumps(r) + "\n" for r in result.pages)


def counts(stats: ReadStats) -> tuple[int, int, int, int, set[str]]:
    return stats.files, stats.responses, stats.fragments, stats.errors, stats.archived


def scanned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which files the scan reads whole (the seek path never calls it)."""
    names: list[str] = []
    scan = warcread.iter_fragments

    def spy(path: Path, *args: Any) -> Any:
        names.append(path.name)
        return scan(path, *args)

    monkeypatch.setattr(warcread, "iter_fragments", spy)
    return names


def test_the_index_is_used_and_gives_what_the_scan_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawl = crawl_folder(tmp_path, max_size=60_000)
    whole, whole_stats = extract_warcs([crawl], use_index=False)
    names = scanned(monkeypatch)
    seek, seek_stats = extract_warcs([crawl])
    assert names == []  # no file read whole
    assert whole.posts
    assert output(seek) == output(whole)
    assert counts(seek_stats) == counts(whole_stats)
    assert IMAGE in seek_stats.archived  # from the index alone


def test_without_an_index_every_file_is_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawl = crawl_folder(tmp_path, max_size=60_000, index=False)
    names = scanned(monkeypatch)
    result, stats = extract_warcs([crawl])
    assert sorted(names) == sorted(p.name for p in (crawl / "warc").iterdir())
    assert stats.files == len(names) > 1
    assert len(result.posts) == 30


def test_a_file_the_index_does_not_list_is_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crawl = crawl_folder(tmp_path, max_size=60_000)
    expected = output(extract_warcs([crawl], use_index=False)[0])
    first = sorted((crawl / "warc").iterdir())[0].name
    index = crawl / "index.cdxj"
    index.write_text("".join(line for line in index.read_text().splitlines(True) if first not in line))
    names = scanned(monkeypatch)
    assert output(extract_warcs([crawl])[0]) == expected
    assert names == [first]


@pytest.mark.parametrize("damage", ["drop_html", "shift_offset", "wrong_url"])
def test_an_index_that_does_not_describe_its_file_falls_back_to_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    crawl = crawl_folder(tmp_path)
    expected = output(extract_warcs([crawl], use_index=False)[0])
    index = crawl / "index.cdxj"
    lines = index.read_text().splitlines(True)
    html = next(i for i, line in enumerate(lines) if '"mime": "text/html"' in line and '"status": "200"' in line)
    data = json.loads(lines[html].split(" ", 2)[2])
    if damage == "drop_html":  # a page missing from the index: found in a gap between indexed records
        del lines[html]
    elif damage == "shift_offset":
        data["offset"] = str(int(data["offset"]) + 7)
    else:
        data["url"] = data["url"] + "?other"
    if damage != "drop_html":
        lines[html] = lines[html].split(" ", 2)[0] + " " + lines[html].split(" ", 2)[1] + " " + json.dumps(data) + "\n"
    index.write_text("".join(lines))
    names = scanned(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="archiver.records.warcread"):
        result, stats = extract_warcs([crawl])
    assert output(result) == expected
    assert len(names) == 1
    assert stats.files == 2  # the other file (an image and a script) is still read through the index
    assert "does not match its index.cdxj: reading the file whole" in caplog.text


@pytest.mark.parametrize("index", [True, False])
def test_records_do_not_depend_on_the_number_of_jobs(tmp_path: Path, index: bool) -> None:
    crawl = crawl_folder(tmp_path, max_size=60_000, index=index)
    one, one_stats = extract_warcs([crawl], jobs=1)
    two, two_stats = extract_warcs([crawl], jobs=2)
    assert len(one.posts) == 30
    assert output(two) == output(one)
    assert counts(two_stats) == counts(one_stats)


def test_a_file_is_cut_into_ranges_between_indexed_records(tmp_path: Path) -> None:
    crawl = crawl_folder(tmp_path)
    path = next(p for p in (crawl / "warc").iterdir() if p.name.startswith("T-"))
    entries = read_cdxj(crawl / "index.cdxj")[path.name]
    tasks = warcread._tasks(path, entries, 4)
    assert len(tasks) == 4
    assert tasks[0].start == 0
    assert tasks[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(tasks, tasks[1:], strict=False))
    assert [e for task in tasks for e in task.entries or ()] == entries
    assert output(extract_warcs([crawl], jobs=4)[0]) == output(extract_warcs([crawl], use_index=False)[0])


def test_extract_cli_jobs_and_no_index_give_the_same_file(tmp_path: Path) -> None:
    crawl = crawl_folder(tmp_path, max_size=60_000)
    runs = {"1": ["--jobs", "1"], "2": ["--jobs", "2"], "scan": ["--no-index", "-j", "2"]}
    for name, flags in runs.items():
        assert main(["extract", str(crawl), "-o", str(tmp_path / f"{name}.jsonl"), *flags]) == 0
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "scan.jsonl").read_bytes()


def test_extract_cli_refuses_no_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["extract", "x", "--jobs", "0"])
    assert "must be at least 1, not 0" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity on this OS")
def test_extract_jobs_default_to_the_cpus_the_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ``taskset -c 0`` one worker, not one per CPU of the machine taking turns on one core."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert build_parser().parse_args(["extract", "x"]).jobs == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 5})
    assert build_parser().parse_args(["extract", "x"]).jobs == 3


def test_carry_records_between_indexed_records_are_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blog = tmp_path / "blog"
    post = f"{BASE}{app().blog.posts[2].path}"
    (earlier,) = write_warcs(blog / "c1" / "warc", [post])
    page = next(f for f in warcread.iter_fragments(earlier) if f.origin == "post_page")
    source = page.source
    capture = CarriedCapture(
        "post_page", post, source.record_id, page.fetched_at, f"c1/warc/{earlier.name}", source.offset,
        source.length, source.payload_digest, 200,
    )  # fmt: skip
    carry = Carry(post_id=page.post_id, url=post, reason="unchanged", captures=(capture,))
    writer = WarcFileWriter(blog / "c2" / "warc", "V", "h", clock=lambda: START)
    with writer:  # home page, the carry record (in the gap before the next indexed record), the feed
        for url in (f"{BASE}/", None, f"{BASE}/feeds/posts/default?max-results=150"):
            if url is None:
                writer.write_metadata(post, carry.to_json(), content_type=CARRY_CONTENT_TYPE, when=START)
                continue
            served = serve(url)
            writer.write_capture(
                Capture(
                    CapturedRequest("GET", url),
                    CapturedResponse(200, None, "HTTP/1.1", [(b"Content-Type", served.content_type.encode())],
                                     served.body, "::1"),
                    START,
                )
            )  # fmt: skip
    (later,) = writer.files_written
    write_cdxj(index_warc(later), blog / "c2" / "index.cdxj")
    whole, whole_stats = extract_warcs([blog / "c2"], use_index=False)
    names = scanned(monkeypatch)
    seek, seek_stats = extract_warcs([blog / "c2"])
    assert names == []
    assert output(seek) == output(whole)
    assert counts(seek_stats) == counts(whole_stats)
    (record,) = [r for r in seek.posts if r["post_id"] == page.post_id]
    assert record["source"]["filename"] == earlier.name  # read from the earlier crawl's capture


def test_revisits_find_their_originals_through_the_dedup_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = revisits.post_url()
    blog = tmp_path / "blog"
    first = revisits.write(blog / "c1" / "warc", url, datetime(2026, 1, 1, tzinfo=UTC))
    revisits.write(blog / "c2" / "warc", url, datetime(2026, 2, 1, tzinfo=UTC), revisits.response_of(first))
    expected, _ = extract_warcs([blog / "c2"])  # no dedup index yet: found by a scan of the blog's WARCs
    with DedupIndex(blog) as index:
        index.add_crawl(blog / "c1" / "warc")

    def no_scan(self: warcread.Originals) -> dict[str, tuple[Path, int]]:
        raise AssertionError("the blog's WARC files were scanned")

    monkeypatch.setattr(warcread.Originals, "_scan", no_scan)
    result, stats = extract_warcs([blog / "c2"])
    assert stats.errors == 0
    assert output(result) == output(expected)
    assert len(result.posts) == 1


def test_a_dedup_row_that_points_elsewhere_falls_back_to_the_scan(tmp_path: Path) -> None:
    url = revisits.post_url()
    blog = tmp_path / "blog"
    first = revisits.write(blog / "c1" / "warc", url, datetime(2026, 1, 1, tzinfo=UTC))
    revisits.write(blog / "c2" / "warc", url, datetime(2026, 2, 1, tzinfo=UTC), revisits.response_of(first))
    expected, _ = extract_warcs([blog / "c2"])
    with DedupIndex(blog) as index:
        index.add_crawl(blog / "c1" / "warc")
    with closing(sqlite3.connect(blog / "dedup.sqlite")) as db, db:
        db.execute("UPDATE captures SET offset = offset + 1")
    result, stats = extract_warcs([blog / "c2"])
    assert stats.errors == 0
    assert output(result) == output(expected)
