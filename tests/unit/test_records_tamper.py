"""Tamper flags: planted code found on the pages that carry it, and nothing on Blogger's own pages and widgets."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from blogger_replica.app import ReplicaApp
from blogger_replica.content import Blog
from blogger_replica.planted import MIN_POSTS, PLANTS
from blogger_replica.truth import truth_records
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from archiver.records import changes, extract_records, html, merge, tamper
from archiver.records.extract import read_page
from archiver.records.html import parse_html
from archiver.schemas import load
from tests.records_support import BASE, FETCHED_AT, extract, pointer, serve

if TYPE_CHECKING:
    from archiver.records.tamper import Flag

PAGE = f"{BASE}/2013/09/post.html"
LONG_B64 = base64.b64encode(b"document.write('<iframe src=https://x.example/>');" * 6).decode()


def scan(markup: str, url: str = PAGE) -> list[tuple[str, str | None, str | None]]:
    flags = tamper.scan(parse_html(markup.encode(), "utf-8").doc, url)
    return [(f.kind, f.attribute, f.host) for f in flags]


def page_flags(url: str, replica: ReplicaApp) -> tuple[Flag, ...]:
    page = serve(url, replica)
    read = read_page(url, [("Content-Type", page.content_type), *page.headers], page.body, status=page.status)
    assert read is not None, url
    return read.flags


def every_page(replica: ReplicaApp) -> list[str]:
    blog = replica.blog
    urls = [f"{BASE}/", f"{BASE}/?m=1", f"{BASE}/search", f"{BASE}/2014/", f"{BASE}/2013/09/"]
    urls += [f"{BASE}/search/label/{label}" for label in sorted({label for p in blog.posts for label in p.labels})]
    for post in [*blog.posts, *blog.pages]:
        urls += [f"{BASE}{post.path}", f"{BASE}{post.path}?m=1"]
    return urls


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_the_replica_pages_and_blogger_widgets_give_no_flag(theme: str) -> None:
    """Navbar iframe, comment iframe, widget scripts, JSON-LD, images on Blogger's hosts: all Blogger's own."""
    replica = ReplicaApp(Blog(30, 0), theme)  # type: ignore[arg-type]
    urls = every_page(replica)
    assert len(urls) > 60
    assert {url: page_flags(url, replica) for url in urls if page_flags(url, replica)} == {}


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_the_planted_state_is_flagged_exactly(theme: str) -> None:
    """Every planted element on its post's own pages (desktop and mobile), nothing anywhere else."""
    blog = Blog(30, 0, planted=True)
    replica = ReplicaApp(blog, theme)  # type: ignore[arg-type]
    truth = {f"{BASE}{t['path']}": t["planted"] for t in truth_records(blog, BASE)}
    assert sum(len(planted) for planted in truth.values()) == len(PLANTS) == 5
    for url in every_page(replica):
        found = [
            {"kind": f.kind, "element": f.element, "attribute": f.attribute, "host": f.host}
            for f in page_flags(url, replica)
        ]
        assert found == truth.get(url.removesuffix("?m=1"), []), url


def test_the_youtube_embed_is_a_third_party_embed_and_not_code() -> None:
    blog = Blog(30, 0, planted=True)
    (post,) = [p for p in blog.posts if (plant := blog.plant(p)) is not None and plant.host == "www.youtube.com"]
    (flag,) = page_flags(f"{BASE}{post.path}", ReplicaApp(blog, "classic"))
    assert (flag.kind, flag.severity, flag.element, flag.host) == ("external_embed", "low", "iframe", "www.youtube.com")
    assert "youtube.com/embed/" in flag.excerpt


def test_the_planted_state_needs_its_posts() -> None:
    with pytest.raises(ValueError, match=f"at least {MIN_POSTS} posts"):
        Blog(MIN_POSTS - 1, 0, planted=True)


def test_post_records_carry_the_flags_of_their_own_pages_once() -> None:
    blog = Blog(30, 0, planted=True)
    replica = ReplicaApp(blog, "classic")
    planted = [p for p in blog.posts if blog.plant(p) is not None]
    fragments = [
        fragment
        for n, url in enumerate([f"{BASE}/", *(f"{BASE}{p.path}{m}" for p in planted for m in ("", "?m=1"))])
        for fragment in extract(url, replica, n=n + 1)
    ]
    result = merge(fragments, archived=())
    by_id = {r["post_id"]: r for r in result.posts}
    schema = jsonschema.Draft202012Validator(load("post"))
    for post in planted:
        record = by_id[post.post_id]
        schema.validate(record)
        plant = blog.plant(post)
        assert plant is not None
        assert [{k: f[k] for k in ("kind", "element", "attribute", "host")} for f in record["flags"]] == [
            plant.expected()
        ]
    listed_only = [r for r in result.posts if r["post_id"] not in {p.post_id for p in planted}]
    assert listed_only
    assert all(r["flags"] == [] for r in listed_only)  # a listing page's flags are not its posts'


