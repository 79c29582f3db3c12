"""``archiver replay PATH``: pywb over a crawl, a blog or a folder of blogs, in one command, without copying a WARC.

What is replayed (:func:`find_target`):

- a **crawl folder** ``OUTPUT/<host>/<crawl id>`` (it holds ``warc/``): its own captures. When some of them are
  revisit records, their originals are in the blog's other crawls (the sibling crawl folders): the captures
  those revisits need (the non-revisit captures with the revisits' payload digests, the earliest of each URL)
  are added from them, and their WARC folders join the archive paths, which the command says in a line;
- a **blog folder** ``OUTPUT/<host>`` (it holds crawl folders): every crawl of the blog, each visit at its own
  time, the revisits of one crawl finding their originals in the others;
- a **folder of blogs** ``OUTPUT``: every crawl of every blog in it.

The pywb collection lives in a state folder of its own, ``OUTPUT/.replay/<host folder>/<crawl id or "blog">``
(``OUTPUT/.replay/_all`` for a folder of blogs; for a crawl folder that is not inside a blog folder, beside
it: ``<parent>/.replay/<crawl id>``). It is never inside a crawl folder, whose fixity manifest covers every
file, nor inside a blog folder, which ``archiver package --bagit`` copies whole. It holds:

- ``config.yaml``: one collection whose ``archive_paths`` are the crawls' WARC folders (pywb joins each with
  the ``filename`` of an index line, which is the WARC file's name: it is unique across a blog's crawls) and
  whose ``index_paths`` is the state folder's ``index.cdxj``;
- ``index.cdxj``: the crawls' own ``index.cdxj`` lines merged in code-point order (pywb's cdx-indexer format,
  byte for byte: ``tests/integration/test_replay_pywb.py``); a crawl without an index, or whose index does not
  cover exactly its finished WARC files, is indexed again (:func:`archiver.warc.wacz.collect_index`);
- ``state.json``: what the collection was built from (every crawl's index size and modification time, the
  names and sizes of its finished WARC files) and what to print (the home pages' latest captures, notes). The
  collection is rebuilt only when that changed: a crawl added, resumed or re-indexed;
- ``wayback.log``: pywb's log of the last start.

pywb (``pip install 'blogspot-archiver[replay]'``) is run as a child process, ``wayback -b HOST -p PORT`` in
the state folder, in a session of its own; it is stopped and waited for on SIGINT (Ctrl-C) and SIGTERM.
``.warc.gz.open`` files (a crawl running, or killed and not resumed) are left out with a warning.
"""

from __future__ import annotations

import heapq
import importlib.metadata
import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from archiver.blogger.urls import classify
from archiver.errors import ArchiverError
from archiver.layout import WARC_FOLDER
from archiver.warc.dedup import crawl_warc_dirs, finished_warcs
from archiver.warc.wacz import REVISIT_MIME, WaczError, collect_index

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

logger = logging.getLogger(__name__)

STATE_FOLDER = ".replay"
CONFIG_NAME = "config.yaml"
INDEX_NAME = "index.cdxj"
STATE_NAME = "state.json"
LOG_NAME = "wayback.log"
#: the extra that installs pywb (pyproject.toml)
EXTRA = "replay"
STATE_FORMAT = 1
#: how long pywb may take to answer its first request
START_TIMEOUT = 60.0
#: how long pywb may take to exit once terminated, before it is killed
STOP_TIMEOUT = 10.0


class ReplayError(ArchiverError):
    """The archive cannot be replayed: pywb missing, a port in use, pywb failing to start."""


class NotReplayable(ReplayError):
    """PATH is neither a crawl folder, a blog folder nor a folder of blogs (exit status 2)."""


@dataclass(frozen=True)
class Crawl:
    """One crawl folder: its finished WARC files and its index."""

    dir: Path
    warcs: tuple[Path, ...]

    @property
    def warc_dir(self) -> Path:
        return self.dir / WARC_FOLDER

    @property
    def index(self) -> Path:
        return self.dir / INDEX_NAME

    def signature(self) -> dict[str, Any]:
        """What the collection's lines of this crawl depend on (size and mtime: cheap, no file is read)."""
        index: list[int] | None = None
        if self.index.is_file():
            stat = self.index.stat()
            index = [stat.st_size, stat.st_mtime_ns]
        return {
            "dir": str(self.dir),
            "index": index,
            "warcs": [[path.name, path.stat().st_size] for path in self.warcs],
        }


