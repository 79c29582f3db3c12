"""extract_records on single archived responses: replica pages of both layout families, feeds, and junk."""

from __future__ import annotations

import gzip

import jsonschema
import pytest
from blogger_replica import seeds
from blogger_replica.content import iso_ms, iso_seconds
from blogger_replica.feeds import _body_html as feed_body_html
from blogger_replica.html.common import body_html
from blogger_replica.truth import truth_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from archiver.records import ExtractError, extract_records, jsonl, merge
from archiver.records.text import inner_html
from archiver.schemas import load
from tests.records_support import BASE, FETCHED_AT, app, extract, pointer, serve

SEED = f"{BASE}/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"
JUMP = f"{BASE}/2014/04/free-chen-guangcheng-rally.html"  # jump break after the first block, 5 comments


def truth(url: str, theme: str = "classic") -> dict[str, object]:
    blog = app(theme=theme).blog
    return truth_record(blog, blog.by_path[url[len(BASE) :]], BASE)


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_post_page_gives_the_whole_post(theme: str) -> None:
    (fragment,) = extract(SEED, app(theme=theme))
    want = truth(SEED, theme)
    assert (fragment.origin, fragment.kind, fragment.post_id) == ("post_page", "post", want["post_id"])
    assert fragment.post_url == SEED
    assert fragment.title == want["title"]
    assert fragment.published == iso_seconds(app().blog.by_path[SEED[len(BASE) :]].published)
    assert list(fragment.labels or ()) == want["labels"]
    assert fragment.author is not None
    assert {"name": fragment.author.name, "uri": fragment.author.uri} == want["author"]
    assert fragment.body is not None
    assert fragment.body.complete
    assert [p.text for p in fragment.body.paragraphs] == want["paragraphs"]
    assert [(i.src, i.original, i.caption) for i in fragment.body.images] == [
        (i["src"], i["original"], i["caption"]) for i in want["images"]
    ]  # type: ignore[attr-defined]
    assert [(c.id, c.published, c.text) for c in fragment.comments or ()] == [
        (c["id"], c["published"], c["text"]) for c in want["comments"]
    ]  # type: ignore[attr-defined]
    assert fragment.comment_count == want["comment_count"]
    assert (fragment.url, fragment.fetched_at, fragment.source) == (SEED, FETCHED_AT, pointer(1))


@pytest.mark.parametrize("theme", ["classic", "contempo"])
def test_blog_chrome_never_leaks_into_a_post(theme: str) -> None:
    (fragment,) = extract(SEED, app(theme=theme))
    assert fragment.body is not None
    assert fragment.body.html is not None
    for text in (" ".join(p.text for p in fragment.body.paragraphs), fragment.body.html):
        assert seeds.SIDEBAR_WHO_WE_ARE[:60] not in text
        assert seeds.SIDEBAR_FREEDOM_TITLE not in text
        assert "Who We Are" not in text
    assert 'clear: both;"></div>' not in fragment.body.html[-40:]


def reserialized(markup: str) -> str:
    """The author's markup through the extractor's serializer, as if it were a post body on its own."""
    root = etree.fromstring(
        f"<html><body><div>{markup}</div></body></html>".encode(),
        parser=etree.HTMLParser(encoding="utf-8", remove_comments=True),
    )
    return inner_html(root.find("body/div"))


@pytest.mark.parametrize("theme", ["classic", "contempo"])
@pytest.mark.parametrize("path", [SEED[len(BASE) :], JUMP[len(BASE) :], "/p/about-us.html"])
def test_body_html_is_the_authors_markup_from_the_page_and_from_the_feed(theme: str, path: str) -> None:
    replica = app(theme=theme)
    post = replica.blog.by_path[path]
    body = replica.blog.body(post)
    (page,) = extract(BASE + path, replica)
    assert page.body is not None
    assert page.body.html == reserialized(body_html(body, listing=False))
    feed = "pages" if post.kind == "page" else "posts"
    feed_url = f"{BASE}/feeds/{feed}/default?max-results=150"
    (entry,) = [f for f in extract(feed_url, replica) if f.post_id == post.post_id]
    assert entry.body is not None
    assert entry.body.html == reserialized(feed_body_html(body))
    assert page.body.links == entry.body.links == ()  # the replica's bodies link their images only
    assert page.body.images == entry.body.images
    assert [(i.src, i.original, i.alt, i.caption) for i in page.body.images] == [
        (i.src, i.original, i.alt, i.caption) for i in body.images
    ]


