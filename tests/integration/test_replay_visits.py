"""Replay across visits: two crawls of the replica (state 0, then state 1 with revisits) in one blog WACZ, in pywb.

The replica's state 1 edits posts (their truth says which and how); the second crawl stores what did not change
as revisit records (ARCHIVER_DEDUP_REVISITS=url). `archiver package OUTPUT/<host>` packages both crawls as one
WACZ, which pywb unpacks (`wb-manager add --unpack-wacz`) and serves: each version of an edited post at its own
crawl's timestamp, and a revisited URL at the second crawl's timestamp with its original's payload. The blog
WACZ itself is checked member by member: hashes, a sorted index whose every line points at its record, and WARCs
that `warcio check` accepts. The second crawl's own WACZ names the first's in ``relation.requires``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import zipfile
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import lxml.html
import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver
from tests.integration.conftest import BIN
from tests.integration.test_replay_pywb import COLLECTION, start_wayback, stop
from tests.integration.test_wacz import assert_same_package

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.conftest import Replica
    from tests.integration.test_replay_pywb import Wayback

pytestmark = pytest.mark.slow

POSTS = 30
FIRST, SECOND = "20240102T030405Z", "20240202T030405Z"


def truth(state: int) -> dict[str, dict[str, Any]]:
    return {str(r["url"]): r for r in truth_records(Blog(POSTS, state, DEFAULT_BLOG_NAME)) if r["kind"] == "post"}


def index_lines(crawl_dir: Path) -> list[dict[str, Any]]:
    out = []
    for line in (crawl_dir / "index.cdxj").read_text(encoding="utf-8").splitlines():
        _, timestamp, data = line.split(" ", 2)
        out.append({**json.loads(data), "timestamp": timestamp})
    return out


def capture(crawl_dir: Path, url: str) -> dict[str, Any]:
    """The crawl's (last) capture of ``url`` in its index."""
    return [line for line in index_lines(crawl_dir) if line["url"] == url][-1]


def text_of(html: bytes) -> str:
    return " ".join(lxml.html.fromstring(html).text_content().split())


class Visits:
    def __init__(self, out: Path) -> None:
        self.blog = out / BLOG_HOST
        self.first = self.blog / FIRST
        self.second = self.blog / SECOND
        self.wacz = self.blog / f"{BLOG_HOST}-all.wacz"


@pytest.fixture(scope="module")
def visits(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Visits:
    out = tmp_path_factory.mktemp("visits")
    for state, crawl_id, extra in ((0, FIRST, ()), (1, SECOND, ("-s", "ARCHIVER_DEDUP_REVISITS=url"))):
        replica = replica_factory("--posts", str(POSTS), "--state", str(state))
        args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra]
        result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
        assert result.returncode == 0, result.stderr[-4000:]
    # the deduplicated crawl says how to replay it
    assert f"Replay with the blog WACZ: archiver package {out / BLOG_HOST}" in result.stderr
    result = run_archiver("package", str(out / BLOG_HOST))
    assert result.returncode == 0, result.stderr[-4000:]
    found = Visits(out)
    assert f"{found.wacz}: 2 crawls, " in result.stdout
    return found


