"""Crash recovery: a ``.open`` file cut anywhere keeps exactly its complete records and verifies."""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING

import pytest

from archiver.warc import WarcError, index_warc, location_to_cdxj, mend_directory, mend_open_file
from tests.unit.test_warc_writer import kill, make_capture, make_writer, members, read_records, warcio_check

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.warc import CaptureLocation

OPEN_NAME = "BLOG-20240506070800987-00000-testhost.warc.gz.open"
FINAL_NAME = "BLOG-20240506070800987-00000-testhost.warc.gz"


def crashed_file(directory: Path, captures: int = 3) -> tuple[bytes, list[tuple[int, int, str]]]:
    """Write captures without closing; return the file's bytes and its members as (offset, end, type)."""
    writer = make_writer(directory)
    for i in range(captures):
        writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}"))
    kill(writer)
    path = directory / OPEN_NAME
    spans = []
    for offset, length, content in members(path):
        record_type = content.split(b"WARC-Type: ", 1)[1].split(b"\r\n", 1)[0].decode()
        spans.append((offset, offset + length, record_type))
    return path.read_bytes(), spans


def expected_kept(spans: list[tuple[int, int, str]], cut: int) -> list[tuple[int, int, str]]:
    """Complete members before ``cut``, less a trailing request whose response did not make it."""
    kept = [span for span in spans if span[1] <= cut]
    if kept and kept[-1][2] == "request":
        kept.pop()
    return kept


def cut_points(spans: list[tuple[int, int, str]]) -> list[int]:
    """Every boundary, one byte either side of it, and the middle and near-ends of every member."""
    points = {0, 1, 2, 10}
    for start, end, _ in spans:
        points.update({start, start + 1, start + 5, (start + end) // 2, end - 9, end - 4, end - 1, end, end + 1})
    total = spans[-1][1]
    return sorted(p for p in points if 0 <= p <= total)


def test_cut_anywhere_keeps_exactly_the_complete_records(tmp_path: Path) -> None:
    data, spans = crashed_file(tmp_path / "source")
    assert [t for _, _, t in spans] == ["warcinfo"] + ["request", "response", "metadata"] * 3
    for cut in cut_points(spans):
        work = tmp_path / f"cut-{cut}"
        work.mkdir()
        (work / OPEN_NAME).write_bytes(data[:cut])
        result = mend_open_file(work / OPEN_NAME)
        kept = expected_kept(spans, cut)
        assert not (work / OPEN_NAME).exists(), cut
        if not kept:
            assert result.removed, cut
            assert list(work.iterdir()) == [], cut
            continue
        end = kept[-1][1]
        final = work / FINAL_NAME
        assert result.path == final
        assert final.read_bytes() == data[:end], cut
        assert result.records_kept == len(kept), cut
        assert (result.bytes_kept, result.bytes_cut) == (end, cut - end), cut
        assert [r["type"] for r in read_records(final)] == [t for _, _, t in kept], cut
        dropped_request = any(s[1] <= cut and s[2] == "request" for s in spans) and len(kept) < len(
            [s for s in spans if s[1] <= cut]
        )
        assert bool(result.dropped_record_ids) == dropped_request, cut


@pytest.mark.parametrize("where", ["mid-response", "mid-metadata", "after-request"])
def test_mended_files_pass_warcio_check(tmp_path: Path, where: str) -> None:
    data, spans = crashed_file(tmp_path)
    second = spans[4:7]  # request, response, metadata of the second capture
    cut = {
        "mid-response": (second[1][0] + second[1][1]) // 2,
        "mid-metadata": second[2][1] - 3,
        "after-request": second[0][1],
    }[where]
    path = tmp_path / OPEN_NAME
    path.write_bytes(data[:cut])
    result = mend_open_file(path)
    assert result.path is not None
    check = warcio_check(result.path)
    assert check.returncode == 0, check.stdout + check.stderr
    types = [r["type"] for r in read_records(result.path)]
    if where == "mid-metadata":
        assert types == ["warcinfo"] + ["request", "response", "metadata"] + ["request", "response"]
    else:
        assert types == ["warcinfo", "request", "response", "metadata"]


def test_zero_filled_tail_is_cut(tmp_path: Path) -> None:
    data, spans = crashed_file(tmp_path)
    path = tmp_path / OPEN_NAME
    path.write_bytes(data + b"\x00" * 4096)
    result = mend_open_file(path)
    assert result.records_kept == len(spans)
    assert result.bytes_cut == 4096
    assert (tmp_path / FINAL_NAME).read_bytes() == data


def test_damage_followed_by_complete_records_is_refused(tmp_path: Path) -> None:
    data, spans = crashed_file(tmp_path)
    start, end, _ = spans[2]
    damaged = data[:start] + data[start : start + 20] + b"\x00" * (end - start - 20) + data[end:]
    path = tmp_path / OPEN_NAME
    path.write_bytes(damaged)
    with pytest.raises(WarcError, match="refusing"):
        mend_open_file(path)
    assert path.read_bytes() == damaged
    assert not (tmp_path / FINAL_NAME).exists()


def test_record_with_a_bad_digest_is_not_kept(tmp_path: Path) -> None:
    data, spans = crashed_file(tmp_path, captures=1)
    start, end, record_type = spans[-1]
    assert record_type == "metadata"
    content = gzip.decompress(data[start:end]).replace(b"fetchTimeMs: 42", b"fetchTimeMs: 43")
    path = tmp_path / OPEN_NAME
    path.write_bytes(data[:start] + gzip.compress(content))
    result = mend_open_file(path)
    assert [r["type"] for r in read_records(tmp_path / FINAL_NAME)] == ["warcinfo", "request", "response"]
    assert result.records_kept == 3


def test_empty_file_is_removed(tmp_path: Path) -> None:
    path = tmp_path / OPEN_NAME
    path.write_bytes(b"")
    result = mend_open_file(path)
    assert result.removed
    assert result.records_kept == 0
    assert not path.exists()


def test_refuses_names_that_are_not_open_warcs(tmp_path: Path) -> None:
    path = tmp_path / FINAL_NAME
    path.write_bytes(b"")
    with pytest.raises(WarcError, match="not an open WARC"):
        mend_open_file(path)


def test_refuses_to_overwrite_an_existing_final_file(tmp_path: Path) -> None:
    data, _ = crashed_file(tmp_path)
    (tmp_path / FINAL_NAME).write_bytes(b"precious")
    with pytest.raises(WarcError, match="already exists"):
        mend_open_file(tmp_path / OPEN_NAME)
    assert (tmp_path / FINAL_NAME).read_bytes() == b"precious"
    assert (tmp_path / OPEN_NAME).read_bytes() == data


def test_unclosed_writer_with_rollover_is_repaired_by_mend_directory(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, max_size=4000)
    locations: list[CaptureLocation] = [
        writer.write_capture(make_capture(f"https://foo.blogspot.com/{i}")) for i in range(7)
    ]
    kill(writer)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in names if n.endswith(".open")] == [names[-1]]
    assert len(names) >= 2

    results = mend_directory(tmp_path)
    assert len(results) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".open")]
    lines = [line for path in sorted(tmp_path.iterdir()) for line in index_warc(path)]
    assert sorted(lines) == sorted(location_to_cdxj(location) for location in locations)
    check = warcio_check(*sorted(tmp_path.iterdir()))
    assert check.returncode == 0, check.stdout
