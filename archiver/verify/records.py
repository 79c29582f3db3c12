"""Check what points into the WARC files against what the scan found there: CDXJ lines, revisits, JSON records.

- A CDXJ line (``index.cdxj``, or a WACZ's ``indexes/index.cdx.gz``) must name a record that starts at its
  ``offset`` of its ``filename``, with its ``length``, URL (and SURT key), timestamp, payload digest, type
  (``warc/revisit`` for a revisit) and HTTP status; and every record must have its line (a record cut out
  of a file leaves lines that point at something else, and records without a line). Only response and revisit records
  must have a line: a crawl's index does not list its ``resource`` records (TLS certificate chains, say).
- A revisit names its original by ``WARC-Refers-To``: a ``response`` record with the same payload digest
  whose payload matches it, searched in what is verified, then in the blog's other crawls, as
  ``archiver.records.warcread.Originals`` searches them.
- A JSON record's WARC pointers (``source``, ``sources[]``, ``corpus.versions[].source``) must name a record
  at that offset of that file with that record id, payload digest, length and status; and ``posts.jsonl`` /
  ``pages.jsonl`` must be the bytes ``archiver extract`` rebuilds from the crawl's WARC files, else each line
  that differs is named with its post id and the fields that differ.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from archiver.records import jsonl
from archiver.warc.cdxj import surt

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from archiver.verify import Report
    from archiver.verify.warcs import WarcFile, WarcRecord


#: fields of a record that name the code that wrote it: a rebuild by other code may differ in anything
_VERSIONS = ("extractor_version", "schema_version")


def check_cdxj(lines: Iterable[str], label: str, files: dict[str, WarcFile], report: Report) -> None:
    """Check every line of an index against the records of ``files`` (by name), then every record's line."""
    covered: set[tuple[str, int]] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{label} line {number}"
        try:
            key, timestamp, data = line.split(" ", 2)
            fields: dict[str, Any] = json.loads(data)
            filename, offset, length = str(fields["filename"]), int(fields["offset"]), int(fields["length"])
        except (ValueError, KeyError, TypeError):
            report.problem("cdxj", where, f"not a CDXJ line with filename, offset and length: {line[:120]!r}")
            continue
        warc = files.get(filename)
        if warc is None:
            report.problem("cdxj", where, f"names {filename}, which is not one of the WARC files verified")
            continue
        record = warc.records.get(offset)
        if record is None:
            report.problem(
                "cdxj", where, f"no record starts at offset {offset} of {filename} (for {fields.get('url')})"
            )
            continue
        covered.add((filename, offset))
        differs = _line_differs(key, timestamp, fields, length, record)
        if differs:
            report.problem(
                "cdxj", where, f"the record at offset {offset} of {filename} differs: " + "; ".join(differs),
                record_id=record.record_id or None,
            )  # fmt: skip
        else:
            report.ok("cdxj")
    for warc in files.values():
        for record in warc.records.values():
            if record.indexed and (warc.name, record.offset) not in covered:
                report.problem(
                    "cdxj.missing",
                    warc.label,
                    f"the {record.rec_type} record of {record.target_uri} has no line in {label}",
                    offset=record.offset,
                    record_id=record.record_id or None,
                )


def _line_differs(key: str, timestamp: str, fields: dict[str, Any], length: int, record: WarcRecord) -> list[str]:
    differs = []

    def compare(name: str, line: object, found: object) -> None:
        if line != found:
            differs.append(f"{name} {line!r} in the index, {found!r} in the WARC")

    compare("length", length, record.length)
    compare("url", fields.get("url"), record.target_uri)
    compare("SURT key", key, surt(record.target_uri) if record.target_uri else "")
    compare("timestamp", timestamp, record.timestamp)
    compare("digest", fields.get("digest"), record.payload_digest.removeprefix("sha1:") or None)
    revisit = fields.get("mime") == "warc/revisit"
    compare("type", "revisit" if revisit else "response or resource", _kind(record.rec_type))
    if record.rec_type == "response":
        compare("status", fields.get("status"), record.status)
        compare("mime", fields.get("mime"), record.mime or None)
    return differs


def _kind(rec_type: str) -> str:
    return "revisit" if rec_type == "revisit" else "response or resource" if rec_type else "none"


def check_revisits(
    files: Iterable[WarcFile],
    report: Report,
    originals: Callable[[str], WarcRecord | None],
    *,
    required: bool,
) -> None:
    """Check that every revisit names an original with its payload digest (``originals`` finds records by id).

    An original that is nowhere to be found is a problem when ``required`` (a crawl in its blog folder, a
    blog), a note otherwise (a WARC file or a crawl's WACZ verified on its own).
    """
    unresolved = 0
    for warc in files:
        for record in warc.records.values():
            if record.rec_type != "revisit":
                continue
            original = originals(record.refers_to) if record.refers_to else None
            if original is None:
                if required:
                    report.problem(
                        "warc.revisit", warc.label,
                        f"the revisit of {record.target_uri} refers to {record.refers_to or 'no record'}, which is "
                        "in none of the WARC files verified nor in the blog's other crawls",
                        offset=record.offset, record_id=record.record_id or None,
                    )  # fmt: skip
                else:
                    unresolved += 1
            elif original.rec_type != "response" or original.payload_digest != record.payload_digest:
                report.problem(
                    "warc.revisit", warc.label,
                    f"the revisit of {record.target_uri} has payload digest {record.payload_digest}, its original "
                    f"{record.refers_to} ({original.filename} at offset {original.offset}) is a "
                    f"{original.rec_type} record with {original.payload_digest or 'no payload digest'}",
                    offset=record.offset, record_id=record.record_id or None,
                )  # fmt: skip
            elif original.payload_ok is False:
                report.problem(
                    "warc.revisit", warc.label,
                    f"the payload of its original {record.refers_to} ({original.filename} at offset "
                    f"{original.offset}) does not match its digest",
                    offset=record.offset, record_id=record.record_id or None,
                )  # fmt: skip
            else:
                report.ok("warc.revisit")
    if unresolved:
        report.note(
            f"{unresolved} revisit records refer to originals outside what was verified (not checked: verify the "
            "blog's folder, or its blog WACZ, to check them)"
        )


