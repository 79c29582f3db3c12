"""The records as tables: a table model derived from the JSON Schema, and the rows of each record.

Nothing here is written by hand per field: :func:`tables_for` walks ``post.schema.json`` (or ``page``), so a
field added to the schema is a column (or a table) of the next export, with its description. The rules:

- a scalar (string, integer, boolean, a timestamp, an enum, a ``const``) is a column of the table it is in;
- an object is flattened into that table, its fields named ``OBJECT_FIELD`` (``author_name``,
  ``source_offset``, ``corpus_deleted_capture_url``); a null object leaves its columns null;
- an array is a table of its own, one row per item, keyed by the record's ``post_id`` and the item's
  ``position`` in the list (from 0, as in the JSON); an array of objects has the item's fields as columns
  (an item field ``id`` is named after the table: ``comment_id``), an array of scalars one column ``value``.
  An array inside an item is a table keyed by the parent's key (its ``position`` renamed
  ``<parent>_position``) and its own ``position``;
- an array the schema lets be null (``attendees``: null when the blog has no site rules) also gets a
  boolean column ``<name>_listed`` in its parent's table: false for null, true for a list, even an empty one,
  so that "no rules" and "no one listed" stay apart.

Records of an earlier schema version (a corpus keeps a deleted post's record as it was written) have fewer
fields: their missing fields are null, their missing lists have no rows. A field the schema does not know,
or a value of the wrong type, is an :class:`~archiver.export.ExportError` naming the record and the field:
nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from archiver import schemas
from archiver.errors import ArchiverError

if TYPE_CHECKING:
    from collections.abc import Iterator

#: logical column types: what the data dictionary states, and what each format maps to its own types
TYPES = ("string", "integer", "boolean", "timestamp")
ROOT_KEY = "post_id"
POSITION = "position"


class ExportError(ArchiverError):
    """A record or a path cannot be exported as asked."""


@dataclass(frozen=True)
class Column:
    """One column: its name, logical type, whether it may be null, where it comes from in a record, and why."""

    name: str
    type: str
    nullable: bool
    json_path: str
    description: str = ""
    values: tuple[str, ...] = ()
    key: bool = False
    references: str | None = None
    #: the first schema version whose records have the field (records of earlier versions have it null)
    since: str = ""


@dataclass
class Table:
    """One table: its columns (key columns first), its key, and the table its rows belong to."""

    name: str
    description: str
    json_path: str
    key: tuple[str, ...]
    parent: str | None
    columns: list[Column] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        """The names of the columns, in order."""
        return [column.name for column in self.columns]


@dataclass
class _Node:
    """A schema node resolved: what it is, its type, whether it may be null, and its text."""

    kind: str  # "scalar", "object" or "array"
    type: str = "string"
    nullable: bool = False
    description: str = ""
    values: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    items: Any = None


def _resolve_ref(root: dict[str, Any], ref: str) -> tuple[dict[str, Any], str]:
    """The node a local ``$ref`` (a JSON pointer into the schema) names, and the last part of the pointer."""
    if not ref.startswith("#/"):
        raise ExportError(f"schema reference {ref!r} is not local")
    node: Any = root
    parts = ref[2:].split("/")
    for part in parts:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, parts[-1]


def _node(root: dict[str, Any], schema: dict[str, Any], where: str) -> _Node:
    """Resolve ``$ref``, ``anyOf`` with null, ``type`` lists, ``const`` and ``enum`` into one :class:`_Node`."""
    description = str(schema.get("description", ""))
    if "$ref" in schema:
        target, name = _resolve_ref(root, schema["$ref"])
        inner = _node(root, target, where)
        if name == "timestamp":
            inner.type = "timestamp"
        inner.description = description or inner.description
        return inner
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        if len(options) != 1:
            raise ExportError(f"{where}: only anyOf [X, null] can be a column (schema has {schema['anyOf']!r})")
        inner = _node(root, options[0], where)
        inner.nullable = inner.nullable or len(options) < len(schema["anyOf"])
        inner.description = description or inner.description
        return inner
    if "const" in schema:
        return _Node("scalar", _scalar_type(type(schema["const"]).__name__, where), description=description,
                     values=(str(schema["const"]),))  # fmt: skip
    if "enum" in schema:
        present = [value for value in schema["enum"] if value is not None]
        value_types = {type(value).__name__ for value in present}
        if len(value_types) != 1:
            raise ExportError(f"{where}: an enum of mixed types cannot be a column")
        return _Node("scalar", _scalar_type(value_types.pop(), where), None in schema["enum"], description,
                     tuple(str(value) for value in present))  # fmt: skip
    declared = schema.get("type")
    kinds = [declared] if isinstance(declared, str) else list(declared or [])
    nullable = "null" in kinds
    kinds = [kind for kind in kinds if kind != "null"]
    if len(kinds) != 1:
        raise ExportError(f"{where}: a column needs one type (schema has {declared!r})")
    (kind,) = kinds
    if kind == "object":
        return _Node("object", nullable=nullable, description=description, properties=dict(schema["properties"]))
    if kind == "array":
        return _Node("array", nullable=nullable, description=description, items=schema["items"])
    return _Node("scalar", _scalar_type(kind, where), nullable, description)


def _scalar_type(kind: str, where: str) -> str:
    mapped = {"string": "string", "str": "string", "integer": "integer", "int": "integer", "boolean": "boolean",
              "bool": "boolean"}.get(kind)  # fmt: skip
    if mapped is None:
        raise ExportError(f"{where}: no column type for JSON type {kind!r}")
    return mapped


class _Builder:
    """Walks one schema into tables; ``prefix`` names the child tables of the root (``page_`` for pages)."""

    def __init__(self, schema: dict[str, Any], root_name: str, prefix: str) -> None:
        self.schema = schema
        self.prefix = prefix
        self.tables: list[Table] = []
        required = set(schema.get("required", ()))
        root = Table(root_name, str(schema.get("description", "")), "", (ROOT_KEY,), None)
        self.tables.append(root)
        properties = dict(schema["properties"])
        key_node = _node(schema, properties[ROOT_KEY], ROOT_KEY)
        root.columns.append(Column(ROOT_KEY, key_node.type, False, ROOT_KEY, key_node.description or
                                   "Blogger's id of the record: the table's key", key=True))  # fmt: skip
        self._fields(root, {k: v for k, v in properties.items() if k != ROOT_KEY}, required, "", "", False)

    def _fields(
        self,
        table: Table,
        properties: dict[str, Any],
        required: set[str],
        path: str,
        prefix: str,
        nullable: bool,
        context: str = "",
    ) -> None:
        """Columns (and tables) for the fields of one object; ``context`` describes the object itself."""
        for name, sub in properties.items():
            where = f"{path}{name}"
            node = _node(self.schema, sub, where)
            optional = nullable or node.nullable or name not in required
            column_name = prefix + name
            # a field the schema does not describe is described by the object it is in
            text = node.description or (f"{name} of {path.rstrip('.')}: {context}" if context else "")
            if node.kind == "scalar":
                if table.parent is not None and column_name == "id" and not prefix:
                    column_name = f"{_singular(table.name.removeprefix(self.prefix))}_id"
                self._add(table, Column(column_name, node.type, optional, where, text, node.values))
            elif node.kind == "object":
                self._fields(table, node.properties, set(self._object(sub).get("required", ())), where + ".",
                             column_name + "_", optional, node.description or context)  # fmt: skip
            else:
                if node.nullable:
                    self._add(table, Column(f"{column_name}_listed", "boolean", nullable or name not in required, where,
                                            f"false when {where} is null ({node.description or 'no list'}); "
                                            "true when the record has the list (its rows, if any, are in "
                                            f"table {self._child_name(table, column_name)})"))  # fmt: skip
                self._array(table, column_name, node, where)

    def _object(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The object schema behind ``$ref``/``anyOf`` (for its ``required`` list)."""
        while True:
            if "$ref" in schema:
                schema = _resolve_ref(self.schema, schema["$ref"])[0]
            elif "anyOf" in schema:
                schema = next(option for option in schema["anyOf"] if option.get("type") != "null")
            else:
                return schema

    def _child_name(self, parent: Table, column_name: str) -> str:
        if parent.parent is None:
            return self.prefix + column_name
        return f"{parent.name}_{column_name}"

    def _array(self, parent: Table, column_name: str, node: _Node, where: str) -> None:
        name = self._child_name(parent, column_name)
        parent_key = [c for c in parent.columns if c.key]
        key_columns = []
        for column in parent_key:
            renamed = column.name if column.name != POSITION else f"{_singular(parent.name)}_{POSITION}"
            text = f"the {parent.name} row this row belongs to: {parent.name}.{column.name}"
            key_columns.append(Column(renamed, column.type, False, column.json_path, text, key=True,
                                      references=f"{parent.name}.{column.name}"))  # fmt: skip
        key_columns.append(Column(POSITION, "integer", False, f"{where}[]", f"the item's place in {where}, from 0",
                                  key=True))  # fmt: skip
        table = Table(name, node.description, where + "[]", tuple(c.name for c in key_columns), parent.name,
                      key_columns)  # fmt: skip
        self.tables.append(table)
        item = _node(self.schema, node.items, where + "[]")
        if item.kind == "scalar":
            text = item.description or f"an item of {where}" + (f": {node.description}" if node.description else "")
            self._add(table, Column("value", item.type, item.nullable, where + "[]", text, item.values))
        elif item.kind == "object":
            self._fields(table, item.properties, set(self._object(node.items).get("required", ())), where + "[].",
                         "", item.nullable, item.description or node.description)  # fmt: skip
        else:
            raise ExportError(f"{where}: an array of arrays cannot be a table")

    @staticmethod
    def _add(table: Table, column: Column) -> None:
        if column.name in table.column_names:
            raise ExportError(f"table {table.name}: two columns would be named {column.name}")
        table.columns.append(column)


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def tables_for(schema: dict[str, Any], root_name: str, prefix: str = "") -> list[Table]:
    """The tables of the records ``schema`` describes: the root table first, then each array's, in schema order."""
    return _Builder(schema, root_name, prefix).tables


