"""Research exports: a crawl's records or a blog's corpus as tables, in CSV, SQLite or Parquet.

``archiver export PATH --format csv|sqlite|parquet [-o OUT]``. PATH is a blog folder ``OUTPUT/<host>`` (its
corpus, ``corpus/posts.jsonl`` and ``corpus/pages.jsonl``: every post any crawl saw, with its history), a
crawl folder (its own ``posts.jsonl`` and ``pages.jsonl``) or a folder holding such files.

Tables (:mod:`archiver.export.tables`, derived from the JSON Schema): ``posts`` (one row per post, its scalar
fields and flattened objects as columns) and one table per list of a post (``labels``, ``paragraphs``,
``images``, ``links``, ``comments``, ``attendees``, ``sources``, ``flags``, ``corpus_seen_in_crawls``,
``corpus_versions``), keyed by ``post_id`` and ``position``; ``pages`` and its lists (``page_images`` …) the
same for static pages; ``_export`` (the schema version the tables follow, the records' own versions, crawl
ids, blog host, the tool's version) and ``_export_sources`` (each source file, its sha256, size and record
count). The data dictionary (:mod:`archiver.export.dictionary`) is written beside the tables. Rows come in the
order of the source files (which are sorted: oldest post first), list rows after their record's row.

Output (:mod:`archiver.export.writers` says how each is kept byte-identical run to run): CSV and Parquet are a
folder of ``TABLE.csv``/``TABLE.parquet`` files with ``data-dictionary.json`` and ``.md`` in it; SQLite is one
file (the dictionary also as tables ``_tables`` and ``_columns``), with ``NAME.data-dictionary.json`` and
``.md`` beside it. Defaults: ``PATH/export-csv/``, ``PATH/export.sqlite``, ``PATH/export-parquet/``. The export
is written under ``OUT.partial`` and renamed when complete; an earlier export at OUT is replaced, anything
else there is refused.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver import __version__
from archiver.export import dictionary
from archiver.export.tables import ExportError, RowMaker, record_tables
from archiver.export.writers import FORMATS, writer_for
from archiver.fixity import file_digest
from archiver.layout import CORPUS_FOLDER
from archiver.records import jsonl
from archiver.schemas import SCHEMA_VERSIONS

if TYPE_CHECKING:
    from archiver.export.tables import Table
    from archiver.export.writers import Writer

__all__ = ["FORMATS", "ExportError", "NotAnExportSource", "default_output", "export", "find_source"]

POSTS_FILE, PAGES_FILE = "posts.jsonl", "pages.jsonl"
DICTIONARY = "data-dictionary"
TOOL = "blogspot-archiver"


class NotAnExportSource(ExportError):
    """PATH holds neither a corpus nor a crawl's records."""


@dataclass(frozen=True)
class Source:
    """What is exported: the folder given, where its records are, and whether they are a blog's corpus."""

    path: Path
    records_dir: Path
    corpus: bool

    def files(self) -> list[tuple[str, Path]]:
        """``(kind, file)`` of the record files that exist: posts first."""
        found = []
        for kind, name in (("post", POSTS_FILE), ("page", PAGES_FILE)):
            if (self.records_dir / name).is_file():
                found.append((kind, self.records_dir / name))
        return found


def find_source(path: Path) -> Source:
    """The records of a blog folder (its corpus), of a crawl folder, or of a folder of ``*.jsonl`` records."""
    path = Path(path)
    corpus = path / CORPUS_FOLDER
    if any((corpus / name).is_file() for name in (POSTS_FILE, PAGES_FILE)):
        return Source(path, corpus, True)
    if any((path / name).is_file() for name in (POSTS_FILE, PAGES_FILE)):
        return Source(path, path, path.name == CORPUS_FOLDER)
    raise NotAnExportSource(
        f"{path} holds no records: give a blog folder OUTPUT/<host> (its {CORPUS_FOLDER}/{POSTS_FILE}) or a crawl "
        f"folder OUTPUT/<host>/<crawl id> (its {POSTS_FILE} and {PAGES_FILE})"
    )


def default_output(path: Path, fmt: str) -> Path:
    """Where ``archiver export PATH --format FMT`` writes without ``-o``."""
    return Path(path) / ("export.sqlite" if fmt == "sqlite" else f"export-{fmt}")


def record_table_sets() -> dict[str, list[Table]]:
    """The data tables of an export by record kind: the posts' tables, then the pages' (``page_`` lists)."""
    return {"post": record_tables("post", "posts"), "page": record_tables("page", "pages", "page_")}