def test_listing_bodies_have_the_html_up_to_the_jump_break_and_contempo_snippets_their_text() -> None:
    post = app().blog.by_path[JUMP[len(BASE) :]]
    body = app().blog.body(post)
    (listed,) = [f for f in extract(f"{BASE}/2014/") if f.post_id == post.post_id]
    assert listed.body is not None
    assert listed.body.html == reserialized(body_html(body, listing=True))
    snippets = extract(f"{BASE}/", app(theme="contempo"))
    assert all(
        f.body is not None and f.body.html is not None and "<" not in f.body.html and f.body.links == ()
        for f in snippets
    )


def test_summary_feed_bodies_have_no_html() -> None:
    fragments = extract(f"{BASE}/feeds/posts/summary?max-results=3")
    assert [f.body.html if f.body is not None else "" for f in fragments] == [None, None, None]


def test_contempo_post_page_gives_the_modified_time_of_its_json_ld() -> None:
    (fragment,) = extract(SEED, app(theme="contempo"))
    assert fragment.updated == iso_seconds(app().blog.by_path[SEED[len(BASE) :]].updated)


def test_mobile_page_is_its_own_origin_with_the_canonical_url() -> None:
    (fragment,) = extract(SEED + "?m=1")
    assert fragment.origin == "mobile_page"
    assert fragment.post_url == SEED
    assert fragment.body is not None
    assert fragment.body.complete


def test_classic_listing_cuts_at_the_jump_break_and_shows_the_date_header() -> None:
    post = app().blog.by_path[JUMP[len(BASE) :]]
    found = {f.post_id: f for f in extract(f"{BASE}/2014/")}
    fragment = found[post.post_id]
    assert fragment.origin == "listing"
    assert fragment.post_url == JUMP
    assert fragment.body is not None
    assert not fragment.body.complete
    assert app().blog.body(post).jump_after == 1  # two text blocks before the break
    assert [p.text for p in fragment.body.paragraphs] == app().blog.body(post).paragraphs()[:2]
    assert fragment.date_header == post.date_header
    assert fragment.comment_count == 5
    assert fragment.comments is None  # listings show no comments


def test_contempo_listing_has_snippets_only() -> None:
    fragments = extract(f"{BASE}/", app(theme="contempo"))
    assert fragments
    assert all(f.origin == "listing" and f.body is not None and not f.body.complete for f in fragments)
    assert all(f.date_header is None for f in fragments)


def test_post_feed_gives_exact_times_labels_and_count() -> None:
    fragments = {f.post_id: f for f in extract(f"{BASE}/feeds/posts/default?max-results=150")}
    assert len(fragments) == 30
    want = truth(SEED)
    fragment = fragments[str(want["post_id"])]
    assert fragment.origin == "feed"
    assert (fragment.published, fragment.updated) == (want["published"], want["updated"])
    assert list(fragment.labels or ()) == want["labels"]
    assert fragment.comment_count == want["comment_count"]
    assert fragment.blog_id == want["blog_id"]
    assert fragment.body is not None
    assert fragment.body.complete
    assert [p.text for p in fragment.body.paragraphs] == want["paragraphs"]


def test_summary_feed_body_is_marked_cut() -> None:
    fragments = extract(f"{BASE}/feeds/posts/summary?max-results=5")
    assert len(fragments) == 5
    assert all(f.body is not None and not f.body.complete for f in fragments)


def test_comment_feeds_give_comments_of_each_post() -> None:
    post = app().blog.by_path[SEED[len(BASE) :]]
    (fragment,) = extract(f"{BASE}/feeds/{post.post_id}/comments/default")
    assert (fragment.origin, fragment.post_id) == ("comment_feed", post.post_id)
    assert sorted((c.id, c.published) for c in fragment.comments or ()) == sorted(
        (c.comment_id, iso_ms(c.published)) for c in app().blog.comments(post)
    )
    everything = extract(f"{BASE}/feeds/comments/default?max-results=150")
    assert {f.post_id for f in everything} >= {post.post_id}
    assert all(f.origin == "comment_feed" for f in everything)


def test_static_pages_from_html_and_feed() -> None:
    page = app().blog.pages[0]
    (fragment,) = extract(f"{BASE}{page.path}")
    assert (fragment.kind, fragment.post_id, fragment.origin) == ("page", page.post_id, "post_page")
    feed = extract(f"{BASE}/feeds/pages/default")
    assert {f.kind for f in feed} == {"page"}
    assert page.post_id in {f.post_id for f in feed}