def test_a_planted_post_records_the_same_text_as_a_clean_one() -> None:
    """The scan reports the planted code; the record's text, images, links and content hash stay the post's."""
    clean, planted = Blog(30, 0), Blog(30, 0, planted=True)
    post = next(p for p in planted.posts if planted.plant(p) is not None)
    url = f"{BASE}{post.path}"
    (before,) = merge(extract(url, ReplicaApp(clean, "classic")), archived=()).posts
    (after,) = merge(extract(url, ReplicaApp(planted, "classic")), archived=()).posts
    assert before["flags"] == []
    assert after["flags"]
    assert after["content_sha256"] == before["content_sha256"]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<iframe src="https://x.example/a" width="0" height="0"></iframe>', [("hidden_iframe", "src", "x.example")]),
        ('<iframe src="//x.example/a" style="display: none"></iframe>', [("hidden_iframe", "src", "x.example")]),
        (
            '<div style="visibility:hidden"><iframe src="https://x.example/a"></iframe></div>',
            [("hidden_iframe", "src", "x.example")],
        ),
        ('<iframe src="https://x.example/a" hidden></iframe>', [("hidden_iframe", "src", "x.example")]),
        (
            '<iframe src="https://x.example/a" width="560" height="315"></iframe>',
            [("external_embed", "src", "x.example")],
        ),
        ('<object data="https://x.example/f.swf"></object>', [("external_embed", "data", "x.example")]),
        ('<embed src="https://x.example/f.swf">', [("external_embed", "src", "x.example")]),
        ('<form action="https://x.example/login" method="post"></form>', [("external_form", "action", "x.example")]),
        ('<script src="https://x.example/s.js"></script>', [("external_script", "src", "x.example")]),
        (
            '<meta http-equiv="Refresh" content="0;URL=\'https://x.example/\'">',
            [("meta_refresh", "content", "x.example")],
        ),
        ('<script>window.location.href = "https://x.example/";</script>', [("js_redirect", None, "x.example")]),
        ('<script>top.location.replace("https://x.example/p")</script>', [("js_redirect", None, "x.example")]),
        ('<script>eval(unescape("%64%6f"))</script>', [("obfuscated_script", None, None)]),
        ('<script>document.write(atob("PGI+"))</script>', [("obfuscated_script", None, None)]),
        (f'<script>var p="{LONG_B64}"; eval(window.atob(p));</script>', [("obfuscated_script", None, None)]),
        (
            "<script>var s='" + "%3c" * 80 + "'; document.write(unescape(s));</script>",
            [("obfuscated_script", None, None)],
        ),
        ("<script>var s='" + "\\x3c" * 60 + "'; eval(s);</script>", [("obfuscated_script", None, None)]),
        (
            "<script>eval(String.fromCharCode(" + ",".join(["97"] * 25) + "))</script>",
            [("obfuscated_script", None, None)],
        ),
        (f"<body onload=\"eval(atob('{LONG_B64}'))\"></body>", [("obfuscated_script", "onload", None)]),
        ('<script src="data:text/javascript;base64,YWxlcnQoMSk="></script>', [("obfuscated_script", "src", None)]),
    ],
)
def test_each_kind_of_finding(markup: str, expected: list[tuple[str, str | None, str | None]]) -> None:
    assert scan(markup) == expected


