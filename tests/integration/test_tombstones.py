"""Tombstones: a post the replica deleted stays in the corpus with the WARC pointer of the 404 that proves it.

The replica's state 0, then state 1 (which deletes posts: linked by nothing, answering 404), then state 0 again
(the posts are back), crawled into one output. After the second visit each deleted post is a tombstone whose
``capture`` opens, in that crawl's WARC, on the 404 response of its URL; after the third the tombstones are
gone and the change history says ``restored``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from archiver.records import jsonl
from archiver.records.changes import url_key
from archiver.schemas import load
from tests.conftest import BLOG_HOST as HOST
from tests.conftest import BLOG_URL, run_archiver

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

pytestmark = pytest.mark.slow  # three crawls

POSTS = 60  # state 1 deletes at least one of them
IDS = ("20240101T000000Z", "20240201T000000Z", "20240301T000000Z")


def post_ids(state: int) -> set[str]:
    return {str(r["post_id"]) for r in truth_records(Blog(POSTS, state, DEFAULT_BLOG_NAME)) if r["kind"] == "post"}


def corpus(out: Path) -> dict[str, dict[str, Any]]:
    return {r["post_id"]: r for r in jsonl.read_file(out / HOST / "corpus" / "posts.jsonl")}


@pytest.fixture(scope="module")
def visits(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("tombstones")
    snapshots = []
    for state, crawl_id in zip((0, 1, 0), IDS, strict=True):
        replica = replica_factory("--posts", str(POSTS), "--state", str(state))
        args = ["crawl", BLOG_URL, "--profile", "local", "-o", str(out), "-s", f"ARCHIVER_CRAWL_ID={crawl_id}"]
        result = run_archiver(*args, env=replica.proxy_env())
        assert result.returncode == 0, result.stderr[-4000:]
        snapshots.append(corpus(out))
    return out, snapshots


def test_a_deleted_post_is_a_tombstone_pointing_at_its_404(visits: tuple[Path, list]) -> None:
    out, snapshots = visits
    deleted = post_ids(0) - post_ids(1)
    assert deleted
    after = snapshots[1]
    assert {post_id for post_id, r in after.items() if r["corpus"]["deleted"]} == deleted
    changes = {c["post_id"]: c for c in jsonl.read_file(out / HOST / IDS[1] / "changes.jsonl")}
    for post_id in deleted:
        record = after[post_id]
        assert record["title"] == snapshots[0][post_id]["title"]  # the last record is kept, never dropped
        tomb = record["corpus"]["deleted"]
        assert tomb["crawl_id"] == IDS[1]
        capture = tomb["capture"]
        assert tomb["deleted_at"] == capture["fetched_at"]
        assert changes[post_id]["change"] == "deleted"
        assert changes[post_id]["capture"] == capture
        # the pointer opens on the 404 of the post's URL in that crawl's WARC
        with (out / HOST / IDS[1] / "warc" / capture["filename"]).open("rb") as stream:
            stream.seek(capture["offset"])
            warc = next(iter(ArchiveIterator(stream)))
            assert warc.rec_type == "response"
            assert warc.rec_headers.get_header("WARC-Record-ID") == capture["record_id"]
            assert warc.rec_headers.get_header("WARC-Date") == capture["fetched_at"]
            assert url_key(warc.rec_headers.get_header("WARC-Target-URI")) == url_key(record["url"])
            assert int(warc.http_headers.get_statuscode()) == capture["status"] in (404, 410)
        jsonschema.validate(record, load("post", record["schema_version"]), cls=jsonschema.Draft202012Validator)
    assert all(r["corpus"]["deleted"] is None for r in snapshots[0].values())


def test_a_restored_post_loses_its_tombstone(visits: tuple[Path, list]) -> None:
    out, snapshots = visits
    deleted = post_ids(0) - post_ids(1)
    back = snapshots[2]
    assert all(back[post_id]["corpus"]["deleted"] is None for post_id in deleted)
    assert all(back[post_id]["corpus"]["missing_since"] is None for post_id in deleted)
    restored = {
        c["post_id"] for c in jsonl.read_file(out / HOST / IDS[2] / "changes.jsonl") if c["change"] == "restored"
    }
    assert restored == deleted