def record_tables(kind: str, root_name: str, prefix: str = "") -> list[Table]:
    """The tables of the current schema of ``kind`` records, for records of every shipped schema version.

    Each column is marked with the version that brought its field, and its allowed values are those of every
    version (``schema_version`` is ``1.0`` … ``1.3``: a corpus keeps records of earlier versions).
    """
    current = tables_for(schemas.load(kind), root_name, prefix)
    first: dict[tuple[str, str], str] = {}
    values: dict[tuple[str, str], dict[str, None]] = {}
    for version in schemas.SCHEMA_VERSIONS:
        for table in tables_for(schemas.load(kind, version), root_name, prefix):
            for column in table.columns:
                first.setdefault((table.name, column.name), version)
                values.setdefault((table.name, column.name), {}).update(dict.fromkeys(column.values))
    for table in current:
        table.columns = [
            replace(c, since=first[(table.name, c.name)], values=tuple(values[(table.name, c.name)]))
            for c in table.columns
        ]
    return current


# -- rows ---------------------------------------------------------------------------------------------------


def _check(value: Any, column: Column, record_id: str) -> Any:
    """The value of a column, type-checked; an absent field (a record of an earlier schema version) is null."""
    if value is _MISSING:
        if column.key:
            raise ExportError(f"record {record_id}: {column.json_path} is missing")
        return None
    if value is None:
        if not column.nullable:
            raise ExportError(f"record {record_id}: {column.json_path} is null, which the schema does not allow")
        return None
    ok = {
        "string": isinstance(value, str),
        "timestamp": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }[column.type]
    if not ok:
        raise ExportError(f"record {record_id}: {column.json_path} is {value!r}, not of type {column.type}")
    return value


