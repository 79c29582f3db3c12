"""Reading records back from WARC files (``archiver extract``): pointers, errors that name file and offset."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.cli import main
from archiver.records.warcread import WarcReadError, extract_warcs, find_warcs, iter_fragments
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter
from tests.records_support import BASE, app, serve

if TYPE_CHECKING:
    from pathlib import Path

SEED = f"{BASE}/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"
START = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def write_warcs(directory: Path, urls: list[str], *, max_size: int = 10**9, gzip_bodies: bool = True) -> list[Path]:
    """Archive replica pages into WARC files as the crawler would (bodies gzip-encoded when asked)."""
    writer = WarcFileWriter(directory, "T", "h", max_size=max_size, clock=lambda: START)
    with writer:
        for i, url in enumerate(urls):
            page = serve(url)
            headers = [(b"Content-Type", page.content_type.encode())]
            body = page.body
            if gzip_bodies and i % 2 == 0:
                headers.append((b"Content-Encoding", b"gzip"))
                body = gzip.compress(body, mtime=0)
            writer.write_capture(
                Capture(
                    CapturedRequest("GET", url),
                    CapturedResponse(page.status, None, "HTTP/1.1", headers, body, "127.0.0.1"),
                    START + timedelta(seconds=i),
                )
            )
    return list(writer.files_written)


def small_site() -> list[str]:
    blog = app().blog
    return (
        [
            f"{BASE}/",
            f"{BASE}/feeds/posts/default?max-results=150",
            f"{BASE}/feeds/pages/default",
            f"{BASE}/2099/01/gone.html",
            "https://1.bp.blogspot.com/x/s320/a.png",
        ]
        + [f"{BASE}{p.path}" for p in blog.posts[:6]]
        + [f"{BASE}{p.path}" for p in blog.pages]
    )


def test_pointers_resolve_to_the_response_records(tmp_path: Path) -> None:
    (path,) = write_warcs(tmp_path, small_site())
    fragments = list(iter_fragments(path))
    assert fragments
    with path.open("rb") as stream:
        for fragment in fragments:
            stream.seek(fragment.source.offset)
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == fragment.url
            assert record.rec_headers.get_header("WARC-Payload-Digest") == fragment.source.payload_digest
            assert record.rec_headers.get_header("WARC-Record-ID") == fragment.source.record_id
            assert record.rec_headers.get_header("WARC-Date") == fragment.fetched_at
            assert fragment.source.filename == path.name


def test_extract_cli_writes_posts_and_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_warcs(tmp_path / "crawl" / "warc", small_site(), max_size=60_000)
    assert len(find_warcs([tmp_path])) > 1
    assert (
        main(
            [
                "extract",
                str(tmp_path / "crawl"),
                "-o",
                str(tmp_path / "posts.jsonl"),
                "--pages",
                str(tmp_path / "pages.jsonl"),
            ]
        )
        == 0
    )
    posts = [json.loads(line) for line in (tmp_path / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = [json.loads(line) for line in (tmp_path / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(pages) == 3
    assert {p["kind"] for p in pages} == {"page"}
    assert len(posts) == 30  # all of them are in the feed; six with their own page
    assert "30 posts, 3 static pages" in capsys.readouterr().err
    assert main(["extract", str(tmp_path / "crawl")]) == 0
    assert capsys.readouterr().out == (tmp_path / "posts.jsonl").read_text(encoding="utf-8")


def test_gzip_or_not_the_records_are_the_same(tmp_path: Path) -> None:
    write_warcs(tmp_path / "a", small_site(), gzip_bodies=True)
    write_warcs(tmp_path / "b", small_site(), gzip_bodies=False)
    first, _ = extract_warcs([tmp_path / "a"])
    second, _ = extract_warcs([tmp_path / "b"])
    strip = {"source", "sources"}
    assert [{k: v for k, v in r.items() if k not in strip} for r in first.posts] == [
        {k: v for k, v in r.items() if k not in strip} for r in second.posts
    ]


def test_no_warcs_and_missing_paths_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path)]) == 1
    assert f"no WARC files (*.warc.gz, *.warc) in {tmp_path}" in capsys.readouterr().err
    assert main(["extract", str(tmp_path / "nope.warc.gz")]) == 1
    assert "nope.warc.gz: no such file or directory" in capsys.readouterr().err


def test_open_files_are_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (path,) = write_warcs(tmp_path, small_site()[:3])
    path.rename(path.with_name(path.name + ".open"))
    assert find_warcs([tmp_path]) == []
    assert "still open" in caplog.text


def test_a_corrupt_warc_names_the_file_and_the_offset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (path,) = write_warcs(tmp_path, small_site()[:4])
    data = path.read_bytes()
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        offsets = []
        for _ in iterator:
            offsets.append(iterator.get_record_offset())
    cut = offsets[5]
    path.write_bytes(data[:cut] + b"\x1f\x8b\x08\x00garbage, not a gzip member" + data[cut + 40 :])
    with pytest.raises(WarcReadError, match=rf"{path.name}: cannot read the WARC record at offset {cut}:"):
        list(iter_fragments(path))
    assert main(["extract", str(path)]) == 1
    err = capsys.readouterr().err
    assert path.name in err
    assert str(cut) in err


def test_an_undecodable_capture_is_counted_and_logged_with_its_url(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = WarcFileWriter(tmp_path, "T", "h", clock=lambda: START)
    with writer:
        writer.write_capture(
            Capture(
                CapturedRequest("GET", SEED),
                CapturedResponse(
                    200,
                    None,
                    "HTTP/1.1",
                    [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"compress")],
                    b"\x1f\x9d\x90",
                    "127.0.0.1",
                ),
                START,
            )
        )
    result, stats = extract_warcs([tmp_path])
    assert (stats.errors, stats.error_urls, result.posts) == (1, [SEED], [])
    assert "unsupported content coding 'compress'" in caplog.text
    assert SEED in caplog.text
    assert main(["extract", str(tmp_path), "-o", str(tmp_path / "p.jsonl")]) == 1
