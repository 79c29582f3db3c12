"""The crawl's fixity manifest and BagIt bags (archiver.fixity, archiver.extensions.fixity)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import bagit
import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archiver import __version__, settings
from archiver.extensions.fixity import FixityManifestExtension
from archiver.fixity import (
    MANIFEST_NAME,
    FixityError,
    crawl_files,
    make_bag,
    verify_bag,
    verify_manifest,
    write_manifest,
)
from archiver.spiders.blogspot import BlogspotSpider
from archiver.verify import Report

BAGIT_CLI = Path(sys.executable).parent / "bagit.py"  # the venv's bin: bagit's own command line

FILES = {
    "crawl.json": b'{"url": "https://example.blogspot.com/", "crawl_id": "20240102T030405Z"}\n',
    "warc/example.blogspot.com-20240102030405000-00000-host.warc.gz": b"\x1f\x8b not really a warc" * 50,
    "index.cdxj": b"com,blogspot,example)/ 20240102030405 {}\n",
    "posts.jsonl": '{"title": "\u516c\u6c11"}\n'.encode(),
    "stats.json": b"{}\n",
    "summary.txt": b"Crawl of https://example.blogspot.com/\n",
    "crawl.log": b"",  # an empty file is a file too
}

WARC = next(name for name in FILES if name.startswith("warc/"))


def make_crawl(root: Path, name: str = "20240102T030405Z") -> Path:
    crawl = root / name
    for relative, data in FILES.items():
        path = crawl / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return crawl


def problems(report: Report) -> list[str]:
    return [problem.line() for problem in report.problems]


# -- the manifest -------------------------------------------------------------------------------------------------


def test_manifest_lists_the_sha256_of_every_file_sorted_in_bagit_format(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    assert write_manifest(crawl) == len(FILES)
    text = (crawl / MANIFEST_NAME).read_text(encoding="utf-8")
    expected = "".join(f"{hashlib.sha256(FILES[name]).hexdigest()}  {name}\n" for name in sorted(FILES))
    assert text == expected
    assert not (crawl / (MANIFEST_NAME + ".tmp")).exists()


def test_manifest_is_rewritten_and_never_lists_itself(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    write_manifest(crawl)
    (crawl / "warc" / "second.warc.gz").write_bytes(b"resumed run")
    assert write_manifest(crawl) == len(FILES) + 1
    listed = [line.split("  ", 1)[1] for line in (crawl / MANIFEST_NAME).read_text().splitlines()]
    assert MANIFEST_NAME not in listed
    assert "warc/second.warc.gz" in listed
    assert crawl_files(crawl) == listed


def test_a_clean_crawl_verifies(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    write_manifest(crawl)
    report = Report()
    verify_manifest(crawl, report)
    assert report.passed, problems(report)
    assert report.checked["manifest"] == len(FILES)
    assert report.notes == []


def test_an_edited_file_is_named_with_expected_and_found_sha256(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    write_manifest(crawl)
    edited = crawl / "posts.jsonl"
    edited.write_bytes(edited.read_bytes().replace(b"title", b"titel"))
    report = Report()
    verify_manifest(crawl, report)
    (problem,) = report.problems
    assert problem.check == "manifest"
    assert problem.path == str(edited)
    assert hashlib.sha256(FILES["posts.jsonl"]).hexdigest() in problem.what
    assert hashlib.sha256(edited.read_bytes()).hexdigest() in problem.what
    assert report.checked["manifest"] == len(FILES)


def test_a_deleted_file_is_a_problem_and_an_added_one_a_note(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    write_manifest(crawl)
    (crawl / "index.cdxj").unlink()
    (crawl / "example.blogspot.com-20240102T030405Z.wacz").write_bytes(b"packaged later")
    report = Report()
    verify_manifest(crawl, report)
    (problem,) = report.problems
    assert problem.path == str(crawl / "index.cdxj")
    assert "missing" in problem.what
    (note,) = report.notes
    assert "not in manifest-sha256.txt" in note
    assert "example.blogspot.com-20240102T030405Z.wacz" in note


def test_an_edited_manifest_line_is_caught(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    write_manifest(crawl)
    manifest = crawl / MANIFEST_NAME
    lines = manifest.read_text().splitlines()
    lines[0] = "not-hex  crawl.json"
    lines.append(f"{'0' * 64}  ../outside.txt")
    manifest.write_text("\n".join(lines) + "\n")
    report = Report()
    verify_manifest(crawl, report)
    found = problems(report)
    assert any("line 1 is not" in line for line in found), found
    assert any("outside the folder: ../outside.txt" in line for line in found), found
    # the line that could not be read leaves its file unlisted: said, not hidden
    assert any("crawl.json" in note for note in report.notes)


def test_a_crawl_without_manifest_is_a_note_and_a_missing_folder_an_error(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    report = Report()
    verify_manifest(crawl, report)
    assert report.passed
    assert any(MANIFEST_NAME in note for note in report.notes)
    with pytest.raises(FixityError, match="no such crawl folder"):
        verify_manifest(tmp_path / "nowhere", Report())


# -- the extension -------------------------------------------------------------------------------------------------


def test_the_manifest_extension_runs_after_every_other_extension() -> None:
    extensions = settings.EXTENSIONS
    ours = extensions["archiver.extensions.fixity.FixityManifestExtension"]
    assert all(ours > order for name, order in extensions.items() if not name.endswith("FixityManifestExtension"))


def test_the_extension_writes_the_manifest_at_engine_stopped_and_counts_it(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_CRAWL_DIR": str(crawl), "ARCHIVER_FIXITY_ENABLED": True})
    crawler.stats.open_spider()
    extension = build_from_crawler(FixityManifestExtension, crawler)
    extension.engine_stopped()
    assert crawler.stats.get_value("archiver/fixity/files") == len(FILES)
    report = Report()
    verify_manifest(crawl, report)
    assert report.passed
    assert report.checked["manifest"] == len(FILES)


def test_files_hashed_as_written_are_not_read_again_unless_they_changed(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path)
    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_CRAWL_DIR": str(crawl), "ARCHIVER_FIXITY_ENABLED": True})
    crawler.stats.open_spider()
    extension = build_from_crawler(FixityManifestExtension, crawler)
    warc, index = crawl / WARC, crawl / "index.cdxj"
    # what the writer hashed as it wrote (a stand-in digest proves the manifest takes it without reading)
    extension.file_hashed(path=warc, sha256="ab" * 32, size=warc.stat().st_size)
    extension.file_hashed(path=index, sha256="cd" * 32, size=index.stat().st_size)
    extension.file_hashed(path=tmp_path / "elsewhere.warc.gz", sha256="ef" * 32, size=1)  # outside: ignored
    with index.open("ab") as stream:  # appended to after it was hashed: hashed again by reading
        stream.write(b"com,blogspot,example)/about 20240102030405 {}\n")
    extension.engine_stopped()
    lines = dict(reversed(line.split("  ", 1)) for line in (crawl / MANIFEST_NAME).read_text().splitlines())
    assert lines[WARC] == "ab" * 32
    assert lines["index.cdxj"] == hashlib.sha256(index.read_bytes()).hexdigest()
    assert lines["crawl.json"] == hashlib.sha256(FILES["crawl.json"]).hexdigest()


def test_the_extension_can_be_switched_off(tmp_path: Path) -> None:
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(BlogspotSpider, {"ARCHIVER_CRAWL_DIR": str(tmp_path), "ARCHIVER_FIXITY_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(FixityManifestExtension, crawler)


# -- bags ----------------------------------------------------------------------------------------------------------


def test_a_bag_of_a_crawl_validates_with_bagit_and_leaves_the_source_as_it_was(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path / "blog")
    write_manifest(crawl)
    before = {path: path.read_bytes() for path in crawl.rglob("*") if path.is_file()}
    result = make_bag(crawl, tmp_path / "bag", contact="archivist@example.org", today=datetime(2024, 5, 6, tzinfo=UTC))
    assert {path: path.read_bytes() for path in crawl.rglob("*") if path.is_file()} == before
    assert result.files == len(FILES) + 1
    bag = bagit.Bag(str(result.path))
    bag.validate()
    assert bag.version_info == (1, 0)
    assert (result.path / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    assert sorted(bag.algorithms) == ["sha256", "sha512"]
    assert (result.path / "tagmanifest-sha512.txt").is_file()
    assert bag.info["Source-Organization"] == "archivist@example.org"
    assert bag.info["Contact-Email"] == "archivist@example.org"
    assert bag.info["Bagging-Date"] == "2024-05-06"
    assert __version__ in bag.info["Bag-Software-Agent"]
    assert "https://example.blogspot.com/" in bag.info["External-Description"]
    assert "20240102T030405Z" in bag.info["External-Description"]
    for name, data in FILES.items():
        assert (result.path / "data" / name).read_bytes() == data
    cli = subprocess.run(
        [sys.executable, str(BAGIT_CLI), "--validate", str(result.path)], capture_output=True, text=True, check=False
    )
    assert cli.returncode == 0, cli.stderr
    report = Report()
    verify_bag(result.path, report)
    assert report.passed, problems(report)
    # every payload file in both manifests; bagit.txt, bag-info.txt and the two manifests in both tag
    # manifests; the Payload-Oxum
    assert report.checked["bag"] == 2 * (len(FILES) + 1) + 2 * 4 + 1


def test_a_bag_of_a_blog_folder_names_every_crawl_and_has_no_contact_unless_given(tmp_path: Path) -> None:
    blog = tmp_path / "example.blogspot.com"
    make_crawl(blog, "20240102T030405Z")
    make_crawl(blog, "20240202T030405Z")
    (blog / "dedup.sqlite").write_bytes(b"SQLite format 3\x00")
    result = make_bag(blog)
    assert result.path == tmp_path / "example.blogspot.com-bag"
    assert result.crawls == ["20240102T030405Z", "20240202T030405Z"]
    bag = bagit.Bag(str(result.path))
    bag.validate()
    assert "Source-Organization" not in bag.info
    assert "20240102T030405Z, 20240202T030405Z" in bag.info["External-Description"]
    assert (result.path / "data" / "dedup.sqlite").is_file()


def test_a_tampered_bag_fails_bagit_and_verify_bag_naming_the_file(tmp_path: Path) -> None:
    result = make_bag(make_crawl(tmp_path / "blog"), tmp_path / "bag")
    tampered = result.path / "data" / "posts.jsonl"
    tampered.write_bytes(tampered.read_bytes().replace(b"title", b"TITLE"))  # same size: Payload-Oxum unchanged
    with pytest.raises(bagit.BagValidationError) as caught:
        bagit.Bag(str(result.path)).validate()
    assert "data/posts.jsonl" in str(caught.value)
    cli = subprocess.run(
        [sys.executable, str(BAGIT_CLI), "--validate", str(result.path)], capture_output=True, text=True, check=False
    )
    assert cli.returncode != 0
    assert "data/posts.jsonl" in cli.stderr
    report = Report()
    verify_bag(result.path, report)
    (sha256, sha512) = sorted(problems(report))
    assert str(tampered) in sha256
    assert "sha256 differs" in sha256
    assert hashlib.sha256(FILES["posts.jsonl"]).hexdigest() in sha256
    assert hashlib.sha256(tampered.read_bytes()).hexdigest() in sha256
    assert str(tampered) in sha512
    assert "sha512 differs" in sha512


def test_a_file_gone_from_or_planted_in_a_bag_is_named(tmp_path: Path) -> None:
    result = make_bag(make_crawl(tmp_path / "blog"), tmp_path / "bag")
    (result.path / "data" / "index.cdxj").unlink()
    (result.path / "data" / "planted.js").write_bytes(b"eval(atob('...'))")
    assert not bagit.Bag(str(result.path)).is_valid()
    report = Report()
    verify_bag(result.path, report)
    found = problems(report)
    assert sum("index.cdxj" in line and "missing" in line for line in found) == 2, found  # both manifests
    assert any("planted.js" in line and "in no manifest" in line for line in found), found
    assert any("Payload-Oxum differs" in line for line in found), found
    assert len(found) == 4, found


def test_a_tampered_tag_file_fails_verify_bag(tmp_path: Path) -> None:
    result = make_bag(make_crawl(tmp_path / "blog"), tmp_path / "bag")
    info = result.path / "bag-info.txt"
    info.write_text(info.read_text().replace("blogspot-archiver/", "someone-else/"))
    report = Report()
    verify_bag(result.path, report)
    assert any(str(info) in line and "differs" in line for line in problems(report))


def test_a_bag_refuses_a_non_empty_output_and_one_inside_the_source(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path / "blog")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "something").write_text("x")
    with pytest.raises(FixityError, match="already exists and is not an empty folder"):
        make_bag(crawl, taken)
    with pytest.raises(FixityError, match="inside"):
        make_bag(crawl, crawl / "bag")
    with pytest.raises(FixityError, match="neither a crawl folder"):
        make_bag(taken)
    assert not (crawl / "bag").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert bagit.Bag(str(make_bag(crawl, empty).path)).is_valid()


def test_verify_bag_of_a_folder_that_is_not_a_bag(tmp_path: Path) -> None:
    report = Report()
    verify_bag(make_crawl(tmp_path), report)
    assert any("bagit.txt" in line for line in problems(report))
    assert json.dumps(report.as_json())
