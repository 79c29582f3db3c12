"""The three formats: each writes the same bytes from the same tables and rows, every time.

- **CSV** (a folder, one ``TABLE.csv`` per table): UTF-8 without a byte-order mark, LF line ends, a header
  of the column names, columns in the table's order, rows in the order given. Strings are always quoted
  (``""`` inside doubled, RFC 4180), integers bare, booleans bare ``true``/``false``, null an empty unquoted
  field: so ``""`` (an untitled post's title) and null stay apart. Timestamps are the ISO 8601 text of the
  record, offset included.
- **SQLite** (one file): one table per table, declared types ``TEXT`` (strings and timestamps: ISO 8601 text is
  what SQLite's date functions read), ``INTEGER`` (integers, and booleans as 0/1); primary keys and foreign
  keys (Datasette links them). Written to a new file with a fixed page size and the rollback journal (no WAL),
  tables created and rows inserted in the same order, then ``VACUUM``: the same SQLite library writes the
  same bytes (its version number is in the file header, so another SQLite release may differ).
- **Parquet** (a folder, one ``TABLE.parquet`` per table, the usual layout of a Parquet data set: DuckDB reads
  ``read_parquet('DIR/posts.parquet')``, pandas ``read_parquet``): pyarrow with fixed writer options (format
  2.6, zstd, dictionary encoding, statistics, row groups of :data:`ROW_GROUP` rows); the file metadata holds
  ``created_by`` (the pyarrow version) and the Arrow schema, nothing that varies between runs. Types:
  ``string``, ``int64``, ``bool`` and ``timestamp[us, tz=UTC]``. A timestamp is stored as its instant in UTC:
  the offset Blogger stated (``published`` ``…-04:00``) is in the CSV and SQLite text, not in Parquet.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from archiver.export.tables import ExportError

if TYPE_CHECKING:
    from pathlib import Path

    from archiver.export.tables import Table

#: rows per Parquet row group (and per write): fixed, since it shapes the file's bytes
ROW_GROUP = 10_000
SQLITE_PAGE_SIZE = 4096
FORMATS = ("csv", "sqlite", "parquet")


class Writer:
    """Receives ``open`` (the tables), then ``row`` calls in order, then ``close``."""

    def open(self, tables: list[Table]) -> None:
        """Prepare every table (create files, tables, schemas)."""
        raise NotImplementedError

    def row(self, table: str, values: tuple[Any, ...]) -> None:
        """Add one row to ``table``."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish writing; after this the output is complete."""
        raise NotImplementedError

    def abort(self) -> None:
        """Release what is open after a failure (the partial output is removed by the caller)."""


# -- CSV ----------------------------------------------------------------------------------------------------


def csv_field(value: Any) -> str:
    """One CSV field: strings quoted, integers and booleans bare, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def csv_line(values: tuple[Any, ...] | list[Any]) -> str:
    """One CSV line, LF ended."""
    return ",".join(csv_field(value) for value in values) + "\n"


class CsvWriter(Writer):
    """One ``TABLE.csv`` per table in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.streams: dict[str, TextIO] = {}

    def open(self, tables: list[Table]) -> None:  # noqa: D102
        self.folder.mkdir(parents=True, exist_ok=True)
        for table in tables:
            stream = (self.folder / f"{table.name}.csv").open("w", encoding="utf-8", newline="")
            self.streams[table.name] = stream
            stream.write(csv_line(table.column_names))

    def row(self, table: str, values: tuple[Any, ...]) -> None:  # noqa: D102
        self.streams[table].write(csv_line(values))

    def close(self) -> None:  # noqa: D102
        self.abort()

    def abort(self) -> None:  # noqa: D102
        for stream in self.streams.values():
            stream.close()
        self.streams.clear()


# -- SQLite -------------------------------------------------------------------------------------------------

SQL_TYPES = {"string": "TEXT", "timestamp": "TEXT", "integer": "INTEGER", "boolean": "INTEGER"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: Table) -> str:
    """``CREATE TABLE`` of one table: declared types, NOT NULL keys, its primary key and its foreign key."""
    parts = [f"{_quote(c.name)} {SQL_TYPES[c.type]}" + (" NOT NULL" if c.key else "") for c in table.columns]
    parts.append(f"PRIMARY KEY ({', '.join(_quote(k) for k in table.key)})")
    refs = [c for c in table.columns if c.references]
    if refs and table.parent is not None:
        own = ", ".join(_quote(c.name) for c in refs)
        theirs = ", ".join(_quote((c.references or "").split(".", 1)[1]) for c in refs)
        parts.append(f"FOREIGN KEY ({own}) REFERENCES {_quote(table.parent)} ({theirs})")
    return f"CREATE TABLE {_quote(table.name)} (\n  " + ",\n  ".join(parts) + "\n)"


