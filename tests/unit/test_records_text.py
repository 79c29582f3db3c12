"""Paragraphs and language of HTML text (archiver.records.text): the rules both layouts and the feeds share."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archiver.records.text import clean, images, inner_html, joined, language, paragraphs, read_body, texts


def body(markup: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def test_br_only_compose_mode_gives_one_paragraph_per_break() -> None:
    html = "First para.<br /><br />Second para.<br />Line two<br /><br /><br /><br />After blanks."
    assert texts(body(html)) == ["First para.", "Second para.", "Line two", "After blanks."]


@pytest.mark.parametrize("tag", ["p", "div"])
def test_rich_editor_blocks_are_paragraphs_and_empty_ones_vanish(tag: str) -> None:
    html = f"<{tag}>One</{tag}>\n<{tag}><br /></{tag}>\n<{tag}>&nbsp;</{tag}>\n<{tag}>Two <b>bold</b> end</{tag}>"
    assert texts(body(html)) == ["One", "Two bold end"]


def test_caption_table_gives_the_caption_as_its_own_paragraph_and_image() -> None:
    html = (
        'Before<table class="tr-caption-container"><tbody><tr><td><a href="https://1.bp.blogspot.com/k/s1600/a.png">'
        '<img src="https://1.bp.blogspot.com/k/s320/a.png" /></a></td></tr>'
        '<tr><td class="tr-caption">Liu Xiaobo &amp; Liu Xia</td></tr></tbody></table>After'
    )
    element = body(html)
    assert texts(element) == ["Before", "Liu Xiaobo & Liu Xia", "After"]
    (image,) = images(element, "https://x.blogspot.com/2013/09/p.html")
    assert image.src == "https://1.bp.blogspot.com/k/s320/a.png"
    assert image.original == "https://1.bp.blogspot.com/k/s1600/a.png"
    assert image.caption == "Liu Xiaobo & Liu Xia"


def test_image_without_caption_and_relative_src() -> None:
    (image,) = images(body('<div class="separator"><img src="/img/x.png"></div>'), "https://x.blogspot.com/p/a.html")
    # not on a Blogger image host and no size segment: the file shown is the largest one known
    assert (image.src, image.original, image.alt, image.caption) == (
        "https://x.blogspot.com/img/x.png",
        "https://x.blogspot.com/img/x.png",
        "",
        "",
    )


IMG = "https://1.bp.blogspot.com/-k/AAAA/BBB/CCC/s320/a.png"
FULL = "https://1.bp.blogspot.com/-k/AAAA/BBB/CCC/s1600/a.png"


@pytest.mark.parametrize(
    ("markup", "original"),
    [
        # Blogger's editor: the link around the image is the same image at full size
        (f'<a href="{FULL}" imageanchor="1"><img src="{IMG}"></a>', FULL),
        # the same image on another image host mirror, at another size, with the size as "=sNNN": still the link
        (
            f'<a href="https://4.bp.blogspot.com/-k/AAAA/BBB/CCC/s0/a.png"><span><img src="{IMG}"></span></a>',
            "https://4.bp.blogspot.com/-k/AAAA/BBB/CCC/s0/a.png",
        ),
        (
            '<a href="https://blogger.googleusercontent.com/img/b/R29v/s2048/a.jpg">'
            '<img src="https://blogger.googleusercontent.com/img/b/R29v/w640-h400/a.jpg"></a>',
            "https://blogger.googleusercontent.com/img/b/R29v/s2048/a.jpg",
        ),
        (
            '<a href="https://blogger.googleusercontent.com/img/a/AVvX=s1200"><img src="https://blogger.googleusercontent.com/img/a/AVvX=w400-h300"></a>',
            "https://blogger.googleusercontent.com/img/a/AVvX=s1200",
        ),
        # no link, a link to a page, or a link to another image: the size segment set to s1600
        (f'<img src="{IMG}">', FULL),
        (f'<a href="https://example.org/petition"><img src="{IMG}"></a>', FULL),
        (f'<a href="https://1.bp.blogspot.com/-other/AAAA/BBB/CCC/s1600/b.png"><img src="{IMG}"></a>', FULL),
        (
            '<img src="https://2.bp.blogspot.com/-k/A/B/C/w640-h480-p-k-no-nu/a.png">',
            "https://2.bp.blogspot.com/-k/A/B/C/s1600/a.png",
        ),
        # an image elsewhere: the link is not trusted to be the same picture; the file shown is kept
        (
            '<a href="https://example.org/big.jpg"><img src="https://example.org/small.jpg"></a>',
            "https://example.org/small.jpg",
        ),
    ],
)
def test_original_is_the_full_size_image(markup: str, original: str) -> None:
    (image,) = images(body(markup), "https://x.blogspot.com/2013/09/p.html")
    assert image.original == original


def test_alt_is_kept_whitespace_collapsed() -> None:
    found = images(
        body(
            f'<img alt=" Liu  Xiaobo\n&amp; Liu Xia " src="{IMG}"><img src="{IMG}" alt="">'
            f'<img src="data:image/png;base64,AAAA"><img alt="no src">'
        ),
        "https://x.blogspot.com/",
    )
    assert [i.alt for i in found] == ["Liu Xiaobo & Liu Xia", ""]


def test_links_are_every_anchor_but_the_image_links_in_document_order() -> None:
    html = (
        f'<p>See <a href="/2013/09/other.html">the <b>other</b>\n rally</a> and '
        f'<a href=" https://example.org/x?a=1&amp;b=2 ">Example</a>.</p>'
        f'<div class="separator"><a href="{FULL}" imageanchor="1"><img src="{IMG}"></a></div>'
        f'<a href="https://example.org/petition"><img src="{IMG}"></a>'
        '<a name="more"></a><a href="">empty</a><a href="mailto:a@b.org">mail</a><a href="http://[::1">bad</a>'
    )
    found = read_body(body(html), "https://x.blogspot.com/2013/09/p.html", complete=True)
    assert [(link.href, link.text) for link in found.links] == [
        ("https://x.blogspot.com/2013/09/other.html", "the other rally"),
        ("https://example.org/x?a=1&b=2", "Example"),
        ("https://example.org/petition", ""),  # an image linked elsewhere is a link
        ("mailto:a@b.org", "mail"),
        ("http://[::1", "bad"),  # too malformed to resolve: kept as written
    ]
    assert [i.original for i in found.images] == [FULL, FULL]


def test_inner_html_is_the_body_markup_without_the_template_clear_div() -> None:
    html = (
        "\n<div dir=\"ltr\">A &amp; B &lt;3 \u00a0x</div><br /><img src='x.png' alt=\"q&quot;\"><a name='more'></a>"
        "Cafe\u0301<!-- note -->\n<div style='clear: both;'></div>\n"
    )
    assert inner_html(body(html)) == (
        '<div dir="ltr">A &amp; B &lt;3 \u00a0x</div><br><img src="x.png" alt=\'q"\'>'
        '<a name="more"></a>Caf\u00e9<!-- note -->'
    )
    assert inner_html(body("  Text &gt; only\u3000 ")) == "Text &gt; only\u3000"  # ideographic space kept
    kept = '<p>x</p><div style="clear: both;">not empty</div>'
    assert inner_html(body(kept)) == kept
    assert inner_html(body('<div style="clear:both"></div><p>x</p>')) == '<div style="clear:both"></div><p>x</p>'
    assert inner_html(body("")) == ""
    # NFC must not fuse a tag's ">" with a combining overlay that starts the next text into "≯"
    assert inner_html(body("<b>x</b>\u0338y =\u0338")) == "<b>x</b>&#824;y \u2260"


def test_whitespace_collapses_as_rendered_and_text_is_nfc() -> None:
    assert clean("  It\u2019s time,\n people  of China!\t ") == "It\u2019s time, people of China!"
    assert clean("Cafe\u0301") == "Caf\u00e9"
    assert clean("\u00a0") == ""


def test_scripts_styles_and_comments_give_no_text() -> None:
    html = "<p>Kept<script>var x = 1;</script><style>p{}</style><!-- hidden --> too</p>"
    assert texts(body(html)) == ["Kept too"]


def test_deep_nesting_does_not_recurse() -> None:
    root = node = lxml.html.Element("div")
    for _ in range(5000):  # deeper than Python's recursion limit (libxml2's parser stops at 256)
        node = lxml.html.etree.SubElement(node, "span")
    node.text = "deep"
    assert texts(root) == ["deep"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("On September 17, 2013, the Coalition held a rally.", "en"),
        ("2013年9月17日, 中国公民自由联盟在纽约中领馆前举行集会,要求释放诺贝尔和平奖获得者刘晓波。", "zh"),
        ('"Free Nobel Laureate Liu Xiaobo" Rally (释放刘晓波)', "mixed"),
        ("公民自由联盟 Rally for Liu Xiaobo", "mixed"),
        # one Chinese place name in a long English paragraph stays English (share 2/(2+14) = 0.125)
        ("The rally was held across from the consulate in the New York borough of Queens, at 法拉 today.", "en"),
        ("2013 - 09 - 17", None),
        ("", None),
    ],
)
def test_language(text: str, lang: str | None) -> None:
    assert language(text) == lang


def test_paragraphs_carry_their_language() -> None:
    found = paragraphs(body("<p>Free speech</p><p>言论自由</p><p>2013</p>"))
    assert [(p.text, p.lang) for p in found] == [("Free speech", "en"), ("言论自由", "zh"), ("2013", None)]


def urljoin_or_error(base: str, value: str) -> str:
    try:
        return urljoin(base, value)
    except ValueError as exc:
        return f"ValueError: {exc}"


def joined_or_error(base: str, value: str) -> str:
    try:
        return joined(base, value)
    except ValueError as exc:
        return f"ValueError: {exc}"


BASES = ("https://blog.example/2013/09/post.html?m=1", "http://blog.example/a/b/", "", "https://[::1/x", "ftp://f/x")
URL_PIECES = (
    "https://",
    "http://",
    "HTTP://",
    "//",
    "",
    "a.example",
    "1.bp.example:8080",
    "[",
    "]",
    "/x",
    "/../y",
    "./z",
)
URL_TAILS = ("", "/", "?", "?q=1", "#", "#f", ";p", " ", "\t", "%41", "/s1600/i.jpg", "http://")


@given(st.sampled_from(BASES), st.lists(st.sampled_from(URL_PIECES + URL_TAILS), max_size=6).map("".join))
@example(BASES[0], "https://a.example/x?")  # urljoin drops the empty query
@example(BASES[0], "https://a.example/#")
@example(BASES[0], "https:///x")  # no host: the page's
@example(BASES[1], "https://a.example/x?")  # another scheme: as it is
@example(BASES[0], "http://[")
@example(BASES[3], "https://a.example/")
@settings(max_examples=500, deadline=None)
def test_joined_is_urljoin(base: str, value: str) -> None:
    """The URLs resolved once for every page resolve as urljoin resolves them against each page."""
    assert joined_or_error(base, value) == urljoin_or_error(base, value)
    assert joined_or_error(base, value) == urljoin_or_error(base, value)  # the second time from the cache


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<a href='/x'>\n  Read   more\u00a0 </a>", ["Read more"]),
        ("<td>  </td>", []),
        ("<script>var x = 1;</script>", []),
        ("<textarea>typed</textarea>", []),
        ("<p>one<br>two</p>", ["one", "two"]),
        ("<span>cafe\u0301</span>", ["caf\u00e9"]),
    ],
)
def test_an_element_alone_gives_its_own_text(markup: str, expected: list[str]) -> None:
    element = lxml.html.fragment_fromstring(markup)
    element.tail = " tail text is not the element's "
    assert texts(element) == expected


@given(st.text(st.sampled_from("aZ é9 .,释放\u00e0\u4e00-\n"), max_size=30))
@settings(max_examples=300, deadline=None)
def test_language_is_the_share_of_ideographs_among_ideographs_and_words(text: str) -> None:
    """The ASCII shortcut gives what counting gives: English with any Latin word, nothing without one."""
    han = sum(1 for c in text if c in "释放\u4e00")
    words = len(re.findall("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+", text))
    share = han / (han + words) if han + words else None
    expected = None if share is None else "en" if share <= 0.15 else "zh" if share >= 0.85 else "mixed"
    assert language(text) == expected
