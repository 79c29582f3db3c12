"""`archiver replay`'s collection: what PATH is, where its state goes, the merged index, when it is rebuilt.

The WARC files here are empty stand-ins: a crawl's ``index.cdxj`` that covers exactly its finished WARC files is
used as it is (:func:`archiver.warc.wacz.collect_index`), so nothing reads them. pywb itself runs in
``tests/integration/test_replay_command.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from typing import TYPE_CHECKING

import pytest
import yaml

from archiver import replay
from archiver.cli import main
from archiver.replay import (
    NotReplayable,
    ReplayError,
    build_collection,
    config_yaml,
    find_target,
    home_pages,
    originals_needed,
)

if TYPE_CHECKING:
    from pathlib import Path

HOST = "example.blogspot.com"


def line(url: str, timestamp: str, filename: str, *, mime: str = "text/html", status: str = "200", digest: str = "D"):
    fields = {"url": url, "mime": mime, "status": status, "digest": digest, "length": "10", "offset": "0"}
    if mime == "warc/revisit":
        del fields["status"]
    fields["filename"] = filename
    return f"com,blogspot,example)/ {timestamp} {json.dumps(fields)}"


def make_crawl(blog: Path, crawl_id: str, lines: list[str], warcs: list[str] | None = None) -> Path:
    crawl = blog / crawl_id
    (crawl / "warc").mkdir(parents=True)
    for name in warcs if warcs is not None else [f"{crawl_id}.warc.gz"]:
        (crawl / "warc" / name).write_bytes(b"")
    (crawl / "index.cdxj").write_text("".join(f"{x}\n" for x in sorted(lines)), encoding="utf-8")
    return crawl


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    blog = tmp_path / "out" / HOST
    make_crawl(blog, "20240101T000000Z", [line(f"https://{HOST}/", "20240101000001", "20240101T000000Z.warc.gz")])
    second = [
        line(f"https://{HOST}/", "20240201000001", "20240201T000000Z.warc.gz", mime="warc/revisit"),
        line(f"http://{HOST}/", "20240201000000", "20240201T000000Z.warc.gz", status="301", digest="R"),
    ]
    make_crawl(blog, "20240201T000000Z", second)
    return blog


# -- what PATH is, and where the state goes -------------------------------------------------------------------


def test_a_crawl_folder_is_replayed_from_a_state_folder_outside_every_crawl_and_blog_folder(blog: Path) -> None:
    target = find_target(blog / "20240201T000000Z")
    assert target.kind == "crawl folder"
    assert target.state_dir == blog.parent / ".replay" / HOST / "crawl-20240201T000000Z"
    assert [c.dir.name for c in target.crawls] == ["20240201T000000Z"]
    assert [c.dir.name for c in target.lenders] == ["20240101T000000Z"]


def test_a_blog_folder_and_a_folder_of_blogs_replay_every_crawl(blog: Path) -> None:
    target = find_target(blog)
    assert (target.kind, target.collection) == ("blog folder", "blog")
    assert target.state_dir == blog.parent / ".replay" / HOST / "blog"
    assert [c.dir.name for c in target.crawls] == ["20240101T000000Z", "20240201T000000Z"]
    build_collection(target)  # the state folder in OUTPUT is not taken for a blog
    everything = find_target(blog.parent)
    assert (everything.kind, everything.state_dir) == ("folder of blogs", blog.parent / ".replay" / "_all")
    assert [c.dir.name for c in everything.crawls] == ["20240101T000000Z", "20240201T000000Z"]


def test_a_folder_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "something").mkdir()
    with pytest.raises(NotReplayable, match="neither a crawl folder"):
        find_target(tmp_path)
    with pytest.raises(NotReplayable, match="no such folder"):
        find_target(tmp_path / "missing")
    (tmp_path / "crawl" / "warc").mkdir(parents=True)
    (tmp_path / "crawl" / "warc" / "a.warc.gz.open").write_bytes(b"")
    with pytest.raises(NotReplayable, match="without any finished WARC file"):
        find_target(tmp_path / "crawl")


def test_the_command_exits_2_on_a_path_that_is_not_an_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["replay", str(tmp_path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "NotReplayable" in err
    assert str(tmp_path) in err


def test_a_missing_pywb_names_the_extra_to_install(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pywb" else real(name, *a))
    with pytest.raises(ReplayError, match=r"pip install 'blogspot-archiver\[replay\]'"):
        replay.serve(blog, port=0)


def test_a_port_in_use_is_named(blog: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ReplayError, match=f"port {port} on 127.0.0.1 is in use"):
            replay._check_port("127.0.0.1", port)
    assert replay._check_port("127.0.0.1", 0) > 0


# -- the collection -------------------------------------------------------------------------------------------


def test_the_collection_points_at_the_warc_folders_and_a_merged_index(blog: Path) -> None:
    target = find_target(blog)
    collection = build_collection(target)
    assert collection.rebuilt
    config = yaml.safe_load((collection.state_dir / "config.yaml").read_text(encoding="utf-8"))
    assert config == {
        "collections": {
            "blog": {
                "index_paths": str(collection.state_dir / "index.cdxj"),
                "archive_paths": [f"{blog / c / 'warc'}{os.sep}" for c in ("20240101T000000Z", "20240201T000000Z")],
            }
        }
    }
    merged = collection.index.read_text(encoding="utf-8").splitlines()
    ours = [x for c in target.crawls for x in c.index.read_text(encoding="utf-8").splitlines()]
    assert merged == sorted(ours)
    assert list(collection.state_dir.rglob("*.warc*")) == []  # nothing copied
    # the home page's latest capture is the second crawl's revisit (of a 200), not its 301 at http
    assert collection.homes == [("20240201000001", f"https://{HOST}/")]


def test_a_second_build_reuses_the_collection_until_a_crawl_changes(blog: Path) -> None:
    target = find_target(blog)
    build_collection(target)
    index = target.state_dir / "index.cdxj"
    before = index.stat().st_mtime_ns
    again = build_collection(find_target(blog))
    assert not again.rebuilt
    assert again.homes == [("20240201000001", f"https://{HOST}/")]
    assert index.stat().st_mtime_ns == before
    # a third crawl is added: rebuilt, and its home page is now the latest
    make_crawl(blog, "20240301T000000Z", [line(f"https://{HOST}/", "20240301000001", "20240301T000000Z.warc.gz")])
    third = build_collection(find_target(blog))
    assert third.rebuilt
    assert third.homes == [("20240301000001", f"https://{HOST}/")]
    assert third.captures == 4
    # a crawl's index written again (a resumed crawl, `archiver index`): rebuilt
    crawl_index = blog / "20240101T000000Z" / "index.cdxj"
    text = crawl_index.read_text(encoding="utf-8")
    extra = line(f"https://{HOST}/p/about.html", "20240101000002", "20240101T000000Z.warc.gz")
    crawl_index.write_text(text + extra + "\n", encoding="utf-8")
    assert build_collection(find_target(blog)).captures == 5


def test_a_crawl_alone_takes_its_revisits_originals_from_the_blogs_other_crawls(blog: Path) -> None:
    collection = build_collection(find_target(blog / "20240201T000000Z"))
    lines = collection.index.read_text(encoding="utf-8").splitlines()
    assert [x.split(" ")[1] for x in lines] == ["20240101000001", "20240201000000", "20240201000001"]
    assert any("20240101T000000Z" in note for note in collection.notes)
    config = yaml.safe_load((collection.state_dir / "config.yaml").read_text(encoding="utf-8"))
    assert config["collections"]["crawl"]["archive_paths"] == [
        f"{blog / '20240201T000000Z' / 'warc'}{os.sep}",
        f"{blog / '20240101T000000Z' / 'warc'}{os.sep}",
    ]
    # a crawl without revisits stands alone
    alone = build_collection(find_target(blog / "20240101T000000Z"))
    assert alone.notes == []
    assert alone.captures == 1


def test_originals_needed_keeps_the_earliest_capture_of_each_url_with_a_revisits_digest() -> None:
    own = [line("https://h/a", "20240201000000", "b.warc.gz", mime="warc/revisit", digest="X")]
    others = [
        line("https://h/a", "20240102000000", "a.warc.gz", digest="X"),
        line("https://h/a", "20240101000000", "a.warc.gz", digest="X"),  # the original
        line("https://h/b", "20240101000000", "a.warc.gz", digest="X"),  # same payload elsewhere (dedup "any")
        line("https://h/c", "20240101000000", "a.warc.gz", digest="Y"),  # not needed
        line("https://h/a", "20240101000000", "a.warc.gz", mime="warc/revisit", digest="X"),  # never an original
    ]
    assert originals_needed(own, others) == sorted([others[1], others[2]])
    assert originals_needed([], others) == []


def test_home_pages_are_the_latest_good_capture_of_each_host() -> None:
    lines = [
        line("https://a.blogspot.com/", "20240101000000", "f"),
        line("https://a.blogspot.com/", "20240301000000", "f", status="503"),  # not a good capture
        line("https://a.blogspot.com/?m=1", "20240401000000", "f"),  # not the home page
        line("https://a.blogspot.com/2024/01/post.html", "20240401000000", "f"),
        line("http://b.blogspot.com/", "20240101000000", "f"),
        line("https://b.blogspot.com/", "20240101000000", "f"),  # https at the same time
        line("https://1.bp.blogspot.com/", "20240501000000", "f"),  # an image host
    ]
    assert home_pages(lines) == [
        ("20240101000000", "https://a.blogspot.com/"),
        ("20240101000000", "https://b.blogspot.com/"),
    ]


def test_config_yaml_quotes_every_path() -> None:
    from pathlib import Path

    text = config_yaml("blog", Path("/x/state: #1/index.cdxj"), [Path("/x/公民 blog/warc")])
    assert yaml.safe_load(text) == {
        "collections": {
            "blog": {"index_paths": "/x/state: #1/index.cdxj", "archive_paths": [f"/x/公民 blog/warc{os.sep}"]}
        }
    }
