"""Fixity: the crawl folder's sha256 manifest, and BagIt 1.0 bags of a crawl or of a blog's whole output.

**The manifest.** At the end of every crawl, finished or not, ``CRAWL_DIR/manifest-sha256.txt`` lists the
sha256 of every file of the crawl folder, in BagIt's manifest line format (RFC 8493 section 2.1.3:
``<hex>  <path>``, the path relative to the crawl folder with ``/`` separators, sorted), the manifest itself
excluded. It is written last (after the report, the WACZ, the CDXJ index and the dedup index), as
``manifest-sha256.txt.tmp`` renamed into place, so a manifest is always whole; a resumed crawl writes it again.
What is written into the folder after it (a WACZ packaged later with ``archiver package``) is *not in the
manifest*: :func:`verify_manifest` says so in a note, since adding a file changes nothing that was written.
A listed file whose sha256 differs, or that is gone, is a problem.

**Bags.** :func:`make_bag` copies a crawl folder or a blog folder (``OUTPUT/<host>``, every crawl, the corpus,
the dedup index) into a new folder and makes it a BagIt 1.0 bag with the Library of Congress ``bagit``
library: sha256 and sha512 manifests and tag manifests, and ``bag-info.txt`` naming the blog, its crawls, the
operator (ARCHIVER_CONTACT) and the software. The source is never moved or changed. :func:`verify_bag` checks
a bag as ``bagit`` does, but adds every difference to a :class:`~archiver.verify.Report` (file, algorithm,
expected and found digest) rather than stopping at the first.

Paths in manifests are percent-encoded as RFC 8493 requires for CR, LF and ``%`` (a crawl never names a file
so; the rule is applied anyway).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from archiver import __version__
from archiver.errors import ArchiverError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from archiver.verify import Report

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest-sha256.txt"
_TMP_SUFFIX = ".tmp"
_CHUNK = 1024 * 1024
#: the algorithms of a bag's manifests and tag manifests, strongest last (RFC 8493 recommends sha512)
BAG_ALGORITHMS = ("sha256", "sha512")
#: what a crawl folder holds that names the crawl (written by ``archiver crawl``)
_CRAWL_JSON = "crawl.json"
_WARC_FOLDER = "warc"


class FixityError(ArchiverError):
    """A manifest or bag cannot be written (or a path cannot be read at all)."""


# -- hashing and the manifest line format ---------------------------------------------------------------------


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file's bytes, read in chunks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _encode_path(relative: str) -> str:
    """RFC 8493 section 2.1.3: ``%``, CR and LF in a manifest path are percent-encoded."""
    return relative.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _decode_path(encoded: str) -> str:
    return re.sub("%(0[AaDd]|25)", lambda match: chr(int(match.group(1), 16)), encoded)


def crawl_files(crawl_dir: Path) -> list[str]:
    """Every file of a crawl folder (recursively), as sorted ``/``-separated relative paths, the manifest excluded.

    The manifest's own temporary file is excluded too; symbolic links are not followed (a crawl writes none).
    """
    files = []
    for root, dirs, names in os.walk(crawl_dir):
        dirs.sort()
        for name in names:
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(crawl_dir).as_posix()
            if relative in (MANIFEST_NAME, MANIFEST_NAME + _TMP_SUFFIX):
                continue
            files.append(relative)
    return sorted(files)


class KnownDigest(NamedTuple):
    """A file's sha256 hashed as it was written, and the size and mtime it had then (to tell it is unchanged)."""

    sha256: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path, sha256: str, size: int) -> KnownDigest | None:
        """The digest of ``path`` as written, when the file is still ``size`` bytes long now; else None."""
        try:
            stat = path.stat()
        except OSError:
            return None
        return cls(sha256, size, stat.st_mtime_ns) if stat.st_size == size else None

    def holds_for(self, path: Path) -> bool:
        """Whether ``path`` is still the file hashed: same size and modification time."""
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def manifest_lines(crawl_dir: Path, files: Iterable[str], known: Mapping[str, KnownDigest] | None = None) -> list[str]:
    """The manifest's lines, ``<sha256 hex>  <relative path>``, for the files given, in their order.

    A file of ``known`` (by relative path) that still has the size and mtime it had when it was hashed as
    written is not read again; every other file is.
    """
    known = known or {}
    lines = []
    for relative in files:
        path = crawl_dir / relative
        digest = known.get(relative)
        sha256 = digest.sha256 if digest is not None and digest.holds_for(path) else file_digest(path)
        lines.append(f"{sha256}  {_encode_path(relative)}")
    return lines


