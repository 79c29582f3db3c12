"""merge(): one record per post from all its fragments, field precedence, order independence, the schema."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.records import jsonl, merge
from archiver.records.model import Comment, Fragment, Person
from archiver.replica.content import iso_seconds
from archiver.replica.truth import truth_records
from archiver.schemas import load
from tests.records_support import BASE, app, extract

if TYPE_CHECKING:
    from archiver.replica.app import ReplicaApp

COMPARED = ("kind", "post_id", "blog_id", "url", "path", "title", "published", "updated", "labels", "author",
            "paragraphs", "images", "comment_count", "attendees", "edited")


def archive_urls(replica: ReplicaApp) -> list[str]:
    """What a crawl of the replica archives that can give fragments (the spider's routes)."""
    blog = replica.blog
    urls = [f"{BASE}/", f"{BASE}/feeds/posts/default?max-results=150", f"{BASE}/feeds/pages/default",
            f"{BASE}/feeds/comments/default?max-results=150"]
    urls += [f"{BASE}{p.path}" for p in [*blog.posts, *blog.pages]]
    urls += [f"{BASE}{p.path}?m=1" for p in blog.posts[:5]]
    urls += [f"{BASE}/feeds/{p.post_id}/comments/default" for p in blog.posts if blog.comments(p)]
    urls += [f"{BASE}/{year}/" for year in blog.years]
    urls += [f"{BASE}/{year}/{month:02d}/" for year, month in blog.months]
    return urls


@lru_cache(maxsize=4)
def fragments(theme: str) -> tuple[Fragment, ...]:
    replica = app(theme=theme)
    return tuple(f for n, url in enumerate(archive_urls(replica), 1) for f in extract(url, replica, n=n))


def squeeze(text: str) -> str:
    """Whitespace runs as one space: the truth keeps the source's double spaces, a reader (and we) collapse them."""
    return " ".join(text.split())


def project(record: dict[str, Any]) -> dict[str, Any]:
    out = {key: record[key] for key in COMPARED}
    out["paragraphs"] = [p if isinstance(p, str) else p["text"] for p in record["paragraphs"]]
    out["paragraphs"] = [squeeze(p) for p in out["paragraphs"]]
    return out


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_records_equal_the_truth(theme: str) -> None:
    result = merge(fragments(theme))
    truth: dict[Any, Any] = {t["post_id"]: t for t in truth_records(app(theme=theme).blog)}
    records = result.posts + result.pages
    assert sorted(r["post_id"] for r in records) == sorted(truth)
    for record in records:
        want = truth[record["post_id"]]
        assert project(record) == project(want), record["url"]
        assert record["body_text"].split("\n\n") == [squeeze(p) for p in want["body_text"].split("\n\n")]
        assert [(c["id"], c["author"], c["published"], c["text"]) for c in record["comments"]] == [
            (c["id"], c["author"], c["published"], c["text"]) for c in want["comments"]]
        if theme == "classic" and record["kind"] == "post":
            assert record["date_header"] == want["date_header"]
    assert result.dropped == {}


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_every_record_validates_against_its_schema(theme: str) -> None:
    result = merge(fragments(theme))
    for kind, records in (("post", result.posts), ("page", result.pages)):
        validator = jsonschema.Draft202012Validator(load(kind))
        for record in records:
            validator.validate(record)


def test_records_are_sorted_oldest_first_and_provenance_names_the_sources() -> None:
    posts = merge(fragments("classic")).posts
    published = [r["published_utc"] for r in posts]
    assert published == sorted(published)
    record = posts[0]
    assert record["provenance"]["published"] == "feed"
    assert record["provenance"]["body"] == "post_page"
    assert record["source"]["url"] == record["url"]
    assert {s["role"] for s in record["sources"]} >= {"feed", "post_page", "listing"}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32))