def _crawl_id(source: Source) -> str:
    try:
        data = json.loads((source.path / "crawl.json").read_text(encoding="utf-8"))
        return str(data["crawl_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return source.path.name


def _dictionary_paths(fmt: str, out: Path, staged: Path) -> tuple[Path, Path]:
    """Where the dictionary goes in the staged output: inside the folder, or beside the SQLite file."""
    if fmt == "sqlite":
        stem = out.name.removesuffix(out.suffix) if out.suffix else out.name
        return staged.parent / f"{stem}.{DICTIONARY}.json", staged.parent / f"{stem}.{DICTIONARY}.md"
    return staged / f"{DICTIONARY}.json", staged / f"{DICTIONARY}.md"


def _is_earlier_export(out: Path) -> bool:
    if out.is_dir():
        names = {p.name for p in out.iterdir()}
        return not names or bool(names & {"_export.csv", "_export.parquet"})
    try:
        db = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = '_export'").fetchone() is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def export(path: Path, fmt: str, output: Path | None = None) -> Path:
    """Export the records under ``path`` as ``fmt`` into ``output`` (default :func:`default_output`); return it."""
    if fmt not in FORMATS:
        raise ExportError(f"no export format {fmt!r}; there are {', '.join(FORMATS)}")
    source = find_source(path)
    out = Path(output) if output is not None else default_output(path, fmt)
    if out.exists() and not _is_earlier_export(out):
        raise ExportError(f"{out} exists and is not an earlier export: give another -o, or remove it")
    staged = out.with_name(out.name + ".partial")
    _remove(staged)
    by_kind = record_table_sets()
    tables = by_kind["post"] + by_kind["page"]
    writer = writer_for(fmt, staged)
    extra = dictionary.META_TABLES + (dictionary.DICTIONARY_TABLES if fmt == "sqlite" else [])
    everything = tables + extra
    counts: Counter[str] = Counter()
    try:
        writer.open(everything)
        facts, sources = _write_records(source, by_kind, writer, counts)
        counts.update({"_export": len(facts), "_export_sources": len(sources)})
        if fmt == "sqlite":
            counts.update({"_tables": len(everything), "_columns": sum(len(t.columns) for t in everything)})
        doc = dictionary.document(everything, counts, facts, sources)
        meta_rows: dict[str, list[tuple[Any, ...]]] = {"_export": facts, "_export_sources": sources}
        if fmt == "sqlite":
            meta_rows["_tables"], meta_rows["_columns"] = dictionary.dictionary_rows(doc)
        for name, rows in meta_rows.items():
            for row in rows:
                writer.row(name, row)
        writer.close()
    except BaseException:
        writer.abort()
        _remove(staged)
        raise
    json_path, md_path = _dictionary_paths(fmt, out, staged)
    json_path.write_text(dictionary.to_json(doc), encoding="utf-8", newline="\n")
    md_path.write_text(dictionary.to_markdown(doc), encoding="utf-8", newline="\n")
    _remove(out)
    staged.replace(out)
    return out


def _write_records(
    source: Source, by_kind: dict[str, list[Table]], writer: Writer, counts: Counter[str]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Write every record's rows; return the rows of ``_export`` and ``_export_sources``."""
    makers = {kind: RowMaker(tables) for kind, tables in by_kind.items()}
    versions: set[str] = set()
    hosts: set[str] = set()
    crawls: set[str] = set() if source.corpus else {_crawl_id(source)}
    sources: list[tuple[Any, ...]] = []
    for kind, file in source.files():
        records = 0
        for record in jsonl.read_file(file):
            if record.get("kind") != kind:
                raise ExportError(f"{file}: record {record.get('post_id')} is a {record.get('kind')!r}, not a {kind}")
            records += 1
            versions.add(str(record.get("schema_version")))
            hosts.add(str(record.get("blog_host")))
            crawls.update(str(c) for c in (record.get("corpus") or {}).get("seen_in_crawls", ()))
            for table, row in makers[kind].rows(record):
                writer.row(table, row)
                counts[table] += 1
        relative = file.relative_to(source.path).as_posix()
        sources.append((relative, file_digest(file), file.stat().st_size, records))
    facts: list[tuple[Any, ...]] = [
        ("schema_version", SCHEMA_VERSIONS[-1]),
        ("record_schema_versions", " ".join(sorted(versions))),
        ("exported", "corpus" if source.corpus else "crawl"),
        ("blog_host", " ".join(sorted(hosts))),
        ("crawl_ids", " ".join(sorted(crawls))),
        ("tool", TOOL),
        ("tool_version", __version__),
    ]
    return facts, sources