@dataclass
class _Plan:
    """How one table's rows are read from an item: computed once per table, used for every record."""

    table: Table
    scalar: bool  # an array of scalars: the item itself is the value
    #: (column index, path in the item, whether it is a ``_listed`` column), for every non-key column
    fields: list[tuple[int, tuple[str, ...], bool]]
    #: (child plan, path of the list in the item, [(child key column, parent key column index)])
    children: list[tuple[_Plan, tuple[str, ...], list[int]]]
    #: the fields an item may have: a name maps to the shape of an object inside it, or to None (anything)
    shape: dict[str, Any]
    key_indexes: list[int]


class RowMaker:
    """Turns records into the rows of :func:`tables_for`'s tables (tuples in column order)."""

    def __init__(self, tables: list[Table]) -> None:
        self.tables = tables
        paths = {table.json_path for table in tables}
        self.plans: dict[str, _Plan] = {}
        for table in reversed(tables):  # children are planned before their parents
            self.plans[table.name] = self._plan(table, paths)
        self.root = self.plans[tables[0].name]

    def _plan(self, table: Table, table_paths: set[str]) -> _Plan:
        base = table.json_path
        shape: dict[str, Any] = {}

        def relative(path: str) -> tuple[str, ...]:
            parts = tuple((path[len(base) :].lstrip(".") if base else path).split("."))
            node = shape
            for part in parts[:-1]:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
            node.setdefault(parts[-1], None)
            return parts

        fields = []
        for index, column in enumerate(table.columns):
            if column.key and table.parent is not None:
                continue
            listed = column.name.endswith("_listed") and column.json_path + "[]" in table_paths
            fields.append((index, relative(column.json_path), listed))
        children = []
        for child in self.tables:
            if child.parent != table.name:
                continue
            parents = [c.name for c in table.columns]
            keys = [parents.index((c.references or ".").split(".", 1)[1]) for c in child.columns
                    if c.key and c.name != POSITION]  # fmt: skip
            children.append((self.plans[child.name], relative(child.json_path.removesuffix("[]")), keys))
        keys = [i for i, c in enumerate(table.columns) if c.key]
        scalar = table.column_names[-1:] == ["value"] and base.endswith("[]")
        return _Plan(table, scalar, fields, children, shape, keys)

    def rows(self, record: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """``(table name, row)`` for every row of one record: the root row first, then each list's rows."""
        record_id = str(record.get(ROOT_KEY))
        yield from self._rows(self.root, record, [], record_id)

    def _rows(self, plan: _Plan, item: Any, keys: list[Any], record_id: str) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """The row of ``item`` in ``plan``'s table (``keys``: its key values but the root's), then its lists'."""
        columns = plan.table.columns
        values: list[Any] = [_MISSING] * len(columns)
        values[: len(keys)] = keys
        if plan.scalar:
            values[-1] = item
        else:
            if not isinstance(item, dict):
                raise ExportError(f"record {record_id}: {plan.table.json_path} holds {item!r}, not an object")
            _unknown(item, plan.shape, plan.table.json_path, record_id)
            for index, path, listed in plan.fields:
                value = _lookup(item, path)
                values[index] = (None if value is _MISSING else value is not None) if listed else value
        row = tuple(_check(value, column, record_id) for value, column in zip(values, columns, strict=True))
        yield plan.table.name, row
        if plan.scalar:
            return
        for child, path, key_indexes in plan.children:
            entries = _lookup(item, path)
            if entries is _MISSING or entries is None:
                continue
            if not isinstance(entries, list):
                where = child.table.json_path.removesuffix("[]")
                raise ExportError(f"record {record_id}: {where} is {entries!r}, not a list")
            parent_keys = [row[i] for i in key_indexes]
            for position, entry in enumerate(entries):
                yield from self._rows(child, entry, [*parent_keys, position], record_id)


def _unknown(item: dict[str, Any], shape: dict[str, Any], base: str, record_id: str) -> None:
    """A field of ``item`` (or of an object inside it) that no column or table stands for is an error."""
    for name, value in item.items():
        if name not in shape:
            where = f"{base}.{name}" if base else name
            raise ExportError(f"record {record_id}: field {where} is not in the schema the export follows")
        inner = shape[name]
        if inner is not None and isinstance(value, dict):
            _unknown(value, inner, f"{base}.{name}" if base else name, record_id)
        elif inner is not None and value is not None:
            where = f"{base}.{name}" if base else name
            raise ExportError(f"record {record_id}: {where} is {value!r}, not an object")


class _Missing:
    pass


_MISSING: Any = _Missing()


def _lookup(item: Any, path: tuple[str, ...]) -> Any:
    """The value at ``a.b.c`` of nested dicts; ``_MISSING`` when a field is absent, None below a null object."""
    node = item
    for part in path:
        if node is None:
            return None
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node