class SqliteWriter(Writer):
    """One SQLite database file at ``path`` (which must not exist yet)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.inserts: dict[str, str] = {}

    def open(self, tables: list[Table]) -> None:  # noqa: D102
        if self.path.exists():
            raise ExportError(f"{self.path} already exists")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
        self.db.execute("PRAGMA journal_mode = DELETE")
        self.db.execute("BEGIN")
        for table in tables:
            self.db.execute(create_table_sql(table))
            marks = ", ".join("?" for _ in table.columns)
            self.inserts[table.name] = f"INSERT INTO {_quote(table.name)} VALUES ({marks})"

    def row(self, table: str, values: tuple[Any, ...]) -> None:  # noqa: D102
        assert self.db is not None
        try:
            self.db.execute(self.inserts[table], [int(v) if isinstance(v, bool) else v for v in values])
        except sqlite3.IntegrityError as exc:
            raise ExportError(f"table {table}: {exc} (row {values[:2]!r})") from exc

    def execute(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run a statement for each of ``rows`` (the writer's own tables: the dictionary, the export's facts)."""
        assert self.db is not None
        self.db.executemany(sql, rows)

    def close(self) -> None:  # noqa: D102
        assert self.db is not None
        self.db.execute("COMMIT")
        self.db.execute("VACUUM")
        self.abort()

    def abort(self) -> None:  # noqa: D102
        if self.db is not None:
            self.db.close()
            self.db = None


# -- Parquet ------------------------------------------------------------------------------------------------

PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": True,
    "data_page_version": "1.0",
}


def parquet_type(kind: str) -> Any:
    """The Arrow type of a logical column type."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }[kind]


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp with an offset as an aware UTC datetime (digits past microseconds are dropped)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ExportError(f"{text!r} is not an ISO 8601 timestamp") from exc
    if moment.tzinfo is None:
        raise ExportError(f"{text!r} has no UTC offset")
    return moment.astimezone(UTC)


class ParquetWriter(Writer):
    """One ``TABLE.parquet`` per table in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tables: dict[str, Table] = {}
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.writers: dict[str, Any] = {}
        self.schemas: dict[str, Any] = {}

    def open(self, tables: list[Table]) -> None:  # noqa: D102
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.folder.mkdir(parents=True, exist_ok=True)
        for table in tables:
            fields = [pa.field(c.name, parquet_type(c.type), nullable=not c.key) for c in table.columns]
            schema = pa.schema(fields)
            self.tables[table.name] = table
            self.schemas[table.name] = schema
            self.buffers[table.name] = []
            self.writers[table.name] = pq.ParquetWriter(self.folder / f"{table.name}.parquet", schema,
                                                        **PARQUET_OPTIONS)  # fmt: skip

    def row(self, table: str, values: tuple[Any, ...]) -> None:  # noqa: D102
        buffer = self.buffers[table]
        buffer.append(values)
        if len(buffer) >= ROW_GROUP:
            self._flush(table)

    def _flush(self, name: str) -> None:
        import pyarrow as pa

        rows = self.buffers[name]
        if not rows:
            return
        table = self.tables[name]
        arrays = []
        for index, column in enumerate(table.columns):
            values = [row[index] for row in rows]
            if column.type == "timestamp":
                values = [None if v is None else parse_timestamp(v) for v in values]
            arrays.append(pa.array(values, type=parquet_type(column.type)))
        self.writers[name].write_table(pa.Table.from_arrays(arrays, schema=self.schemas[name]),
                                       row_group_size=ROW_GROUP)  # fmt: skip
        self.buffers[name] = []

    def close(self) -> None:  # noqa: D102
        for name in self.writers:
            self._flush(name)
        self.abort()

    def abort(self) -> None:  # noqa: D102
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()


def writer_for(fmt: str, target: Path) -> Writer:
    """The writer of ``fmt`` (one of :data:`FORMATS`) into ``target`` (a folder, or the SQLite file)."""
    if fmt == "csv":
        return CsvWriter(target)
    if fmt == "sqlite":
        return SqliteWriter(target)
    if fmt == "parquet":
        return ParquetWriter(target)
    raise ExportError(f"no export format {fmt!r}; there are {', '.join(FORMATS)}")