def pointers(record: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any], str | None]]:
    """Every WARC pointer of a JSON record: (where in the record, the pointer, the crawl id it names)."""
    if isinstance(record.get("source"), dict):
        yield "source", record["source"], None
    for index, source in enumerate(record.get("sources") or []):
        if isinstance(source, dict):
            yield f"sources[{index}]", source, None
    corpus = record.get("corpus")
    if isinstance(corpus, dict):
        for index, version in enumerate(corpus.get("versions") or []):
            if isinstance(version, dict) and isinstance(version.get("source"), dict):
                yield f"corpus.versions[{index}].source", version["source"], version.get("crawl_id")
        deleted = corpus.get("deleted")
        if isinstance(deleted, dict) and isinstance(deleted.get("capture"), dict):
            yield "corpus.deleted.capture", deleted["capture"], deleted.get("crawl_id")


def check_pointers(
    path: Path, label: str, report: Report, locate: Callable[[str, str | None], WarcFile | None]
) -> None:
    """Check every WARC pointer of every record of a JSON Lines file against the record it names."""
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            where = f"{label} line {number}"
            try:
                record = json.loads(line)
            except ValueError as exc:
                report.problem("record.json", where, f"not JSON: {exc}")
                continue
            if not isinstance(record, dict):
                report.problem("record.json", where, "not a JSON object")
                continue
            post = record.get("post_id")
            for name, pointer, crawl_id in pointers(record):
                problem = _pointer_problem(pointer, crawl_id, locate)
                if problem:
                    report.problem(
                        "record.pointer", where, f"post {post}: {name}: {problem}",
                        record_id=str(pointer.get("record_id") or "") or None,
                    )  # fmt: skip
                else:
                    report.ok("record.pointer")


def _pointer_problem(
    pointer: dict[str, Any], crawl_id: str | None, locate: Callable[[str, str | None], WarcFile | None]
) -> str | None:
    filename, offset = str(pointer.get("filename")), pointer.get("offset")
    warc = locate(filename, crawl_id)
    if warc is None:
        return f"names {filename}, a WARC file that is not there"
    found = warc.records.get(offset) if isinstance(offset, int) else None
    if found is None:
        return f"no record starts at offset {offset} of {filename}"
    differs = [
        f"{name} {pointer.get(name)!r} in the record, {value!r} in the WARC"
        for name, value in (
            ("record_id", found.record_id),
            ("payload_digest", found.payload_digest),
            ("length", found.length),
            ("status", int(found.status) if found.status else None),
        )
        if name in pointer and pointer.get(name) != value
    ]
    if found.payload_ok is False:
        differs.append("the record's payload does not match its WARC-Payload-Digest")
    return f"the record at offset {offset} of {filename} differs: " + "; ".join(differs) if differs else None


def check_rebuild(path: Path, label: str, rebuilt: list[dict[str, Any]], report: Report) -> None:
    """Check that a records file is, byte for byte, what ``archiver extract`` rebuilds (``rebuilt``)."""
    expected = [jsonl.dumps(record) for record in rebuilt]
    actual = path.read_text(encoding="utf-8").splitlines()
    if actual == expected:
        report.ok("record.rebuild", len(actual))
        return
    by_id = {str(record.get("post_id")): (index, line, record) for index, (line, record) in
             enumerate(zip(expected, rebuilt, strict=True))}  # fmt: skip
    newer: set[str] = set()
    for number, line in enumerate(actual, 1):
        where = f"{label} line {number}"
        try:
            record = json.loads(line)
            post = str(record.get("post_id"))
        except (ValueError, AttributeError):
            report.problem("record.rebuild", where, "not a JSON object")
            continue
        found = by_id.pop(post, None)
        if found is None:
            report.problem("record.rebuild", where, f"post {post} is not among the records the WARC files give")
            continue
        index, expected_line, expected_record = found
        versions = [key for key in _VERSIONS if record.get(key) != expected_record.get(key)]
        if versions:
            newer.update(versions)
            continue
        if line != expected_line:
            fields = sorted(
                key for key in set(record) | set(expected_record) if record.get(key) != expected_record.get(key)
            )
            what = ", ".join(fields) if fields else "its bytes only (same values, other spelling)"
            report.problem("record.rebuild", where, f"post {post} differs from its rebuild from the WARCs: {what}")
        elif index != number - 1:
            report.problem(
                "record.rebuild", where, f"post {post} is line {index + 1} of the rebuild from the WARC files"
            )
        else:
            report.ok("record.rebuild")
    for post in by_id:
        report.problem("record.rebuild", label, f"post {post}, rebuilt from the WARC files, is not in the file")
    if newer:
        report.note(
            f"{label}: records written by another version of the extractor ({', '.join(sorted(newer))} differ): "
            "they were not compared with their rebuild; `archiver extract` writes them anew"
        )