def test_responses_that_are_no_blogger_page_give_nothing() -> None:
    assert extract(f"{BASE}/2099/01/no-such-post.html") == []  # Blogger's 404 page
    assert extract(f"{BASE}/robots.txt") == []
    assert extract(f"{BASE}/sitemap.xml") == []
    html = b"<html><body><div class='post-body' id='post-body-1'>WordPress?</div></body></html>"
    assert extract_records(SEED, [("Content-Type", "text/html")], html, fetched_at=FETCHED_AT, source=pointer()) == []
    atom = b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>urn:uuid:1</id><title>x</title></entry></feed>"
    assert (
        extract_records(
            f"{BASE}/feeds/posts/default",
            [("Content-Type", "application/atom+xml")],
            atom,
            fetched_at=FETCHED_AT,
            source=pointer(),
        )
        == []
    )


def test_requisites_and_errors_are_not_even_decoded() -> None:
    junk = b"\x00not gzip"
    headers = [("Content-Type", "image/png"), ("Content-Encoding", "gzip")]
    assert (
        extract_records(
            "https://1.bp.blogspot.com/a/s320/x.png", headers, junk, fetched_at=FETCHED_AT, source=pointer()
        )
        == []
    )
    page = serve(SEED)
    assert (
        extract_records(
            SEED, [("Content-Type", page.content_type)], page.body, fetched_at=FETCHED_AT, source=pointer(status=500)
        )
        == []
    )


def test_content_encoding_is_undone_and_bytes_headers_accepted() -> None:
    page = serve(SEED)
    plain = extract_records(
        SEED, [("Content-Type", page.content_type)], page.body, fetched_at=FETCHED_AT, source=pointer()
    )
    encoded = extract_records(
        SEED,
        [(b"Content-Type", page.content_type.encode()), (b"Content-Encoding", b"gzip")],
        gzip.compress(page.body),
        fetched_at=FETCHED_AT,
        source=pointer(),
    )
    assert encoded == plain


def test_undecodable_body_raises_naming_the_url() -> None:
    with pytest.raises(ExtractError, match="free-nobel-laureate-liu-xiaobo-rally.html"):
        extract_records(
            SEED,
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            b"\x1f\x8bcorrupt",
            fetched_at=FETCHED_AT,
            source=pointer(),
        )


def test_charset_of_the_content_type_is_honoured() -> None:
    html = (
        "<html><head><meta content='blogger' name='generator'/></head><body><div class='post'>"
        "<h3 class='post-title'>Caf\u00e9</h3><div class='post-body' id='post-body-7'>na\u00efve</div></div>"
        "</body></html>"
    ).encode("iso-8859-1")
    (fragment,) = extract_records(
        SEED, [("Content-Type", "text/html; charset=ISO-8859-1")], html, fetched_at=FETCHED_AT, source=pointer()
    )
    assert fragment.title == "Caf\u00e9"
    assert fragment.body is not None
    assert fragment.body.paragraphs[0].text == "na\u00efve"


# -- malformed input never crashes the extractor -----------------------------------------------------------

_TAGS = st.sampled_from(
    [
        "div",
        "p",
        "br",
        "span",
        "a",
        "table",
        "tr",
        "td",
        "h3",
        "abbr",
        "dl",
        "dt",
        "dd",
        "li",
        "script",
        "img",
        "time",
        "section",
    ]
)
_CLASSES = st.sampled_from(
    [
        "post",
        "post-body",
        "post-title",
        "published",
        "post-labels",
        "post-author",
        "comment-link",
        "jump-link",
        "date-outer",
        "date-header",
        "tr-caption",
        "tr-caption-container",
        "comment",
        "comment-block",
        "comment-content",
        "datetime",
        "fn",
    ]
)
_IDS = st.sampled_from(
    [
        "post-body-1",
        "post-body-2",
        "post-snippet-3",
        "comments",
        "comments-block",
        "c123",
        "c",
        "post-body-",
        "post-body-x",
    ]
)
_ATTR_VALUES = st.one_of(
    _CLASSES,
    _IDS,
    st.text(max_size=20),
    st.sampled_from(["2013-09-17T21:38:00-04:00", "not a date", "?showComment=12345#c1"]),
)


