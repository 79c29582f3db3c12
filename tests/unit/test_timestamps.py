"""RFC 3161 timestamps of WARC files and their chain (archiver.timestamps), against a real local OpenSSL TSA."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
from typing import TYPE_CHECKING

import pytest
from scrapy.utils.test import get_crawler

from archiver.errors import ConfigError
from archiver.extensions.timestamps import TimestampExtension
from archiver.timestamps import (
    CHAIN_FILE,
    SIDECAR_SUFFIX,
    TOKEN_SUFFIX,
    TRUST_FILE,
    Stamper,
    TimestampError,
    check_token,
    imprint_message,
    load_trust,
    read_chain,
    verify_chain,
    verify_timestamps,
)
from archiver.verify import Report
from tests.tsa import LocalTsa, make_pki

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.tsa import Pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tsa(pki: Pki) -> Iterator[LocalTsa]:
    with LocalTsa(pki) as server:
        yield server


def _warc(blog: Path, crawl: str, name: str, data: bytes) -> Path:
    path = blog / crawl / "warc" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def stamped(tmp_path: Path, tsa: LocalTsa, pki: Pki) -> tuple[Path, list[Path]]:
    """A blog with two crawls, three stamped WARC files: one chain across both crawls."""
    blog = tmp_path / "blog.blogspot.com"
    warcs = [
        _warc(blog, "20260101T000000Z", "b-20260101000000000-00000-m.warc.gz", b"first file"),
        _warc(blog, "20260101T000000Z", "b-20260101000001000-00001-m.warc.gz", b"second file"),
        _warc(blog, "20260201T000000Z", "b-20260201000000000-00000-m.warc.gz", b"third file"),
    ]
    stamper = Stamper(blog, tsa.url, pki.ca_file, timeout=10)
    for warc in warcs:
        stamper.stamp(warc)
    return blog, warcs


def _problems(report: Report) -> list[str]:
    return [problem.line() for problem in report.problems]


def test_imprint_message_is_the_documented_encoding() -> None:
    sha = "ab" * 32
    assert imprint_message("x.warc.gz", sha, None) == (
        b"blogspot-archiver-timestamp/1\nfile: x.warc.gz\nsha256: " + sha.encode() + b"\nprevious: none\n"
    )
    assert imprint_message("x.warc.gz", sha, "cd" * 32).endswith(b"\nprevious: " + b"cd" * 32 + b"\n")
    with pytest.raises(ValueError, match="spans lines"):
        imprint_message("x\nprevious: none", sha, None)


def test_stamps_form_one_chain_across_crawls(stamped: tuple[Path, list[Path]], tsa: LocalTsa, pki: Pki) -> None:
    blog, warcs = stamped
    chain = read_chain(blog)
    assert [entry.file for entry in chain] == [warc.relative_to(blog).as_posix() for warc in warcs]
    assert chain[0].previous is None
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.previous == before.token_sha256
    for entry, warc in zip(chain, warcs, strict=True):
        token = warc.with_name(warc.name + TOKEN_SUFFIX).read_bytes()
        assert hashlib.sha256(token).hexdigest() == entry.token_sha256
        assert entry.sha256 == hashlib.sha256(warc.read_bytes()).hexdigest()
        sidecar = json.loads(warc.with_name(warc.name + SIDECAR_SUFFIX).read_text())
        assert sidecar["file"] == warc.name
        assert sidecar["previous"] == entry.previous
        # the token really stamps sha256 of the documented message, signed by the test CA
        message = imprint_message(warc.name, entry.sha256, entry.previous)
        assert check_token(token, message, load_trust(pki.ca_file))[1] is None
        assert check_token(token, message + b"x", load_trust(pki.ca_file))[1] is not None
    assert (blog / TRUST_FILE).read_bytes() == pki.ca_file.read_bytes()
    assert tsa.queries == 3

    report = Report()
    verify_chain(blog, report)
    assert report.passed, _problems(report)
    assert report.checked["timestamp"] == 3
    assert report.checked["timestamp.chain"] == 3
    assert any("sha256:" in note for note in report.notes)  # the trust anchor's fingerprint, for a person


def test_an_expired_tsa_certificate_does_not_fail_an_old_token(stamped: tuple[Path, list[Path]], pki: Pki) -> None:
    blog, _ = stamped
    later = pki.not_after + dt.timedelta(days=365)
    report = Report()
    verify_chain(blog, report, now=later)
    assert report.passed, _problems(report)
    assert report.checked["timestamp"] == 3


def test_a_token_from_the_future_is_a_problem(stamped: tuple[Path, list[Path]]) -> None:
    blog, _ = stamped
    report = Report()
    verify_timestamps(blog / "20260201T000000Z", report, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    assert not report.passed
    assert "in the future" in _problems(report)[0]


def test_swapped_tokens_are_caught_naming_both_files(stamped: tuple[Path, list[Path]]) -> None:
    blog, warcs = stamped
    first, second = (warc.with_name(warc.name + TOKEN_SUFFIX) for warc in warcs[:2])
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    report = Report()
    verify_chain(blog, report)
    lines = _problems(report)
    assert any(warcs[0].name in line and "swapped" in line for line in lines), lines
    assert any(warcs[1].name in line and "swapped" in line for line in lines), lines
    assert not any(warcs[2].name in line for line in lines), lines


def test_one_edited_byte_of_a_warc_is_caught(stamped: tuple[Path, list[Path]]) -> None:
    blog, warcs = stamped
    data = bytearray(warcs[1].read_bytes())
    data[3] ^= 1
    warcs[1].write_bytes(bytes(data))
    report = Report()
    verify_timestamps(warcs[1].parent.parent, report)
    [problem] = report.problems
    assert problem.path.endswith(warcs[1].name)
    assert "changed since it was stamped" in problem.what


def test_a_missing_link_is_caught(stamped: tuple[Path, list[Path]]) -> None:
    blog, warcs = stamped
    lines = (blog / CHAIN_FILE).read_text().splitlines(keepends=True)
    (blog / CHAIN_FILE).write_text(lines[0] + lines[2])  # the second token's line removed
    report = Report()
    verify_chain(blog, report)
    found = _problems(report)
    assert any("missing link" in line and warcs[2].name in line for line in found), found
    assert any(warcs[1].name in line and "not in timestamps.jsonl" in line for line in found), found


def test_a_file_without_a_token_in_a_stamped_crawl_is_a_problem(stamped: tuple[Path, list[Path]]) -> None:
    blog, warcs = stamped
    extra = _warc(blog, "20260201T000000Z", "b-20260201000001000-00001-m.warc.gz", b"never stamped")
    report = Report()
    verify_chain(blog, report)
    [problem] = report.problems
    assert problem.path.endswith(extra.name)
    assert "no timestamp token" in problem.what


def test_a_crawl_without_tokens_is_noted_not_failed(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    _warc(blog, "20260101T000000Z", "a.warc.gz", b"data")
    report = Report()
    verify_chain(blog, report)
    assert report.passed
    assert any("not timestamped" in note for note in report.notes)


def test_a_tsa_that_is_down_leaves_nothing_behind(tmp_path: Path, pki: Pki) -> None:
    blog = tmp_path / "blog"
    warc = _warc(blog, "20260101T000000Z", "a.warc.gz", b"data")
    stamper = Stamper(blog, f"http://127.0.0.1:{_free_port()}/", pki.ca_file, timeout=5)
    with pytest.raises(TimestampError, match="cannot reach the TSA"):
        stamper.stamp(warc)
    assert sorted(path.name for path in warc.parent.iterdir()) == ["a.warc.gz"]
    assert not (blog / CHAIN_FILE).exists()
    assert stamper.unstamped() == [warc]


def test_a_tsa_answering_an_error_is_a_clear_failure(tmp_path: Path, tsa: LocalTsa, pki: Pki) -> None:
    tsa.failing = True
    warc = _warc(tmp_path / "blog", "c", "a.warc.gz", b"data")
    with pytest.raises(TimestampError, match="answered HTTP 503"):
        Stamper(tmp_path / "blog", tsa.url, pki.ca_file).stamp(warc)


def test_a_token_from_an_untrusted_tsa_is_refused_and_caught(tmp_path: Path, tsa: LocalTsa, pki: Pki) -> None:
    other = make_pki(tmp_path / "other")
    warc = _warc(tmp_path / "blog", "c", "a.warc.gz", b"data")
    with pytest.raises(TimestampError, match="does not check out"):
        Stamper(tmp_path / "blog", tsa.url, other.ca_file).stamp(warc)
    assert not warc.with_name(warc.name + TOKEN_SUFFIX).exists()
    # stamped under the right anchor, then verified against another: the signer is not trusted
    Stamper(tmp_path / "blog", tsa.url, pki.ca_file).stamp(warc)
    (tmp_path / "blog" / TRUST_FILE).write_bytes(other.ca_file.read_bytes())
    report = Report()
    verify_chain(tmp_path / "blog", report)
    [problem] = report.problems
    assert problem.path.endswith("a.warc.gz")
    assert "does not verify" in problem.what


def test_the_extension_refuses_a_url_without_trust_anchors(tmp_path: Path) -> None:
    from scrapy import Spider

    settings = {
        "ARCHIVER_WARC_ENABLED": True,
        "ARCHIVER_TSA_URL": "http://127.0.0.1:1/",
        "ARCHIVER_CRAWL_DIR": str(tmp_path / "b" / "c"),
    }
    with pytest.raises(ConfigError, match="ARCHIVER_TSA_CA_FILE"):
        TimestampExtension(get_crawler(Spider, settings))
    settings["ARCHIVER_TSA_CA_FILE"] = str(tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match="ARCHIVER_TSA_CA_FILE"):
        TimestampExtension(get_crawler(Spider, settings))


def test_the_recorder_announces_each_closed_file_once_under_its_final_name(tmp_path: Path) -> None:
    from scrapy import Request

    from archiver import signals as archiver_signals
    from tests.unit.test_middleware_warc import URL, make_middleware, make_response

    middleware = make_middleware(tmp_path, ARCHIVER_WARC_MAX_SIZE=1)  # every capture fills a file
    closed: list[tuple[Path, bool]] = []

    def on_closed(path: Path, **_: object) -> None:
        closed.append((path, path.is_file()))

    middleware.crawler.signals.connect(on_closed, signal=archiver_signals.warc_closed)
    for number in range(2):
        request = Request(f"{URL}&n={number}")
        middleware.record(request, make_response(request))
    assert len(closed) == 2  # at each rollover, before the next file opens
    middleware.spider_closed(middleware.crawler.spider, "finished")
    middleware.spider_closed(middleware.crawler.spider, "finished")  # closing twice announces nothing more
    assert [path for path, _ in closed] == sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert all(existed and path.name.endswith(".warc.gz") for path, existed in closed)


def test_the_catch_up_command_stamps_what_has_no_token(
    tmp_path: Path, tsa: LocalTsa, pki: Pki, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from archiver.cli import main

    monkeypatch.delenv("ARCHIVER_TSA_URL", raising=False)
    monkeypatch.delenv("ARCHIVER_TSA_CA_FILE", raising=False)
    blog = tmp_path / "blog"
    first = _warc(blog, "20260101T000000Z", "a.warc.gz", b"one")
    second = _warc(blog, "20260102T000000Z", "b.warc.gz", b"two")
    assert main(["timestamp", str(blog)]) == 1
    assert "--tsa-url" in capsys.readouterr().err
    down = f"http://127.0.0.1:{_free_port()}/"
    assert main(["timestamp", str(blog), "--tsa-url", down, "--ca-file", str(pki.ca_file)]) == 3
    err = capsys.readouterr().err
    assert f"{first}: not stamped: cannot reach the TSA" in err
    assert "0 of 2 unstamped WARC files stamped" in err
    assert main(["timestamp", str(blog), "--tsa-url", tsa.url, "--ca-file", str(pki.ca_file)]) == 0
    assert [entry.file for entry in read_chain(blog)] == [
        first.relative_to(blog).as_posix(),
        second.relative_to(blog).as_posix(),
    ]
    assert main(["timestamp", str(blog), "--tsa-url", tsa.url, "--ca-file", str(pki.ca_file)]) == 0
    assert "0 of 0 unstamped" in capsys.readouterr().err  # nothing stamped twice
    report = Report()
    verify_chain(blog, report)
    assert report.passed, _problems(report)
