"""One crawl of a 40-post replica, shared by the replay (pywb) and package (WACZ) tests of this session."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import crawl_command

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.conftest import Replica

BIN = Path(sys.executable).parent  # the venv's bin: its tools (wacz, wb-manager, wayback) are not on PATH
POSTS = 40
FEED_PAGE = 25  # two feed pages for 40 posts, so that paging is replayed too


@dataclass
class StoredResponse:
    """A response record as stored: WARC headers, HTTP head, and the body bytes exactly as written."""

    uri: str
    date: str
    http: Any
    body: bytes


@dataclass
class ArchivedCrawl:
    """A finished ``archiver crawl`` of the replica: its folder, its replica, and readers of its output."""

    replica: Replica
    dir: Path
    stderr: str

    @property
    def warcs(self) -> list[Path]:
        return sorted((self.dir / "warc").glob("*.warc.gz"))

    @property
    def wacz(self) -> Path:
        (path,) = self.dir.glob("*.wacz")
        return path

    def responses(self) -> dict[str, StoredResponse]:
        out = {}
        for path in self.warcs:
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type == "response":
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        out[uri] = StoredResponse(
                            uri,
                            record.rec_headers.get_header("WARC-Date"),
                            record.http_headers,
                            record.raw_stream.read(),
                        )
        return out

    def truth(self) -> list[dict[str, Any]]:
        return list(truth_records(Blog(POSTS, 0, DEFAULT_BLOG_NAME)))

    def index_lines(self) -> list[str]:
        return (self.dir / "index.cdxj").read_text(encoding="utf-8").splitlines()

    def timestamp(self, url: str) -> str:
        """The 14-digit timestamp the index gives the capture of ``url``."""
        for line in self.index_lines():
            if f'"url": "{url}"' in line:
                return line.split(" ", 2)[1]
        raise AssertionError(f"{url} is not in index.cdxj")


@pytest.fixture(scope="session")
def archived_crawl(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> ArchivedCrawl:
    """Crawl a 40-post replica through its proxy, as a user would, with the WACZ written at the end."""
    replica = replica_factory("--posts", str(POSTS))
    out = tmp_path_factory.mktemp("archived")
    crawl_dir = out / "crawl"
    cmd = crawl_command(
        out,
        crawl_dir,
        "-s",
        "ARCHIVER_CRAWL_ID=20240102T030405Z",
        "-s",
        f"ARCHIVER_DISCOVERY_FEED_PAGE_SIZE={FEED_PAGE}",
    )
    result = subprocess.run(cmd, env=replica.proxy_env(), capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return ArchivedCrawl(replica, crawl_dir, result.stderr)
