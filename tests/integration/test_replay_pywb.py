"""Replay of the crawl's WARCs in the real pywb (``wb-manager`` + ``wayback``), strictly offline.

A passing replay proves little on its own (pywb forgives wrong headers and digests:
docs/WARC.md#replay-tools-forgive), so each test compares what pywb serves with the bytes stored in the WARC
record and with what the replica serves: a gzip body whose raw bytes pywb passes through and whose decoding
it gets right, a feed that was sent chunked and comes back whole, an image byte for byte, and a post page
whose text and requisites replay.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import ssl
import struct
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import lxml.etree
import lxml.html
import pytest

from tests.conftest import BLOG_URL
from tests.integration.conftest import BIN, FEED_PAGE, POSTS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import Replica
    from tests.integration.conftest import ArchivedCrawl

COLLECTION = "blog"
POST_URL = f"{BLOG_URL}2013/09/free-nobel-laureate-liu-xiaobo-rally.html"
ATOM = "{http://www.w3.org/2005/Atom}"
#: any request pywb might send to the live web goes to this closed port and fails
DEAD_PROXY = "http://127.0.0.1:9"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Wayback:
    """A running ``wayback`` serving one collection built with ``wb-manager``."""

    process: subprocess.Popen[bytes]
    root: str  # http://127.0.0.1:PORT/
    collection: Path
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return fetch(self.root + path, headers)

    def replay(self, timestamp: str, mode: str, url: str, headers: dict[str, str] | None = None) -> Reply:
        return self.get(f"{COLLECTION}/{timestamp}{mode}/{url}", headers)


def fetch(
    url: str, headers: dict[str, str] | None = None, opener: urllib.request.OpenerDirector | None = None
) -> Reply:
    """GET ``url``; the body comes back exactly as sent (urllib never undoes a Content-Encoding)."""
    opener = opener or urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers.items()), error.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_wayback(root: Path) -> Wayback:
    """Start ``wayback -b 127.0.0.1 -p PORT`` in ``root`` (no --live, --record or --proxy) and wait for it."""
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = DEAD_PROXY
    # pywb's front end reaches its own warcserver over HTTP on localhost: that must not go to the dead proxy
    env["no_proxy"] = env["NO_PROXY"] = "localhost,127.0.0.1"
    log = root / "wayback.log"
    for _ in range(3):
        port = free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wayback = Wayback(process, f"http://127.0.0.1:{port}/", root / "collections" / COLLECTION, log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if wayback.get("").status == 200:
                    return wayback
            except OSError:
                time.sleep(0.1)
        stop(process)
    raise RuntimeError("wayback did not start:\n" + log.read_text(errors="replace"))


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def wayback(archived_crawl: ArchivedCrawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wayback]:
    """A pywb collection made from the crawl's WARCs as a user makes one, served by ``wayback``."""
    root = tmp_path_factory.mktemp("pywb")
    manager = str(BIN / "wb-manager")
    subprocess.run([manager, "init", COLLECTION], cwd=root, check=True, capture_output=True, timeout=60)
    subprocess.run(
        [manager, "add", COLLECTION, *map(str, archived_crawl.warcs)],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = start_wayback(root)
    yield server
    stop(server.process)


def from_replica(replica: Replica, url: str, headers: dict[str, str] | None = None) -> Reply:
    """Fetch ``url`` now from the replica, through its proxy, verifying its certificate with its CA."""
    context = ssl.create_default_context(cafile=str(replica.ca_cert))
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": replica.proxy, "https": replica.proxy}),
        urllib.request.HTTPSHandler(context=context),
    )
    return fetch(url, headers, opener)


# -- pywb's own index -------------------------------------------------------------------------------------------


