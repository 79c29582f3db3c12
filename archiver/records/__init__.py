"""Post records from archived captures, without Scrapy: extraction, merging, JSON Lines, the corpus.

- :func:`extract_records` reads one archived response (post page, listing, feed, comment feed) into
  :class:`Fragment` objects, each pointing at its WARC record;
- :func:`merge` makes one record per post from all fragments, in an order-independent way;
- ``jsonl`` writes records byte-identically, ``corpus`` keeps the latest record of every post across crawls,
  ``warcread`` replays WARC files through the same extraction (``archiver extract``).
"""

from __future__ import annotations

from archiver.records.extract import ExtractError, extract_records
from archiver.records.merge import EXTRACTOR_VERSION, SCHEMA_VERSION, MergeResult, merge
from archiver.records.model import Fragment, WarcPointer

__all__ = [
    "EXTRACTOR_VERSION",
    "SCHEMA_VERSION",
    "ExtractError",
    "Fragment",
    "MergeResult",
    "WarcPointer",
    "extract_records",
    "merge",
]