@pytest.mark.parametrize(
    "markup",
    [
        # the blog's own pages, relative or absolute, and its other country address
        '<iframe src="/p/about.html" width="0" height="0"></iframe><form action="/search"></form>',
        '<script src="https://gongminziyoulianmeng.blogspot.de/feeds/posts/default?alt=json-in-script"></script>',
        '<meta http-equiv="refresh" content="5; url=/2013/09/other.html">',
        '<script>window.location.href = "https://gongminziyoulianmeng.blogspot.com/?m=1";</script>',
        # Blogger's own hosts: navbar, comment form, widgets, images, Google's loaders
        '<iframe src="https://www.blogger.com/navbar.g?targetBlogID=1" height="30px" width="100%"></iframe>',
        '<iframe src="" height="410px" id="comment-editor" width="100%"></iframe>',
        '<form action="https://www.blogger.com/comment.g"></form>',
        '<script src="https://www.blogger.com/static/v1/widgets/1-widgets.js"></script>',
        '<script src="https://apis.google.com/js/platform.js"></script>',
        '<iframe src="https://blogger.googleusercontent.com/video.g?token=x" width="1" height="1"></iframe>',
        # code that is not injected-looking: short writes, long data without a sink, JSON-LD, templates
        "<script>document.write('<b>' + new Date().getFullYear() + '</b>');</script>",
        f'<script>var img = "{LONG_B64}";</script>',
        f'<script type="application/ld+json">{{"image": "{LONG_B64}", "x": "eval(atob("}}</script>',
        "<script>var a = String.fromCharCode(65, 66);</script>",
        '<a href="https://x.example/" onclick="return false;">out</a>',
    ],
)
def test_what_is_not_a_flag(markup: str) -> None:
    assert scan(markup) == []


def test_flags_are_unique_and_in_a_stable_order() -> None:
    markup = (
        '<script src="https://b.example/s.js"></script><iframe src="https://a.example/" width="1"></iframe>'
        '<script src="https://b.example/s.js"></script><script src="https://a.example/s.js"></script>'
    )
    found = scan(markup)
    assert found == [
        ("hidden_iframe", "src", "a.example"),
        ("external_script", "src", "a.example"),
        ("external_script", "src", "b.example"),
    ]
    doc = parse_html(markup.encode(), "utf-8").doc
    flags = tamper.scan(doc, PAGE)
    assert tamper.merged([flags[::-1], flags]) == flags
    assert [tamper.Flag.from_json(f.as_json()) for f in flags] == list(flags)


def test_excerpts_are_short_and_on_one_line() -> None:
    (flag,) = tamper.scan(parse_html(f"<script>\n\n  eval(\n atob('{LONG_B64}'))</script>".encode(), "utf-8").doc, PAGE)
    assert len(flag.excerpt) <= tamper.EXCERPT + 1
    assert "\n" not in flag.excerpt
    assert flag.excerpt.startswith("eval( atob('")


def test_metadata_lines_are_one_json_object_per_flag() -> None:
    flags = tamper.scan(parse_html(b'<script src="https://b.example/s.js?a=\r\nb"></script>', "utf-8").doc, PAGE)
    lines = tamper.metadata_lines(flags)
    assert [name for name, _ in lines] == ["tamperFlag"]
    assert all("\n" not in value and "\r" not in value for _, value in lines)
    assert [json.loads(value) for _, value in lines] == [f.as_json() for f in flags]


def _record(post_id: str, *flags: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "post", "post_id": post_id, "url": f"{BASE}/p{post_id}.html", "title": "t", "flags": list(flags)}


def test_a_recrawl_raises_every_flag_the_post_did_not_have() -> None:
    old_flag = {"kind": "external_script", "severity": "high", "element": "script", "attribute": "src"}
    old_flag |= {"host": "a.example", "excerpt": "<script src=...>"}
    new_flag = old_flag | {"host": "b.example"}
    before = [_record("1", old_flag), _record("2"), {k: v for k, v in _record("3").items() if k != "flags"}]
    after = [_record("1", old_flag, new_flag), _record("2"), _record("3", old_flag), _record("4", new_flag)]
    found = [(c.change, c.post_id, c.details.get("flag")) for c in changes.compare(before, after)]
    assert found == [
        ("flagged", "1", new_flag),
        ("flagged", "3", old_flag),  # a record from before flags existed had none
        ("new", "4", None),
        ("flagged", "4", new_flag),
    ]
    assert changes.compare(after, after) == []
    text = changes.describe(changes.compare(before, after)[0])
    assert "FLAGGED" in text
    assert "high external_script: <script src> -> b.example" in text


