"""The walk of ``archiver verify``: what a path is, and every check that applies to it and to what it holds.

- a WARC file: its records (:mod:`archiver.verify.warcs`), its revisits' originals; a ``.warc.gz.open`` file
  is unfinished: a note (its records are not checked: ``archiver crawl --resume`` mends it);
- a crawl folder (``OUTPUT/<host>/<crawl id>``, holding ``warc/``): its WARC files (a ``.open`` one is a
  problem when the crawl's stats.json says it finished), ``index.cdxj``, the revisits' originals (in the
  blog's other crawls), ``posts.jsonl`` and ``pages.jsonl`` (pointers, and rebuilt by ``archiver extract``),
  its WACZ files, its fixity manifest (:func:`archiver.fixity.verify_manifest`) and its timestamp tokens
  (:func:`archiver.timestamps.verify_timestamps`);
- a WACZ: every file's size and sha256 against ``datapackage.json`` (and no file it does not list), the
  WARC files inside, ``indexes/index.cdx.gz``, then its signature (:func:`archiver.signing.verify_wacz_signature`);
- a BagIt bag (``bagit.txt``): :func:`archiver.fixity.verify_bag`, then what its ``data/`` holds;
- a blog folder (``OUTPUT/<host>``): every crawl folder, the corpus's pointers, the blog WACZ files, and the
  chain of timestamp tokens (:func:`archiver.timestamps.verify_chain`); a folder of blog folders: each.

Anything else is not an archive (:class:`NotAnArchive`, exit status 2). Every file is read once for its
digests; the WARC files of the blog's other crawls are read only when a revisit or a pointer needs them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.errors import ArchiverError
from archiver.layout import CORPUS_FOLDER, DEDUP_INDEX, WARC_FOLDER
from archiver.verify import Report
from archiver.verify.records import check_cdxj, check_pointers, check_rebuild, check_revisits
from archiver.verify.warcs import CHUNK, Progress, WarcFile, scan_warc

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from archiver.verify.warcs import WarcRecord

RECORD_FILES = ("posts.jsonl", "pages.jsonl")
WACZ_INDEX = "indexes/index.cdx.gz"
WACZ_SELF = frozenset({"datapackage.json", "datapackage-digest.json"})


class NotAnArchive(ArchiverError):
    """The path given to ``archiver verify`` is none of the things it verifies."""


def _is_warc(path: Path) -> bool:
    return path.name.endswith((".warc.gz", ".warc"))


def _is_crawl(path: Path) -> bool:
    """A crawl folder: ``warc/`` beside ``crawl.json``, or holding WARC files."""
    warc_dir = path / WARC_FOLDER
    if not warc_dir.is_dir():
        return False
    return (path / "crawl.json").is_file() or any(
        p.name.endswith((".warc.gz", ".warc.gz.open")) for p in warc_dir.iterdir()
    )


def _is_blog(path: Path) -> bool:
    return path.is_dir() and not _is_crawl(path) and (
        (path / DEDUP_INDEX).is_file() or (path / CORPUS_FOLDER).is_dir() or any(_is_crawl(c) for c in path.iterdir())
    )  # fmt: skip


def _crawl_finished(crawl_dir: Path) -> bool:
    try:
        stats = json.loads((crawl_dir / "stats.json").read_text(encoding="utf-8"))
        return bool(stats["summary"]["finish_reason"] == "finished")
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _size(paths: Iterable[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.name.endswith((".gz", ".wacz")))
    return total


class Walk:
    """One verification: the report, the progress, and every WARC file scanned so far."""

    def __init__(self, report: Report, progress: Progress) -> None:
        """Add to ``report``; count bytes read in ``progress``."""
        self.report = report
        self.progress = progress
        self.scanned: dict[Path, WarcFile] = {}
        self._ids: dict[str, WarcRecord] = {}
        self._aside = Report()  # the problems of files read only to resolve a revisit or a pointer

    def scan(self, path: Path, *, aside: bool = False) -> WarcFile:
        """Scan a WARC file once (into the report, or aside when it is outside what is verified)."""
        key = path.resolve()
        if key not in self.scanned:
            if aside:
                self.progress.total += path.stat().st_size
            with path.open("rb") as stream:
                found = scan_warc(stream, path.name, str(path), self._aside if aside else self.report, self.progress)
            self._add(key, found)
        return self.scanned[key]

    def _add(self, key: Path, found: WarcFile) -> None:
        self.scanned[key] = found
        for record in found.records.values():
            if record.rec_type == "response" and record.record_id:
                self._ids.setdefault(record.record_id, record)

    def originals(self, blog_dir: Path | None) -> Callable[[str], WarcRecord | None]:
        """Find a response record by id: in what was scanned, then in the blog's other crawls."""

        def find(record_id: str) -> WarcRecord | None:
            if record_id not in self._ids and blog_dir is not None:
                for path in sorted(blog_dir.glob(f"*/{WARC_FOLDER}/*.warc.gz")):
                    self.scan(path, aside=True)
                    if record_id in self._ids:
                        break
            return self._ids.get(record_id)

        return find

    def locate(self, own: dict[str, WarcFile], blog_dir: Path | None) -> Callable[[str, str | None], WarcFile | None]:
        """Find a WARC file by name: the crawl's own, else in the blog's crawl ``crawl_id`` or any of its crawls."""

        def find(name: str, crawl_id: str | None) -> WarcFile | None:
            if name in own:
                return own[name]
            if blog_dir is None or "/" in name or name.startswith("."):
                return None
            candidates = [blog_dir / crawl_id / WARC_FOLDER / name] if crawl_id else []
            candidates += sorted(blog_dir.glob(f"*/{WARC_FOLDER}/{name}"))
            for path in candidates:
                if path.is_file():
                    return self.scan(path, aside=True)
            return None

        return find

    # -- what a path can be ------------------------------------------------------------------------------

    def warc(self, path: Path) -> None:
        """A single WARC file."""
        if path.name.endswith(".open"):
            self.report.note(f"{path} is unfinished (still being written, or left by a crawl that did not end)")
            return
        found = self.scan(path)
        blog = path.parent.parent.parent if path.parent.name == WARC_FOLDER else None
        check_revisits([found], self.report, self.originals(blog), required=False)

    def crawl(self, crawl_dir: Path, *, timestamps: bool = True) -> None:
        """A crawl folder: WARCs, index, records, WACZs, manifest, timestamps (unless its blog's chain does)."""
        from archiver.fixity import verify_manifest
        from archiver.timestamps import verify_timestamps

        warc_dir = crawl_dir / WARC_FOLDER
        finished = _crawl_finished(crawl_dir)
        for path in sorted(warc_dir.glob("*.open")):
            if finished:
                self.report.problem(
                    "warc.unfinished", str(path), "left unfinished, yet stats.json says the crawl finished"
                )
            else:
                self.report.note(f"{path} is unfinished: the crawl did not finish (archiver crawl --resume mends it)")
        own = {path.name: self.scan(path) for path in sorted(warc_dir.iterdir()) if _is_warc(path)}
        blog = crawl_dir.parent if _is_blog(crawl_dir.parent) else None
        index = crawl_dir / "index.cdxj"
        if index.is_file():
            with index.open(encoding="utf-8") as lines:
                check_cdxj(lines, str(index), own, self.report)
        elif finished:
            self.report.problem("cdxj", str(index), "missing: a finished crawl writes it")
        check_revisits(own.values(), self.report, self.originals(blog), required=blog is not None)
        self._records(crawl_dir, own, blog)
        for wacz in sorted(crawl_dir.glob("*.wacz")):
            self.wacz(wacz)
        verify_manifest(crawl_dir, self.report)
        if timestamps:
            verify_timestamps(crawl_dir, self.report)

    def _records(self, crawl_dir: Path, own: dict[str, WarcFile], blog: Path | None) -> None:
        present = [crawl_dir / name for name in RECORD_FILES if (crawl_dir / name).is_file()]
        for path in present:
            check_pointers(path, str(path), self.report, self.locate(own, blog))
        if not present or not own:
            return
        from archiver.records.warcread import WarcReadError, extract_warcs

        try:
            result, _ = extract_warcs([crawl_dir / WARC_FOLDER])
        except WarcReadError as exc:
            self.report.problem("record.rebuild", str(crawl_dir / WARC_FOLDER), f"the records cannot be rebuilt: {exc}")
            return
        rebuilt = {"posts.jsonl": result.posts, "pages.jsonl": result.pages}
        for path in present:
            check_rebuild(path, str(path), rebuilt[path.name], self.report)

    def wacz(self, path: Path) -> None:
        """A WACZ: listed files' hashes, WARCs inside, index, signature."""
        from archiver.signing import verify_wacz_signature

        label = str(path)
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            self.report.problem("wacz", label, f"not a readable ZIP file: {exc}")
            return
        with archive:
            self._wacz_files(archive, label)
            files = {}
            for name in archive.namelist():
                if name.startswith("archive/") and _is_warc(Path(name)):
                    try:
                        with archive.open(name) as stream:
                            files[Path(name).name] = scan_warc(
                                stream, Path(name).name, f"{label}!{name}", self.report, self.progress
                            )
                    except (zipfile.BadZipFile, OSError, EOFError) as exc:
                        self.report.problem("wacz", f"{label}!{name}", f"cannot be read: {exc}")
            if WACZ_INDEX in archive.namelist():
                try:
                    lines = gzip.decompress(archive.read(WACZ_INDEX)).decode("utf-8").splitlines()
                except (OSError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
                    self.report.problem("cdxj", f"{label}!{WACZ_INDEX}", f"cannot be read: {exc}")
                else:
                    check_cdxj(lines, f"{label}!{WACZ_INDEX}", files, self.report)
            else:
                self.report.problem("cdxj", label, f"no {WACZ_INDEX} in the package")
            ids: dict[str, WarcRecord] = {}
            for found in files.values():
                ids.update({r.record_id: r for r in found.records.values() if r.rec_type == "response"})
            check_revisits(files.values(), self.report, ids.get, required=False)
        verify_wacz_signature(path, self.report, check_files=False)  # the listed files were checked above

    def _wacz_files(self, archive: zipfile.ZipFile, label: str) -> None:
        try:
            package: dict[str, Any] = json.loads(archive.read("datapackage.json"))
            resources = list(package["resources"])
        except (KeyError, ValueError, TypeError) as exc:
            self.report.problem("wacz.datapackage", label, f"no readable datapackage.json with resources: {exc}")
            return
        listed = set()
        names = set(archive.namelist())
        for resource in resources:
            member = str(resource.get("path"))
            listed.add(member)
            where = f"{label}!{member}"
            if member not in names:
                self.report.problem("wacz.file", where, "listed in datapackage.json, not in the package")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(member) as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            expected = str(resource.get("hash", ""))
            if expected != f"sha256:{digest.hexdigest()}":
                self.report.problem(
                    "wacz.file", where, f"datapackage.json gives {expected}, the file's is sha256:{digest.hexdigest()}"
                )
            elif "bytes" in resource and resource["bytes"] != size:
                self.report.problem(
                    "wacz.file", where, f"datapackage.json gives {resource['bytes']} bytes, it has {size}"
                )
            else:
                self.report.ok("wacz.file")
        for member in sorted(names - listed - WACZ_SELF):
            if not member.endswith("/"):
                self.report.problem("wacz.file", f"{label}!{member}", "in the package, not listed in datapackage.json")

    def blog(self, blog_dir: Path) -> None:
        """A blog folder: every crawl, the corpus, the blog WACZs, the timestamp chain."""
        from archiver.timestamps import verify_chain

        for crawl_dir in sorted(c for c in blog_dir.iterdir() if _is_crawl(c)):
            self.crawl(crawl_dir, timestamps=False)  # verify_chain checks every crawl's tokens, and their links
        corpus = blog_dir / CORPUS_FOLDER
        for name in RECORD_FILES:
            if (corpus / name).is_file():
                check_pointers(corpus / name, str(corpus / name), self.report, self.locate({}, blog_dir))
        for wacz in sorted(blog_dir.glob("*.wacz")):
            self.wacz(wacz)
        verify_chain(blog_dir, self.report)

    def bag(self, bag_dir: Path) -> None:
        """A BagIt bag: its manifests, then what its payload holds."""
        from archiver.fixity import verify_bag

        verify_bag(bag_dir, self.report)
        data = bag_dir / "data"
        if data.is_dir():
            self.contents(data)

    def contents(self, folder: Path) -> bool:
        """A crawl, a blog, or a folder of them; False when it holds none of them."""
        if _is_crawl(folder):
            self.crawl(folder)
            return True
        if _is_blog(folder):
            self.blog(folder)
            return True
        found = False
        for child in sorted(c for c in folder.iterdir() if c.is_dir()):
            if _is_crawl(child):
                self.crawl(child)
                found = True
            elif _is_blog(child):
                self.blog(child)
                found = True
        return found


def verify_path(
    path: Path,
    report: Report,
    *,
    progress: Callable[[str], None] | None = None,
    tick: Callable[[int, int], None] | None = None,
) -> str:
    """Verify whatever ``path`` is and return what it was taken for; NotAnArchive when it is nothing known.

    ``progress`` is told a plain line now and then, ``tick`` (bytes read, total) at every read: a live line.
    """
    path = Path(path)
    walk = Walk(report, Progress(_size([path]), progress, tick=tick))
    if path.is_file():
        if path.name.endswith(".wacz"):
            walk.wacz(path)
            return "WACZ"
        if _is_warc(path) or path.name.endswith((".warc.gz.open", ".warc.open")):
            walk.warc(path)
            return "WARC file"
    elif path.is_dir():
        if (path / "bagit.txt").is_file():
            walk.bag(path)
            return "BagIt bag"
        if _is_crawl(path):
            walk.crawl(path)
            return "crawl folder"
        if _is_blog(path):
            walk.blog(path)
            return "blog folder"
        if walk.contents(path) and (report.checked or report.notes):
            return "output folder"
    elif not path.exists():
        raise NotAnArchive(f"{path}: no such file or directory")
    raise NotAnArchive(
        f"{path} is not an archive: neither a WARC file, a WACZ, a crawl folder (holding warc/), a blog folder, "
        "a folder of blogs nor a BagIt bag"
    )
