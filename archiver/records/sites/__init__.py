"""Site-specific enrichment of records, chosen by blog host through a small registry.

Every record carries the keys of :data:`SITE_FIELDS`. A blog with rules here fills them in; every other
blog gets them as ``null`` ("this extractor has no rules for that blog"), never an empty list, so that a
reader can tell "no attendees listed" (``[]``) from "not looked for" (``null``).

To add a blog: write a module with ``enrich(paragraphs) -> dict`` returning some of :data:`SITE_FIELDS`,
and register its hosts in :data:`SITES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver.records.sites import gongminziyoulianmeng

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from archiver.records.model import Paragraph

    Enricher = Callable[[Sequence[Paragraph]], dict[str, object]]

#: the keys site rules may fill in, and their value when a blog has no rules
SITE_FIELDS: dict[str, object] = {"attendees": None}

#: blog host -> enrichment function
SITES: dict[str, Enricher] = {
    "gongminziyoulianmeng.blogspot.com": gongminziyoulianmeng.enrich,
}


def enrich(host: str, paragraphs: Sequence[Paragraph]) -> dict[str, object]:
    """The site fields of a record of a post on ``host``: the blog's rules applied, else all null."""
    fields = dict(SITE_FIELDS)
    rules = SITES.get(host.lower())
    if rules is not None:
        found = rules(paragraphs)
        unknown = set(found) - set(SITE_FIELDS)
        if unknown:
            raise ValueError(f"site rules for {host} return unknown fields {sorted(unknown)}")
        fields.update(found)
    return fields
