"""No XML entity is ever resolved: XXE and billion laughs against link discovery and the post records.

Each attack is a real Blogger document of the replica (Atom feed, RSS feed, sitemap index and page, post page)
with a DOCTYPE declaring an external entity (a local file holding a secret), an external parameter entity (a
local DTD declaring one more entity), an internal entity naming a URL, and a billion-laughs chain, referenced
in text and in attributes. What is found in the attacked document must be what is found in the clean one:
none of the entities' text, no blow-up, nothing raised. The first tests show the documents are real attacks:
a parser that resolves entities leaks the secret, and libxml2 expands internal entities in attributes even
with ``resolve_entities=False``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from archiver import xmlsafe
from archiver.blogger.discover import extract
from archiver.records import extract_records
from tests.records_support import BASE, FETCHED_AT, app, pointer, serve

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "FILE-SECRET-5b9e1d"  # the content of the local file the external entity names
DTD_SECRET = "DTD-SECRET-c47a02"  # the value of an entity declared in an external DTD
ALIAS = "https://attacker.blogspot.com/from-an-entity"  # an internal entity's value, used in attributes
LAUGH = "LAUGH"
POST = f"{BASE}/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"
FEED = f"{BASE}/feeds/posts/default?max-results=3"
RSS = f"{BASE}/feeds/posts/default?alt=rss&max-results=3"
SITEMAP_INDEX = f"{BASE}/sitemap.xml"
SITEMAP = f"{BASE}/sitemap.xml?page=1"


@pytest.fixture
def dtd(tmp_path: Path) -> str:
    """The internal subset of the attack: external, external parameter, URL and billion-laughs entities."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    external_dtd = tmp_path / "evil.dtd"
    external_dtd.write_text(f'<!ENTITY leak "{DTD_SECRET}">', encoding="utf-8")
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'[<!ENTITY xxe SYSTEM "{secret.as_uri()}"><!ENTITY % remote SYSTEM "{external_dtd.as_uri()}">%remote;'
        f'<!ENTITY alias "{ALIAS}"><!ENTITY lol0 "{LAUGH}">{laughs}]'
    )


REFS = "&xxe;&leak;&alias;&lol9;"
STUB = b'<!DOCTYPE x SYSTEM "about:blank">'


def attacked(body: bytes, root: str, subset: str, edits: list[tuple[str, str]]) -> bytes:
    """``body`` with ``<!DOCTYPE root SUBSET>`` before its root element and each (old, new) edit made.

    Each edit is made on the last occurrence (the last entry, item or URL: what precedes it must still be read).
    """
    text = body.decode("utf-8")
    start = text.index(f"<{root}")
    text = f"{text[:start]}<!DOCTYPE {root} {subset}>{text[start:]}"
    for old, new in edits:
        at = text.rindex(old)
        text = text[:at] + new + text[at + len(old) :]
    return text.encode("utf-8")


def assert_nothing_resolved(output: object, clean: object) -> None:
    shown = repr(output)
    assert SECRET not in shown
    assert DTD_SECRET not in shown
    assert ALIAS not in shown
    assert LAUGH * 2 not in shown
    assert len(shown) <= len(repr(clean)) + 200  # no blow-up: at most the literal references themselves


# -- the documents are real attacks ------------------------------------------------------------------------


def test_the_external_entity_leaks_the_file_to_a_parser_that_resolves_entities(dtd: str) -> None:
    xxe = dtd[1 : dtd.index(">") + 1]  # <!ENTITY xxe SYSTEM "file:///.../secret.txt">
    doc = f'<?xml version="1.0"?><!DOCTYPE f [{xxe}]><f>&xxe;</f>'.encode()
    root = etree.fromstring(doc, parser=etree.XMLParser(resolve_entities=True, no_network=True))
    assert root.text == SECRET


def test_libxml2_expands_internal_entities_in_attributes_even_without_resolve_entities(dtd: str) -> None:
    doc = f'<?xml version="1.0"?><!DOCTYPE f {dtd}><f><link href="&alias;"/></f>'.encode()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    root = etree.fromstring(doc, parser=parser)
    assert root[0].get("href") == ALIAS  # what archiver.xmlsafe exists for
    safe = xmlsafe.parse("https://x.blogspot.com/f", doc, parser)
    assert safe is not None
    assert safe[0].get("href") == ""  # the reference dropped, the element kept


