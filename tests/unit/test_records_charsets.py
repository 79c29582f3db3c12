"""GBK, GB2312 and Big5 pages are read exactly: the records of a re-encoded post page equal the UTF-8 original's.

A Chinese post page as the replica renders it (UTF-8) is re-encoded in each charset, declared in the
Content-Type header only, in ``<meta charset>`` only, or in ``<meta http-equiv>`` only; its title, body
text, labels and comments must read as the original's. Big5 has no code for the simplified characters the
blog writes, so those go as character references (what a Big5 page must do); its other Han characters are
real Big5 bytes. Labels are read as browsers read them (WHATWG): ``gb2312`` as GBK, so a GBK-only character
in a page labelled ``gb2312`` is read too. A page that declares no charset is UTF-8 when it decodes as UTF-8,
and otherwise detected (charset-normalizer): a GBK page without any declaration is read exactly as well.
"""

from __future__ import annotations

import re

import pytest
from blogger_replica.app import ReplicaApp
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog

from archiver.records import extract_records
from tests.records_support import BASE, FETCHED_AT, pointer, serve

APP = ReplicaApp(Blog(20, 0, DEFAULT_BLOG_NAME))
CHINESE_TITLE = f"{BASE}/2012/04/blog-post.html"  # 释放陈光诚集会
BILINGUAL = f"{BASE}/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"  # labels 刘晓波, 集会
_HTTP_EQUIV = re.compile(r"<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>")
GBK_ONLY = "朱镕基"  # 镕 (U+9555) is in GBK, not in GB2312


def read(url: str, content_type: str, body: bytes) -> dict[str, object]:
    """What a reader of the record sees: title, body text, labels, author and comments of the post page."""
    (fragment,) = extract_records(url, [("Content-Type", content_type)], body, fetched_at=FETCHED_AT, source=pointer())
    assert fragment.body is not None
    return {
        "title": fragment.title,
        "body_text": "\n\n".join(p.text for p in fragment.body.paragraphs),
        "labels": fragment.labels,
        "author": fragment.author,
        "comments": [(c.author, c.text) for c in fragment.comments or ()],
    }


def original(url: str, extra: str = "") -> str:
    """The page as the replica renders it (UTF-8), with ``extra`` added to its title and body."""
    text = serve(url, APP).body.decode("utf-8")
    assert _HTTP_EQUIV.search(text), "the replica's page declares its charset in http-equiv"
    if extra:
        text = text.replace("\n</h3>", f"{extra}\n</h3>", 1)
        text = text.replace("itemprop='articleBody'>", f"itemprop='articleBody'><p>{extra}</p>", 1)
    return text


def encoded(text: str, charset: str, where: str) -> tuple[str, bytes]:
    """(Content-Type, body) of ``text`` encoded in ``charset``, the charset declared only ``where``."""
    if where == "header":
        text, content_type = _HTTP_EQUIV.sub("", text), f"text/html; charset={charset}"
    elif where == "meta charset":
        text, content_type = _HTTP_EQUIV.sub(f'<meta charset="{charset}">', text), "text/html"
    elif where == "http-equiv":
        text = _HTTP_EQUIV.sub(f"<meta content='text/html; charset={charset}' http-equiv='Content-Type'/>", text)
        content_type = "text/html"
    else:  # nowhere
        text, content_type = _HTTP_EQUIV.sub("", text), "text/html"
        assert "charset" not in text.lower()
    # Big5 has no code for simplified characters: a Big5 page writes them as character references
    return content_type, text.encode(charset, errors="xmlcharrefreplace" if charset == "big5" else "strict")


@pytest.mark.parametrize("url", [CHINESE_TITLE, BILINGUAL])
@pytest.mark.parametrize("charset", ["gbk", "gb2312", "gb18030", "big5"])
@pytest.mark.parametrize("where", ["header", "meta charset", "http-equiv"])
def test_a_page_in_a_chinese_charset_reads_as_its_utf8_original(url: str, charset: str, where: str) -> None:
    text = original(url)
    want = read(url, "text/html; charset=UTF-8", text.encode("utf-8"))
    assert re.search("[\u4e00-\u9fff]", str(want["title"]))
    content_type, body = encoded(text, charset, where)
    assert body != text.encode("utf-8")
    assert read(url, content_type, body) == want


def test_big5_pages_carry_real_big5_bytes() -> None:
    """The Big5 case is no disguised ASCII page: most of its Han characters are written as Big5 bytes."""
    han = re.findall("[\u4e00-\u9fff]", original(BILINGUAL))
    native = [char for char in han if char.encode("big5", errors="ignore")]
    assert len(native) > len(han) / 3, (len(native), len(han))


@pytest.mark.parametrize("where", ["header", "meta charset", "http-equiv"])
def test_a_page_labelled_gb2312_is_read_as_gbk_like_a_browser_reads_it(where: str) -> None:
    text = original(BILINGUAL, GBK_ONLY)
    want = read(BILINGUAL, "text/html; charset=UTF-8", text.encode("utf-8"))
    assert GBK_ONLY in str(want["title"])
    with pytest.raises(UnicodeEncodeError):
        GBK_ONLY.encode("gb2312")
    content_type, body = encoded(text, "gbk", where)
    content_type = content_type.replace("charset=gbk", "charset=gb2312")
    body = body.replace(b'charset="gbk"', b'charset="gb2312"').replace(b"charset=gbk", b"charset=gb2312")
    assert b"gbk" not in body.lower()
    got = read(BILINGUAL, content_type, body)
    assert got == want
    assert "\ufffd" not in str(got)


@pytest.mark.parametrize("url", [CHINESE_TITLE, BILINGUAL])
def test_an_undeclared_utf8_page_is_read_as_utf8(url: str) -> None:
    text = original(url)
    want = read(url, "text/html; charset=UTF-8", text.encode("utf-8"))
    content_type, body = encoded(text, "utf-8", "nowhere")
    assert read(url, content_type, body) == want


@pytest.mark.parametrize("url", [CHINESE_TITLE, BILINGUAL])
@pytest.mark.parametrize("charset", ["gbk", "gb18030"])
def test_an_undeclared_gbk_page_is_detected_and_read_exactly(url: str, charset: str) -> None:
    text = original(url)
    want = read(url, "text/html; charset=UTF-8", text.encode("utf-8"))
    content_type, body = encoded(text, charset, "nowhere")
    got = read(url, content_type, body)
    assert "\ufffd" not in str(got)
    assert got == want


def test_a_declared_charset_wins_over_detection() -> None:
    """A page that says what it is, is read so: GBK bytes declared windows-1252 give what a browser shows."""
    text = original(CHINESE_TITLE)
    _, body = encoded(text, "gbk", "nowhere")
    got = read(CHINESE_TITLE, "text/html; charset=windows-1252", body)
    assert got["title"] == "释放陈光诚集会".encode("gbk").decode("windows-1252", errors="replace")
