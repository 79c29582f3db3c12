"""The data dictionary of an export, generated from the table model (and so from the JSON Schema).

``data-dictionary.json`` is the machine-readable form: the export's facts (schema version, crawl ids, source
files and their sha256, tool version), then every table with its description, key, parent table, row count
and columns (name, logical type, the type in each format, nullable, key, what it references, the JSON path of
the record field it holds, the schema version that brought the field, the allowed values, the schema's
description). ``data-dictionary.md`` says the same for people. SQLite exports carry it as the tables
``_tables`` and ``_columns`` too. Nothing in it is written by hand except the description of the export's own
tables (``_export``, ``_export_sources``, ``_tables``, ``_columns``), so a schema change updates it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from archiver.export.tables import Column, Table
from archiver.export.writers import SQL_TYPES

if TYPE_CHECKING:
    from collections.abc import Mapping

PARQUET_TYPES = {"string": "string", "integer": "int64", "boolean": "bool", "timestamp": "timestamp[us, tz=UTC]"}
CSV_TYPES = {
    "string": 'quoted text ("" is the empty string)',
    "integer": "bare digits",
    "boolean": "true / false",
    "timestamp": "quoted ISO 8601 text with its offset",
}


def _meta(name: str, description: str, key: tuple[str, ...], columns: list[tuple[str, str, str]]) -> Table:
    return Table(name, description, "", key, None,
                 [Column(c, t, c not in key, "", d, key=c in key) for c, t, d in columns])  # fmt: skip


EXPORT_TABLE = _meta(
    "_export",
    "facts about this export, one per row: the schema version the tables follow, the records' own schema "
    "versions, the crawl ids, the blog, what was exported, the tool and its version",
    ("key",),
    [("key", "string", "the fact's name"), ("value", "string", "its value (lists space-separated)")],
)
SOURCES_TABLE = _meta(
    "_export_sources",
    "the files the export was made from, with their sha256 and size, and how many records each held",
    ("file",),
    [
        ("file", "string", "the file, relative to the exported folder"),
        ("sha256", "string", "sha256 (hex) of the file's bytes"),
        ("bytes", "integer", "its size"),
        ("records", "integer", "the records it holds"),
    ],
)
TABLES_TABLE = _meta(
    "_tables",
    "the data dictionary (SQLite only): one row per table of this export",
    ("table_name",),
    [
        ("table_name", "string", "the table"),
        ("description", "string", "what a row is (from the JSON Schema)"),
        ("json_path", "string", "the record field the table holds ([] marks a list)"),
        ("key", "string", "the table's key columns, space-separated"),
        ("parent", "string", "the table whose rows this table's rows belong to"),
        ("rows", "integer", "the table's rows in this export"),
    ],
)
COLUMNS_TABLE = _meta(
    "_columns",
    "the data dictionary (SQLite only): one row per column of every table of this export",
    ("table_name", "position"),
    [
        ("table_name", "string", "the table"),
        ("position", "integer", "the column's place in the table, from 0"),
        ("column_name", "string", "the column"),
        ("type", "string", "logical type: string, integer, boolean or timestamp"),
        ("sql_type", "string", "the declared SQLite type"),
        ("parquet_type", "string", "the Arrow type in the Parquet export"),
        ("nullable", "boolean", "whether it may be null"),
        ("is_key", "boolean", "part of the table's key"),
        ("references", "string", "TABLE.COLUMN it joins to"),
        ("json_path", "string", "the record field it holds"),
        ("since", "string", "the schema version that brought the field (earlier records have it null)"),
        ("allowed_values", "string", "the values the schema allows, space-separated"),
        ("description", "string", "the JSON Schema's description of the field"),
    ],
)
META_TABLES = [EXPORT_TABLE, SOURCES_TABLE]
DICTIONARY_TABLES = [TABLES_TABLE, COLUMNS_TABLE]


def column_entry(column: Column) -> dict[str, Any]:
    """One column of the dictionary."""
    return {
        "name": column.name,
        "type": column.type,
        "sql_type": SQL_TYPES[column.type],
        "parquet_type": PARQUET_TYPES[column.type],
        "csv": CSV_TYPES[column.type],
        "nullable": column.nullable,
        "key": column.key,
        "references": column.references,
        "json_path": column.json_path,
        "since": column.since or None,
        "values": list(column.values),
        "description": column.description,
    }


def document(
    tables: list[Table], counts: Mapping[str, int], facts: list[tuple[str, str]], sources: list[tuple[Any, ...]]
) -> dict[str, Any]:
    """The data dictionary as a JSON document."""
    return {
        "export": dict(facts),
        "sources": [dict(zip(SOURCES_TABLE.column_names, row, strict=True)) for row in sources],
        "tables": [
            {
                "name": table.name,
                "description": table.description,
                "json_path": table.json_path,
                "key": list(table.key),
                "parent": table.parent,
                "rows": counts.get(table.name, 0),
                "columns": [column_entry(column) for column in table.columns],
            }
            for table in tables
        ],
    }


def dictionary_rows(doc: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of ``_tables`` and ``_columns``."""
    tables, columns = [], []
    for table in doc["tables"]:
        tables.append((table["name"], table["description"], table["json_path"], " ".join(table["key"]),
                       table["parent"], table["rows"]))  # fmt: skip
        for position, c in enumerate(table["columns"]):
            columns.append((table["name"], position, c["name"], c["type"], c["sql_type"], c["parquet_type"],
                            c["nullable"], c["key"], c["references"], c["json_path"], c["since"],
                            " ".join(c["values"]) or None, c["description"]))  # fmt: skip
    return tables, columns


