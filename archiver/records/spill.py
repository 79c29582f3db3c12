"""Disk spills that keep a crawl's memory flat: post fragments until the merge, and records until they are sorted.

A crawl of 20,000 posts extracts about 70,000 fragments (every post page, mobile page, feed entry, listing entry
and comment feed that mentions a post), about 22 KB of Python objects per post; held until the crawl ends they
were most of its memory. Here they wait on disk instead:

- :class:`FragmentSpill` appends each fragment to an unnamed temporary file (``tempfile.TemporaryFile`` in the
  folder given, the crawl's own folder: never visible there, gone when closed or when the process dies) and
  keeps in memory only where each post's fragments are: the post id and one 8-byte offset per fragment, about
  100 bytes per post plus 8 per fragment. :meth:`FragmentSpill.posts` gives the fragments back one post at a
  time, so the merge holds one post's fragments at once;
- :class:`SortedLines` does the same for finished JSON lines, keeping in memory the sort key and the line's
  place (about 150 bytes per line), and writes them to their file in key order.

Fragments are stored as plain tuples written with :mod:`marshal` (:func:`encode`, :func:`decode`), which is
several times faster than pickling slotted dataclasses and round-trips every field exactly; the file is read
back by the process that wrote it, so the marshal format's dependence on the Python version does not matter.
"""

from __future__ import annotations

import marshal
import struct
import tempfile
from array import array
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from archiver.records.model import Body, Comment, Fragment, Image, Link, Paragraph, Person, WarcPointer
from archiver.records.tamper import Flag

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path
    from types import TracebackType
    from typing import IO, Self

#: the dataclasses a fragment is made of; each is written as a list ``[tag, field, ...]`` (a list as ``[-1, ...]``)
_TYPES: tuple[type, ...] = (Fragment, WarcPointer, Person, Body, Paragraph, Image, Link, Comment, Flag)
_TAGS = {kind: tag for tag, kind in enumerate(_TYPES)}
#: each type's fields as a tuple (``attrgetter`` of one name gives the value itself: wrapped in a tuple)
_GETTERS = [
    (lambda getter: lambda value: (getter(value),))(attrgetter(*names)) if len(names) == 1 else attrgetter(*names)
    for names in [tuple(f.name for f in fields(kind)) for kind in _TYPES]
]
_LIST = -1  # the tag of a list
_SIZE = struct.Struct("<I")


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is int or kind is bool:
        return value
    tag = _TAGS.get(kind)
    if tag is not None:
        return [tag, *[_plain(item) for item in _GETTERS[tag](value)]]
    if kind is tuple:
        return tuple([_plain(item) for item in value])
    if kind is list:
        return [_LIST, *[_plain(item) for item in value]]
    if is_dataclass(value):
        raise TypeError(f"{kind.__name__} is not a type archiver.records.spill knows")
    return value


def _typed(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        items = [_typed(item) for item in value[1:]]
        return items if value[0] == _LIST else _TYPES[value[0]](*items)
    if kind is tuple:
        return tuple([_typed(item) for item in value])
    return value


def encode(fragment: Fragment) -> bytes:
    """A fragment as bytes (:func:`decode` gives it back equal, field for field)."""
    return marshal.dumps(_plain(fragment))


def decode(data: bytes) -> Fragment:
    """The fragment :func:`encode` wrote."""
    fragment = _typed(marshal.loads(data))
    if not isinstance(fragment, Fragment):
        raise TypeError(f"not a fragment: {type(fragment).__name__}")
    return fragment


class _ScratchFile:
    """What both spills are: an unnamed temporary file of length-prefixed blobs, appended to and read back by offset.

    :meth:`close` (or the end of a ``with`` block) deletes the file and calls :meth:`_forget`, where a subclass
    drops what it holds in memory about the blobs.
    """

    def __init__(self, directory: Path | None) -> None:
        """Open the scratch file in ``directory`` (None: the system's temporary folder)."""
        self._file: IO[bytes] = tempfile.TemporaryFile(dir=directory)  # closed by close()
        self._end = 0

    def _append(self, blob: bytes) -> int:
        """Write one blob at the end; return its offset."""
        offset = self._end
        self._file.seek(offset)
        self._file.write(_SIZE.pack(len(blob)))
        self._file.write(blob)
        self._end += _SIZE.size + len(blob)
        return offset

    def _read(self, offset: int) -> bytes:
        """The blob written at ``offset``."""
        self._file.seek(offset)
        (size,) = _SIZE.unpack(self._file.read(_SIZE.size))
        return self._file.read(size)

    def _forget(self) -> None:
        """Drop what memory holds about the blobs (called by :meth:`close`)."""

    def close(self) -> None:
        """Delete the scratch file."""
        self._file.close()
        self._forget()

    def __enter__(self) -> Self:
        """The spill itself."""
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Close it."""
        self.close()


class FragmentSpill(_ScratchFile):
    """Post fragments on disk, grouped by post on the way out; in memory only each fragment's offset.

    Memory: one dict entry per post (its id and an ``array`` of offsets, about 100 bytes) plus 8 bytes per
    fragment, whatever the bodies weigh. Disk: about 1.5 KB per fragment (the bodies, uncompressed).
    """

    def __init__(self, directory: Path | None = None) -> None:
        """Open the spill file in ``directory`` (None: the system's temporary folder)."""
        super().__init__(directory)
        self._where: dict[str, array[int]] = {}
        self.count = 0

    def add(self, fragments: Iterable[Fragment]) -> None:
        """Keep these fragments until :meth:`posts` reads them back."""
        for fragment in fragments:
            offset = self._append(encode(fragment))
            found = self._where.get(fragment.post_id)
            if found is None:
                self._where[fragment.post_id] = array("q", (offset,))
            else:
                found.append(offset)
            self.count += 1

    def __len__(self) -> int:
        """How many posts (and static pages) have fragments."""
        return len(self._where)

    def posts(self) -> Iterator[list[Fragment]]:
        """The fragments of each post, one post at a time, by post id; each post's in the order they came."""
        for post_id in sorted(self._where):
            yield [decode(self._read(offset)) for offset in self._where[post_id]]

    def _forget(self) -> None:
        self._where.clear()


class SortedLines(_ScratchFile):
    """Lines of text kept on disk and written to a file in the order of their keys (keys must be distinct).

    Memory: the key and an offset per line (about 150 bytes for a record's :func:`archiver.records.merge.sort_key`).
    """

    def __init__(self, directory: Path | None = None) -> None:
        """Open the scratch file in ``directory`` (None: the system's temporary folder)."""
        super().__init__(directory)
        self._keys: list[tuple[Any, int]] = []

    def add(self, key: Any, line: str) -> None:
        """Keep one line (without its newline) to be written at ``key``'s place."""
        self._keys.append((key, self._append(line.encode("utf-8"))))

    def __len__(self) -> int:
        """How many lines."""
        return len(self._keys)

    def write(self, path: Path) -> int:
        """Write the lines in key order to ``path`` atomically (``path.tmp`` then rename); return how many."""
        self._keys.sort(key=lambda entry: entry[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as stream:
            for _, offset in self._keys:
                stream.write(self._read(offset))
                stream.write(b"\n")
        tmp.replace(path)
        return len(self._keys)

    def _forget(self) -> None:
        self._keys.clear()