@pytest.fixture(scope="module")
def wayback(visits: Visits, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wayback]:
    """Serve the blog WACZ alone in pywb, unpacked as a user would: `wb-manager add --unpack-wacz`."""
    root = tmp_path_factory.mktemp("pywb-visits")
    manager = str(BIN / "wb-manager")
    subprocess.run([manager, "init", COLLECTION], cwd=root, check=True, capture_output=True, timeout=60)
    subprocess.run(
        [manager, "add", "--unpack-wacz", COLLECTION, str(visits.wacz)],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = start_wayback(root)
    yield server
    stop(server.process)


def test_an_edited_post_replays_each_version_at_its_own_crawls_time(visits: Visits, wayback: Wayback) -> None:
    before, after = truth(0), truth(1)
    edited = [url for url in before.keys() & after.keys() if before[url]["body_text"] != after[url]["body_text"]]
    assert edited
    for url in edited:
        old_only = set(before[url]["paragraphs"]) - set(after[url]["paragraphs"])
        new_only = set(after[url]["paragraphs"]) - set(before[url]["paragraphs"])
        assert old_only or new_only, url
        first, second = capture(visits.first, url), capture(visits.second, url)
        assert second["mime"] != "warc/revisit"  # an edit is stored in full
        assert first["timestamp"] < second["timestamp"]
        for timestamp, shown, hidden in (
            (first["timestamp"], old_only, new_only),
            (second["timestamp"], new_only, old_only),
        ):
            reply = wayback.replay(timestamp, "id_", url, {"Accept-Encoding": "identity"})
            assert reply.status == 200, (url, timestamp)
            text = text_of(reply.body)
            for paragraph in shown:
                assert " ".join(paragraph.split()) in text, (url, timestamp, paragraph)
            for paragraph in hidden:
                assert " ".join(paragraph.split()) not in text, (url, timestamp, paragraph)


def test_a_revisit_replays_at_the_later_crawls_time_with_the_originals_payload(
    visits: Visits, wayback: Wayback
) -> None:
    revisits = [line for line in index_lines(visits.second) if line["mime"] == "warc/revisit"]
    assert revisits  # state 1 changes every HTML page (new posts in the sidebar); images and the like are revisits
    originals = {}
    for path in sorted((visits.first / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    originals[record.rec_headers.get_header("WARC-Target-URI")] = record.raw_stream.read()
    for line in revisits[:5]:
        url = line["url"]
        reply = wayback.replay(line["timestamp"], "id_", url, {"Accept-Encoding": "gzip"})
        assert reply.status == 200, url
        assert reply.body == originals[url], url  # the original's payload, byte for byte
        assert capture(visits.first, url)["timestamp"] < line["timestamp"]
        # the capture served is the revisit itself (pywb names it), not the first crawl's response
        served = parsedate_to_datetime(reply.headers["Memento-Datetime"]).strftime("%Y%m%d%H%M%S")
        assert served == line["timestamp"], url


def test_the_blog_wacz_is_whole_sorted_and_points_at_real_records(visits: Visits, tmp_path: Path) -> None:
    warcs = sorted([*(visits.first / "warc").glob("*.warc.gz"), *(visits.second / "warc").glob("*.warc.gz")])
    with zipfile.ZipFile(visits.wacz) as archive:
        datapackage = json.loads(archive.read("datapackage.json"))
        assert "relation" not in datapackage
        listed = {resource["path"]: resource for resource in datapackage["resources"]}
        for path, resource in listed.items():
            data = archive.read(path)
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), path
            assert resource["bytes"] == len(data), path
        assert sorted(p for p in listed if p.startswith("archive/")) == [f"archive/{p.name}" for p in warcs]
        lines = gzip.decompress(archive.read("indexes/index.cdx.gz")).decode("utf-8").splitlines()
        assert lines == sorted(lines)
        ours = [
            *(visits.first / "index.cdxj").read_text(encoding="utf-8").splitlines(),
            *(visits.second / "index.cdxj").read_text(encoding="utf-8").splitlines(),
        ]
        assert lines == sorted(ours)
        assert any('"mime": "warc/revisit"' in line for line in lines)
        for path in warcs:
            (tmp_path / path.name).write_bytes(archive.read(f"archive/{path.name}"))
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]]
    for line in lines:
        fields = json.loads(line.split(" ", 2)[2])
        with (tmp_path / fields["filename"]).open("rb") as stream:
            stream.seek(int(fields["offset"]))
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
            assert record.rec_type in ("response", "revisit")
    check = subprocess.run(
        [str(BIN / "warcio"), "check", *(str(tmp_path / p.name) for p in warcs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout[-2000:]
    # every post of each state is listed once per visit, at that visit's time
    for crawl_dir, state in ((visits.first, 0), (visits.second, 1)):
        stamps = {url: capture(crawl_dir, url)["timestamp"] for url in truth(state)}
        listed_at = {p["url"] for p in pages if re.sub(r"\D", "", p["ts"])[:14] == stamps.get(p["url"])}
        assert set(stamps) <= listed_at, crawl_dir.name


def test_the_second_crawls_own_wacz_requires_the_first_crawls(visits: Visits) -> None:
    first_wacz = visits.first / f"{BLOG_HOST}-{FIRST}.wacz"
    with zipfile.ZipFile(visits.second / f"{BLOG_HOST}-{SECOND}.wacz") as archive:
        relation = json.loads(archive.read("datapackage.json"))["relation"]
    assert relation == {
        "requires": [
            {
                "filename": first_wacz.name,
                "hash": "sha256:" + hashlib.sha256(first_wacz.read_bytes()).hexdigest(),
                "size": first_wacz.stat().st_size,
                "crawlId": FIRST,
            }
        ]
    }


def test_each_crawls_own_wacz_is_what_archiver_package_makes_of_its_folder(visits: Visits, tmp_path: Path) -> None:
    # the crawl's WACZ took its titles, revisit heads and hashes from what it wrote; `archiver package` reads
    # every record again: the same members, datapackage.json's `created` aside (relation.requires included)
    for crawl_dir, crawl_id in ((visits.first, FIRST), (visits.second, SECOND)):
        again = tmp_path / f"{crawl_id}.wacz"
        result = run_archiver("package", str(crawl_dir), "-o", str(again))
        assert result.returncode == 0, result.stderr[-4000:]
        assert_same_package(crawl_dir / f"{BLOG_HOST}-{crawl_id}.wacz", again)
        stats = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))["stats"]
        assert stats["archiver/wacz/records_read"] == 0
