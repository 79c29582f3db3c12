"""WACZ packages from small deterministic WARCs: members, page lists, index blocks, errors, the extension."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spiders import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver.cli import main
from archiver.extensions.wacz import WaczPackageExtension
from archiver.records.extract import read_page
from archiver.warc import Capture, CapturedRequest, CapturedResponse, WarcFileWriter, index_warc, write_cdxj
from archiver.warc.dedup import DedupIndex
from archiver.warc.wacz import (
    KnownCapture,
    WaczError,
    collect_index,
    gather,
    index_blocks,
    is_blog_dir,
    iso_ts,
    package_blog,
    package_crawl,
    page_title,
    write_wacz,
)
from archiver.warc.writer import RevisitOf, payload_digest
from tests.unit.test_middleware_warc import project_settings
from tests.unit.test_warc_writer import FixedIds

if TYPE_CHECKING:
    from pathlib import Path

BLOG = "https://foo.blogspot.com"
CREATED = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
HTML = [(b"Content-Type", b"text/html; charset=UTF-8")]
GZIP_HTML = [*HTML, (b"Content-Encoding", b"gzip")]


def html(title: str, body: str = "") -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


# url, status, headers, body: the pages of a tiny blog and what must not be listed as pages
CAPTURES: list[tuple[str, int, list[tuple[bytes, bytes]], bytes]] = [
    (f"{BLOG}/", 200, GZIP_HTML, gzip.compress(html("Foo Blog"), mtime=0)),
    (f"{BLOG}/2024/01/first.html", 200, HTML, html("Foo Blog: First &amp;\n   post")),
    (
        f"{BLOG}/2024/02/blog-post_03.html",
        200,
        GZIP_HTML,
        gzip.compress("<html><body><h3 class='post-title entry-title'> 第二 </h3></body></html>".encode(), mtime=0),
    ),
    (f"{BLOG}/p/about.html", 200, HTML, html("Foo Blog: About")),
    (f"{BLOG}/2024/01/first.html?m=1", 200, HTML, html("Foo Blog: First (mobile)")),
    (f"{BLOG}/2024/01/", 200, GZIP_HTML, gzip.compress(html("Foo Blog: January"), mtime=0)),
    (f"{BLOG}/2024/03/gone.html", 404, HTML, html("Not found")),
    (f"{BLOG}/feeds/posts/default", 200, [(b"Content-Type", b"application/atom+xml")], b"<feed/>"),
    ("https://1.bp.blogspot.com/-a/b/c/d/s1600/x.png", 200, [(b"Content-Type", b"image/png")], b"\x89PNG\r\n"),
    ("http://foo.blogspot.com/", 301, [(b"Location", f"{BLOG}/".encode())], b""),
]


def write_warcs(directory: Path, max_size: int = 10_000_000) -> list[Path]:
    start = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    writer = WarcFileWriter(directory, "T", "h", max_size=max_size, clock=lambda: start, id_factory=FixedIds())
    with writer:
        for i, (url, status, headers, body) in enumerate(CAPTURES):
            capture = Capture(
                CapturedRequest("GET", url),
                CapturedResponse(status, None, "HTTP/1.1", headers, body),
                start + timedelta(seconds=i, microseconds=1000 * i),
            )
            writer.write_capture(capture)
    return writer.files_written


@pytest.fixture
def crawl_dir(tmp_path: Path) -> Path:
    """A crawl folder: warc/ with two WARC files, index.cdxj and crawl.log."""
    folder = tmp_path / "foo.blogspot.com" / "20240102T030405Z"
    warcs = write_warcs(folder / "warc", max_size=3000)
    assert len(warcs) >= 2
    write_cdxj([line for path in warcs for line in index_warc(path)], folder / "index.cdxj")
    (folder / "crawl.log").write_text("a line\n", encoding="utf-8")
    return folder


def pages_of(archive: zipfile.ZipFile, path: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in archive.read(path).decode("utf-8").splitlines()]


def test_package_members_pages_and_datapackage(crawl_dir: Path) -> None:
    result = package_crawl(crawl_dir, created=CREATED)
    assert result.path == crawl_dir / "foo.blogspot.com-20240102T030405Z.wacz"
    assert not list(crawl_dir.glob("*.open"))
    with zipfile.ZipFile(result.path) as archive:
        warcs = sorted((crawl_dir / "warc").glob("*.warc.gz"))
        names = archive.namelist()
        assert names == [
            *(f"archive/{p.name}" for p in warcs),
            "indexes/index.cdx.gz",
            "indexes/index.idx",
            "pages/pages.jsonl",
            "pages/extraPages.jsonl",
            "logs/crawl.log",
            "datapackage.json",
            "datapackage-digest.json",
        ]
        for info in archive.infolist():
            stored = info.filename.startswith("archive/") or info.filename.endswith(".cdx.gz")
            assert info.compress_type == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), info.filename
            assert info.date_time == (2024, 2, 3, 4, 5, 6)
        for path in warcs:
            assert archive.read(f"archive/{path.name}") == path.read_bytes()

        pages = pages_of(archive, "pages/pages.jsonl")
        assert archive.read("pages/pages.jsonl").startswith(
            b'{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}\n'
        )
        assert pages[1:] == [
            {
                "id": "00000000-0000-0000-0000-000000000002",
                "url": f"{BLOG}/",
                "ts": "2024-01-02T03:04:05.678Z",
                "title": "Foo Blog",
            },
            {
                "id": "00000000-0000-0000-0000-000000000008",
                "url": f"{BLOG}/2024/02/blog-post_03.html",
                "ts": "2024-01-02T03:04:07.680Z",
                "title": "第二",
            },
            {
                "id": "00000000-0000-0000-0000-000000000005",
                "url": f"{BLOG}/2024/01/first.html",
                "ts": "2024-01-02T03:04:06.679Z",
                "title": "Foo Blog: First & post",
            },
            {
                "id": "00000000-0000-0000-0000-000000000012",
                "url": f"{BLOG}/p/about.html",
                "ts": "2024-01-02T03:04:08.681Z",
                "title": "Foo Blog: About",
            },
        ]
        extra = pages_of(archive, "pages/extraPages.jsonl")
        assert extra[0] == {"format": "json-pages-1.0", "id": "extra-pages", "title": "Extra Pages"}
        assert [(p["url"], p["title"]) for p in extra[1:]] == [
            (f"{BLOG}/2024/01/first.html?m=1", "Foo Blog: First (mobile)"),
            (f"{BLOG}/2024/01/", "Foo Blog: January"),
        ]

        package = json.loads(archive.read("datapackage.json"))
        assert {k: v for k, v in package.items() if k != "resources"} == {
            "profile": "data-package",
            "wacz_version": "1.1.1",
            "title": "Foo Blog",
            "created": "2024-02-03T04:05:06Z",
            "software": package["software"],
            "mainPageURL": f"{BLOG}/",
            "mainPageDate": "2024-01-02T03:04:05.678Z",
        }
        assert package["software"].startswith("blogspot-archiver/")
        assert [r["path"] for r in package["resources"]] == names[:-2]
        for resource in package["resources"]:
            data = archive.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
            assert resource["name"] == resource["path"].rsplit("/", 1)[1].lower()
        digest = json.loads(archive.read("datapackage-digest.json"))
        assert digest == {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(archive.read("datapackage.json")).hexdigest(),
        }


def test_same_contents_and_time_give_the_same_bytes(crawl_dir: Path, tmp_path: Path) -> None:
    first = package_crawl(crawl_dir, tmp_path / "a.wacz", created=CREATED)
    second = package_crawl(crawl_dir, tmp_path / "b.wacz", created=CREATED)
    assert first.path.read_bytes() == second.path.read_bytes()


def test_index_blocks_are_independent_gzip_members_located_by_the_idx(crawl_dir: Path, tmp_path: Path) -> None:
    lines = collect_index(sorted((crawl_dir / "warc").glob("*.warc.gz")), crawl_dir / "index.cdxj")
    assert lines == (crawl_dir / "index.cdxj").read_text().splitlines()
    blocks = list(index_blocks(lines, block_lines=3))
    assert len(blocks) == -(-len(lines) // 3)
    assert [gzip.decompress(data).decode() for _, data in blocks] == [
        "".join(line + "\n" for line in lines[i : i + 3]) for i in range(0, len(lines), 3)
    ]
    assert [prefix for prefix, _ in blocks] == [" ".join(lines[i].split(" ")[:2]) for i in range(0, len(lines), 3)]

    result = package_crawl(crawl_dir, tmp_path / "x.wacz", created=CREATED)
    with zipfile.ZipFile(result.path) as archive:
        data = archive.read("indexes/index.cdx.gz")
        idx = archive.read("indexes/index.idx").decode().splitlines()
    assert idx[0] == '!meta 0 {"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}'
    offset = 0
    for line in idx[1:]:
        entry = json.loads(line.split(" ", 2)[2])
        assert entry["offset"] == offset
        block = data[offset : offset + entry["length"]]
        assert entry["digest"] == "sha256:" + hashlib.sha256(block).hexdigest()
        assert gzip.decompress(block).decode().startswith(line.split(" {", 1)[0] + " ")
        offset += entry["length"]
    assert offset == len(data)
    assert gzip.decompress(data).decode().splitlines() == lines  # as pywb's unpacker reads it: all members


def test_a_stale_or_missing_index_is_rebuilt_from_the_warcs(crawl_dir: Path) -> None:
    warcs = sorted((crawl_dir / "warc").glob("*.warc.gz"))
    expected = sorted(line for path in warcs for line in index_warc(path))
    index = crawl_dir / "index.cdxj"
    index.write_text("\n".join(index.read_text().splitlines()[:2]) + "\n")  # lists only some files
    assert collect_index(warcs, index) == expected
    index.unlink()
    assert collect_index(warcs, index) == expected


def test_an_index_pointing_at_the_wrong_record_is_reported(crawl_dir: Path) -> None:
    index = crawl_dir / "index.cdxj"
    lines = index.read_text().splitlines()
    wrong = [line.replace('"offset": "', '"offset": "1', 1) if "first.html" in line else line for line in lines]
    index.write_text("\n".join(wrong) + "\n")
    with pytest.raises(WaczError, match=r"first\.html"):
        package_crawl(crawl_dir)
    assert not list(crawl_dir.glob("*.wacz*"))  # nothing half-written is left behind


def test_errors_name_the_bad_input(crawl_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(WaczError, match="no such crawl folder"):
        package_crawl(tmp_path / "nowhere")
    (tmp_path / "empty" / "warc").mkdir(parents=True)
    with pytest.raises(WaczError, match=r"no WARC files \(\*\.warc\.gz\) in .*empty/warc"):
        package_crawl(tmp_path / "empty")
    with pytest.raises(WaczError, match="no WARC folder"):
        package_crawl(tmp_path)
    with pytest.raises(WaczError, match=r"x\.zip: a WACZ file name must end with \.wacz"):
        package_crawl(crawl_dir, tmp_path / "x.zip")
    warc = next((crawl_dir / "warc").glob("*.warc.gz"))
    warc.rename(warc.with_name(warc.name + ".open"))
    with pytest.raises(WaczError, match=r"\.warc\.gz\.open is unfinished: resume the crawl"):
        package_crawl(crawl_dir)
    with pytest.raises(WaczError, match="no WARC files to package"):
        gather([])


def test_a_crawl_without_pages_is_refused(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "T", "h", id_factory=FixedIds())
    with writer:
        writer.write_capture(
            Capture(
                CapturedRequest("GET", "https://1.bp.blogspot.com/x.png"),
                CapturedResponse(200, None, "HTTP/1.1", [(b"Content-Type", b"image/png")], b"x"),
                CREATED,
            )
        )
    with pytest.raises(WaczError, match="no home page, post or static page was captured"):
        gather(writer.files_written)


def test_package_command(crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["package", str(crawl_dir), "-o", str(tmp_path / "out.wacz")]) == 0
    warcs = len(list((crawl_dir / "warc").glob("*.warc.gz")))
    assert f"out.wacz: 4 pages, 2 extra pages, {warcs} WARC files, " in capsys.readouterr().out
    assert main(["package", str(tmp_path / "none")]) == 1
    assert "WaczError: " in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "encoding", "title"),
    [
        (b"<html><head><title>\n  A   title </title></head></html>", None, "A title"),
        (b"<title>Caf\xe9</title>", "iso-8859-1", "Café"),
        ("<title>公民自由联盟</title>".encode("gbk"), "gbk", "公民自由联盟"),
        (b"<title></title><h3 class='post-title entry-title'>Post <b>title</b></h3>", "utf-8", "Post title"),
        (b"<p>nothing</p>", "utf-8", None),
        (b"<title>x</title>", "no-such-charset", "x"),
        (b"<html><body>" + b"<p>filler</p>" * 5000 + b"<h3 class='post-title'>Late</h3>", None, "Late"),
    ],
)
def test_page_title(document: bytes, encoding: str | None, title: str | None) -> None:
    assert page_title(document, encoding) == title


def test_iso_ts() -> None:
    assert iso_ts("2024-01-02T03:04:05Z") == "2024-01-02T03:04:05Z"
    assert iso_ts("2024-01-02T03:04:05.123456Z") == "2024-01-02T03:04:05.123Z"
    with pytest.raises(WaczError, match="not a WARC-Date: 'yesterday'"):
        iso_ts("yesterday")


def test_write_wacz_refuses_a_bad_name(crawl_dir: Path, tmp_path: Path) -> None:
    contents = gather(sorted((crawl_dir / "warc").glob("*.warc.gz")))
    with pytest.raises(WaczError, match="must end with .wacz"):
        write_wacz(tmp_path / "x.zip", contents)


# -- the extension -------------------------------------------------------------------------------------------


def test_extension_needs_its_switch_and_a_crawl_dir(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="ARCHIVER_WACZ_ENABLED"):
        build_from_crawler(
            WaczPackageExtension,
            get_crawler(Spider, project_settings(ARCHIVER_WACZ_ENABLED=False, ARCHIVER_CRAWL_DIR=str(tmp_path))),
        )
    with pytest.raises(NotConfigured, match="ARCHIVER_WARC_ENABLED"):
        build_from_crawler(
            WaczPackageExtension,
            get_crawler(Spider, project_settings(ARCHIVER_WARC_ENABLED=False, ARCHIVER_CRAWL_DIR=str(tmp_path))),
        )
    with pytest.raises(NotConfigured, match="ARCHIVER_CRAWL_DIR"):
        build_from_crawler(WaczPackageExtension, get_crawler(Spider, project_settings()))


def _extension(crawl_dir: Path) -> tuple[WaczPackageExtension, Any]:
    crawler = get_crawler(
        Spider, project_settings(ARCHIVER_CRAWL_DIR=str(crawl_dir), ARCHIVER_CRAWL_ID="20240102T030405Z")
    )
    crawler.stats.open_spider()
    return build_from_crawler(WaczPackageExtension, crawler), crawler.stats


def test_extension_writes_the_package_when_the_engine_stops(crawl_dir: Path) -> None:
    extension, stats = _extension(crawl_dir)
    spider = Spider("blogspot")
    spider.blog_host = "foo.blogspot.com"  # type: ignore[attr-defined]
    extension.spider_closed(spider, "finished")
    extension.engine_stopped()
    path = crawl_dir / "foo.blogspot.com-20240102T030405Z.wacz"
    assert path.is_file()
    assert stats.get_value("archiver/wacz/file") == path.name
    assert stats.get_value("archiver/wacz/bytes") == path.stat().st_size
    assert stats.get_value("archiver/wacz/pages") == 4


def test_extension_skips_an_interrupted_crawl_and_survives_errors(crawl_dir: Path, tmp_path: Path) -> None:
    extension, stats = _extension(crawl_dir)
    extension.spider_closed(Spider("blogspot"), "shutdown")
    extension.engine_stopped()
    assert not list(crawl_dir.glob("*.wacz"))

    extension, stats = _extension(tmp_path / "nothing-written")
    extension.spider_closed(Spider("blogspot"), "finished")
    extension.engine_stopped()  # no WARC at all: nothing to package, and no error
    assert stats.get_value("archiver/wacz/errors") is None

    (crawl_dir / "warc" / "broken.warc.gz").write_bytes(b"not a WARC")
    extension, stats = _extension(crawl_dir)
    extension.spider_closed(Spider("blogspot"), "finished")
    extension.engine_stopped()  # logged and counted, not raised into Scrapy
    assert stats.get_value("archiver/wacz/errors") == 1
    assert stats.get_value("archiver/wacz/file") is None
    assert not list(crawl_dir.glob("*.wacz*"))


# -- revisits: what a crawl's package requires, and the blog's package of every crawl ----------------------------

SECOND_ID = "20240202T030405Z"
SECOND_START = datetime(2024, 2, 2, 3, 4, 5, 250000, tzinfo=UTC)
#: the second visit: the home page edited, two pages and the image unchanged (revisits), one new post
REVISITED = {f"{BLOG}/2024/01/first.html", f"{BLOG}/p/about.html", "https://1.bp.blogspot.com/-a/b/c/d/s1600/x.png"}


def second_visit(first_dir: Path) -> Path:
    """A later crawl of the same blog: revisits for REVISITED, naming their originals in the dedup index."""
    blog = first_dir.parent
    with DedupIndex(blog) as index:
        index.add_crawl(first_dir / "warc")
        originals = {url: index.original(url, payload_digest(body)) for url, _, _, body in CAPTURES}
    folder = blog / SECOND_ID
    counter = iter(range(1000, 2000))
    writer = WarcFileWriter(
        folder / "warc", "T", "h", clock=lambda: SECOND_START, id_factory=lambda: f"<urn:uuid:{next(counter)}>"
    )
    captures = [
        (f"{BLOG}/", 200, HTML, html("Foo Blog", "edited")),
        *(c for c in CAPTURES if c[0] in REVISITED),
        (f"{BLOG}/2024/02/new.html", 200, HTML, html("Foo Blog: New")),
    ]
    with writer:
        for i, (url, status, headers, body) in enumerate(captures):
            capture = Capture(
                CapturedRequest("GET", url),
                CapturedResponse(status, None, "HTTP/1.1", headers, body),
                SECOND_START + timedelta(seconds=i),
            )
            found = originals[url] if url in REVISITED else None
            assert (found is not None) == (url in REVISITED)
            writer.write_capture(capture, None if found is None else RevisitOf(found.url, found.date, found.record_id))
    write_cdxj([line for path in writer.files_written for line in index_warc(path)], folder / "index.cdxj")
    (folder / "crawl.log").write_text("second\n", encoding="utf-8")
    with DedupIndex(blog) as index:
        index.add_crawl(folder / "warc")
    return folder


def datapackage_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("datapackage.json"))


def test_a_crawl_with_revisits_requires_the_wacz_holding_their_originals(crawl_dir: Path) -> None:
    first = package_crawl(crawl_dir, created=CREATED)
    second_dir = second_visit(crawl_dir)
    second = package_crawl(second_dir, created=CREATED)
    assert "relation" not in datapackage_of(first.path)  # no revisit, no dependency
    expected = {
        "filename": first.path.name,
        "hash": "sha256:" + hashlib.sha256(first.path.read_bytes()).hexdigest(),
        "size": first.path.stat().st_size,
        "crawlId": crawl_dir.name,
    }
    assert datapackage_of(second.path)["relation"] == {"requires": [expected]}
    assert second.requires == [expected]
    # its revisited pages are listed at the second visit's time; their titles are in the other WACZ
    by_url = {page.url: page for page in second.pages}
    assert set(by_url) == {f"{BLOG}/", f"{BLOG}/2024/01/first.html", f"{BLOG}/2024/02/new.html", f"{BLOG}/p/about.html"}
    assert by_url[f"{BLOG}/2024/01/first.html"].ts == "2024-02-02T03:04:06.250Z"
    assert by_url[f"{BLOG}/2024/01/first.html"].title == f"{BLOG}/2024/01/first.html"


def test_a_required_crawl_without_its_wacz_is_named_without_a_hash(crawl_dir: Path) -> None:
    second = package_crawl(second_visit(crawl_dir), created=CREATED)
    assert second.requires == [{"filename": "foo.blogspot.com-20240102T030405Z.wacz", "crawlId": crawl_dir.name}]


def test_the_blog_package_holds_every_crawl_and_each_crawls_pages(crawl_dir: Path, caplog: Any) -> None:
    second_dir = second_visit(crawl_dir)
    blog = crawl_dir.parent
    killed = blog / "20240303T000000Z" / "warc"
    killed.mkdir(parents=True)
    (killed / "T-20240303000000000000-00000-h.warc.gz.open").write_bytes(b"torn")
    assert is_blog_dir(blog)
    assert not is_blog_dir(crawl_dir)

    result = package_blog(blog, created=CREATED)
    assert result.path == blog / "foo.blogspot.com-all.wacz"
    assert result.crawls == [crawl_dir.name, SECOND_ID]
    assert "T-20240303000000000000-00000-h.warc.gz.open is still open" in caplog.text
    warcs = sorted([*(crawl_dir / "warc").glob("*.warc.gz"), *(second_dir / "warc").glob("*.warc.gz")])
    with zipfile.ZipFile(result.path) as archive:
        members = archive.namelist()
        assert [m for m in members if m.startswith("archive/")] == [f"archive/{p.name}" for p in warcs]
        assert not [m for m in members if m.endswith(".open")]
        assert {"logs/20240102T030405Z-crawl.log", "logs/20240202T030405Z-crawl.log"} <= set(members)
        for path in warcs:
            assert archive.read(f"archive/{path.name}") == path.read_bytes()
        datapackage = json.loads(archive.read("datapackage.json"))
        assert "relation" not in datapackage  # self-contained: every original is inside
        for resource in datapackage["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(archive.read(resource["path"])).hexdigest()
        lines = gzip.decompress(archive.read("indexes/index.cdx.gz")).decode("utf-8").splitlines()
        both = [
            *(crawl_dir / "index.cdxj").read_text().splitlines(),
            *(second_dir / "index.cdxj").read_text().splitlines(),
        ]
        assert lines == sorted(both)
        assert sum('"mime": "warc/revisit"' in line for line in lines) == len(REVISITED)
        pages = pages_of(archive, "pages/pages.jsonl")[1:]
    visits = [(p["url"], p["ts"], p["title"]) for p in pages]
    assert visits == [
        (f"{BLOG}/", "2024-01-02T03:04:05.678Z", "Foo Blog"),
        (f"{BLOG}/2024/02/blog-post_03.html", "2024-01-02T03:04:07.680Z", "第二"),
        (f"{BLOG}/2024/01/first.html", "2024-01-02T03:04:06.679Z", "Foo Blog: First & post"),
        (f"{BLOG}/p/about.html", "2024-01-02T03:04:08.681Z", "Foo Blog: About"),
        (f"{BLOG}/", "2024-02-02T03:04:05.250Z", "Foo Blog"),
        (f"{BLOG}/2024/02/new.html", "2024-02-02T03:04:09.250Z", "Foo Blog: New"),
        # revisits: the second visit's time, the original's title
        (f"{BLOG}/2024/01/first.html", "2024-02-02T03:04:06.250Z", "Foo Blog: First & post"),
        (f"{BLOG}/p/about.html", "2024-02-02T03:04:07.250Z", "Foo Blog: About"),
    ]
    assert datapackage["mainPageDate"] == "2024-02-02T03:04:05.250Z"  # the latest visit of the home page


def test_package_command_on_a_blog_folder(crawl_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second_dir = second_visit(crawl_dir)
    assert main(["package", str(second_dir)]) == 0
    out = capsys.readouterr().out
    assert "requires foo.blogspot.com-20240102T030405Z.wacz (crawl 20240102T030405Z)" in out
    assert f"replay with the blog WACZ: archiver package {crawl_dir.parent.resolve()}" in out
    assert main(["package", str(crawl_dir.parent)]) == 0
    assert f"{crawl_dir.parent / 'foo.blogspot.com-all.wacz'}: 2 crawls, 8 pages, " in capsys.readouterr().out
    empty = crawl_dir.parent.parent / "empty.blogspot.com"
    (empty / "20240101T000000Z" / "warc").mkdir(parents=True)
    assert main(["package", str(empty)]) == 1
    assert "WaczError: " in capsys.readouterr().err


def test_extension_says_to_replay_a_deduplicated_crawl_with_the_blog_package(crawl_dir: Path, caplog: Any) -> None:
    second_dir = second_visit(crawl_dir)
    crawler = get_crawler(Spider, project_settings(ARCHIVER_CRAWL_DIR=str(second_dir), ARCHIVER_CRAWL_ID=SECOND_ID))
    crawler.stats.open_spider()
    crawler.stats.set_value("archiver/warc/revisits", len(REVISITED))
    extension = build_from_crawler(WaczPackageExtension, crawler)
    extension.spider_closed(Spider("blogspot"), "finished")
    extension.engine_stopped()
    assert crawler.stats.get_value("archiver/wacz/requires") == ["foo.blogspot.com-20240102T030405Z.wacz"]
    assert f"Replay with the blog WACZ: archiver package {crawl_dir.parent}" in caplog.text
    assert datapackage_of(second_dir / f"foo.blogspot.com-{SECOND_ID}.wacz")["relation"]["requires"][0]["crawlId"] == (
        crawl_dir.name
    )


def test_packaging_again_in_place_does_not_break_the_crawls_fixity_manifest(
    crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from archiver.fixity import write_manifest

    assert main(["package", str(crawl_dir)]) == 0  # the crawl's own WACZ, as the crawl's end writes it
    write_manifest(crawl_dir)
    wacz = next(crawl_dir.glob("*.wacz"))
    before = wacz.read_bytes()
    assert main(["package", str(crawl_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{wacz} is covered by the crawl's fixity manifest" in err
    assert "-o FILE.wacz" in err
    assert wacz.read_bytes() == before
    assert main(["package", str(crawl_dir), "-o", str(tmp_path / "again.wacz")]) == 0


# -- the crawl's package from what the crawl wrote: no record read again, the same package -------------------


def _crawl_through_extension(folder: Path, *, announce_first_file: bool = True) -> tuple[WaczPackageExtension, Any]:
    """Write CAPTURES as the WARC middleware does, feeding the WACZ extension its signals, then package.

    Each capture goes with the parsed page (the home page without it: its title is read from the response), and
    each closed file with its hash; with ``announce_first_file`` False the first file is left as a resumed
    crawl's earlier file would be: nothing known about it, so it is read.
    """
    extension, stats = _extension(folder)
    extension.spider_opened()
    start = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    writer = WarcFileWriter(folder / "warc", "T", "h", max_size=3000, clock=lambda: start, id_factory=FixedIds())
    announced, first_file = 0, None
    for i, (url, status, headers, body) in enumerate(CAPTURES):
        capture = Capture(
            CapturedRequest("GET", url),
            CapturedResponse(status, None, "HTTP/1.1", headers, body),
            start + timedelta(seconds=i, microseconds=1000 * i),
        )
        location = writer.write_capture(capture)
        first_file = first_file or location.filename
        if announce_first_file or location.filename != first_file:
            page = None if url == f"{BLOG}/" else read_page(url, headers, body, status=status)
            response = Response(url, status=status, headers=dict(headers), body=body)
            extension.capture_written(location=location, request=None, response=response, page=page)
        for path in writer.files_written[announced:]:
            announced += 1
            if announce_first_file or announced > 1:
                sha256, size = writer.file_digests[path]
                extension.warc_closed(path=path, sha256=sha256, size=size)
    writer.close()
    for path in writer.files_written[announced:]:
        extension.warc_closed(path=path, sha256=writer.file_digests[path][0], size=writer.file_digests[path][1])
    assert len(writer.files_written) >= 2
    for path in writer.files_written:  # what the writer hashed as it wrote is what a read of the file gives
        assert writer.file_digests[path] == (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)
    write_cdxj([line for path in writer.files_written for line in index_warc(path)], folder / "index.cdxj")
    (folder / "crawl.log").write_text("a line\n", encoding="utf-8")
    spider = Spider("blogspot")
    spider.blog_host = "foo.blogspot.com"  # type: ignore[attr-defined]
    extension.spider_closed(spider, "finished")
    extension.engine_stopped()
    return extension, stats


@pytest.mark.parametrize("announce_first_file", [True, False], ids=["fresh crawl", "resumed crawl"])
def test_the_crawls_package_equals_the_offline_one(tmp_path: Path, announce_first_file: bool) -> None:
    folder = tmp_path / "foo.blogspot.com" / "20240102T030405Z"
    _, stats = _crawl_through_extension(folder, announce_first_file=announce_first_file)
    (package,) = folder.glob("*.wacz")
    read_again = stats.get_value("archiver/wacz/records_read")
    assert (read_again == 0) == announce_first_file  # a file not written by this run is read, as offline
    # the spill is never a file of the crawl folder
    assert sorted(path.name for path in folder.iterdir()) == sorted(["crawl.log", "index.cdxj", package.name, "warc"])
    again = package_crawl(folder, tmp_path / "again.wacz")
    with zipfile.ZipFile(package) as first, zipfile.ZipFile(again.path) as second:
        assert first.namelist() == second.namelist()
        for name in first.namelist():
            if name == "datapackage.json":
                ours, theirs = json.loads(first.read(name)), json.loads(second.read(name))
                assert ours.pop("created")
                assert theirs.pop("created")
                assert ours == theirs
            elif name != "datapackage-digest.json":
                assert first.read(name) == second.read(name), name
        titles = [page["title"] for page in pages_of(first, "pages/pages.jsonl")[1:]]
    assert titles == ["Foo Blog", "第二", "Foo Blog: First & post", "Foo Blog: About"]


def test_known_records_are_not_read_again(crawl_dir: Path) -> None:
    lines = collect_index(sorted((crawl_dir / "warc").glob("*.warc.gz")), crawl_dir / "index.cdxj")
    home = next(json.loads(line.split(" ", 2)[2]) for line in lines if line.startswith("com,blogspot,foo)/ "))
    known = {(home["filename"], int(home["offset"])): KnownCapture("2024-01-02T03:04:05.678000Z", "<urn:uuid:x>", "T")}
    contents = gather(sorted((crawl_dir / "warc").glob("*.warc.gz")), crawl_dir / "index.cdxj", known=known)
    by_url = {page.url: page for page in contents.pages}
    # what the crawl said of the home page is what is listed; the other pages are read from their records
    assert (by_url[f"{BLOG}/"].title, by_url[f"{BLOG}/"].id) == ("T", "x")
    assert by_url[f"{BLOG}/p/about.html"].title == "Foo Blog: About"
    assert contents.records_read == len(contents.pages) + len(contents.extra_pages) - 1


def test_the_package_hash_is_that_of_the_file(crawl_dir: Path) -> None:
    result = package_crawl(crawl_dir, created=CREATED)
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
