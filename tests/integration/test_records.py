"""Post records of real crawls of the replica (both layout families) against the replica's truth.

One crawl per theme, shared by the module: classic with mobile pages, small feed pages and several WARC
files; Contempo with robots.txt ignored, so label and pager listings are archived too. A third pair of
crawls (state 0, then state 1 of the same blog into the same output folder) checks the corpus and, with the
classic crawl of the same state-0 blog, ``content_sha256``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from archiver.schemas import load
from tests.conftest import BLOG_HOST
from tests.integration.test_crawl import FEED_PAGE, Crawl, run_crawl, start_crawl

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import Replica

EXACT = ("title", "published", "updated", "labels", "author", "comment_count")


@pytest.fixture(scope="module")
def classic(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    args = ("--mobile", "-s", f"ARCHIVER_DISCOVERY_FEED_PAGE_SIZE={FEED_PAGE}", "-s", "ARCHIVER_WARC_MAX_SIZE=400000")
    return start_crawl(replica_factory, tmp_path_factory.mktemp("records-classic"), 80, crawl_args=args)


@pytest.fixture(scope="module")
def contempo(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return start_crawl(
        replica_factory,
        tmp_path_factory.mktemp("records-contempo"),
        60,
        "--theme",
        "contempo",
        crawl_args=("--ignore-robots",),
    )


@pytest.fixture(params=["classic", "contempo"])
def crawl(request: pytest.FixtureRequest) -> Crawl:
    found: Crawl = request.getfixturevalue(request.param)
    return found


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_every_post_and_page_is_present_exactly_once(crawl: Crawl) -> None:
    posts, pages = read(crawl.dir / "posts.jsonl"), read(crawl.dir / "pages.jsonl")
    truth = crawl.truth()
    assert sorted(r["post_id"] for r in posts) == sorted(t["post_id"] for t in truth if t["kind"] == "post")
    assert sorted(r["post_id"] for r in pages) == sorted(t["post_id"] for t in truth if t["kind"] == "page")
    stats = json.loads((crawl.dir / "stats.json").read_text(encoding="utf-8"))
    assert json.dumps(stats).count('"archiver/posts/written": ' + str(len(posts))) == 1


def test_fields_equal_the_truth(crawl: Crawl) -> None:
    truth = {t["post_id"]: t for t in crawl.truth()}
    for record in read(crawl.dir / "posts.jsonl") + read(crawl.dir / "pages.jsonl"):
        want = truth[record["post_id"]]
        assert {k: record[k] for k in EXACT} == {k: want[k] for k in EXACT}, record["url"]
        assert (record["url"], record["kind"]) == (want["url"], want["kind"])
        assert squeeze(record["body_text"]) == squeeze(want["body_text"]), record["url"]
        shown = [{k: i[k] for k in ("src", "original", "alt", "caption")} for i in record["images"]]
        assert shown == want["images"], record["url"]
        assert record["links"] == [], record["url"]  # the replica's bodies link nothing but their images
        assert record["body_html"].count("<img ") == len(want["images"]), record["url"]
        assert "Who We Are" not in record["body_html"]
        assert record["body_complete"] is True
        assert record["provenance"]["published"] == "feed"
        assert record["provenance"]["body"] == "post_page"


def test_attendees_pair_as_the_truth_says(crawl: Crawl) -> None:
    truth = {t["post_id"]: t for t in crawl.truth()}
    records = read(crawl.dir / "posts.jsonl")
    for record in records:
        assert record["attendees"] == truth[record["post_id"]]["attendees"], record["url"]
    seeds = [
        r
        for r in records
        if r["path"]
        in (
            "/2012/02/protest-zhu-yufus-7-year-prison.html",
            "/2013/09/free-wang-bingzhang-rally.html",
            "/2013/09/free-nobel-laureate-liu-xiaobo-rally.html",
        )
    ]
    assert [len(r["attendees"]) for r in seeds] == [33, 9, 16]
    assert all(a["en"] and a["zh"] for r in seeds for a in r["attendees"])
    one_sided = [r for r in records if any(a["zh"] is None for a in r["attendees"])]
    assert one_sided  # generated posts with an English list only, or a name missing in Chinese
    assert {"Shen Xuehua": "申雪花"}.items() <= {a["en"]: a["zh"] for a in seeds[2]["attendees"]}.items()


def ok_urls(crawl: Crawl) -> set[str]:
    """The URL of every 200 response in the crawl's WARC files."""
    found = set()
    for path in crawl.warcs:
        with path.open("rb") as stream:
            for warc in ArchiveIterator(stream):
                if warc.rec_type == "response" and warc.http_headers.get_statuscode() == "200":
                    found.add(warc.rec_headers.get_header("WARC-Target-URI"))
    return found