def test_extraction_reads_the_page_the_crawl_already_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The WARC middleware parses a page once, for its flags; the records extraction reuses that tree."""
    blog = Blog(30, 0, planted=True)
    post = next(p for p in blog.posts if blog.plant(p) is not None)
    url = f"{BASE}{post.path}"
    served = serve(url, ReplicaApp(blog, "classic"))
    headers = [("Content-Type", served.content_type), *served.headers]
    page = read_page(url, headers, served.body, status=200)
    assert page is not None
    expected = extract_records(url, headers, served.body, fetched_at=FETCHED_AT, source=pointer())

    def parse_again(*_: Any) -> None:
        raise AssertionError("parsed twice")

    monkeypatch.setattr(html, "parse_html", parse_again)
    found = extract_records(url, headers, served.body, fetched_at=FETCHED_AT, source=pointer(), page=page)
    assert found == expected
    assert found[0].flags == page.flags
    assert page.flags


def obfuscation_by_every_pattern(code: str) -> str | None:
    """:func:`tamper.obfuscation` without its shortcuts: every pattern tried on every piece of code."""
    match = tamper._DECODER_INTO_SINK.search(code) or tamper._CHAR_CODE_CHAIN.search(code)
    if match is None and len(tamper._CHAR_CODE_CALL.findall(code)) >= tamper.CHAR_CODES:
        match = tamper._CHAR_CODE_CALL.search(code)
    if match is None and tamper._ENCODED.search(code) is not None:
        match = tamper._SINK.search(code)
    return None if match is None else code[max(0, match.start() - 20) : match.start() + 100]


#: pieces of injected code and of harmless scripts, for scripts built at random
CODE_PIECES = (
    "eval",
    "eval (",
    "window.",
    "atob(",
    "unescape (",
    "decodeURIComponent(",
    "decodeURI(",
    "document . write(",
    "document.writeln(",
    "Function(",
    "setTimeout(",
    "String.fromCharCode(",
    "String . fromCharCode (",
    "fromCharCode",
    "72,",
    "101+",
    "108",
    "(",
    ")",
    "'",
    " ",
    "\n",
    "x",
    "A" * 70,
    "%41" * 30,
    "\\x41" * 20,
    "\\u0041" * 10,
    "location.href = 'https://evil.example/'",
    "_WidgetManager._Init('//www.blogger.com/rearrange?blogID=1');",
)


@given(st.lists(st.sampled_from(CODE_PIECES), max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_obfuscation_shortcuts_never_change_the_finding(code: str) -> None:
    """Skipping the patterns a script has no words for gives the same excerpt as trying them all."""
    assert tamper.obfuscation(code) == obfuscation_by_every_pattern(code)


@pytest.mark.parametrize(
    "code",
    [
        f"eval(atob('{LONG_B64}'))",
        "String.fromCharCode(" + ",".join(["72"] * 25) + ")",
        "var s=" + "+".join(["String.fromCharCode(72)"] * 20),
        f"var p='{'%41' * 70}'; document.write(unescape(p))",
        f"x='{LONG_B64}'; eval(x)",
    ],
)
def test_each_shape_of_obfuscation_is_found_with_the_shortcuts(code: str) -> None:
    assert tamper.obfuscation(code) is not None
    assert tamper.obfuscation(code) == obfuscation_by_every_pattern(code)


#: what the scan looked at when it was one XPath union (libxml2 walked the tree seven times for it)
UNION = etree.XPath(
    "//script | //iframe | //object | //embed | //form[@action] | //meta[@http-equiv]"
    " | //*[@*[starts-with(name(), 'on')]]"
)
ELEMENTS = b"""<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><script>a()</script></head>
<body onload="x()"><form><input onfocus="y()"></form><form action="/f"></form><object data="o"></object>
<embed src="e"><iframe src="i"></iframe><script src="s" onerror="z()"></script><div one="a name starting with on">
<p ONCLICK="upper case: lower case to the parser">p</p><a href="#" data-on="x">a</a>
<span on="">on</span></body></html>"""


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_the_scan_looks_at_what_the_xpath_union_selected(theme: str) -> None:
    replica = ReplicaApp(Blog(max(MIN_POSTS, 40), 1), theme)  # type: ignore[arg-type]
    bodies = [ELEMENTS, *(serve(url, replica).body for url in every_page(replica)[:12])]
    for body in bodies:
        doc = parse_html(body, "utf-8").doc
        scanned = tamper._scanned(doc)
        assert len(scanned) == len(set(scanned))
        assert set(scanned) == set(UNION(doc))
    doc = parse_html(ELEMENTS, "utf-8").doc
    tags = [e.tag for e in UNION(doc)]
    assert tags == [
        "meta",
        "script",
        "body",
        "input",
        "form",
        "object",
        "embed",
        "iframe",
        "script",
        "div",
        "p",
        "span",
    ]
    assert sorted(e.tag for e in tamper._scanned(doc)) == sorted(tags)
