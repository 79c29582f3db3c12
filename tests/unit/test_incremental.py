"""archiver.incremental: what an incremental crawl fetches again, the audit rotation, and the carry record."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from archiver.blogger import discover
from archiver.blogger.discover import EntryFacts
from archiver.incremental import (
    CarriedCapture,
    Carry,
    Evidence,
    IncrementalError,
    Known,
    audit_period,
    audited,
    earlier_complete_crawls,
    load_known,
)

if TYPE_CHECKING:
    from pathlib import Path

URL = "https://blog.blogspot.com/2013/09/rally.html"
KNOWN = Known(post_id="42", url=URL, updated="2013-09-17T21:38:00.001-04:00", comment_count=2)


def judge(feed: EntryFacts | None = None, lastmod: str | None = None) -> tuple[str, str]:
    evidence = Evidence()
    if feed is not None:
        evidence.feed[URL] = feed
    if lastmod is not None:
        evidence.sitemap[URL] = lastmod
    verdict, why, _ = evidence.judge(KNOWN)
    return verdict, why


def test_a_post_the_feed_and_sitemap_show_as_before_is_unchanged() -> None:
    feed = EntryFacts(URL, "42", "2013-09-17T21:38:00.001-04:00", 2)
    assert judge(feed, "2013-09-18T01:38:00Z") == ("unchanged", "feeds and sitemaps unchanged")
    assert judge(feed)[0] == "unchanged"
    assert judge(lastmod="2013-09-18T01:38:00.001Z")[0] == "unchanged"  # the same instant, in UTC


@pytest.mark.parametrize(
    ("feed", "lastmod", "because"),
    [
        (EntryFacts(URL, "42", "2014-01-02T10:00:00.000-05:00", 2), None, "feed <updated>"),
        (EntryFacts(URL, "42", "2013-09-17T21:38:00.002-04:00", 2), None, "feed <updated>"),  # a millisecond
        (EntryFacts(URL, "42", "2013-09-17T21:38:00.001-04:00", 3), None, "thr:total 3"),
        (EntryFacts(URL, "42", "2013-09-17T21:38:00.001-04:00", 2), "2014-01-01T00:00:00Z", "sitemap <lastmod>"),
        (None, "2013-09-18T01:39:00Z", "sitemap <lastmod>"),
        (None, None, "nothing says it is unchanged"),
    ],
)
def test_any_sign_of_a_change_or_no_sign_at_all_fetches_the_post(
    feed: EntryFacts | None, lastmod: str | None, because: str
) -> None:
    verdict, why = judge(feed, lastmod)
    assert verdict == ("unlisted" if feed is None and lastmod is None else "changed")
    assert because in why


def test_every_post_is_audited_once_in_a_period_of_crawls() -> None:
    posts = [str(1000 + n) for n in range(2000)]
    rate = 0.05
    period = audit_period(rate)
    assert period == 20
    times = Counter(post for crawl in range(period) for post in posts if audited(post, crawl, rate))
    assert set(times.values()) == {1}
    assert len(times) == len(posts)
    per_crawl = [sum(audited(post, crawl, rate) for post in posts) for crawl in range(period)]
    assert all(60 <= count <= 140 for count in per_crawl)  # about 5% of 2,000 in each crawl
    assert [audited(p, 3, rate) for p in posts] == [audited(p, 3 + period, rate) for p in posts]  # it rotates


def test_no_audit_at_rate_zero_and_every_post_at_rate_one() -> None:
    assert audit_period(0) == 0
    assert not any(audited(str(n), crawl, 0) for n in range(50) for crawl in range(5))
    assert all(audited(str(n), 7, 1.0) for n in range(50))


def test_the_carry_record_reads_back_what_was_written() -> None:
    capture = CarriedCapture(
        role="post_page",
        url=URL,
        record_id="<urn:uuid:0a8b6c6f-7553-4684-af90-f2beeefadd4b>",
        date="2024-01-02T03:04:05Z",
        file="20240102T030405Z/warc/blog-1.warc.gz",
        offset=1234,
        length=567,
        payload_digest="sha1:YPI2G3UDLLOMMDXCNQCJ7FR7GF5SHMKD",
        status=200,
    )
    carry = Carry(post_id="42", url=URL, reason="feeds and sitemaps unchanged", evidence={"a": 1}, captures=(capture,))
    block = carry.to_json()
    assert json.loads(block)["version"] == 1
    assert Carry.from_json(block) == carry
    with pytest.raises(ValueError, match="version 1"):
        Carry.from_json(b'{"version": 99}')


def test_known_posts_come_from_the_corpus_without_the_deleted(tmp_path: Path) -> None:
    records = [
        {"post_id": "1", "url": URL, "updated": "2013-09-17T21:38:00-04:00", "comment_count": 0, "corpus": {}},
        {"post_id": "2", "url": URL + "x", "updated": None, "comment_count": 1, "corpus": {"missing_since": "c2"}},
        {
            "post_id": "3",
            "url": URL + "y",
            "comment_count": 0,
            "images": [
                {"src": "https://1.bp.blogspot.com/a/s400/x.png", "original": "https://1.bp.blogspot.com/a/s1600/x.png"}
            ],
            "corpus": {},
        },
    ]
    (tmp_path / "posts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    known = load_known(tmp_path)
    assert sorted(k.post_id for k in known.values()) == ["1", "3"]
    assert known[URL + "y"].images == (
        "https://1.bp.blogspot.com/a/s400/x.png",
        "https://1.bp.blogspot.com/a/s1600/x.png",
    )
    (tmp_path / "posts.jsonl").write_text('{"post_id": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(IncrementalError, match="posts.jsonl line 2 is not JSON"):
        load_known(tmp_path)


def test_only_crawls_that_finished_count_as_earlier_crawls(tmp_path: Path) -> None:
    for crawl_id, reason in (("c1", "finished"), ("c2", "shutdown"), ("c3", "finished")):
        (tmp_path / crawl_id).mkdir()
        (tmp_path / crawl_id / "stats.json").write_text(json.dumps({"stats": {"finish_reason": reason}}))
    (tmp_path / "c4").mkdir()  # killed: no stats.json at all
    assert earlier_complete_crawls(tmp_path, "c3") == ["c1"]
    assert earlier_complete_crawls(tmp_path, "c9") == ["c1", "c3"]


FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>
<updated>2016-01-01T00:00:00.000-05:00</updated>
<entry><id>tag:blogger.com,1999:blog-6708796347548417155.post-4259744183669233766</id>
<published>2012-01-05T10:00:00.000-05:00</published><updated>2012-01-06T11:00:00.123-05:00</updated>
<link rel='replies' type='application/atom+xml' href='https://blog.blogspot.com/feeds/4259744183669233766/comments/default'/>
<link rel='alternate' type='text/html' href='https://blog.blogspot.com/2012/01/blog-post.html'/>
<thr:total>3</thr:total></entry>
</feed>"""

SITEMAP = b"""<?xml version='1.0' encoding='UTF-8'?>
<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>
<url><loc>https://blog.blogspot.com/2012/01/blog-post.html</loc><lastmod>2012-01-06T16:00:00Z</lastmod></url>
<url><loc>https://blog.blogspot.com/2012/02/other.html</loc></url>
</urlset>"""


def test_feed_entries_and_sitemap_lines_state_each_posts_last_change() -> None:
    feed = discover.extract("https://blog.blogspot.com/feeds/posts/default", "application/atom+xml", FEED)
    assert feed.entries == (
        EntryFacts(
            "https://blog.blogspot.com/2012/01/blog-post.html",
            "4259744183669233766",
            "2012-01-06T11:00:00.123-05:00",
            3,
        ),
    )
    sitemap = discover.extract("https://blog.blogspot.com/sitemap.xml?page=1", "application/xml", SITEMAP)
    assert sitemap.entries == (
        EntryFacts("https://blog.blogspot.com/2012/01/blog-post.html", updated="2012-01-06T16:00:00Z"),
    )