@dataclass(frozen=True)
class Target:
    """What ``archiver replay PATH`` serves: the crawls replayed whole, and those lending revisits' originals."""

    path: Path
    kind: str  # "crawl folder", "blog folder" or "folder of blogs"
    collection: str
    state_dir: Path
    crawls: tuple[Crawl, ...]
    lenders: tuple[Crawl, ...] = ()  # a crawl folder's siblings: only the captures its revisits need

    def signature(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "collection": self.collection,
            "crawls": [crawl.signature() for crawl in self.crawls],
            "lenders": [crawl.signature() for crawl in self.lenders],
        }


@dataclass
class Collection:
    """A pywb collection in a state folder, ready for ``wayback``."""

    state_dir: Path
    name: str
    captures: int
    homes: list[tuple[str, str]]  # (14-digit timestamp, URL) of each blog's home page, latest capture
    notes: list[str] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def index(self) -> Path:
        return self.state_dir / INDEX_NAME


# -- what PATH is ---------------------------------------------------------------------------------------------


def _is_crawl(path: Path) -> bool:
    return (path / WARC_FOLDER).is_dir()


def _is_blog(path: Path) -> bool:
    return path.is_dir() and not _is_crawl(path) and bool(crawl_warc_dirs(path))


def _crawl(crawl_dir: Path) -> Crawl:
    finished, still_open = finished_warcs(crawl_dir / WARC_FOLDER)
    for path in still_open:
        logger.warning("Not replayed: %s is still open (a crawl is running, or was killed: resume it)", path)
    return Crawl(crawl_dir, tuple(finished))


def _crawls_of(blog_dir: Path) -> list[Crawl]:
    return [crawl for warc_dir in crawl_warc_dirs(blog_dir) if (crawl := _crawl(warc_dir.parent)).warcs]


def find_target(path: Path) -> Target:
    """Say what ``path`` is and where its collection lives; NotReplayable when it is nothing replayable."""
    path = Path(path).absolute()
    if not path.is_dir():
        raise NotReplayable(f"{path}: no such folder")
    if _is_crawl(path):
        crawl = _crawl(path)
        if not crawl.warcs:
            raise NotReplayable(f"{path} is a crawl folder without any finished WARC file (warc/*.warc.gz)")
        parent = path.parent
        if _is_blog(parent):  # OUTPUT/<host>/<crawl id>
            state = parent.parent / STATE_FOLDER / parent.name / f"crawl-{path.name}"
            lenders = tuple(other for other in _crawls_of(parent) if other.dir != path)
        else:  # a crawl folder placed elsewhere (ARCHIVER_CRAWL_DIR)
            state, lenders = parent / STATE_FOLDER / f"crawl-{path.name}", ()
        return Target(path, "crawl folder", "crawl", state, (crawl,), lenders)
    if _is_blog(path):
        crawls = _crawls_of(path)
        if not crawls:
            raise NotReplayable(f"{path} is a blog folder without any finished WARC file")
        return Target(path, "blog folder", "blog", path.parent / STATE_FOLDER / path.name / "blog", tuple(crawls))
    blogs = sorted(child for child in path.iterdir() if not child.name.startswith(".") and _is_blog(child))
    crawls = [crawl for blog in blogs for crawl in _crawls_of(blog)]
    if not crawls:
        raise NotReplayable(
            f"{path} is neither a crawl folder (OUTPUT/<host>/<crawl id>, holding warc/), a blog folder "
            "(OUTPUT/<host>, holding crawl folders) nor a folder of blogs with finished WARC files"
        )
    return Target(path, "folder of blogs", "blogs", path / STATE_FOLDER / "_all", tuple(crawls))


# -- the collection -------------------------------------------------------------------------------------------


def _fields(line: str) -> dict[str, Any]:
    data = json.loads(line.split(" ", 2)[2])
    return data if isinstance(data, dict) else {}


def _lines(crawl: Crawl) -> list[str]:
    try:
        return collect_index(crawl.warcs, crawl.index)
    except WaczError as exc:
        raise ReplayError(f"{crawl.dir}: cannot index its WARC files: {exc}") from exc


def originals_needed(own: Iterable[str], others: Iterable[str]) -> list[str]:
    """The lines of ``others`` a revisit of ``own`` may resolve to, as pywb looks the original up.

    pywb finds a revisit's original by its ``WARC-Refers-To-Target-URI``, closest to ``WARC-Refers-To-Date``,
    among the non-revisit captures with the revisit's payload digest. The original of a payload is its
    earliest capture (under the same URL, or any URL with ``ARCHIVER_DEDUP_REVISITS=any``), so the earliest
    non-revisit capture of each (URL, digest) whose digest a revisit carries is kept: the original is among
    them, without reading a record.
    """
    digests = {fields.get("digest") for line in own if (fields := _fields(line)).get("mime") == REVISIT_MIME}
    digests.discard(None)
    earliest: dict[tuple[str, str], tuple[str, str]] = {}
    for line in others:
        fields = _fields(line)
        digest = fields.get("digest")
        if digest not in digests or fields.get("mime") == REVISIT_MIME:
            continue
        key = (str(fields.get("url")), str(digest))
        timestamp = line.split(" ", 2)[1]
        if key not in earliest or timestamp < earliest[key][0]:
            earliest[key] = (timestamp, line)
    return sorted(line for _, line in earliest.values())