# -- link discovery ------------------------------------------------------------------------------------------


def _discovery_cases(subset: str) -> list[tuple[str, str, bytes, bytes]]:
    """(url, content type, clean body, attacked body) of every XML document discovery reads."""
    replica = app(20)
    feed, rss = serve(FEED, replica), serve(RSS, replica)
    index, sitemap = serve(SITEMAP_INDEX, replica), serve(SITEMAP, replica)
    return [
        (
            FEED,
            feed.content_type,
            feed.body,
            attacked(
                feed.body,
                "feed",
                subset,
                [
                    ("</title>", f"{REFS}</title>"),
                    ("</content>", f"{REFS}</content>"),
                    ("</entry>", f"<link rel='alternate' type='text/html' href='&alias;'/>{REFS}</entry>"),
                ],
            ),
        ),
        (
            RSS,
            rss.content_type,
            rss.body,
            attacked(
                rss.body,
                "rss",
                subset,
                [("</link>", f"{REFS}</link>"), ("</item>", f"<link>&alias;</link>{REFS}</item>")],
            ),
        ),
        (
            SITEMAP_INDEX,
            index.content_type,
            index.body,
            attacked(
                index.body,
                "sitemapindex",
                subset,
                [
                    ("</loc>", f"{REFS}</loc>"),
                    ("</sitemapindex>", "<sitemap><loc>&alias;</loc></sitemap></sitemapindex>"),
                ],
            ),
        ),
        (
            SITEMAP,
            sitemap.content_type,
            sitemap.body,
            attacked(
                sitemap.body,
                "urlset",
                subset,
                [("</loc>", f"{REFS}</loc>"), ("</urlset>", f"<url><loc>&alias;{REFS}</loc></url></urlset>")],
            ),
        ),
    ]


@pytest.mark.parametrize("which", ["atom", "rss", "sitemap index", "sitemap"])
def test_discovery_in_an_attacked_feed_or_sitemap_finds_what_the_clean_one_has_and_nothing_else(
    dtd: str, which: str
) -> None:
    cases = dict(zip(["atom", "rss", "sitemap index", "sitemap"], _discovery_cases(dtd), strict=True))
    url, content_type, clean_body, body = cases[which]
    clean = extract(url, content_type, clean_body)
    assert clean.links or clean.sitemaps  # the document is worth attacking
    found = extract(url, content_type, body)
    assert_nothing_resolved(found, clean)
    # the references are dropped, everything else is read: the last entry, item or URL included
    assert found.links == clean.links
    assert found.sitemaps == clean.sitemaps
    assert found.next_page == clean.next_page
    assert found.comment_feeds == clean.comment_feeds
    # the empty <url> a dropped reference leaves is still counted, as the sitemap bound counts every <url>
    assert found.url_count in (clean.url_count, clean.url_count + 1)


def test_discovery_in_an_attacked_html_page_finds_no_entity(dtd: str) -> None:
    page = serve(POST, app(20))
    body = page.body.replace(b"<!DOCTYPE html>", f"<!DOCTYPE html {dtd}>".encode(), 1)
    body = body.replace(b"</h3>", f'<a href="&alias;">{REFS}</a><img src="/&xxe;.png"/></h3>'.encode(), 1)
    clean = extract(POST, page.content_type, page.body)
    found = extract(POST, page.content_type, body)
    shown = repr(found)
    assert SECRET not in shown
    assert ALIAS not in shown
    assert LAUGH * 2 not in shown
    assert set(clean.links) <= set(found.links)
    assert set(clean.requisites) <= set(found.requisites)


# -- post records ----------------------------------------------------------------------------------------------


