"""Rules for https://gongminziyoulianmeng.blogspot.com/ (Coalition for Citizens Rights): rally attendees.

Its rally reports end with the members present, given twice in the same order: in pinyin in an English
paragraph (``Members of "…" attending today's rally include: Shen Xuehua, Piao Hulin, …``) and in
characters in a Chinese one (``今天参加集会的…成员有:申雪花,朴虎林,…``). ``attendees`` pairs them up:

- both lists found with the same length: ``[{"en": "Shen Xuehua", "zh": "申雪花"}, …]`` in order;
- lengths differ, or only one list is there: each name on its own, the English ones first
  (``{"en": name, "zh": null}``), then the Chinese ones (``{"en": null, "zh": name}``): a list with a name
  missing cannot be aligned safely, and guessing would put wrong characters to a person's name;
- no list: ``[]``.

Names are kept as written (typos and all); separators are ``,`` with or without a space, ``，`` and ``、``;
a final ``.``/``。`` is dropped. Only the first list of each language is read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from archiver.records.model import Paragraph

_EN_LIST = re.compile(
    r"\b(?:attend\w*|participat\w*|present)\b[^:：]*?\b(?:include[sd]?|were|are)\s*[:：]\s*(.+)$", re.I | re.S
)
_ZH_LIST = re.compile(r"(?:成员|人员|参加者|出席者)[^:：]{0,12}?(?:有|是|包括)\s*[:：]\s*(.+)$", re.S)
_SEPARATORS = re.compile(r"\s*[,，、]\s*")


def _names(text: str) -> list[str]:
    return [name for name in (part.strip() for part in _SEPARATORS.split(text.strip().rstrip(".。").strip())) if name]


def attendee_lists(paragraphs: Sequence[Paragraph]) -> tuple[list[str], list[str]]:
    """The first English and the first Chinese attendee list of a body (each [] when absent)."""
    english: list[str] | None = None
    chinese: list[str] | None = None
    for paragraph in paragraphs:
        if english is None and paragraph.lang in ("en", "mixed"):
            match = _EN_LIST.search(paragraph.text)
            if match:
                english = _names(match.group(1))
                continue
        if chinese is None and paragraph.lang in ("zh", "mixed"):
            match = _ZH_LIST.search(paragraph.text)
            if match:
                chinese = _names(match.group(1))
    return english or [], chinese or []


def pair(english: list[str], chinese: list[str]) -> list[dict[str, str | None]]:
    """Aligned pairs when the lists have the same length, else every name on its own (English first)."""
    if len(english) == len(chinese):
        return [{"en": en, "zh": zh} for en, zh in zip(english, chinese, strict=True)]
    return [{"en": en, "zh": None} for en in english] + [{"en": None, "zh": zh} for zh in chinese]


def enrich(paragraphs: Sequence[Paragraph]) -> dict[str, object]:
    """The site fields of one record: ``attendees``."""
    return {"attendees": pair(*attendee_lists(paragraphs))}