def home_pages(lines: Iterable[str]) -> list[tuple[str, str]]:
    """The latest capture of each blog's home page: ``(timestamp, url)``, a 200 or a revisit (always of a 200).

    A home page is ``https?://<host>/`` (:func:`archiver.blogger.urls.classify`) without a query; of a host's
    captures the latest good one is taken, https preferred at equal times. Sorted by host.
    """
    best: dict[str, tuple[str, bool, str]] = {}
    for line in lines:
        timestamp = line.split(" ", 2)[1]
        fields = _fields(line)
        url = str(fields.get("url", ""))
        if classify(url) != "home" or urlsplit(url).query:
            continue
        if fields.get("status") != "200" and fields.get("mime") != REVISIT_MIME:
            continue
        host = urlsplit(url).netloc.lower()
        rank = (timestamp, url.startswith("https:"), url)
        if host not in best or rank[:2] > best[host][:2]:
            best[host] = rank
    return [(best[host][0], best[host][2]) for host in sorted(best)]


def _merge(sources: Sequence[Sequence[str]]) -> list[str]:
    """One sorted sequence of sorted ones (:func:`archiver.warc.wacz.collect_index` sorts each crawl's lines)."""
    return list(heapq.merge(*sources))


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string escapes are YAML's)."""
    return json.dumps(value)