def test_merge_does_not_depend_on_the_order_of_captures(seed: int) -> None:
    ordered = list(fragments("classic"))
    shuffled = ordered[:]
    random.Random(seed).shuffle(shuffled)
    first, second = merge(ordered), merge(shuffled)
    assert [jsonl.dumps(r) for r in first.posts] == [jsonl.dumps(r) for r in second.posts]
    assert [jsonl.dumps(r) for r in first.pages] == [jsonl.dumps(r) for r in second.pages]


def _of(post_id: str, *origins: str) -> list[Fragment]:
    return [f for f in fragments("classic") if f.post_id == post_id and f.origin in origins]


SEED_PATH = "/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"


def test_without_the_feed_dates_come_from_the_page() -> None:
    post = app().blog.by_path[SEED_PATH]
    (record,) = merge(_of(post.post_id, "post_page", "listing")).posts
    assert record["published"] == iso_seconds(post.published)
    assert record["provenance"]["published"] == "post_page"
    assert record["updated"] is None
    assert record["edited"] is None


def test_without_the_post_page_the_feed_gives_body_and_source() -> None:
    post = app().blog.by_path[SEED_PATH]
    (record,) = merge(_of(post.post_id, "feed", "listing")).posts
    assert record["provenance"]["body"] == "feed"
    assert record["body_complete"] is True
    assert record["source"]["url"].startswith(f"{BASE}/feeds/posts/default")
    assert record["url"] == f"{BASE}{SEED_PATH}"


def test_a_cut_listing_body_is_flagged() -> None:
    post = app().blog.by_path["/2014/04/free-chen-guangcheng-rally.html"]
    (record,) = merge(_of(post.post_id, "listing")).posts
    assert record["body_complete"] is False
    assert record["provenance"]["body"] == "listing"
    assert record["comment_count"] == 5
    assert record["comments"] == []


def test_a_post_known_only_from_comments_gets_no_record() -> None:
    post = app().blog.by_path[SEED_PATH]
    result = merge(_of(post.post_id, "comment_feed"))
    assert result.posts == []
    assert result.dropped == {"comments_only": 1}


def test_comment_feeds_are_unioned_and_the_newest_capture_wins() -> None:
    post = app().blog.by_path[SEED_PATH]
    base = _of(post.post_id, "feed")[0]
    old = Comment("1", Person("A", None), "2013-09-18T10:00:00.000-04:00", "old text")
    new = replace(old, text="edited text")
    other = Comment("2", None, "2013-09-18T09:00:00.000-04:00", "first")
    feeds = [replace(base, origin="comment_feed", comments=(old, other), fetched_at="2024-01-01T00:00:00Z", body=None),
             replace(base, origin="comment_feed", comments=(new,), fetched_at="2024-02-01T00:00:00Z", body=None,
                     url=base.url + "&x")]
    (record,) = merge([base, *feeds]).posts
    assert [(c["id"], c["text"]) for c in record["comments"]] == [("2", "first"), ("1", "edited text")]
    assert record["provenance"]["comments"] == "comment_feed"


def test_newest_capture_of_the_same_kind_wins() -> None:
    post = app().blog.by_path[SEED_PATH]
    (feed,) = _of(post.post_id, "feed")
    older = replace(feed, title="Old title", fetched_at="2020-01-01T00:00:00Z")
    newer = replace(feed, title="New title", fetched_at="2024-01-01T00:00:00.5Z", url=feed.url + "&b")
    for pair in ([older, newer], [newer, older]):
        (record,) = merge(pair).posts
        assert record["title"] == "New title"


def test_other_blogs_get_null_site_fields() -> None:
    post = app().blog.by_path[SEED_PATH]
    moved = [replace(f, post_url=f"https://example.blogspot.com{SEED_PATH}") for f in _of(post.post_id, "post_page")]
    (record,) = merge(moved).posts
    assert record["blog_host"] == "example.blogspot.com"
    assert record["attendees"] is None
