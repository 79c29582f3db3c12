"""The `archiver crawl` command line: flags onto settings, and clear errors for bad input."""

from __future__ import annotations

import pytest

from archiver.cli import build_parser, crawl_settings, main, parse_setting


def settings_for(*argv: str):  # type: ignore[no-untyped-def]
    return crawl_settings(build_parser().parse_args(["crawl", *argv]))


def test_defaults_are_polite() -> None:
    settings = settings_for()
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.get("ARCHIVER_PROFILE") == "polite"
    assert "blogspot-archiver/" in settings.get("USER_AGENT")
    assert settings["DOWNLOADER_MIDDLEWARES"]["archiver.middlewares.warc.WarcRecorderMiddleware"] == 950


def test_profile_flags_and_settings_override_in_order() -> None:
    settings = settings_for(
        "--profile",
        "local",
        "--ignore-robots",
        "--contact",
        "https://example.org/contact",
        "--mobile",
        "-o",
        "/tmp/out",
        "-s",
        "DOWNLOAD_DELAY=0.5",
        "-s",
        "ARCHIVER_WARC_MAX_SIZE=1000",
    )
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert not settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.5  # -s wins over the profile
    assert settings.getint("ARCHIVER_WARC_MAX_SIZE") == 1000
    assert settings.get("ARCHIVER_CONTACT") == "https://example.org/contact"
    assert settings.getbool("ARCHIVER_DISCOVERY_MOBILE")
    assert settings.get("ARCHIVER_OUTPUT_DIR") == "/tmp/out"
    assert settings.getpriority("DOWNLOAD_DELAY") == settings.getpriority("ROBOTSTXT_OBEY")


def test_contact_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVER_CONTACT", "mailto:archivist@example.org")
    assert settings_for().get("ARCHIVER_CONTACT") == "mailto:archivist@example.org"


@pytest.mark.parametrize("item", ["DOWNLOAD_DELAY", "=1", "download_delay=1", "BAD NAME=1"])
def test_bad_setting_is_named(item: str) -> None:
    with pytest.raises(Exception, match="expected NAME=VALUE") as info:
        parse_setting(item)
    assert repr(item) in str(info.value)


def test_main_reports_a_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crawl", "ftp://gongminziyoulianmeng.blogspot.com/"]) == 1
    err = capsys.readouterr().err
    assert "UrlError" in err
    assert "'ftp://gongminziyoulianmeng.blogspot.com/' is not a blog URL" in err


def test_main_reports_a_bad_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crawl", "-s", "NOVALUE"]) == 1
    assert "ConfigError: -s 'NOVALUE'" in capsys.readouterr().err


def test_resume_needs_an_existing_folder(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope"
    assert main(["crawl", "--resume", str(missing)]) == 1
    assert f"--resume {missing}: no such crawl folder" in capsys.readouterr().err


def test_a_plain_rerun_into_a_crawl_folder_that_holds_captures_is_refused(  # type: ignore[no-untyped-def]
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl_dir = tmp_path / "crawl"
    (crawl_dir / "warc").mkdir(parents=True)
    kept = crawl_dir / "warc" / "blog-20260101000000000-00000-host.warc.gz"
    kept.write_bytes(b"earlier capture")
    assert main(["crawl", "https://gongminziyoulianmeng.blogspot.com/", "-s", f"ARCHIVER_CRAWL_DIR={crawl_dir}"]) == 1
    err = capsys.readouterr().err
    assert f"{crawl_dir} already holds a crawl: continue it with --resume {crawl_dir}" in err
    assert kept.read_bytes() == b"earlier capture"  # nothing written over


def test_resume_continues_the_blog_named_in_crawl_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    crawl_dir = tmp_path / "out" / "gongminziyoulianmeng.blogspot.com" / "20260101T000000Z"
    crawl_dir.mkdir(parents=True)
    (crawl_dir / "crawl.json").write_text('{"url": "https://gongminziyoulianmeng.blogspot.com/"}', encoding="utf-8")
    assert main(["crawl", "--resume", str(crawl_dir), "https://other.blogspot.com/"]) == 1
    err = capsys.readouterr().err
    assert "is a crawl of https://gongminziyoulianmeng.blogspot.com/, not of https://other.blogspot.com/" in err


def test_resume_without_crawl_json_needs_the_url(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert main(["crawl", "--resume", str(tmp_path)]) == 1
    assert "no crawl.json names the blog of this crawl folder; give its URL as well" in capsys.readouterr().err


def test_the_refusal_looks_where_the_layout_puts_the_warcs(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    """OUTPUT/<host>/<crawl id>/warc by default, ARCHIVER_WARC_DIR when given: the folders the crawl would use."""
    crawl_dir = tmp_path / "gongminziyoulianmeng.blogspot.com" / "run-1"
    (crawl_dir / "warc").mkdir(parents=True)
    (crawl_dir / "warc" / "blog-20260101000000000-00000-host.warc.gz.open").write_bytes(b"killed crawl")
    assert main(["crawl", "-o", str(tmp_path), "-s", "ARCHIVER_CRAWL_ID=run-1"]) == 1
    assert f"{crawl_dir} already holds a crawl: continue it with --resume {crawl_dir}" in capsys.readouterr().err

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "blog-20260101000000000-00000-host.warc.gz").write_bytes(b"earlier capture")
    assert (
        main(["crawl", "-o", str(tmp_path), "-s", "ARCHIVER_CRAWL_ID=run-2", "-s", f"ARCHIVER_WARC_DIR={elsewhere}"])
        == 1
    )
    assert "already holds a crawl" in capsys.readouterr().err
    assert not (tmp_path / "gongminziyoulianmeng.blogspot.com" / "run-2").exists()  # no crawl.json written


def test_a_broken_layout_setting_is_named_before_anything_is_written(  # type: ignore[no-untyped-def]
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["crawl", "-o", str(tmp_path), "-s", "ARCHIVER_CRAWL_ID=../x"]) == 1
    assert "archiver: ConfigError: ARCHIVER_CRAWL_ID '../x' is not a plain name" in capsys.readouterr().err
    assert main(["crawl", "-o", str(tmp_path), "-s", "ARCHIVER_CRAWL_DIR="]) == 1
    assert "archiver: ConfigError: ARCHIVER_CRAWL_DIR is empty" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