def config_yaml(collection: str, index: Path, archive_dirs: Sequence[Path]) -> str:
    """The config.yaml of pywb: one collection over ``index`` and the WARC folders (merged with pywb's defaults)."""
    lines = [
        "# Written by `archiver replay` (archiver/replay.py): rebuilt when a crawl changes; do not edit.",
        "collections:",
        f"  {collection}:",
        f"    index_paths: {_yaml(str(index))}",
        "    archive_paths:",
        *(f"      - {_yaml(str(path) + os.sep)}" for path in archive_dirs),
        "",
    ]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _load_state(state_dir: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((state_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not (state_dir / INDEX_NAME).is_file() or not (state_dir / CONFIG_NAME).is_file():
        return None
    return state


def build_collection(target: Target) -> Collection:
    """Build the target's collection in its state folder, or reuse it when nothing it was built from changed."""
    signature = target.signature()
    state = _load_state(target.state_dir)
    if state is not None and state.get("signature") == signature:
        return Collection(
            target.state_dir,
            target.collection,
            int(state.get("captures", 0)),
            [(str(ts), str(url)) for ts, url in state.get("homes", [])],
            [str(note) for note in state.get("notes", [])],
        )
    own = [_lines(crawl) for crawl in target.crawls]
    lines = _merge(own)
    notes: list[str] = []
    archive_dirs = [crawl.warc_dir for crawl in target.crawls]
    if target.lenders and any(f'"mime": "{REVISIT_MIME}"' in line for line in lines):
        lent: list[list[str]] = []
        for crawl in target.lenders:
            needed = originals_needed(lines, _lines(crawl))
            if needed:
                lent.append(needed)
                archive_dirs.append(crawl.warc_dir)
        lenders = [crawl.dir.name for crawl in target.lenders if crawl.warc_dir in archive_dirs]
        if lenders:
            notes.append(
                "This crawl's revisit records have their originals in the blog's other crawls: the captures they "
                f"need are replayed from {', '.join(lenders)} too (replay {target.path.parent} for every visit)"
            )
            lines = _merge([lines, *lent])
        else:
            notes.append(
                "This crawl's revisit records have no original in the blog's other crawls: they will not replay"
            )
    elif any(f'"mime": "{REVISIT_MIME}"' in line for line in lines) and target.kind == "crawl folder":
        notes.append("This crawl's revisit records have their originals in other crawls, which are not beside it")
    homes = home_pages(line for crawl_lines in own for line in crawl_lines)
    target.state_dir.mkdir(parents=True, exist_ok=True)
    _write(target.state_dir / INDEX_NAME, "".join(line + "\n" for line in lines))
    _write(target.state_dir / CONFIG_NAME, config_yaml(target.collection, target.state_dir / INDEX_NAME, archive_dirs))
    state = {"signature": signature, "captures": len(lines), "homes": homes, "notes": notes}
    _write(target.state_dir / STATE_NAME, json.dumps(state, indent=1, ensure_ascii=False) + "\n")
    return Collection(target.state_dir, target.collection, len(lines), homes, notes, rebuilt=True)


# -- pywb -----------------------------------------------------------------------------------------------------


def pywb_version() -> str:
    """The version of pywb; ReplayError naming the extra to install when it is missing."""
    if importlib.util.find_spec("pywb") is None:
        raise ReplayError(
            f"pywb is not installed: install it with `pip install 'blogspot-archiver[{EXTRA}]'` "
            f"(the {EXTRA!r} extra), in its own virtualenv if you like: it pins old releases of some libraries"
        )
    return importlib.metadata.version("pywb")


def _check_port(host: str, port: int) -> int:
    """The port to give pywb: ``port`` when it is free on ``host``, a free one for 0; ReplayError when in use."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if port:
                raise ReplayError(
                    f"port {port} on {host} is in use ({exc.strerror}): choose another with --port N, "
                    "or --port 0 for a free one"
                ) from exc
            raise ReplayError(f"cannot listen on {host}: {exc.strerror}") from exc
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            response.read()
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


#: pywb's server, started as a child that dies with this process: on Linux it asks the kernel for SIGTERM when its
#: parent dies (prctl PR_SET_PDEATHSIG), so a SIGKILLed `archiver replay` leaves no pywb holding the port
_CHILD = """
import os, signal, sys
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != {parent}:
    sys.exit(1)  # the parent died before the request took effect
from pywb.apps.cli import wayback
sys.exit(wayback())
"""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Server:
    """A running ``wayback`` over one collection."""

    process: subprocess.Popen[bytes]
    root: str  # http://HOST:PORT/
    log: Path


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def start_wayback(
    collection: Collection, host: str, port: int, *, attempts: int = 3, stop: threading.Event | None = None
) -> Server:
    """Start pywb's ``wayback`` in the state folder, bound to ``host``, and wait until it answers (or ``stop``)."""
    stop = stop or threading.Event()
    env = dict(os.environ)
    # pywb's front end reaches its own warcserver over HTTP on localhost: never through a proxy
    local = "localhost,127.0.0.1,::1"
    env["no_proxy"] = env["NO_PROXY"] = ",".join(filter(None, [env.get("no_proxy", ""), local]))
    log = collection.state_dir / LOG_NAME
    for _ in range(attempts if port == 0 else 1):
        chosen = _check_port(host, port)
        command = [sys.executable, "-c", _CHILD.format(parent=os.getpid())]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*command, "-b", host, "-p", str(chosen)],
                cwd=collection.state_dir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches this process only, which stops pywb and waits for it
            )
        server = Server(process, f"http://{_url_host(host)}:{chosen}/", log)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while time.monotonic() < deadline and process.poll() is None:
                if stop.is_set() or _answers(server.root):
                    return server
                stop.wait(0.1)
        except BaseException:
            _stop(process)
            raise
        _stop(process)
        if "Address already in use" not in _tail(log):
            break
    raise ReplayError(f"pywb did not start on {host}:{chosen}; the end of its log {log}:\n{_tail(log)}")


def serve(
    path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    out: TextIO | None = None,
    ready: Callable[[Server], None] | None = None,
) -> int:
    """Build or reuse the collection of ``path``, serve it with pywb until SIGINT or SIGTERM; return 0."""
    out = out or sys.stdout
    target = find_target(path)
    version = pywb_version()
    collection = build_collection(target)
    what = "built" if collection.rebuilt else "up to date"
    print(
        f"Replaying the {target.kind} {target.path} with pywb {version}: {collection.captures} captures from "
        f"{len(target.crawls)} crawl{'s' if len(target.crawls) != 1 else ''}, collection {what} in "
        f"{collection.state_dir}",
        file=out,
    )
    for note in collection.notes:
        print(note, file=out)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        server = start_wayback(collection, host, port, stop=stop)
        try:
            if stop.is_set():  # stopped while pywb was starting
                return 0
            base = f"{server.root}{collection.name}/"
            print(f"Open: {base}", file=out)
            for timestamp, url in collection.homes:
                print(f"Home page, latest capture: {base}{timestamp}/{url}", file=out)
            print(f"pywb's log: {server.log}. Press Ctrl-C to stop.", file=out, flush=True)
            if ready is not None:
                ready(server)
            while not stop.is_set() and server.process.poll() is None:
                stop.wait(0.5)
            if not stop.is_set():
                raise ReplayError(
                    f"pywb stopped by itself (exit status {server.process.returncode}); the end of its log "
                    f"{server.log}:\n{_tail(server.log)}"
                )
        finally:
            _stop(server.process)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("Stopped.", file=out, flush=True)
    return 0
