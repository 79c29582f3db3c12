"""A small static file server on 127.0.0.1 that answers HTTP Range requests (RFC 9110 §14), for the browser tests.

ReplayWeb.page reads a WACZ by Range requests (the zip's central directory, then each index and record), so
the server that hands it the archive must answer ``Range: bytes=A-B`` with ``206 Partial Content`` and exactly
those bytes. Python's ``http.server`` does not, hence this one. It serves a fixed map of URL paths to files or
in-memory bodies, runs in a thread of the test process, and logs every request it answered.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterator

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_CHUNK = 1 << 16
_TYPES = {".js": "text/javascript", ".wacz": "application/wacz", ".html": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Served:
    """One request the server answered: method, path, the Range header it got, and the status it sent."""

    method: str
    path: str
    range: str | None
    status: int


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions of a single ``bytes=`` range, or None if unsatisfiable.

    ``bytes=A-B``, ``bytes=A-`` (to the end) and ``bytes=-N`` (the last N bytes), clamped to the file as RFC 9110
    §14.1.2 says. A multi-range request (``bytes=0-1,5-6``) is not answered by parts: ReplayWeb.page never sends
    one, and the server then sends the whole file with 200, which the RFC allows.
    """
    match = _RANGE.fullmatch(header.strip())
    if not match:
        raise ValueError(f"not a single byte range: {header!r}")
    first, last = match.groups()
    if not first and not last:
        raise ValueError(f"empty byte range: {header!r}")
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


class RangeServer:
    """Serve ``files`` (URL path -> file or bytes) on ``127.0.0.1:0`` in a thread; use it as a context manager."""

    def __init__(self, files: dict[str, Path | bytes]) -> None:
        self.files = dict(files)
        self.log: list[Served] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="range-server", daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def __enter__(self) -> RangeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def served(self, path: str) -> list[Served]:
        """The requests answered for ``path`` so far."""
        with self._lock:
            return [entry for entry in self.log if entry.path == path]

    def _record(self, entry: Served) -> None:
        with self._lock:
            self.log.append(entry)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
                """Quiet: the server's own log is :attr:`RangeServer.log`."""

            def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
                self._serve(body=False)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._serve(body=True)

            def _serve(self, *, body: bool) -> None:
                path = urlsplit(self.path).path
                range_header = self.headers.get("Range")
                source = server.files.get(path)
                if source is None:
                    self._status(HTTPStatus.NOT_FOUND, path, range_header)
                    return
                size = len(source) if isinstance(source, bytes) else source.stat().st_size
                status, first, last = HTTPStatus.OK, 0, size - 1
                if range_header is not None:
                    try:
                        span = parse_range(range_header, size)
                    except ValueError:
                        span = (0, size - 1)  # not a single range: the whole file, as RFC 9110 allows
                    else:
                        if span is None:
                            self._status(
                                HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, path, range_header, f"bytes */{size}"
                            )
                            return
                        status = HTTPStatus.PARTIAL_CONTENT
                    first, last = span
                server._record(Served(self.command, path, range_header, status))  # before the client can read it
                self.send_response(status)
                suffix = ".html" if path.endswith("/") else Path(path).suffix  # a folder's index page
                kind = _TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
                self.send_header("Content-Type", kind)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(last - first + 1 if size else 0))
                if status == HTTPStatus.PARTIAL_CONTENT:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if body and size:
                    try:
                        for chunk in _chunks(source, first, last):
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the browser had what it needed and hung up

            def _status(self, status: HTTPStatus, path: str, range_header: str | None, content_range: str = "") -> None:
                server._record(Served(self.command, path, range_header, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if content_range:
                    self.send_header("Content-Range", content_range)
                self.end_headers()

        return Handler


def _chunks(source: Path | bytes, first: int, last: int) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source[first : last + 1]
        return
    remaining = last - first + 1
    with source.open("rb") as stream:
        stream.seek(first)
        while remaining > 0:
            chunk = stream.read(min(_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