def to_json(doc: dict[str, Any]) -> str:
    """``data-dictionary.json``: indented, UTF-8 as itself, LF ended."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _cell(text: Any) -> str:
    value = "" if text is None else str(text)
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: dict[str, Any]) -> str:
    """``data-dictionary.md``: the same for people."""
    facts = doc["export"]
    lines = [
        "# Data dictionary",
        "",
        f"Generated by {facts.get('tool', '')} {facts.get('tool_version', '')} from the JSON Schema of the records "
        f"(schema version {facts.get('schema_version', '')}): `archiver/schemas/post.schema.json` and "
        "`page.schema.json`. Keys: each list of a record is its own table, keyed by the record's `post_id` "
        "and the item's `position` (from 0).",
        "",
        "| fact | value |",
        "|---|---|",
        *(f"| {_cell(key)} | {_cell(value)} |" for key, value in facts.items()),
        "",
        "| source file | sha256 | bytes | records |",
        "|---|---|---|---|",
        *(f"| {_cell(s['file'])} | `{s['sha256']}` | {s['bytes']} | {s['records']} |" for s in doc["sources"]),
        "",
    ]
    for table in doc["tables"]:
        lines += [f"## {table['name']}", ""]
        if table["description"]:
            lines += [_cell(table["description"]), ""]
        lines.append(f"Key: {', '.join(f'`{k}`' for k in table['key'])}; rows: {table['rows']}"
                     + (f"; belongs to `{table['parent']}`" if table["parent"] else "")
                     + (f"; record field `{table['json_path']}`" if table["json_path"] else "") + ".")  # fmt: skip
        lines += ["", "| column | type | null | field | since | description |", "|---|---|---|---|---|---|"]
        for c in table["columns"]:
            kind = c["type"] + (" (key)" if c["key"] else "")
            if c["references"]:
                kind += f" → {c['references']}"
            text = c["description"] + (f" Values: {', '.join(c['values'])}." if c["values"] else "")
            lines.append(f"| `{c['name']}` | {_cell(kind)} | {'yes' if c['nullable'] else 'no'} | "
                         f"{_cell(c['json_path'])} | {_cell(c['since'])} | {_cell(text.strip())} |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)
