"""``archiver verify`` on a real crawl of the replica: a clean crawl verifies, and each kind of tampering is caught.

One crawl of a small replica; every case copies its folder (as ``OUT/<host>/<crawl id>``), changes one thing
as an attacker or a failing disk would, and runs ``archiver verify`` as a user does: exit status 1, and a
report line naming the check, the file and where in it (offset, record id or line).
"""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from typing import TYPE_CHECKING

import pytest

from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

CRAWL_ID = "20240102T030405Z"


@pytest.fixture(scope="module")
def crawled(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Path:
    replica = replica_factory("--posts", "8")
    out = tmp_path_factory.mktemp("verify")
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={CRAWL_ID}"]
    result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    return out / BLOG_HOST / CRAWL_ID


@pytest.fixture
def crawl(crawled: Path, tmp_path: Path) -> Path:
    """A copy of the crawl folder, in a blog folder of its own, to tamper with."""
    copy = tmp_path / BLOG_HOST / CRAWL_ID
    shutil.copytree(crawled, copy)
    return copy


def verify(path: Path, *extra: str) -> tuple[int, str]:
    result = run_archiver("verify", str(path), *extra, timeout=120)
    return result.returncode, result.stdout


def warc_of(crawl: Path) -> Path:
    (path,) = (crawl / "warc").glob("*.warc.gz")
    return path


def index_entry(crawl: Path, url_part: str) -> tuple[int, dict[str, str]]:
    """(line number, fields) of the first index line whose URL contains ``url_part``, a 200 response."""
    for number, line in enumerate((crawl / "index.cdxj").read_text(encoding="utf-8").splitlines(), 1):
        fields = json.loads(line.split(" ", 2)[2])
        if url_part in fields["url"] and fields.get("status") == "200":
            return number, fields
    raise AssertionError(f"no 200 response of {url_part} in the index")


def post_entry(crawl: Path) -> dict[str, str]:
    return index_entry(crawl, ".html")[1]


def member(path: Path, fields: dict[str, str]) -> tuple[int, int]:
    return int(fields["offset"]), int(fields["length"])


def problems(stdout: str, check: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(check + ":")]


def test_a_clean_crawl_verifies(crawl: Path) -> None:
    status, out = verify(crawl)
    assert status == 0, out
    assert out.splitlines()[-1] == "OK"
    for check in ("warc.block_digest", "warc.payload_digest", "cdxj", "record.pointer", "record.rebuild", "wacz.file"):
        assert f" {check}" in out.splitlines()[-2], check  # each kind of evidence was counted as checked
    status, out = verify(crawl.parent)  # the blog folder: the crawl, the corpus, the chain
    assert status == 0, out
    status, out = verify(next(crawl.glob("*.wacz")), "--json")
    assert status == 0
    report = json.loads(out)
    assert report["passed"] is True
    assert report["kind"] == "WACZ"
    assert report["checked"]["warc.record"] > 50


def test_a_path_that_is_no_archive_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    assert verify(tmp_path / "notes.txt")[0] == 2
    assert verify(tmp_path)[0] == 2
    assert verify(tmp_path / "missing")[0] == 2


def test_one_byte_changed_in_a_payload_is_caught_by_its_digest(crawl: Path) -> None:
    path = warc_of(crawl)
    fields = post_entry(crawl)
    offset, length = member(path, fields)
    data = path.read_bytes()
    record = gzip.decompress(data[offset : offset + length])
    at = len(record) - 10  # inside the payload, before the record's closing CRLF CRLF
    changed = record[:at] + bytes([record[at] ^ 0x01]) + record[at + 1 :]
    path.write_bytes(data[:offset] + gzip.compress(changed) + data[offset + length :])
    status, out = verify(crawl)
    assert status == 1
    (line,) = [line for line in problems(out, "warc.payload_digest") if f"at offset {offset} " in line]
    assert str(path) in line
    assert fields["url"] in line
    assert "the payload's is sha1:" in line


def test_one_byte_changed_in_the_gzip_data_is_a_damaged_member(crawl: Path) -> None:
    path = warc_of(crawl)
    offset, length = member(path, post_entry(crawl))
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    status, out = verify(crawl)
    assert status == 1
    assert any(f"{path} at offset {offset}: the gzip member is damaged" in line for line in problems(out, "warc.gzip"))


def test_a_deleted_record_leaves_index_lines_pointing_at_something_else(crawl: Path) -> None:
    path = warc_of(crawl)
    number, fields = index_entry(crawl, ".html")
    offset, length = member(path, fields)
    data = path.read_bytes()
    path.write_bytes(data[:offset] + data[offset + length :])
    status, out = verify(crawl)
    assert status == 1
    cdxj = problems(out, "cdxj")
    here = (f"index.cdxj line {number}:", f"index.cdxj line {number} (")
    assert any(any(h in line for h in here) for line in cdxj if f"offset {offset} of" in line), out
    # the post record points at the record that is gone
    assert any(f"offset {offset} of {path.name}" in line for line in problems(out, "record.pointer"))


def test_a_truncated_file_is_reported_with_the_offset_of_its_last_member(crawl: Path) -> None:
    path = warc_of(crawl)
    lines = (crawl / "index.cdxj").read_text(encoding="utf-8").splitlines()
    size = path.stat().st_size
    with path.open("r+b") as stream:
        stream.truncate(size - 50)
    status, out = verify(crawl)
    assert status == 1
    (line,) = problems(out, "warc.truncated")
    assert str(path) in line
    assert "the file ends inside this gzip member" in line
    offset = int(line.split(" at offset ")[1].split()[0].rstrip(":"))
    assert offset < size - 50
    assert lines  # the index still lists records before the cut, which still verify
    assert not any(f"offset {o} " in p for p in problems(out, "cdxj") for o in (0,))


def test_an_edited_post_title_names_the_line_the_post_and_the_field(crawl: Path) -> None:
    posts = crawl / "posts.jsonl"
    lines = posts.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record["title"] = "X" + record["title"][1:]
    lines[2] = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    posts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out = verify(crawl)
    assert status == 1
    (line,) = problems(out, "record.rebuild")
    assert f"{posts} line 3: post {record['post_id']} differs from its rebuild from the WARCs: title" in line


def test_an_edited_index_offset_is_caught(crawl: Path) -> None:
    index = crawl / "index.cdxj"
    lines = index.read_text(encoding="utf-8").splitlines()
    number, fields = index_entry(crawl, ".html")
    wrong = int(fields["offset"]) + 1
    lines[number - 1] = lines[number - 1].replace(f'"offset": "{fields["offset"]}"', f'"offset": "{wrong}"')
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out = verify(crawl)
    assert status == 1
    cdxj = problems(out, "cdxj")
    assert any(f"index.cdxj line {number}: no record starts at offset {wrong}" in line for line in cdxj)
    # and the record it used to point at has no line any more
    (missing,) = problems(out, "cdxj.missing")
    assert f"at offset {fields['offset']}" in missing
    assert fields["url"] in missing


def test_a_changed_wacz_member_is_caught(crawl: Path, tmp_path: Path) -> None:
    wacz = next(crawl.glob("*.wacz"))
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(wacz) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b'"title"', b'"Title"', 1)
            target.writestr(info, data)
    status, out = verify(tampered)
    assert status == 1
    (line,) = problems(out, "wacz.file")
    assert f"{tampered}!pages/pages.jsonl: datapackage.json gives sha256:" in line
