"""The crawl's compact URL sets: a digest per URL answers ``in`` as a set of the URLs themselves would."""

from __future__ import annotations

from archiver.blogger.seen import DIGEST_SIZE, UrlDigests, url_digest

BLOG = "https://name.blogspot.com"


def test_membership_is_that_of_the_urls() -> None:
    urls = [f"{BLOG}/2024/{month:02d}/post-{n}.html" for month in range(1, 13) for n in range(200)]
    seen = UrlDigests(urls[:1000])
    seen.update(urls[1000:2000])
    seen.add(urls[0])  # added twice: counted once
    assert len(seen) == 2000
    assert all(url in seen for url in urls[:2000])
    assert not any(url in seen for url in urls[2000:])
    assert f"{BLOG}/2024/01/post-0.html?m=1" not in seen  # a variant is another URL
    assert f"{BLOG.upper()}/2024/01/post-0.html" not in seen  # no normalisation: callers canonicalise first
    assert b"" not in seen
    assert not UrlDigests()


def test_digest_is_128_bits_and_keeps_no_text() -> None:
    url = f"{BLOG}/2024/01/caf\u00e9.html"
    assert len(url_digest(url)) == DIGEST_SIZE == 16  # 128 bits: a collision skipping a URL is out of reach
    assert url.encode() not in url_digest(url)
    assert url_digest("\udcff") != url_digest("\udcfe")  # lone surrogates (undecodable bytes) still digest
