"""The replica's ground truth: one record per post and page, consistent with the feeds, deterministic."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

import lxml.etree as ET
import pytest
from blogger_replica import feeds
from blogger_replica.content import Blog, iso_ms
from blogger_replica.planted import PLANTS
from blogger_replica.site import Site
from blogger_replica.truth import attendee_pairs, truth_records, write_truth

A = "{http://www.w3.org/2005/Atom}"
KEYS = {
    "kind",
    "post_id",
    "blog_id",
    "url",
    "path",
    "title",
    "published",
    "updated",
    "date_header",
    "labels",
    "author",
    "body_text",
    "paragraphs",
    "images",
    "comments",
    "comment_count",
    "attendees",
    "edited",
    "silent_edit",
    "planted",
}


@pytest.fixture(scope="module")
def blog() -> Blog:
    return Blog(posts=300)


@pytest.fixture(scope="module")
def records(blog: Blog) -> list[dict]:
    return list(truth_records(blog))


def test_one_record_per_post_and_page(blog: Blog, records: list[dict]) -> None:
    assert len(records) == len(blog.posts) + len(blog.pages) == 303
    assert all(set(r) == KEYS for r in records)
    ids = [r["post_id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert [r["post_id"] for r in records if r["kind"] == "post"] == [p.post_id for p in blog.posts]
    assert {r["post_id"] for r in records if r["kind"] == "page"} == {p.post_id for p in blog.pages}
    assert [r["kind"] for r in records[-3:]] == ["page"] * 3
    published = [r["published"] for r in records if r["kind"] == "post"]
    assert published == [iso_ms(p.published) for p in sorted(blog.posts, key=lambda p: p.published, reverse=True)]


def test_record_fields(blog: Blog, records: list[dict]) -> None:
    for record in records:
        post = blog.by_id[record["post_id"]]
        assert record["blog_id"] == blog.blog_id
        assert record["url"] == f"https://gongminziyoulianmeng.blogspot.com{post.path}"
        assert record["path"] == post.path
        assert record["labels"] == sorted(post.labels)
        assert record["date_header"] == post.date_header
        body = blog.body(post)
        assert record["body_text"] == body.text
        assert record["paragraphs"] == body.paragraphs()
        images = [{"src": i.src, "original": i.original, "alt": i.alt, "caption": i.caption} for i in body.images]
        assert record["images"] == images
        comments = blog.comments(post)
        assert record["comment_count"] == len(comments) == len(record["comments"])
        assert [c["id"] for c in record["comments"]] == [c.comment_id for c in comments]
    assert any(r["comment_count"] for r in records)
    assert any(r["images"] for r in records)
    assert all(r["edited"] for r in records if r["kind"] == "page")  # pages were revised 3 days later
    edited = {r["post_id"] for r in records if r["kind"] == "post" and r["edited"]}
    assert 0 < len(edited) < len(blog.posts) // 4


def test_seed_post_attendees_are_aligned_pairs(blog: Blog, records: list[dict]) -> None:
    post = next(p for p in blog.posts if p.seed_key == "seed-liu-xiaobo-2013")
    record = next(r for r in records if r["post_id"] == post.post_id)
    assert record["published"].startswith("2013-09-17T21:38:00")
    pairs = record["attendees"]
    assert len(pairs) == 16
    assert pairs[0] == {"en": "Shen Xuehua", "zh": "申雪花"}
    assert pairs[-1] == {"en": "Li Lin", "zh": "李林"}
    assert record["date_header"] == "2013年9月17日星期二"
    assert record["comment_count"] == len(record["comments"]) > 0


def test_unequal_attendee_lists_are_not_paired(blog: Blog) -> None:
    mismatched = [p for p in blog.posts if len(blog.body(p).attendees_en) != len(blog.body(p).attendees_zh)]
    assert mismatched
    for post in mismatched:
        body = blog.body(post)
        pairs = attendee_pairs(body)
        assert [p["en"] for p in pairs if p["zh"] is None] == list(body.attendees_en)
        assert [p["zh"] for p in pairs if p["en"] is None] == list(body.attendees_zh)
        assert len(pairs) == len(body.attendees_en) + len(body.attendees_zh)


def test_feed_and_truth_agree_on_every_post(blog: Blog, records: list[dict]) -> None:
    site = Site(blog, "https://gongminziyoulianmeng.blogspot.com")
    seen: dict[str, ET._Element] = {}
    path, query = "/feeds/posts/default", {"max-results": ["150"]}
    while True:
        page = feeds.render(site, path, query)
        assert page is not None
        assert page.status == 200
        root = ET.fromstring(page.body)
        for entry in root.findall(f"{A}entry"):
            seen[entry.findtext(f"{A}id").rsplit(".post-", 1)[1]] = entry
        nxt = [lk.get("href") for lk in root.findall(f"{A}link") if lk.get("rel") == "next"]
        if not nxt:
            break
        parts = urlsplit(nxt[0])
        path, query = parts.path, parse_qs(parts.query)
    posts = [r for r in records if r["kind"] == "post"]
    assert set(seen) == {r["post_id"] for r in posts}
    for record in posts:
        entry = seen[record["post_id"]]
        assert entry.findtext(f"{A}title") == record["title"]
        assert entry.findtext(f"{A}published") == record["published"]
        assert entry.findtext(f"{A}updated") == record["updated"]
        assert sorted(c.get("term") for c in entry.findall(f"{A}category")) == record["labels"]
        alternate = [lk.get("href") for lk in entry.findall(f"{A}link") if lk.get("rel") == "alternate"]
        assert alternate == [record["url"]]


def test_jsonl_is_deterministic_across_instances(blog: Blog) -> None:
    first, second = io.StringIO(), io.StringIO()
    assert write_truth(blog, first) == 303
    assert write_truth(Blog(posts=300), second) == 303
    assert first.getvalue() == second.getvalue()
    lines = first.getvalue().splitlines()
    assert len(lines) == 303
    record = json.loads(lines[0])
    assert list(record) == sorted(record)
    assert ", " not in lines[0].split('"body_text"')[0]
    assert '": ' not in lines[0]
    assert any("申雪花" in line for line in lines)  # ensure_ascii=False: Chinese kept as UTF-8


def test_base_can_be_given(blog: Blog) -> None:
    record = next(truth_records(blog, "http://127.0.0.1:8080"))
    assert record["url"] == f"http://127.0.0.1:8080{blog.posts[0].path}"


def test_a_planted_blog_lists_every_plant_in_the_truth_and_only_on_its_post_pages() -> None:
    planted, clean = Blog(posts=30, planted=True), Blog(posts=30)
    listed = {r["post_id"]: r["planted"] for r in truth_records(planted) if r["planted"]}
    assert sorted(p[0]["kind"] for p in listed.values()) == sorted(plant.kind for plant in PLANTS)
    assert all(r["planted"] == [] for r in truth_records(clean))
    for post in planted.posts:
        plant = planted.plant(post)
        page = planted.page_body(post)
        assert page.text == clean.page_body(post).text  # planted code adds no visible text
        assert page.planted == ((plant.markup,) if plant is not None else ())
        assert planted.body(post) == clean.body(post)  # listings and feeds show the body without it