def test_pywb_indexes_our_warcs_exactly_as_we_do(archived_crawl: ArchivedCrawl, wayback: Wayback) -> None:
    """`wb-manager add` prints an error but exits 0 with an empty index on a broken WARC: look at the index."""
    index = (wayback.collection / "indexes" / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert len(index) > 200
    urls = {json.loads(line.split(" ", 2)[2])["url"] for line in index}
    posts = [t["url"] for t in archived_crawl.truth() if t["kind"] == "post"]
    assert len(posts) == POSTS
    assert [url for url in posts if url not in urls] == []
    assert index == archived_crawl.index_lines()  # pywb's cdx-indexer and our CdxjCollector agree byte for byte


def test_pywb_stays_offline(wayback: Wayback) -> None:
    reply = wayback.replay("2024", "id_", "https://example.com/never-archived")
    assert reply.status == 404


# -- (a) a post page, rewritten --------------------------------------------------------------------------------


def test_post_page_replays_with_its_text_images_and_css(archived_crawl: ArchivedCrawl, wayback: Wayback) -> None:
    timestamp = archived_crawl.timestamp(POST_URL)
    top = wayback.replay(timestamp, "", POST_URL)  # what a user opens: the banner frame around the page
    assert top.status == 200
    assert POST_URL.encode() in top.body

    page = wayback.replay(timestamp, "mp_", POST_URL)  # the rewritten page inside the frame
    assert page.status == 200, page.body[:2000]
    text = page.body.decode("utf-8")
    truth = next(t for t in archived_crawl.truth() if t["url"] == POST_URL)
    assert "calling for the release of Nobel laureate Liu Xiaobo" in text
    chinese = next(p for p in truth["paragraphs"] if "刘晓波" in p)
    assert " ".join(chinese.split()) in " ".join(lxml.html.fromstring(page.body).text_content().split())

    document = lxml.html.fromstring(page.body)
    prefix = f"{wayback.root}{COLLECTION}/{timestamp}"
    images = [img.get("src") for img in document.iter("img") if img.get("src")]
    assert truth["images"]
    assert [i["src"] for i in truth["images"] if f"{prefix}im_/{i['src']}" not in images] == []
    # the stock comment avatars on img1.blogblog.com were once out of scope and replayed as broken images
    assert any("img1.blogblog.com" in src for src in images)
    stylesheets = [link.get("href") for link in document.iter("link") if link.get("rel") == "stylesheet"]
    assert any("css_bundle" in href for href in stylesheets)
    for src in images:  # every image the page shows replays from the archive
        assert src.startswith(prefix + "im_/"), src
        reply = fetch(src)
        assert reply.status == 200, src
        assert reply.headers["Content-Type"].startswith("image/"), src
    for href in stylesheets:
        assert href.startswith(prefix + "cs_/") or href.startswith(f"{wayback.root}static/"), href
        assert fetch(href).status == 200, href


# -- (b) a gzip-encoded response, raw --------------------------------------------------------------------------


def test_gzip_response_replays_raw_and_decoded(archived_crawl: ArchivedCrawl, wayback: Wayback) -> None:
    stored = archived_crawl.responses()[POST_URL]
    assert stored.http.get_header("Content-Encoding") == "gzip"
    assert stored.body[:2] == b"\x1f\x8b"  # the WARC holds the bytes as sent, still gzip
    assert stored.http.get_header("Content-Length") == str(len(stored.body))
    timestamp = archived_crawl.timestamp(POST_URL)
    original = from_replica(archived_crawl.replica, POST_URL)
    assert original.status == 200

    raw = wayback.replay(timestamp, "id_", POST_URL, {"Accept-Encoding": "gzip"})
    assert raw.status == 200
    assert raw.headers.get("Content-Encoding") == "gzip"
    assert raw.body == stored.body  # passed through untouched

    decoded = wayback.replay(timestamp, "id_", POST_URL, {"Accept-Encoding": "identity"})
    assert decoded.status == 200
    assert "Content-Encoding" not in decoded.headers
    assert decoded.headers.get("X-Archive-Orig-Content-Encoding") == "gzip"
    assert decoded.body == gzip.decompress(stored.body) == original.body


# -- (c) responses the replica sent chunked --------------------------------------------------------------------


def feed_url(start: int) -> str:
    query = f"max-results={FEED_PAGE}" if start == 1 else f"start-index={start}&max-results={FEED_PAGE}"
    return f"{BLOG_URL}feeds/posts/default?{query}"


def test_chunked_feed_pages_replay_whole(archived_crawl: ArchivedCrawl, wayback: Wayback) -> None:
    responses = archived_crawl.responses()
    truth_ids = {t["post_id"] for t in archived_crawl.truth() if t["kind"] == "post"}
    replayed_ids: set[str] = set()
    for start in range(1, POSTS + 1, FEED_PAGE):
        url = feed_url(start)
        live = from_replica(archived_crawl.replica, url, {"Accept-Encoding": "gzip"})
        assert live.headers.get("Transfer-Encoding") == "chunked", url  # how the replica sent it
        stored = responses[url]
        assert stored.http.get_header("Transfer-Encoding") is None  # de-chunked body, no chunked header
        assert stored.http.get_header("Content-Length") == str(len(stored.body))

        reply = wayback.replay(archived_crawl.timestamp(url), "id_", url)
        assert reply.status == 200, url
        feed = lxml.etree.fromstring(reply.body)
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == min(FEED_PAGE, POSTS - start + 1), url
        replayed_ids.update(entry.findtext(f"{ATOM}id").rsplit(".post-", 1)[1] for entry in entries)
    assert replayed_ids == truth_ids


def test_chunked_archive_page_replays_every_post_of_the_month(archived_crawl: ArchivedCrawl, wayback: Wayback) -> None:
    url = f"{BLOG_URL}2013/09/"
    live = from_replica(archived_crawl.replica, url, {"Accept-Encoding": "gzip"})
    assert live.headers.get("Transfer-Encoding") == "chunked"
    reply = wayback.replay(archived_crawl.timestamp(url), "mp_", url)
    assert reply.status == 200
    titles = [" ".join(h3.text_content().split()) for h3 in lxml.html.fromstring(reply.body).find_class("post-title")]
    expected = [
        " ".join(t["title"].split())
        for t in archived_crawl.truth()
        if t["kind"] == "post" and str(t["published"]).startswith("2013-09")
    ]
    assert len(expected) >= 2
    assert sorted(titles) == sorted(expected)


# -- (d) an original-size image, byte for byte -------------------------------------------------------------------


def png_chunks(data: bytes) -> list[bytes]:
    """Chunk types of a PNG, checking the signature and every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, kinds = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + payload) == crc, kind
        kinds.append(kind)
        position += 12 + length
    return kinds


def test_original_image_replays_byte_for_byte(archived_crawl: ArchivedCrawl, wayback: Wayback) -> None:
    truth = next(t for t in archived_crawl.truth() if t["url"] == POST_URL)
    original = truth["images"][0]["original"]
    assert "/s1600/" in original
    stored = archived_crawl.responses()[original]
    reply = wayback.replay(archived_crawl.timestamp(original), "id_", original)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/png"
    assert reply.body == stored.body
    kinds = png_chunks(reply.body)
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