@st.composite
def _markup(draw: st.DrawFn) -> str:
    parts = ["<meta content='blogger' name='generator'/>"]
    for _ in range(draw(st.integers(0, 40))):
        choice = draw(st.integers(0, 4))
        tag = draw(_TAGS)
        if choice == 0:
            attrs = " ".join(
                f"{name}='{draw(_ATTR_VALUES)}'"
                for name in draw(
                    st.lists(
                        st.sampled_from(
                            [
                                "class",
                                "id",
                                "title",
                                "href",
                                "src",
                                "datetime",
                                "data-num-comments",
                                "itemprop",
                                "content",
                            ]
                        ),
                        max_size=3,
                    )
                )
            )
            parts.append(f"<{tag} {attrs}>")
        elif choice == 1:
            parts.append(f"</{tag}>")
        elif choice == 2:
            parts.append(draw(st.text(max_size=30)))
        elif choice == 3:
            parts.append(draw(st.sampled_from(["<", ">", "&", "&#x0;", "<!--", "-->", "<![CDATA[", "'", '"', "\x00"])))
        else:
            parts.append(f"<div class='post'><div class='post-body' id='post-body-{draw(st.integers(0, 9))}'>")
    return "".join(parts)


_VALIDATORS = {kind: jsonschema.Draft202012Validator(load(kind)) for kind in ("post", "page")}


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    markup=_markup(),
    url=st.sampled_from([SEED, f"{BASE}/", f"{BASE}/2013/", SEED + "?m=1", f"{BASE}/p/a.html"]),
    charset=st.sampled_from(["", "; charset=UTF-8", "; charset=bogus-charset", "; charset=utf-16"]),
)
def test_malformed_html_never_crashes(markup: str, url: str, charset: str) -> None:
    """Whatever the markup, extraction returns fragments that are true to it, and they make valid records."""
    for body in (markup.encode("utf-8", errors="surrogatepass"), markup.encode("utf-8", errors="replace")[:50]):
        found = extract_records(
            url, [("Content-Type", "text/html" + charset)], body, fetched_at=FETCHED_AT, source=pointer()
        )
        text = body.decode("utf-8", errors="replace")
        for fragment in found:
            assert (fragment.url, fragment.fetched_at, fragment.source) == (url, FETCHED_AT, pointer())
            # a fragment is only ever a post body the markup holds: no invented ids
            assert fragment.post_id.isdigit(), fragment.post_id
            assert f"post-body-{fragment.post_id}" in text or f"post-snippet-{fragment.post_id}" in text
        result = merge(found, archived=[url])
        for kind, records in (("post", result.posts), ("page", result.pages)):
            for record in records:
                _VALIDATORS[kind].validate(record)
                assert jsonl.dumps(record)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(["tag:blogger.com,1999:blog-1.post-2", "tag:blogger.com,1999:blog-1.page-3", "tag:x", ""]),
            st.text(max_size=20),
            st.sampled_from(["html", "text", ""]),
            st.text(max_size=40),
            st.sampled_from(
                [
                    "",
                    "<thr:in-reply-to ref='tag:blogger.com,1999:blog-1.post-2'/>",
                    "<thr:in-reply-to/>",
                    "<thr:total>x</thr:total>",
                    "<published>2013</published>",
                    "<category term=''/>",
                ]
            ),
        ),
        max_size=5,
    ),
    cut=st.integers(0, 400),
)
def test_malformed_feeds_never_crash(entries: list[tuple[str, str, str, str, str]], cut: int) -> None:
    xml = (
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
        + "".join(
            f"<entry><id>{i}</id><title>{t}</title><content type='{k}'>{c}</content>{extra}</entry>"
            for i, t, k, c, extra in entries
        )
        + "</feed>"
    )
    for body in (xml.encode("utf-8", errors="surrogatepass"), xml.encode("utf-8", errors="surrogatepass")[:cut]):
        found = extract_records(
            f"{BASE}/feeds/posts/default",
            [("Content-Type", "application/atom+xml")],
            body,
            fetched_at=FETCHED_AT,
            source=pointer(),
        )
        assert isinstance(found, list)


def test_feed_content_with_a_stray_closing_tag_is_read_whole() -> None:
    atom = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>tag:blogger.com,1999:blog-1.post-2</id>"
        "<published>2013-09-17T21:38:00.001-04:00</published><title type='text'>T</title>"
        "<content type='html'>First&lt;/div&gt; still first&lt;br /&gt;Second</content></entry></feed>"
    )
    (fragment,) = extract_records(
        f"{BASE}/feeds/posts/default",
        [("Content-Type", "application/atom+xml")],
        atom.encode(),
        fetched_at=FETCHED_AT,
        source=pointer(),
    )
    assert fragment.body is not None
    assert [p.text for p in fragment.body.paragraphs] == ["First still first", "Second"]


