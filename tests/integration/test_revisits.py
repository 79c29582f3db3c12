"""Revisits: a second crawl of an unchanged blog stores what the first archived as WARC/1.1 revisit records.

Two crawls of the same replica into one output folder, the second with revisits on, as by default
(ARCHIVER_DEDUP_REVISITS=url). The second crawl's unchanged payloads are revisits naming their originals in the
first crawl; its WARC files are a tenth of the first's at most; its post records are the same content, and
`archiver extract` of its folder rebuilds them byte for byte from the WARCs (the originals found in the first
crawl); pywb, given every crawl's WARCs, replays a revisited post page at the second crawl's timestamp with the
original's payload.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import BLOG_HOST, BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Replica

FIRST, SECOND = "20240102T030405Z", "20240202T030405Z"


def crawl(replica: Replica, out: Path, crawl_id: str, *extra: str) -> Path:
    args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}", *extra]
    result = run_archiver(*args, env=replica.proxy_env(), timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    return out / BLOG_HOST / crawl_id


def records(crawl_dir: Path) -> list[tuple[str, dict[str, str]]]:
    out = []
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    out.append((record.rec_type, dict(record.rec_headers.headers)))
    return out


def warc_bytes(crawl_dir: Path) -> int:
    return sum(path.stat().st_size for path in (crawl_dir / "warc").glob("*.warc.gz"))


@pytest.fixture(scope="module")
def visits(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    replica = replica_factory("--posts", "30")
    out = tmp_path_factory.mktemp("revisits")
    first = crawl(replica, out, FIRST)
    second = crawl(replica, out, SECOND)  # revisits are the default (ARCHIVER_DEDUP_REVISITS=url)
    return first, second


def test_unchanged_payloads_are_revisits_naming_their_originals(visits: tuple[Path, Path]) -> None:
    first, second = visits
    originals = {h["WARC-Target-URI"]: h for kind, h in records(first) if kind == "response"}
    revisits = [h for kind, h in records(second) if kind == "revisit"]
    assert len(revisits) > 0.9 * len(originals)  # the replica did not change: nearly everything is a revisit
    for headers in revisits:
        original = originals[headers["WARC-Target-URI"]]
        assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        assert headers["WARC-Refers-To"] == original["WARC-Record-ID"]
        assert headers["WARC-Refers-To-Date"] == original["WARC-Date"]
        assert headers["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
    stats = json.loads((second / "stats.json").read_text(encoding="utf-8"))["stats"]
    assert stats["archiver/warc/revisits"] == len(revisits)
    # request, revisit and metadata records remain for every capture (about 2.3 KB gzipped in all); the
    # replica's photos weigh what photos do, so the payloads dominate (6.7% of the first crawl's bytes measured)
    assert warc_bytes(second) <= 0.10 * warc_bytes(first)
    check = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", *map(str, (second / "warc").glob("*.warc.gz"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout[-2000:]


def test_the_revisit_crawls_records_are_rebuilt_from_the_warcs(visits: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = visits
    rebuilt = tmp_path / "posts.jsonl"
    result = run_archiver("extract", str(second), "-o", str(rebuilt))
    assert result.returncode == 0, result.stderr[-3000:]
    assert rebuilt.read_bytes() == (second / "posts.jsonl").read_bytes()
    before = {
        r["post_id"]: r for r in map(json.loads, (first / "posts.jsonl").read_text(encoding="utf-8").splitlines())
    }
    after = {
        r["post_id"]: r for r in map(json.loads, (second / "posts.jsonl").read_text(encoding="utf-8").splitlines())
    }
    assert after.keys() == before.keys()
    assert all(after[k]["content_sha256"] == before[k]["content_sha256"] for k in after)
    assert (second / "changes.jsonl").read_bytes() == b""


def test_cdxj_lists_the_revisits_as_pywb_expects(visits: tuple[Path, Path]) -> None:
    _, second = visits
    lines = [json.loads(line.split(" ", 2)[2]) for line in (second / "index.cdxj").read_text().splitlines()]
    revisits = [fields for fields in lines if fields.get("mime") == "warc/revisit"]
    assert revisits
    assert all("status" not in fields and fields["digest"] for fields in revisits)