def test_records_of_an_attacked_feed_are_those_of_the_clean_feed(dtd: str) -> None:
    page = serve(FEED, app(20))
    body = attacked(
        page.body,
        "feed",
        dtd,
        [
            ("</title>", f"{REFS}</title>"),
            ("</content>", f"{REFS}&lt;a href='{REFS}'&gt;x&lt;/a&gt;</content>"),
            ("</name>", f"{REFS}</name>"),
            ("</entry>", f"<category scheme='http://www.blogger.com/atom/ns#' term='&alias;'/>{REFS}</entry>"),
        ],
    )
    headers = [("Content-Type", page.content_type)]
    clean = extract_records(FEED, headers, page.body, fetched_at=FETCHED_AT, source=pointer())
    found = extract_records(FEED, headers, body, fetched_at=FETCHED_AT, source=pointer())
    assert len(clean) == 3
    assert_nothing_resolved(found, clean)
    # the references are not expanded: every entry reads as in the clean feed
    assert [(f.post_id, f.title, f.labels, f.author, f.published) for f in found] == [
        (f.post_id, f.title, f.labels, f.author, f.published) for f in clean
    ]
    assert [f.body.paragraphs for f in found if f.body] == [f.body.paragraphs for f in clean if f.body]


def test_records_of_an_attacked_post_page_hold_no_entity_text(dtd: str) -> None:
    page = serve(POST, app(20))
    body = page.body.replace(b"<!DOCTYPE html>", f"<!DOCTYPE html {dtd}>".encode(), 1)
    body = body.replace(b"</h3>", f"{REFS}</h3>".encode(), 1)
    body = body.replace(
        b"itemprop='articleBody'>", f"itemprop='articleBody'><p>{REFS}<a href='&alias;'>{REFS}</a></p>".encode(), 1
    )
    headers = [("Content-Type", page.content_type)]
    (clean,) = extract_records(POST, headers, page.body, fetched_at=FETCHED_AT, source=pointer())
    (found,) = extract_records(POST, headers, body, fetched_at=FETCHED_AT, source=pointer())
    shown = repr(found)
    assert SECRET not in shown
    assert DTD_SECRET not in shown
    assert ALIAS not in shown
    assert LAUGH * 2 not in shown
    assert len(shown) <= len(repr(clean)) + 500  # the literal references, as text, and nothing more
    assert (found.post_id, found.labels, found.published, found.author) == (
        clean.post_id,
        clean.labels,
        clean.published,
        clean.author,
    )
    assert found.body is not None
    assert found.body.complete
    assert clean.body is not None
    assert [p.text for p in found.body.paragraphs][1:] == [p.text for p in clean.body.paragraphs]


def test_an_entity_declaration_the_byte_scan_cannot_see_leaves_the_document_unread(
    dtd: str, caplog: pytest.LogCaptureFixture
) -> None:
    page = serve(FEED, app(20))
    text = attacked(page.body, "feed", dtd, [("</title>", "&alias;</title>")]).decode("utf-8")
    body = text.replace("encoding='UTF-8'", "encoding='UTF-16'", 1).encode("utf-16")
    with caplog.at_level(logging.WARNING, logger="archiver.xmlsafe"):
        found = extract(FEED, "application/atom+xml", body)
        fragments = extract_records(
            FEED, [("Content-Type", "application/atom+xml")], body, fetched_at=FETCHED_AT, source=pointer()
        )
    assert found.links == ()
    assert fragments == []
    assert any(FEED in record.getMessage() and "entities" in record.getMessage() for record in caplog.records)


# -- the DOCTYPE scan ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "left"),
    [
        (
            b"<?xml version='1.0'?><!DOCTYPE f [<!ENTITY a \"]>\">]><f>&a;</f>",
            b"<?xml version='1.0'?>" + STUB + b"<f>&a;</f>",
        ),
        (b"<!DOCTYPE f [<!-- ]> --><!ENTITY a 'x'>]><f/>", STUB + b"<f/>"),
        (b"<!DOCTYPE f [<?pi ]> ?><!ENTITY a 'x'>]><f/>", STUB + b"<f/>"),
        (
            b"\xef\xbb\xbf<!-- c --> <?pi?>\n<!DOCTYPE f SYSTEM 'a>b.dtd'><f/>",
            b"\xef\xbb\xbf<!-- c --> <?pi?>\n" + STUB + b"<f/>",
        ),
        (b"<f><![CDATA[<!DOCTYPE f [<!ENTITY a 'x'>]>]]></f>", b"<f><![CDATA[<!DOCTYPE f [<!ENTITY a 'x'>]>]]></f>"),
        (b"<!DOCTYPE f [<!ENTITY a 'never closed", STUB),
        (b"", b""),
    ],
)
def test_the_doctype_of_the_prolog_is_replaced_and_nothing_else(doc: bytes, left: bytes) -> None:
    assert xmlsafe.replace_doctype(doc) == left