REAL_CLASSIC = """<html><head><meta content='blogger' name='generator'/></head><body>
<div class='main section' id='main'><div class='widget Blog' data-version='1' id='Blog1'><div class='blog-posts hfeed'>
<div class="date-outer"><h2 class='date-header'><span>Friday, March 16, 2018</span></h2><div class="date-posts">
<div class='post-outer'><div class='post hentry' itemscope='itemscope' itemtype='http://schema.org/BlogPosting'>
<meta content='123456789' itemprop='blogId'/><meta content='987654321' itemprop='postId'/><a name='987654321'></a>
<h3 class='post-title entry-title' itemprop='name'>Grocery run</h3>
<div class='post-header'><div class='post-header-line-1'></div></div>
<div class='post-body entry-content' id='post-body-987654321' itemprop='description articleBody'>
<div dir="ltr">We went shopping.</div><div dir="ltr"><br /></div><div class="separator">
<a href="https://4.bp.blogspot.com/-a/b/c/d/s1600/x.jpg" imageanchor="1">
<img border="0" src="https://4.bp.blogspot.com/-a/b/c/d/s400/x.jpg" /></a></div>
<div style='clear: both;'></div></div>
<div class='post-footer'><div class='post-footer-line post-footer-line-1'>
<span class='post-labels'>Labels: <a href='https://x.blogspot.com/search/label/Grocery' rel='tag'>Grocery</a>,
<a href='https://x.blogspot.com/search/label/Food' rel='tag'>Food</a></span>
<span class='post-author vcard'>Posted by <span class='fn'>
<a href='https://www.blogger.com/profile/42' rel='author'>Tone</a></span></span>
<span class='post-timestamp'>at
<a class='timestamp-link' href='https://x.blogspot.com/2018/03/grocery.html' rel='bookmark'>
<abbr class='published' itemprop='datePublished' title='2018-03-16T10:08:00-07:00'>10:08 AM</abbr></a></span>
</div></div></div>
<div class='comments' id='comments'><h4>1 comment:</h4><dl class='avatar-comment-indent' id='comments-block'>
<dt class='comment-author ' id='c111'><a name='c111'></a>Anonymous said...</dt>
<dd class='comment-body' id='Blog1_cmt-111'><p>Nice!<br />Really.</p></dd>
<dd class='comment-footer'><span class='comment-timestamp'>
<a href='https://x.blogspot.com/2018/03/grocery.html?showComment=1521230400000#c111'
 title='comment permalink'>March 16, 2018 at 1:00 PM</a>
</span></dd></dl></div></div>
</div></div></div></div></div></body></html>"""


def test_real_classic_markup_from_the_design_notes() -> None:
    """Markup of a real Blogger page (docs/BLOGGER.md#templates, tonetoatl): English locale, labels first."""
    url = "https://x.blogspot.com/2018/03/grocery.html"
    (fragment,) = extract_records(
        url,
        [("Content-Type", "text/html; charset=UTF-8")],
        REAL_CLASSIC.encode(),
        fetched_at=FETCHED_AT,
        source=pointer(),
    )
    assert (fragment.post_id, fragment.blog_id, fragment.origin) == ("987654321", "123456789", "post_page")
    assert (fragment.title, fragment.published) == ("Grocery run", "2018-03-16T10:08:00-07:00")
    assert fragment.labels == ("Food", "Grocery")
    assert fragment.author is not None
    assert (fragment.author.name, fragment.author.uri) == ("Tone", "https://www.blogger.com/profile/42")
    assert fragment.date_header == "Friday, March 16, 2018"
    assert fragment.body is not None
    assert [p.text for p in fragment.body.paragraphs] == ["We went shopping."]
    assert fragment.body.images[0].original == "https://4.bp.blogspot.com/-a/b/c/d/s1600/x.jpg"
    (comment,) = fragment.comments or ()
    assert comment.author is not None
    assert comment.author.name == "Anonymous"
    assert (comment.id, comment.text, fragment.comment_count) == ("111", "Nice!\nReally.", 1)
    assert comment.published == "2018-03-16T13:00:00.000-07:00"