def test_images_say_whether_the_crawl_holds_them(crawl: Crawl) -> None:
    held = ok_urls(crawl)
    images = [i for r in read(crawl.dir / "posts.jsonl") for i in r["images"]]
    assert images
    assert all(i["archived"] == (i["original"] in held) and i["src_archived"] == (i["src"] in held) for i in images)
    assert all(i["archived"] and i["src_archived"] for i in images)  # the crawl fetches every size it shows


def test_posts_missing_a_title_labels_author_uri_or_date_header_give_valid_records(crawl: Crawl) -> None:
    records = read(crawl.dir / "posts.jsonl")
    truth = {t["post_id"]: t for t in crawl.truth()}
    validator = jsonschema.Draft202012Validator(load("post"))
    untitled = [r for r in records if truth[r["post_id"]]["title"] == ""]
    unlabelled = [r for r in records if truth[r["post_id"]]["labels"] == []]
    unknown = [r for r in records if truth[r["post_id"]]["author"] == {"name": "Unknown", "uri": None}]
    assert untitled
    assert unlabelled
    assert unknown
    for record in untitled + unlabelled + unknown:
        validator.validate(record)
    assert all(r["title"] == "" for r in untitled)
    assert all(r["labels"] == [] for r in unlabelled)
    assert all(r["author"] == {"name": "Unknown", "uri": None} for r in unknown)
    headers = [r["date_header"] for r in records]
    if "contempo" in crawl.replica.args:  # the 2017+ theme shows no date header
        assert headers == [None] * len(records)
    else:
        assert None not in headers


def test_records_validate_against_the_schemas(crawl: Crawl) -> None:
    truth = crawl.truth()
    for kind, name in (("post", "posts.jsonl"), ("page", "pages.jsonl")):
        records = read(crawl.dir / name)
        assert len(records) == sum(t["kind"] == kind for t in truth) > 0  # an empty file proves nothing
        validator = jsonschema.Draft202012Validator(load(kind))
        for record in records:
            validator.validate(record)
        assert_schema_refuses_broken(validator, records[0])


def assert_schema_refuses_broken(validator: jsonschema.Draft202012Validator, record: dict[str, Any]) -> None:
    """The schema holds records to something: without an id, of the other kind, or with a stray field, refused."""
    other = "page" if record["kind"] == "post" else "post"
    assert not validator.is_valid({k: v for k, v in record.items() if k != "post_id"})
    assert not validator.is_valid({**record, "kind": other})
    assert not validator.is_valid({**record, "unexpected": 1})
    assert not validator.is_valid({**record, "published_utc": 20130917})


def test_warc_pointers_resolve_to_the_post_page_capture(crawl: Crawl) -> None:
    for record in read(crawl.dir / "posts.jsonl") + read(crawl.dir / "pages.jsonl"):
        source = record["source"]
        with (crawl.dir / "warc" / source["filename"]).open("rb") as stream:
            stream.seek(source["offset"])
            records = ArchiveIterator(stream)
            warc = next(iter(records))
            assert warc.rec_type == "response"
            assert warc.rec_headers.get_header("WARC-Target-URI") == record["url"]
            assert warc.rec_headers.get_header("WARC-Payload-Digest") == source["payload_digest"]
            assert warc.rec_headers.get_header("WARC-Record-ID") == source["record_id"]
            assert warc.rec_headers.get_header("WARC-Date") == source["fetched_at"]
            records.read_to_end()
            assert records.get_record_length() == source["length"]


