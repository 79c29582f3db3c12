"""Site rules: attendee pairs of gongminziyoulianmeng's rally reports; every other blog gets null."""

from __future__ import annotations

import pytest
from blogger_replica import seeds
from blogger_replica.content import Blog
from blogger_replica.truth import attendee_pairs

from archiver.records.model import Paragraph
from archiver.records.sites import SITES, enrich
from archiver.records.sites.gongminziyoulianmeng import attendee_lists, pair
from archiver.records.text import language

HOST = "gongminziyoulianmeng.blogspot.com"


def paras(*texts: str) -> list[Paragraph]:
    return [Paragraph(text, language(text)) for text in texts]


@pytest.mark.parametrize("seed", seeds.SEED_POSTS, ids=lambda s: str(s["key"]))
def test_seed_posts_pair_exactly(seed: dict[str, object]) -> None:
    blog = Blog(3)
    post = next(p for p in blog.posts if p.seed_key == seed["key"])
    body = blog.body(post)
    found = enrich(HOST, paras(*body.paragraphs()))["attendees"]
    assert found == attendee_pairs(body)
    assert isinstance(found, list)
    assert all(a["en"] and a["zh"] for a in found)


def test_typos_and_missing_spaces_are_kept_as_written() -> None:
    english, chinese = attendee_lists(
        paras(
            'Members of "Coaliton for Citizens Rights" attending today\'s rally include: Li Changzhu,Cui Haiyan, '
            "Ju Yuzi.",
            "参加此次集会的成员有:李长洙,崔海燕, 具玉子。",
        )
    )
    assert english == ["Li Changzhu", "Cui Haiyan", "Ju Yuzi"]
    assert chinese == ["李长洙", "崔海燕", "具玉子"]


def test_fullwidth_separators() -> None:
    assert attendee_lists(paras("今天参加集会的成员有：申雪花，朴虎林、崔玉花"))[1] == ["申雪花", "朴虎林", "崔玉花"]


def test_unequal_or_one_sided_lists_are_not_aligned() -> None:
    assert pair(["A B", "C D"], ["甲"]) == [
        {"en": "A B", "zh": None},
        {"en": "C D", "zh": None},
        {"en": None, "zh": "甲"},
    ]
    assert pair(["A B"], []) == [{"en": "A B", "zh": None}]
    assert pair([], []) == []


def test_generated_posts_match_the_truth_in_every_form() -> None:
    blog = Blog(200)
    forms = set()
    for post in blog.posts:
        body = blog.body(post)
        forms.add((len(body.attendees_en) == len(body.attendees_zh), bool(body.attendees_zh)))
        assert enrich(HOST, paras(*body.paragraphs()))["attendees"] == attendee_pairs(body), post.path
    assert forms == {(True, True), (False, False), (False, True)}  # paired, English only, a name missing


def test_other_blogs_have_no_rules() -> None:
    assert enrich("example.blogspot.com", paras("Members attending today's rally include: A B."))["attendees"] is None
    assert HOST in SITES