def write_manifest(crawl_dir: Path, known: Mapping[str, KnownDigest] | None = None) -> int:
    """Write CRAWL_DIR/manifest-sha256.txt atomically (tmp + rename); return how many files it lists.

    ``known``: sha256 of files hashed as they were written, by relative path (see :func:`manifest_lines`).
    """
    crawl_dir = Path(crawl_dir)
    if not crawl_dir.is_dir():
        raise FixityError(f"{crawl_dir}: no such crawl folder")
    lines = manifest_lines(crawl_dir, crawl_files(crawl_dir), known)
    path = crawl_dir / MANIFEST_NAME
    tmp = path.with_name(path.name + _TMP_SUFFIX)
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write("".join(line + "\n" for line in lines))
            stream.flush()
            os.fsync(stream.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(lines)


@dataclass(frozen=True)
class _Entry:
    digest: str
    path: str
    line: int


def read_manifest(path: Path, report: Report, check: str) -> Iterator[_Entry]:
    """The entries of a BagIt-style manifest; a line that is not ``<hex> <path>`` is a problem of ``check``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report.problem(check, str(path), f"not UTF-8 text: {exc}")
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        digest, _, rest = raw.partition(" ")
        relative = rest.lstrip(" ").lstrip("*")
        if not relative or not digest or any(c not in "0123456789abcdefABCDEF" for c in digest):
            report.problem(check, str(path), f"line {number} is not '<hex digest>  <path>': {raw!r}")
            continue
        yield _Entry(digest.lower(), _decode_path(relative), number)


def _safe_relative(relative: str) -> bool:
    """A manifest path that stays inside the folder: relative, no ``..`` part."""
    parts = Path(relative).parts
    return bool(parts) and not Path(relative).is_absolute() and ".." not in parts


# -- verifying a crawl's manifest -------------------------------------------------------------------------------


def verify_manifest(crawl_dir: Path, report: Report) -> None:
    """Check every file of CRAWL_DIR/manifest-sha256.txt against the crawl folder.

    Problems (check ``manifest``): a listed file whose sha256 differs (expected and found), a listed file that
    is gone, a line that cannot be read, a path listed twice or leading outside the folder. Files of the folder
    the manifest does not list (written after the crawl ended, e.g. a WACZ packaged later) are a note. A crawl
    folder without a manifest (a crawl from before fixity, or ARCHIVER_FIXITY_ENABLED off) is a note too.
    Raises FixityError only when the folder or the manifest cannot be read at all.
    """
    crawl_dir = Path(crawl_dir)
    if not crawl_dir.is_dir():
        raise FixityError(f"{crawl_dir}: no such crawl folder")
    path = crawl_dir / MANIFEST_NAME
    if not path.is_file():
        report.note(f"{crawl_dir}: no {MANIFEST_NAME} (written at the end of a crawl since issue 10)")
        return
    try:
        entries = list(read_manifest(path, report, "manifest"))
    except OSError as exc:
        raise FixityError(f"{path}: cannot be read: {exc}") from exc
    listed: set[str] = set()
    for entry in entries:
        shown = f"{crawl_dir / entry.path}"
        if not _safe_relative(entry.path):
            report.problem("manifest", str(path), f"line {entry.line} names a path outside the folder: {entry.path}")
            continue
        if entry.path in listed:
            report.problem("manifest", str(path), f"line {entry.line} lists {entry.path} a second time")
            continue
        listed.add(entry.path)
        target = crawl_dir / entry.path
        if not target.is_file():
            report.problem("manifest", shown, f"listed in {MANIFEST_NAME} but missing (expected sha256 {entry.digest})")
            continue
        try:
            found = file_digest(target)
        except OSError as exc:
            report.problem("manifest", shown, f"cannot be read: {exc}")
            continue
        if found != entry.digest:
            report.problem("manifest", shown, f"sha256 differs: expected {entry.digest}, found {found}")
        else:
            report.ok("manifest")
    extra = [relative for relative in crawl_files(crawl_dir) if relative not in listed]
    if extra:
        report.note(
            f"{crawl_dir}: {len(extra)} file(s) not in {MANIFEST_NAME} (written after the crawl ended): "
            + ", ".join(extra)
        )


# -- bags -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BagResult:
    """A bag written by :func:`make_bag`."""

    path: Path
    files: int  # payload files
    bytes: int  # payload bytes
    crawls: list[str]


def _crawl_folders(source: Path) -> list[Path]:
    """The crawl folders of a source: itself when it is one (holds ``warc/``), else its sub-folders that are."""
    if (source / _WARC_FOLDER).is_dir():
        return [source]
    return sorted(path for path in source.iterdir() if path.is_dir() and (path / _WARC_FOLDER).is_dir())


def _seed(crawl_dir: Path) -> str | None:
    try:
        document = json.loads((crawl_dir / _CRAWL_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = document.get("url") if isinstance(document, dict) else None
    return url if isinstance(url, str) else None


def bag_info(source: Path, *, contact: str = "", today: datetime | None = None) -> dict[str, str]:
    """bag-info.txt of a bag of ``source`` (a crawl folder or a blog folder), Payload-Oxum aside."""
    crawls = _crawl_folders(source)
    seeds = sorted({seed for crawl in crawls if (seed := _seed(crawl))})
    blog = ", ".join(seeds) or (source.parent.name if crawls == [source] else source.name)
    names = ", ".join(crawl.name for crawl in crawls) or "none"
    what = f"crawl {source.name}" if crawls == [source] else f"blog folder {source.name}, crawls {names}"
    info = {
        "External-Description": f"Web archive of the Blogger blog {blog} made by blogspot-archiver: {what} "
        "(WARC files, CDXJ indexes, post records, logs, fixity manifests)",
        "External-Identifier": source.name,
        "Bagging-Date": (today or datetime.now(UTC)).strftime("%Y-%m-%d"),
        "Bag-Software-Agent": f"blogspot-archiver/{__version__} (bagit.py {_bagit_version()})",
    }
    if contact:
        info["Source-Organization"] = contact
        info["Contact-" + ("Email" if "@" in contact and "://" not in contact else "Name")] = contact
    return info


def _check_output(source: Path, output: Path) -> None:
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise FixityError(f"{output} already exists and is not an empty folder: choose another bag folder (-o)")
    resolved_source, resolved_output = source.resolve(), output.resolve()
    if resolved_output == resolved_source or resolved_output.is_relative_to(resolved_source):
        raise FixityError(f"{output} is inside {source}: a bag cannot be written into the folder it copies")


def default_bag_dir(source: Path) -> Path:
    """Where a bag goes when no folder is given: beside the source, ``<source name>-bag``."""
    resolved = Path(source).resolve()
    return resolved.with_name(resolved.name + "-bag")


def make_bag(
    source: Path, output: Path | None = None, *, contact: str = "", today: datetime | None = None
) -> BagResult:
    """Copy ``source`` (a crawl or blog folder) into ``output`` and make it a BagIt 1.0 bag (sha256, sha512).

    ``output`` must not exist or be an empty folder, and must not be inside ``source``; the copy is made in
    ``output``'s sibling ``.<name>.partial`` and renamed when the bag is complete, and ``source`` is only
    read. Raises FixityError for a missing source, an unusable output or a bag that does not validate.
    """
    import bagit

    source = Path(source)
    if not source.is_dir():
        raise FixityError(f"{source}: no such folder")
    if not _crawl_folders(source):
        raise FixityError(f"{source}: neither a crawl folder (holding warc/) nor a blog folder (holding crawls)")
    output = Path(output) if output is not None else default_bag_dir(source)
    _check_output(source, output)
    partial = output.with_name(f".{output.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    info = bag_info(source, contact=contact, today=today)
    bagit_logger = logging.getLogger("bagit")  # a line per file at INFO: only its warnings are worth showing
    level = bagit_logger.level
    bagit_logger.setLevel(max(level, logging.WARNING))
    try:
        shutil.copytree(source, partial, symlinks=True)
        bag = bagit.make_bag(str(partial), dict(info), checksums=list(BAG_ALGORITHMS))
        # bagit.py writes "BagIt-Version: 0.97"; the bag is made to RFC 8493 (1.0), which only differs there
        (partial / "bagit.txt").write_text(
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8", newline="\n"
        )
        bag = bagit.Bag(str(partial))
        bag.save()  # tag manifests again, bagit.txt changed; payload manifests as they are
        bag.validate()
        oxum = str(bag.info.get("Payload-Oxum", "0.0"))
        if output.exists():
            output.rmdir()  # empty, checked above
        partial.rename(output)
    except bagit.BagError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise FixityError(f"cannot make a bag of {source}: {exc}") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        bagit_logger.setLevel(level)
    logger.info("Bagged %s into %s (Payload-Oxum %s: bytes.files)", source, output, oxum)
    total_bytes, _, total_files = oxum.partition(".")
    return BagResult(output, int(total_files), int(total_bytes), [crawl.name for crawl in _crawl_folders(source)])


def verify_bag(bag_dir: Path, report: Report) -> None:
    """Check a BagIt bag: bagit.txt, every manifest and tag manifest against the files, Payload-Oxum.

    Problems (check ``bag``): a file whose digest differs (algorithm, expected and found), a file a manifest
    lists that is gone, a payload file no manifest lists, a malformed manifest line or bagit.txt, a
    Payload-Oxum that does not match. Raises FixityError only when ``bag_dir`` is not a folder.
    """
    bag_dir = Path(bag_dir)
    if not bag_dir.is_dir():
        raise FixityError(f"{bag_dir}: no such bag folder")
    declaration = bag_dir / "bagit.txt"
    if not declaration.is_file():
        report.problem("bag", str(declaration), "missing: not a bag (RFC 8493 requires bagit.txt)")
        return
    version = _tags(declaration).get("BagIt-Version")
    if version is None:
        report.problem("bag", str(declaration), "has no BagIt-Version")
    manifests = sorted(bag_dir.glob("manifest-*.txt"))
    if not manifests:
        report.problem("bag", str(bag_dir), "no payload manifest (manifest-<algorithm>.txt)")
    if not (bag_dir / "data").is_dir():
        report.problem("bag", str(bag_dir / "data"), "missing: a bag's payload folder")
        return
    listed: set[str] = set()
    for manifest in manifests:
        listed |= _verify_bag_manifest(bag_dir, manifest, "manifest-", report)
    for manifest in sorted(bag_dir.glob("tagmanifest-*.txt")):
        _verify_bag_manifest(bag_dir, manifest, "tagmanifest-", report)
    payload = {f"data/{relative}" for relative in folder_files(bag_dir / "data")}
    for relative in sorted(payload - listed):
        report.problem("bag", str(bag_dir / relative), "payload file in no manifest (added after bagging)")
    _verify_oxum(bag_dir, payload, report)


def folder_files(folder: Path) -> list[str]:
    """Every file below ``folder`` as sorted ``/``-separated relative paths (nothing excluded)."""
    return sorted(
        (Path(root) / name).relative_to(folder).as_posix()
        for root, _, names in os.walk(folder)
        for name in names
        if (Path(root) / name).is_file()
    )


def _tags(path: Path) -> dict[str, str]:
    tags: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and not line[:1].isspace():
            tags.setdefault(name.strip(), value.strip())
    return tags


def _verify_bag_manifest(bag_dir: Path, manifest: Path, prefix: str, report: Report) -> set[str]:
    """Check one (tag) manifest of a bag; return the paths it lists."""
    algorithm = manifest.name[len(prefix) : -len(".txt")]
    if algorithm not in hashlib.algorithms_available:
        report.problem("bag", str(manifest), f"unknown algorithm {algorithm!r}: its entries are not checked")
        return set()
    listed: set[str] = set()
    for entry in read_manifest(manifest, report, "bag"):
        if not _safe_relative(entry.path):
            report.problem("bag", str(manifest), f"line {entry.line} names a path outside the bag: {entry.path}")
            continue
        listed.add(entry.path)
        target = bag_dir / entry.path
        shown = str(target)
        if not target.is_file():
            report.problem("bag", shown, f"listed in {manifest.name} but missing")
            continue
        found = file_digest(target, algorithm)
        if found != entry.digest:
            report.problem("bag", shown, f"{algorithm} differs: expected {entry.digest}, found {found}")
        else:
            report.ok("bag")
    return listed


def _verify_oxum(bag_dir: Path, payload: set[str], report: Report) -> None:
    info = bag_dir / "bag-info.txt"
    if not info.is_file():
        return
    oxum = _tags(info).get("Payload-Oxum")
    if oxum is None:
        return
    found = f"{sum((bag_dir / relative).stat().st_size for relative in payload)}.{len(payload)}"
    if oxum != found:
        report.problem("bag", str(info), f"Payload-Oxum differs: expected {oxum} (bytes.files), found {found}")
    else:
        report.ok("bag")


def _bagit_version() -> str:
    import bagit

    return str(bagit.VERSION)
