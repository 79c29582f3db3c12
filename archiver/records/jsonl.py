"""JSON Lines as the archiver writes them: one record per line, UTF-8, sorted keys, no ASCII escaping.

The same records always give the same bytes (compact separators, keys sorted at every level, text
already NFC), which is what lets a crawl's ``posts.jsonl`` be compared byte for byte with ``archiver
extract`` of its WARCs. Files are written to ``NAME.tmp`` and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path


def dumps(record: dict[str, Any]) -> str:
    """One record as one line of JSON, without the newline."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write(records: Iterable[dict[str, Any]], stream: TextIO) -> int:
    """Write records to a text stream, one per line; return how many."""
    count = 0
    for record in records:
        stream.write(dumps(record) + "\n")
        count += 1
    return count


def write_file(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Write records to ``path`` atomically (``path.tmp`` then rename); return how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as stream:
        count = write(records, stream)
    tmp.replace(path)
    return count


def read_file(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON Lines file (blank lines skipped)."""
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)
