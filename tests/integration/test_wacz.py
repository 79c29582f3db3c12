"""The WACZ package a crawl writes when it ends, checked with the real tools: `wacz validate` and pywb's unpacker.

The crawl (tests/integration/conftest.py) is shared with the pywb replay tests; it runs once per session.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import struct
import subprocess
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archiver.cli import main
from tests.conftest import BLOG_URL
from tests.integration.conftest import BIN

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.integration.conftest import ArchivedCrawl

BLOG_TITLE = "公民自由联盟 Coalition for Citizens Rights"


def read_jsonl(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in archive.read(name).decode("utf-8").splitlines()]


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "wacz"), "validate", "--file", str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def test_wacz_validate_accepts_the_package(archived_crawl: ArchivedCrawl) -> None:
    assert archived_crawl.wacz.name == "gongminziyoulianmeng.blogspot.com-20240102T030405Z.wacz"
    assert f"Wrote {archived_crawl.wacz}" in archived_crawl.stderr
    result = validate(archived_crawl.wacz)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


def test_wacz_validate_would_catch_a_changed_member(archived_crawl: ArchivedCrawl, tmp_path: Path) -> None:
    """The validator really checks the datapackage hashes: one changed byte in pages.jsonl fails it."""
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(archived_crawl.wacz) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b"Liu Xiaobo", b"Liu Xiaobx", 1)
            target.writestr(info, data)
    result = validate(tampered)
    assert result.returncode == 1, result.stdout
    assert "hash" in result.stdout


def test_layout_compression_and_fixity(archived_crawl: ArchivedCrawl) -> None:
    with zipfile.ZipFile(archived_crawl.wacz) as archive:
        names = archive.namelist()
        assert names == [
            *(f"archive/{p.name}" for p in archived_crawl.warcs),
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
        package = json.loads(archive.read("datapackage.json"))
        assert package["profile"] == "data-package"
        assert package["wacz_version"] == "1.1.1"
        assert package["title"] == BLOG_TITLE
        assert package["mainPageURL"] == BLOG_URL
        datetime.fromisoformat(package["created"])
        assert [r["path"] for r in package["resources"]] == names[:-2]
        for resource in package["resources"]:
            data = archive.read(resource["path"])
            assert (resource["hash"], resource["bytes"]) == ("sha256:" + hashlib.sha256(data).hexdigest(), len(data))
        assert json.loads(archive.read("datapackage-digest.json"))["hash"] == (
            "sha256:" + hashlib.sha256(archive.read("datapackage.json")).hexdigest()
        )
        warc_members = [archive.getinfo(f"archive/{path.name}") for path in archived_crawl.warcs]

    # STORED means a replay tool can range-read a record straight out of the package at the index's offset
    lines = archived_crawl.index_lines()
    entry = json.loads(next(line for line in lines if "free-nobel-laureate" in line).split(" ", 2)[2])
    member = next(info for info in warc_members if info.filename == f"archive/{entry['filename']}")
    with archived_crawl.wacz.open("rb") as stream:
        stream.seek(member.header_offset)
        header = stream.read(30)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        stream.seek(member.header_offset + 30 + name_length + extra_length + int(entry["offset"]))
        record = gzip.decompress(stream.read(int(entry["length"])))
    assert record.startswith(b"WARC/1.1\r\n")
    assert f"WARC-Target-URI: {entry['url']}\r\n".encode() in record


def test_index_is_the_crawl_index_in_blocks(archived_crawl: ArchivedCrawl) -> None:
    with zipfile.ZipFile(archived_crawl.wacz) as archive:
        data = archive.read("indexes/index.cdx.gz")
        idx = archive.read("indexes/index.idx").decode("utf-8").splitlines()
    assert idx[0] == '!meta 0 {"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}'
    lines: list[str] = []
    for line in idx[1:]:
        entry = json.loads(line.split(" ", 2)[2])
        block = gzip.decompress(data[entry["offset"] : entry["offset"] + entry["length"]]).decode("utf-8")
        assert block.startswith(line.split(" {", 1)[0] + " ")
        lines.extend(block.splitlines())
    assert lines == archived_crawl.index_lines()


def test_pages_list_every_post_and_static_page_of_the_truth(archived_crawl: ArchivedCrawl) -> None:
    with zipfile.ZipFile(archived_crawl.wacz) as archive:
        raw = archive.read("pages/pages.jsonl").decode("utf-8")
        extra = read_jsonl(archive, "pages/extraPages.jsonl")
    assert raw.splitlines()[0] == '{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}'
    pages = [json.loads(line) for line in raw.splitlines()[1:]]
    truth = archived_crawl.truth()
    assert [t["kind"] for t in truth].count("post") == 40
    assert pages[0]["url"] == BLOG_URL
    assert pages[0]["title"] == BLOG_TITLE
    assert sorted(p["url"] for p in pages[1:]) == sorted(t["url"] for t in truth)
    by_url = {p["url"]: p for p in pages}
    for record in truth:
        title = " ".join(record["title"].split())
        assert by_url[record["url"]]["title"] == (f"{BLOG_TITLE}: {title}" if title else BLOG_TITLE)
    assert len({p["id"] for p in pages}) == len(pages)
    for page in pages:  # a page's ts names its capture: replay tools look the page up by url and ts
        ts = datetime.fromisoformat(page["ts"]).strftime("%Y%m%d%H%M%S")
        assert archived_crawl.timestamp(page["url"]) == ts

    assert extra[0] == {"format": "json-pages-1.0", "id": "extra-pages", "title": "Extra Pages"}
    extra_urls = {p["url"] for p in extra[1:]}
    assert f"{BLOG_URL}2013/09/" in extra_urls
    assert f"{BLOG_URL}2013/" in extra_urls
    assert not extra_urls & set(by_url)


def test_pywb_unpacks_the_package_into_a_collection(archived_crawl: ArchivedCrawl, tmp_path: Path) -> None:
    """`wb-manager add --unpack-wacz` reads our .cdx.gz index and re-points it at the WARCs it copies."""
    manager = str(BIN / "wb-manager")
    subprocess.run([manager, "init", "fromwacz"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    subprocess.run(
        [manager, "add", "--unpack-wacz", "fromwacz", str(archived_crawl.wacz)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    collection = tmp_path / "collections" / "fromwacz"
    index = (collection / "indexes" / "index.cdxj").read_text(encoding="utf-8").splitlines()
    ours = archived_crawl.index_lines()
    assert len(index) == len(ours)
    copied = {path.name: path for path in (collection / "archive").iterdir()}
    originals = {path.name: path.read_bytes() for path in archived_crawl.warcs}
    assert sorted(path.read_bytes() for path in copied.values()) == sorted(originals.values())
    for theirs, line in zip(index, ours, strict=True):
        assert theirs.split(" {", 1)[0] == line.split(" {", 1)[0]
        assert json.loads(theirs.split(" ", 2)[2])["filename"] in copied


def test_package_command_rebuilds_the_same_package(
    archived_crawl: ArchivedCrawl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = tmp_path / "again.wacz"
    assert main(["package", str(archived_crawl.dir), "-o", str(again)]) == 0
    assert f"{again}: 44 pages" in capsys.readouterr().out
    # the crawl's package took titles and hashes from what it wrote; `archiver package` reads them all again
    stats = json.loads((archived_crawl.dir / "stats.json").read_text(encoding="utf-8"))["stats"]
    assert stats["archiver/wacz/records_read"] == 0
    assert_same_package(archived_crawl.wacz, again)


def assert_same_package(first_path: Path, second_path: Path) -> None:
    """Two packages of the same crawl hold the same bytes in every member, datapackage.json's ``created`` aside."""
    with zipfile.ZipFile(first_path) as first, zipfile.ZipFile(second_path) as second:
        assert first.namelist() == second.namelist()
        for name in first.namelist():
            if name == "datapackage.json":
                ours, theirs = json.loads(first.read(name)), json.loads(second.read(name))
                assert ours.pop("created")
                assert theirs.pop("created")
                assert ours == theirs
            elif name != "datapackage-digest.json":  # the digest of datapackage.json, whose `created` differs
                assert first.read(name) == second.read(name), name