def test_crawl_files_equal_offline_extract_byte_for_byte(crawl: Crawl, tmp_path: Path) -> None:
    assert len(crawl.warcs) >= 1
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "archiver",
            "extract",
            str(crawl.dir),
            "-o",
            str(tmp_path / "posts.jsonl"),
            "--pages",
            str(tmp_path / "pages.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "posts.jsonl").read_bytes() == (crawl.dir / "posts.jsonl").read_bytes()
    assert (tmp_path / "pages.jsonl").read_bytes() == (crawl.dir / "pages.jsonl").read_bytes()


def test_classic_crawl_spans_several_warcs_and_uses_every_source(classic: Crawl) -> None:
    assert len(classic.warcs) > 1
    records = read(classic.dir / "posts.jsonl")
    assert len({r["source"]["filename"] for r in records}) > 1
    roles = {s["role"] for r in records for s in r["sources"]}
    assert roles == {"post_page", "mobile_page", "feed", "listing", "comment_feed"}
    truth = {t["post_id"]: t for t in classic.truth()}
    assert all(r["date_header"] == truth[r["post_id"]]["date_header"] for r in records)
    assert [(c["id"], c["published"]) for r in records for c in r["comments"]] == [
        (c["id"], c["published"]) for r in records for c in truth[r["post_id"]]["comments"]
    ]


STATES_POSTS = 80  # state 1 of an 80-post blog deletes one post, edits seven and adds two


@pytest.fixture(scope="module")
def states(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two crawls into one output folder: c0 of the blog in state 0, then c1 of the same blog in state 1."""
    out = tmp_path_factory.mktemp("records-states")
    for state in (0, 1):
        replica = replica_factory("--posts", str(STATES_POSTS), "--state", str(state))
        result = run_crawl(replica, out, "-s", f"ARCHIVER_CRAWL_DIR={out / BLOG_HOST / f'c{state}'}")
        assert result.returncode == 0, result.stderr[-4000:]
    return out


def test_content_hash_is_the_same_across_crawls_until_the_content_changes(states: Path, classic: Crawl) -> None:
    def hashes(folder: Path) -> dict[str, str]:
        records = read(folder / "posts.jsonl") + read(folder / "pages.jsonl")
        return {r["post_id"]: r["content_sha256"] for r in records}

    first, again, later = hashes(states / BLOG_HOST / "c0"), hashes(classic.dir), hashes(states / BLOG_HOST / "c1")
    # the same blog crawled twice, other settings (mobile pages, feed page size, WARC size), other captures
    assert classic.posts == STATES_POSTS
    assert first == again
    # state 1 edits some posts and adds comments to others: exactly those change, as the truth says
    content = ("title", "published", "updated", "labels", "author", "body_text", "images", "comments")
    before, after = Blog(STATES_POSTS, 0, DEFAULT_BLOG_NAME), Blog(STATES_POSTS, 1, DEFAULT_BLOG_NAME)
    was = {t["post_id"]: [t[k] for k in content] for t in truth_records(before)}
    changed = {
        t["post_id"]
        for t in truth_records(after)
        if t["post_id"] in was and [t[k] for k in content] != was[t["post_id"]]
    }
    assert {p.post_id for p in after.posts if p.edits} < changed
    assert {post_id for post_id in later if post_id in first and later[post_id] != first[post_id]} == changed


def test_corpus_keeps_deleted_posts_and_updates_edited_ones(states: Path) -> None:
    tmp_path, posts = states, STATES_POSTS
    before, after = Blog(posts, 0, DEFAULT_BLOG_NAME), Blog(posts, 1, DEFAULT_BLOG_NAME)
    deleted = {p.post_id for p in before.posts} - {p.post_id for p in after.posts}
    added = {p.post_id for p in after.posts} - {p.post_id for p in before.posts}
    edited = {p.post_id: p for p in after.posts if p.edits}
    assert deleted
    assert added
    assert edited
    corpus = {r["post_id"]: r for r in read(tmp_path / BLOG_HOST / "corpus" / "posts.jsonl")}
    assert set(corpus) == {p.post_id for p in before.posts} | added
    latest = {t["post_id"]: t for t in truth_records(after)}
    for post_id, record in corpus.items():
        history = record["corpus"]
        if post_id in deleted:
            assert history["seen_in_crawls"] == ["c0"]
            assert history["missing_since"] == "c1"
            assert history["crawl_id"] == "c0"
        else:
            assert history["crawl_id"] == "c1"
            assert history["missing_since"] is None
            assert history["seen_in_crawls"] == (["c1"] if post_id in added else ["c0", "c1"])
            assert {k: record[k] for k in EXACT} == {k: latest[post_id][k] for k in EXACT}
    for post_id, post in edited.items():
        assert corpus[post_id]["title"] == post.title
        assert corpus[post_id]["updated"] == latest[post_id]["updated"]
    validator = jsonschema.Draft202012Validator(load("post"))
    for record in corpus.values():
        validator.validate(record)
