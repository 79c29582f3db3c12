"""Copy a crawl's WARC files into its WACZ package while it crawls, so the end of the crawl copies almost nothing.

A WACZ stores every WARC file whole. Packaging at the end of a crawl meant copying every WARC byte after the
last fetch (about 30 s for the 3.5 GB of a 20,000-post blog). :class:`LivePackage` runs one thread that copies
the crawl's WARC files, in name order (the order the package lists them), into a
:class:`~archiver.warc.wacz.PackageWriter`: a finished file whole, and the file being written as it grows
(:meth:`~archiver.warc.wacz.PackageWriter.follow_warc`: read what is there, wait, read again, until the
writer renames it to its final name). It only reads the files: the WARC writer is never waited for and never
changed, and the bytes in the package are the bytes on disk, checked at the end (sizes, and sha256 against the
writer's own where it has one, by :meth:`LivePackage.finish`).

Whatever goes wrong (an unreadable file, a file renamed out of order, a size or digest that does not match, a
member that outgrew its entry) ends the thread and abandons the partial package; the crawl then writes its
package as before, from the finished files. So the result is never worse than packaging at the end, and the
package is the same either way except for the members' time stamp (the time the live package began).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.warc.writer import OPEN_SUFFIX, WARC_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Mapping

    from archiver.warc.wacz import PackageWriter

logger = logging.getLogger(__name__)

#: seconds between looks at a WARC file that has not grown, or a folder with nothing new
POLL_SECONDS = 0.2
#: looks after :meth:`LivePackage.finish` before a file still open is given up on (the writer closes every file
#: before the package is finished, so one more look sees it renamed)
_LAST_LOOKS = 3


class LivePackage:
    """A thread copying the WARC files of ``warc_dir`` into ``writer`` while they are written.

    ``declared_size`` is the WARC writer's rollover size (ARCHIVER_WARC_MAX_SIZE): what a followed file is
    expected to reach, which decides its ZIP entry's form. :meth:`start` starts the thread;
    :meth:`finish` waits for it and returns the writer with every finished WARC file in it, or None (the
    partial package removed, the reason logged) when it could not keep up with the crawl's files.
    """

    def __init__(self, writer: PackageWriter, warc_dir: Path, declared_size: int, poll: float = POLL_SECONDS) -> None:
        """Copy into ``writer`` the WARC files of ``warc_dir``; nothing starts before :meth:`start`."""
        self.writer = writer
        self.warc_dir = Path(warc_dir)
        self.declared_size = declared_size
        self.poll = poll
        self.error: str | None = None  # why the live package was given up on
        self.followed = 0  # files copied while they were still being written
        self.following: str | None = None  # the name of the file being followed now
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._looks_left = _LAST_LOOKS
        self._thread = threading.Thread(target=self._run, name="archiver-live-wacz", daemon=True)

    def start(self) -> None:
        """Start copying."""
        self._thread.start()

    # -- the thread ------------------------------------------------------------------------------------------

    def _wait(self) -> bool:
        """Sleep a moment before looking again; False once :meth:`finish` was called and the last looks are done."""
        if self._stop.is_set():
            self._looks_left -= 1
            return self._looks_left > 0
        self._stop.wait(self.poll)
        return True

    def _files(self) -> list[tuple[str, Path, bool]]:
        """(final name, path, still open) of each WARC file of the folder, in final-name order."""
        files = []
        for path in self.warc_dir.iterdir():
            name = path.name
            if name.endswith(WARC_SUFFIX + OPEN_SUFFIX):
                files.append((name.removesuffix(OPEN_SUFFIX), path, True))
            elif name.endswith(WARC_SUFFIX):
                files.append((name, path, False))
        return sorted(files)

    def _next(self) -> tuple[str, Path, bool] | None:
        """The first file by name not yet in the package, or None; ValueError when one sorts before those done."""
        done = self.writer.warcs
        for name, path, still_open in self._files():
            if name in done:
                continue
            if done and name < done[-1]:
                raise ValueError(f"{name} appeared after {done[-1]}, which sorts after it")
            return name, path, still_open
        return None

    def _run(self) -> None:
        try:
            while self._step():
                pass
        except Exception as exc:  # noqa: BLE001 - any failure falls back to packaging at the end
            self.error = f"{type(exc).__name__}: {exc}"

    def _step(self) -> bool:
        """Copy the next file in, or wait for one; False when the copying is over."""
        entry = self._next()
        if entry is None:
            return self._wait()
        name, path, still_open = entry
        if not still_open:
            self.writer.add_warc(path)
            return True
        self.following = name
        try:
            done = self.writer.follow_warc(
                path, self.warc_dir / name, declared_size=self.declared_size, wait=self._wait
            )
        except FileNotFoundError as exc:
            if exc.filename is None or not str(exc.filename).endswith(OPEN_SUFFIX):
                raise
            return True  # renamed between the listing and the open: the next listing has its final name
        if not done:
            self.error = f"{name} was still open when the crawl ended"
            return False
        self.following = None
        self.followed += 1
        return True

    # -- the end ---------------------------------------------------------------------------------------------

    def finish(self, digests: Mapping[str, tuple[str, int]], timeout: float | None = None) -> PackageWriter | None:
        """Wait for the thread to copy every finished file; check them; the writer, or None (abandoned).

        ``digests`` are the (sha256, size) of the files the WARC writer hashed as it wrote them: each must
        match what was copied. ``timeout`` bounds the wait (None: as long as the copying takes).
        """
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.error = f"still copying after {timeout} s"
            # the thread holds the writer: it cannot be closed under it; it ends with the process (a daemon)
            return None
        if self.error is None:
            for name, (sha256, size) in digests.items():
                copied = self.writer.warc_digests.get(name)
                if copied is not None and copied != (sha256, size):
                    self.error = f"{name} in the package differs from the file the writer wrote"
                    break
        if self.error is not None:
            self.writer.abandon()
            return None
        return self.writer

    def abandon(self) -> None:
        """Stop copying and remove the partial package (an interrupted crawl)."""
        self._stop.set()
        self._looks_left = 0
        self._thread.join()
        self.writer.abandon()
