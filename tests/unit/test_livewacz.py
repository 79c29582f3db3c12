"""The WACZ written while the crawl writes its WARC files (archiver.warc.livewacz): same bytes, or not used."""

from __future__ import annotations

import hashlib
import time
import zipfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrapy.spiders import Spider

from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter, index_warc, write_cdxj
from archiver.warc.livewacz import LivePackage
from archiver.warc.wacz import PackageWriter, gather, write_wacz
from tests.unit.test_warc_wacz import BLOG, CAPTURES, CREATED, _extension
from tests.unit.test_warc_writer import FixedIds

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

START = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def capture(i: int) -> Capture:
    url, status, headers, body = CAPTURES[i % len(CAPTURES)]
    return Capture(
        CapturedRequest("GET", url),
        CapturedResponse(status, None, "HTTP/1.1", headers, body),
        START + timedelta(seconds=i, microseconds=1000 * i),
    )


def live_crawl(folder: Path, *, close: bool = True) -> tuple[LivePackage, WarcFileWriter]:
    """Write CAPTURES into rolling WARC files while a LivePackage copies them.

    After each record it waits for the copy to reach the open file, so that every file is copied while it is
    still being written.
    """
    warc_dir = folder / "warc"
    warc_dir.mkdir(parents=True)
    live = LivePackage(PackageWriter(folder / "x-live.wacz.open", CREATED), warc_dir, 10_000_000, poll=0.002)
    writer = WarcFileWriter(warc_dir, "T", "h", max_size=3000, clock=lambda: START, id_factory=FixedIds())
    live.start()
    for i in range(len(CAPTURES)):
        writer.write_capture(capture(i))
        if writer.current_path is not None:
            name = writer.current_path.name.removesuffix(".open")
            wait_for(lambda: live.following == name, f"{name} to be followed")  # noqa: B023 - called at once
    if close:
        writer.close()
    return live, writer


def test_a_package_copied_while_the_warcs_were_written_is_the_package_written_at_the_end(tmp_path: Path) -> None:
    live, writer = live_crawl(tmp_path)
    assert len(writer.files_written) >= 3
    digests = {path.name: writer.file_digests[path] for path in writer.files_written}
    begun = live.finish(digests)
    assert begun is not None, live.error
    assert live.followed == len(writer.files_written)  # each one copied as it grew, none whole at the end
    write_cdxj([line for path in writer.files_written for line in index_warc(path)], tmp_path / "index.cdxj")
    (tmp_path / "crawl.log").write_text("a line\n", encoding="utf-8")
    contents = gather(writer.files_written, tmp_path / "index.cdxj", digests=digests)
    result = begun.finish(tmp_path / "live.wacz", contents, logs=[tmp_path / "crawl.log"])
    expected = write_wacz(tmp_path / "end.wacz", contents, logs=[tmp_path / "crawl.log"], created=CREATED)
    assert result.path.read_bytes() == expected.path.read_bytes()
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert not (tmp_path / "x-live.wacz.open").exists()
    with zipfile.ZipFile(result.path) as archive:
        assert archive.testzip() is None
        for path in writer.files_written:
            assert archive.read(f"archive/{path.name}") == path.read_bytes()


def test_a_file_that_differs_from_what_the_writer_wrote_abandons_the_live_package(tmp_path: Path) -> None:
    live, writer = live_crawl(tmp_path)
    digests = {path.name: writer.file_digests[path] for path in writer.files_written}
    last = writer.files_written[-1].name
    digests[last] = ("0" * 64, digests[last][1])
    assert live.finish(digests) is None
    assert live.error is not None
    assert last in live.error
    assert not (tmp_path / "x-live.wacz.open").exists()


def test_a_file_still_open_when_the_crawl_ends_abandons_the_live_package(tmp_path: Path) -> None:
    live, writer = live_crawl(tmp_path, close=False)
    try:
        assert live.finish({}) is None
        assert live.error is not None
        assert "still open" in live.error
        assert not (tmp_path / "x-live.wacz.open").exists()
    finally:
        writer.close()


def _extension_crawl(folder: Path, reason: str, late_file: bool = False) -> tuple[Any, Any]:
    """The WACZ extension fed as the WARC middleware feeds it.

    ``late_file``: a finished WARC file that sorts first turns up after the live copy began (a file it cannot
    have in order).
    """
    extension, stats = _extension(folder)
    extension.spider_opened()
    writer = WarcFileWriter(folder / "warc", "T", "h", max_size=3000, clock=lambda: START, id_factory=FixedIds())
    for i in range(len(CAPTURES)):
        location = writer.write_capture(capture(i))
        extension.capture_written(location=location, request=None, response=None, page=None)
    writer.close()
    for path in writer.files_written:
        sha256, size = writer.file_digests[path]
        extension.warc_closed(path=path, sha256=sha256, size=size)
    if late_file:  # once the live copy has every file the writer wrote: it cannot put this one first
        wait_for(lambda: len(extension.live.writer.warcs) == len(writer.files_written), "the live copy")
        first = writer.files_written[0]
        (first.parent / ("A" + first.name)).write_bytes(first.read_bytes())
    write_cdxj(
        [line for path in sorted((folder / "warc").iterdir()) for line in index_warc(path)], folder / "index.cdxj"
    )
    (folder / "crawl.log").write_text("a line\n", encoding="utf-8")
    spider = Spider("blogspot")
    spider.blog_host = "foo.blogspot.com"  # type: ignore[attr-defined]
    extension.spider_closed(spider, reason)
    extension.engine_stopped()
    return extension, stats


def test_the_crawl_packages_its_warcs_while_crawling(tmp_path: Path) -> None:
    folder = tmp_path / "foo.blogspot.com" / "20240102T030405Z"
    _, stats = _extension_crawl(folder, "finished")
    (package,) = folder.glob("*.wacz")
    assert stats.get_value("archiver/wacz/live_warcs") == len(list((folder / "warc").iterdir()))
    assert stats.get_value("archiver/wacz/live_abandoned") is None
    assert not list(folder.glob("*.open"))
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
        assert sorted(n for n in archive.namelist() if n.startswith("archive/")) == sorted(
            f"archive/{path.name}" for path in (folder / "warc").iterdir()
        )
        assert f"{BLOG}/" in archive.read("pages/pages.jsonl").decode("utf-8")


def test_an_interrupted_crawl_leaves_no_partial_package(tmp_path: Path) -> None:
    folder = tmp_path / "foo.blogspot.com" / "20240102T030405Z"
    _extension_crawl(folder, "shutdown")
    assert not list(folder.glob("*.wacz*"))


def test_a_file_the_live_copy_could_not_take_in_order_falls_back_to_packaging_at_the_end(tmp_path: Path) -> None:
    folder = tmp_path / "foo.blogspot.com" / "20240102T030405Z"
    _, stats = _extension_crawl(folder, "finished", late_file=True)
    (package,) = folder.glob("*.wacz")
    assert stats.get_value("archiver/wacz/live_abandoned") == 1
    assert not list(folder.glob("*.open"))
    with zipfile.ZipFile(package) as archive:
        members = [n for n in archive.namelist() if n.startswith("archive/")]
        assert members == sorted(f"archive/{path.name}" for path in (folder / "warc").iterdir())
        for path in (folder / "warc").iterdir():
            assert archive.read(f"archive/{path.name}") == path.read_bytes()
