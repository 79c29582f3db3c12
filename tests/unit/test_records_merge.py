"""merge(): one record per post from all its fragments, field precedence, order independence, the schema."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from blogger_replica.content import iso_seconds
from blogger_replica.truth import truth_records
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.records import extract_records, jsonl, merge
from archiver.records.merge import content_sha256
from archiver.records.model import Comment, Fragment, Link, Person
from archiver.schemas import load
from tests.records_support import BASE, FETCHED_AT, app, extract, pointer

if TYPE_CHECKING:
    from blogger_replica.app import ReplicaApp

COMPARED = (
    "kind",
    "post_id",
    "blog_id",
    "url",
    "path",
    "title",
    "published",
    "updated",
    "labels",
    "author",
    "paragraphs",
    "images",
    "comment_count",
    "attendees",
    "edited",
)


def archive_urls(replica: ReplicaApp) -> list[str]:
    """What a crawl of the replica archives that can give fragments (the spider's routes)."""
    blog = replica.blog
    urls = [
        f"{BASE}/",
        f"{BASE}/feeds/posts/default?max-results=150",
        f"{BASE}/feeds/pages/default",
        f"{BASE}/feeds/comments/default?max-results=150",
    ]
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


@lru_cache(maxsize=4)
def held(theme: str) -> frozenset[str]:
    """What the pretend crawl holds with status 200.

    Every page above, every image as shown, and the full-size image of every other post.
    """
    blog = app(theme=theme).blog
    images = [(n, image) for n, post in enumerate(blog.posts) for image in blog.body(post).images]
    return frozenset(
        [*archive_urls(app(theme=theme)), *(i.src for _, i in images), *(i.original for n, i in images if n % 2 == 0)]
    )


def squeeze(text: str) -> str:
    """Whitespace runs as one space: the truth keeps the source's double spaces, a reader (and we) collapse them."""
    return " ".join(text.split())


def project(record: dict[str, Any]) -> dict[str, Any]:
    out = {key: record[key] for key in COMPARED}
    out["images"] = [{k: i[k] for k in ("src", "original", "alt", "caption")} for i in record["images"]]
    out["paragraphs"] = [p if isinstance(p, str) else p["text"] for p in record["paragraphs"]]
    out["paragraphs"] = [squeeze(p) for p in out["paragraphs"]]
    return out


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_records_equal_the_truth(theme: str) -> None:
    result = merge(fragments(theme), archived=held(theme))
    truth: dict[Any, Any] = {t["post_id"]: t for t in truth_records(app(theme=theme).blog)}
    records = result.posts + result.pages
    assert sorted(r["post_id"] for r in records) == sorted(truth)
    for record in records:
        want = truth[record["post_id"]]
        assert project(record) == project(want), record["url"]
        assert record["body_text"].split("\n\n") == [squeeze(p) for p in want["body_text"].split("\n\n")]
        assert [(c["id"], c["author"], c["published"], c["text"]) for c in record["comments"]] == [
            (c["id"], c["author"], c["published"], c["text"]) for c in want["comments"]
        ]
        if theme == "classic" and record["kind"] == "post":
            assert record["date_header"] == want["date_header"]
    assert result.dropped == {}


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_every_record_validates_against_its_schema(theme: str) -> None:
    result = merge(fragments(theme), archived=held(theme))
    for kind, records in (("post", result.posts), ("page", result.pages)):
        assert records  # validating nothing proves nothing
        validator = jsonschema.Draft202012Validator(load(kind))
        for record in records:
            validator.validate(record)
        assert not validator.is_valid({k: v for k, v in records[0].items() if k != "post_id"})


def test_records_are_sorted_oldest_first_and_provenance_names_the_sources() -> None:
    posts = merge(fragments("classic"), archived=held("classic")).posts
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
    first, second = merge(ordered, archived=held("classic")), merge(shuffled, archived=held("classic"))
    assert [jsonl.dumps(r) for r in first.posts] == [jsonl.dumps(r) for r in second.posts]
    assert [jsonl.dumps(r) for r in first.pages] == [jsonl.dumps(r) for r in second.pages]


def _of(post_id: str, *origins: str) -> list[Fragment]:
    return [f for f in fragments("classic") if f.post_id == post_id and f.origin in origins]


SEED_PATH = "/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"


def test_without_the_feed_dates_come_from_the_page() -> None:
    post = app().blog.by_path[SEED_PATH]
    (record,) = merge(_of(post.post_id, "post_page", "listing"), archived=()).posts
    assert record["published"] == iso_seconds(post.published)
    assert record["provenance"]["published"] == "post_page"
    assert record["updated"] is None
    assert record["edited"] is None


def test_without_the_post_page_the_feed_gives_body_and_source() -> None:
    post = app().blog.by_path[SEED_PATH]
    (record,) = merge(_of(post.post_id, "feed", "listing"), archived=()).posts
    assert record["provenance"]["body"] == "feed"
    assert record["body_complete"] is True
    assert record["source"]["url"].startswith(f"{BASE}/feeds/posts/default")
    assert record["url"] == f"{BASE}{SEED_PATH}"


def test_a_cut_listing_body_is_flagged() -> None:
    post = app().blog.by_path["/2014/04/free-chen-guangcheng-rally.html"]
    (record,) = merge(_of(post.post_id, "listing"), archived=()).posts
    assert record["body_complete"] is False
    assert record["provenance"]["body"] == "listing"
    assert record["comment_count"] == 5
    assert record["comments"] == []


def test_a_post_known_only_from_comments_gets_no_record() -> None:
    post = app().blog.by_path[SEED_PATH]
    result = merge(_of(post.post_id, "comment_feed"), archived=())
    assert result.posts == []
    assert result.dropped == {"comments_only": 1}


def test_comment_feeds_are_unioned_and_the_newest_capture_wins() -> None:
    post = app().blog.by_path[SEED_PATH]
    base = _of(post.post_id, "feed")[0]
    old = Comment("1", Person("A", None), "2013-09-18T10:00:00.000-04:00", "old text")
    new = replace(old, text="edited text")
    other = Comment("2", None, "2013-09-18T09:00:00.000-04:00", "first")
    feeds = [
        replace(base, origin="comment_feed", comments=(old, other), fetched_at="2024-01-01T00:00:00Z", body=None),
        replace(
            base,
            origin="comment_feed",
            comments=(new,),
            fetched_at="2024-02-01T00:00:00Z",
            body=None,
            url=base.url + "&x",
        ),
    ]
    (record,) = merge([base, *feeds], archived=()).posts
    assert [(c["id"], c["text"]) for c in record["comments"]] == [("2", "first"), ("1", "edited text")]
    assert record["provenance"]["comments"] == "comment_feed"


def test_newest_capture_of_the_same_kind_wins() -> None:
    post = app().blog.by_path[SEED_PATH]
    (feed,) = _of(post.post_id, "feed")
    older = replace(feed, title="Old title", fetched_at="2020-01-01T00:00:00Z")
    newer = replace(feed, title="New title", fetched_at="2024-01-01T00:00:00.5Z", url=feed.url + "&b")
    for pair in ([older, newer], [newer, older]):
        (record,) = merge(pair, archived=()).posts
        assert record["title"] == "New title"


def test_other_blogs_get_null_site_fields() -> None:
    post = app().blog.by_path[SEED_PATH]
    moved = [replace(f, post_url=f"https://example.blogspot.com{SEED_PATH}") for f in _of(post.post_id, "post_page")]
    (record,) = merge(moved, archived=()).posts
    assert record["blog_host"] == "example.blogspot.com"
    assert record["attendees"] is None


# -- fields computed at merge time: archived, in_scope, content_sha256, source -------------------------------


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_images_are_archived_exactly_when_the_captures_hold_a_200_for_them(theme: str) -> None:
    result = merge(fragments(theme), archived=held(theme))
    found = [i for r in result.posts for i in r["images"]]
    assert any(i["archived"] for i in found)
    assert not all(i["archived"] for i in found)
    assert all(i["archived"] == (i["original"] in held(theme)) and i["src_archived"] for i in found)
    assert not any(
        i["archived"] or i["src_archived"] for r in merge(fragments(theme), archived=()).posts for i in r["images"]
    )


def test_archived_urls_are_compared_in_canonical_form() -> None:
    post = next(p for p in app().blog.posts if app().blog.body(p).images)
    image = app().blog.body(post).images[0]
    shown_http = [
        replace(
            f,
            body=replace(
                f.body,
                images=tuple(
                    replace(i, src=i.src.replace("https:", "http:"), original=i.original.replace("https:", "http:"))
                    for i in f.body.images
                ),
            ),
        )
        if f.body is not None
        else f
        for f in _of(post.post_id, "post_page")
    ]
    (record,) = merge(shown_http, archived=[image.original, image.src.replace("https://", "HTTPS://")]).posts
    assert record["images"][0]["original"].startswith("http://")
    assert (record["images"][0]["archived"], record["images"][0]["src_archived"]) == (True, True)


def test_links_say_whether_they_are_in_the_blog_s_scope() -> None:
    (page,) = _of(app().blog.by_path[SEED_PATH].post_id, "post_page")
    assert page.body is not None
    hrefs = [
        f"{BASE}/2013/09/other.html",
        "http://gongminziyoulianmeng.blogspot.tw/p/about-us.html",
        "https://1.bp.blogspot.com/-a/b/c/d/s1600/x.png",
        "https://www.blogger.com/profile/123",
        "https://www.blogger.com/static/v1/widgets/x.css",
        "http://www.cfcr2008.org/",
        "mailto:a@b.org",
        "http://[::1",
    ]
    links = tuple(Link(href, f"link {n}") for n, href in enumerate(hrefs))
    (record,) = merge([replace(page, body=replace(page.body, links=links))], archived=()).posts
    assert [(link["href"], link["in_scope"]) for link in record["links"]] == list(
        zip(hrefs, [True, True, True, False, True, False, False, False], strict=True)
    )


def test_content_hash_covers_the_content_and_nothing_about_the_captures() -> None:
    post = app().blog.by_path[SEED_PATH]
    everything = _of(post.post_id, "feed", "post_page", "listing", "comment_feed")
    (full,) = merge(everything, archived=held("classic")).posts
    assert full["content_sha256"] == content_sha256(full)
    assert re.fullmatch("[0-9a-f]{64}", full["content_sha256"])
    # the body from the feed instead of the post page, other captures, other times: the same content
    (from_feed,) = merge(_of(post.post_id, "feed", "comment_feed"), archived=()).posts
    assert (from_feed["provenance"]["body"], from_feed["body_html"] != full["body_html"]) == ("feed", True)
    assert from_feed["content_sha256"] == full["content_sha256"]
    later = [
        replace(f, fetched_at="2030-01-01T00:00:00Z", source=replace(f.source, offset=f.source.offset + 7))
        for f in everything
    ]
    (moved,) = merge(later, archived=()).posts
    assert moved["content_sha256"] == full["content_sha256"]
    # any change of content changes it
    for change in ({"title": "Edited"}, {"updated": "2017-01-10T12:00:00.517-05:00"}, {"labels": ("x",)}):
        edited = [replace(f, **change) if f.origin == "feed" else f for f in everything]
        (record,) = merge(edited, archived=()).posts
        assert record["content_sha256"] != full["content_sha256"], change
    for fragment_change in ("text", "comment"):
        edited = list(everything)
        for n, f in enumerate(edited):
            if fragment_change == "text" and f.origin == "post_page" and f.body is not None:
                first = replace(f.body.paragraphs[0], text=f.body.paragraphs[0].text + " (updated)")
                edited[n] = replace(f, body=replace(f.body, paragraphs=(first, *f.body.paragraphs[1:])))
            if fragment_change == "comment" and f.origin == "comment_feed" and f.comments:
                edited[n] = replace(f, comments=f.comments[1:])
        (record,) = merge(edited, archived=()).posts
        assert record["content_sha256"] != full["content_sha256"], fragment_change


def test_source_is_the_capture_the_body_came_from() -> None:
    post = app().blog.by_path[SEED_PATH]
    for origins, role in (
        (("post_page", "feed", "listing"), "post_page"),
        (("feed", "listing"), "feed"),
        (("listing", "comment_feed"), "listing"),
    ):
        (record,) = merge(_of(post.post_id, *origins), archived=()).posts
        assert record["provenance"]["body"] == role
        assert {"role": role, **record["source"]} in record["sources"]


BARE = """<html><head><meta content='blogger' name='generator'/></head><body><div class='post'>
<div class='post-body entry-content' id='post-body-42'>Only a body &amp; nothing else.<br />第二段。
<div style='clear: both;'></div></div></div></body></html>"""


def test_a_post_without_title_date_header_labels_or_author_gives_a_valid_record() -> None:
    url = "https://someone.blogspot.com/2014/02/untitled.html"
    fragments = extract_records(
        url, [("Content-Type", "text/html")], BARE.encode(), fetched_at=FETCHED_AT, source=pointer()
    )
    (record,) = merge(fragments, archived=()).posts
    jsonschema.Draft202012Validator(load("post")).validate(record)
    assert (record["title"], record["date_header"], record["labels"], record["author"]) == ("", None, [], None)
    assert (record["published"], record["updated"], record["edited"]) == (None, None, None)
    assert record["body_text"] == "Only a body & nothing else.\n\n第二段。"
    assert record["body_html"] == "Only a body &amp; nothing else.<br>第二段。"
    assert (record["images"], record["links"], record["attendees"]) == ([], [], None)
