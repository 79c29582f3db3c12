"""A post body past lxml's limits (5000 nested elements, a 50 MB attribute) is read whole, or said to be cut."""

from __future__ import annotations

import re

import pytest

from archiver.records import extract_records, html, merge
from tests.records_support import BASE, FETCHED_AT, pointer, serve

URL = f"{BASE}/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"
_BODY_OPEN = re.compile(rb"<div[^>]*id=.post-body-[0-9]+[^>]*>")


def _page() -> bytes:
    page = serve(URL)
    assert page.status == 200
    assert not any(n.lower() == "content-encoding" for n, _ in page.headers)
    return page.body


def _with_inside_body(insert: bytes) -> bytes:
    body = _page()
    at = _BODY_OPEN.search(body)
    assert at is not None
    return body[: at.end()] + insert + body[at.end() :]


def _fragment(body: bytes) -> html.Fragment:  # type: ignore[name-defined]
    (fragment,) = extract_records(
        URL, [("Content-Type", "text/html; charset=UTF-8")], body, fetched_at=FETCHED_AT, source=pointer()
    )
    return fragment


def _texts(fragment: object) -> list[str]:
    return [p.text for p in fragment.body.paragraphs]  # type: ignore[attr-defined]


DEEP = b"<div>" * 5000 + b"<p>DEEP TEXT</p>" + b"</div>" * 5000
HUGE_ATTR = b'<img src="data:image/png;base64,' + b"A" * (50 * 1024 * 1024) + b'"/><p>AFTER THE ATTRIBUTE</p>'


@pytest.mark.parametrize(
    ("insert", "first"),
    [(DEEP, "DEEP TEXT"), (HUGE_ATTR, "AFTER THE ATTRIBUTE")],
    ids=["5000-nested-divs", "50MB-attribute"],
)
def test_a_body_past_lxmls_limits_is_read_whole(insert: bytes, first: str) -> None:
    plain = _fragment(_page())
    hostile = _fragment(_with_inside_body(insert))
    assert _texts(hostile) == [first, *_texts(plain)]
    assert hostile.body.complete
    assert hostile.parser_limit is None
    assert hostile.published == plain.published is not None
    assert hostile.title == plain.title
    assert hostile.comments == plain.comments
    assert hostile.comments


def test_lxml_says_when_it_gave_up_and_the_fallback_is_used() -> None:
    parsed = html.parse_html(_with_inside_body(DEEP), "utf-8")
    assert parsed.parser == "html.parser"
    assert parsed.limit is not None
    assert "depth" in parsed.limit
    assert parsed.complete
    assert html.parse_html(_page(), "utf-8").parser == "lxml"


def test_nesting_far_deeper_still_reads_in_linear_time() -> None:
    deep = b"<div>" * 100_000 + b"<p>DEEP TEXT</p>" + b"</div>" * 100_000
    assert _texts(_fragment(_with_inside_body(deep)))[0] == "DEEP TEXT"


def test_when_no_parser_can_read_it_the_record_says_body_complete_false(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(text: str) -> None:
        raise RecursionError("too deep")

    monkeypatch.setattr(html, "_soup_tree", fails)
    fragment = _fragment(_with_inside_body(DEEP))
    assert fragment.parser_limit is not None
    assert "depth" in fragment.parser_limit
    assert not fragment.body.complete
    (record,) = merge([fragment], archived={URL}).posts
    assert record["body_complete"] is False
