"""Paragraphs and language of HTML text (archiver.records.text): the rules both layouts and the feeds share."""

from __future__ import annotations

import lxml.html
import pytest

from archiver.records.text import clean, images, language, paragraphs, texts


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
    html = ('Before<table class="tr-caption-container"><tbody><tr><td><a href="https://1.bp.blogspot.com/k/s1600/a.png">'
            '<img src="https://1.bp.blogspot.com/k/s320/a.png" /></a></td></tr>'
            '<tr><td class="tr-caption">Liu Xiaobo &amp; Liu Xia</td></tr></tbody></table>After')
    element = body(html)
    assert texts(element) == ["Before", "Liu Xiaobo & Liu Xia", "After"]
    (image,) = images(element, "https://x.blogspot.com/2013/09/p.html")
    assert image.src == "https://1.bp.blogspot.com/k/s320/a.png"
    assert image.original == "https://1.bp.blogspot.com/k/s1600/a.png"
    assert image.caption == "Liu Xiaobo & Liu Xia"


def test_image_without_caption_and_relative_src() -> None:
    (image,) = images(body('<div class="separator"><img src="/img/x.png"></div>'), "https://x.blogspot.com/p/a.html")
    assert (image.src, image.original, image.caption) == ("https://x.blogspot.com/img/x.png", None, "")


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
