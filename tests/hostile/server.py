"""A hostile Blogger site for tests: a small real-looking blog, plus pluggable misbehaviours, on 127.0.0.1 only.

Run ``python -m tests.hostile.server [--behaviour NAME ...] [--posts N] [--log FILE] [--opt KEY=VALUE ...]``;
it prints ``hostile listening on http://127.0.0.1:PORT/`` and serves until terminated.

It answers in two ways at once, like the replica:

- **proxy mode**: an HTTP forward proxy by host name, plain requests and ``CONNECT`` (TLS with the replica's
  throw-away certificates), so a crawl of ``https://hostile.blogspot.com/`` with
  ``http_proxy=https_proxy=http://127.0.0.1:PORT`` sees real host names;
- **direct mode**: ``http://127.0.0.1:PORT/`` is the blog, links pointing back at that address.

The blog itself is the project's replica content (:class:`blogger_replica.app.ReplicaApp`, classic theme,
``--posts`` posts, default 5), served by host name exactly as the replica serves it (Blogger's asset hosts too).

Behaviours live in ``tests/hostile/behaviours_*.py`` (every such module is imported) and register with
:func:`behaviour`::

    @behaviour("br_everywhere")
    def br_everywhere(h: Handler) -> bool:
        page = h.blog_page()              # the normal Page for this request, or None
        ...
        h.respond(200, body, headers=[("Content-Encoding", "br")])
        return True                        # answered; False lets the next behaviour or the blog answer

``Handler`` gives ``h.host`` (lower case, no port), ``h.netloc``, ``h.base`` (``http://NETLOC``), ``h.path``
(path only), ``h.query`` (raw query string), ``h.params`` (``parse_qs`` of it), ``h.headers`` (the request's),
``h.option(key, default)`` (``--opt KEY=VALUE``), ``h.respond(...)``, ``h.send_raw(bytes)`` (write bytes
straight to the socket; the connection is closed afterwards) and ``h.blog_page()``. Behaviours are tried in
the order given on the command line; the blog answers what none of them does. Every request is appended to
``--log`` as one JSON line (method, url, host, path, query, answered_by) before it is answered.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from blogger_replica.app import ReplicaApp, Request
from blogger_replica.content import Blog
from blogger_replica.tls import server_context

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from blogger_replica.site import Page

BLOG_NAME = "hostile"
BLOG_HOST = f"{BLOG_NAME}.blogspot.com"
BEHAVIOURS: dict[str, Callable[[Handler], bool]] = {}


def behaviour(name: str) -> Callable[[Callable[[Handler], bool]], Callable[[Handler], bool]]:
    """Register a behaviour under ``name`` (used with ``--behaviour NAME``)."""

    def register(fn: Callable[[Handler], bool]) -> Callable[[Handler], bool]:
        if name in BEHAVIOURS:
            raise ValueError(f"behaviour {name!r} registered twice")
        BEHAVIOURS[name] = fn
        return fn

    return register


def _load_behaviours() -> None:
    package = Path(__file__).parent
    for module in pkgutil.iter_modules([str(package)]):
        if module.name.startswith("behaviours_"):
            importlib.import_module(f"tests.hostile.{module.name}")


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog is 5: a crawl opening 32 connections at once has its SYNs dropped and retried by
    # TCP after 1, 3, 7, 15 s, which stalled crawls for half a minute
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], behaviours: list[str], posts: int, log: Path | None, options: dict[str, str]
    ) -> None:
        super().__init__(address, Handler)
        unknown = [name for name in behaviours if name not in BEHAVIOURS]
        if unknown:
            raise SystemExit(f"unknown behaviour(s) {unknown}; known: {sorted(BEHAVIOURS)}")
        self.behaviours = behaviours
        self.app = ReplicaApp(Blog(posts, 0, BLOG_NAME))
        self.log_path = log
        self.options = options
        self.lock = threading.Lock()
        self.tls = server_context()

    def log_request_line(self, entry: dict[str, Any]) -> None:
        if self.log_path is None:
            return
        with self.lock, self.log_path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (quiet: the JSON log has it all)
        return

    # -- request facts ---------------------------------------------------------------------------------

    tunnel_host: str | None = None

    def _parse_target(self) -> None:
        target = self.path
        self.scheme = "http"
        if self.tunnel_host is not None:  # inside CONNECT: origin-form requests for the tunnelled host
            parts = urlsplit("https://x" + target)
            self.netloc = self.tunnel_host
            self.mode, self.scheme = "tunnel", "https"
        elif target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            self.netloc = parts.netloc.lower()
            self.mode = "proxy"
        else:
            parts = urlsplit("http://x" + target)
            self.netloc = (self.headers.get("Host") or "127.0.0.1").lower()
            self.mode = "direct"
        self.host = self.netloc.rsplit(":", 1)[0] if not self.netloc.endswith("]") else self.netloc
        self.base = f"{self.scheme}://{self.netloc}"
        self.path = parts.path or "/"
        self.query = parts.query
        self.params = parse_qs(parts.query, keep_blank_values=True)
        self.url = f"{self.base}{self.path}{'?' + self.query if self.query else ''}"

    def option(self, key: str, default: str = "") -> str:
        return self.server.options.get(key, default)

    # -- answering -------------------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        """Write bytes straight to the socket; the connection closes after this request."""
        self.close_connection = True
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def respond(
        self,
        status: int,
        body: bytes | Iterable[bytes] = b"",
        *,
        reason: str | None = None,
        content_type: str | None = "text/html; charset=UTF-8",
        headers: Iterable[tuple[str, str]] = (),
        length: bool = True,
    ) -> None:
        """Send a response: bytes with a Content-Length (keep-alive), or chunks streamed until the connection closes.

        Bytes with ``length=False`` are also sent without a length, the connection closing after them.
        """
        head = [f"HTTP/1.1 {status} {reason if reason is not None else self.responses.get(status, ('OK',))[0]}"]
        if content_type:
            head.append(f"Content-Type: {content_type}")
        head.extend(f"{name}: {value}" for name, value in headers)
        streamed = not isinstance(body, bytes | bytearray)
        if not streamed and length:
            head.append(f"Content-Length: {len(body)}")
        else:
            head.append("Connection: close")
            self.close_connection = True
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            if self.command != "HEAD":
                if streamed:
                    for chunk in body:
                        self.wfile.write(chunk)
                else:
                    self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def blog_page(self, path: str | None = None, query: str | None = None) -> Page | None:
        """The blog's normal page for this request (or for ``path``/``query``), rendered for this base URL."""
        method = self.command if self.command != "HEAD" else "GET"
        path = path if path is not None else self.path
        query = query if query is not None else self.query
        if self.mode == "direct":
            req = Request(method, "http", self.host, path, query, "direct", direct_base=self.base)
        else:  # by host name, as the replica's proxy does (Blogger's http -> https redirect included)
            req = Request(method, self.scheme, self.host, path, query, self.mode)
        return self.server.app.handle(req)

    def _answer_with_blog(self) -> None:
        page = self.blog_page()
        if page is None:
            self.respond(404, b"not found")
            return
        headers = [(name, value) for name, value in page.headers]
        self.respond(page.status, page.body, content_type=page.content_type, headers=headers)

    def _handle(self) -> None:
        self._parse_target()
        answered_by = "blog"
        for name in self.server.behaviours:
            if BEHAVIOURS[name](self):
                answered_by = name
                break
        else:
            self._answer_with_blog()
        self.server.log_request_line(
            {
                "method": self.command,
                "url": self.url,
                "host": self.host,
                "path": self.path,
                "query": self.query,
                "mode": self.mode,
                "answered_by": answered_by,
            }
        )

    do_GET = do_HEAD = do_POST = _handle

    def do_CONNECT(self) -> None:  # noqa: N802
        """Open a TLS tunnel for ``host:443`` and keep answering requests inside it as that host."""
        host = self.path.rsplit(":", 1)[0].lower()
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.rfile = self.connection.makefile("rb", self.rbufsize)
        self.wfile = self.connection.makefile("wb", self.wbufsize)
        self.tunnel_host = host
        self.close_connection = False


def main(argv: list[str] | None = None) -> int:
    _load_behaviours()
    parser = argparse.ArgumentParser(prog="python -m tests.hostile.server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--behaviour", action="append", default=[])
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--opt", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    options = dict(item.split("=", 1) for item in args.opt)
    server = HostileServer(("127.0.0.1", args.port), args.behaviour, args.posts, args.log, options)
    print(f"hostile listening on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    # run the module's importable copy: the behaviours register with tests.hostile.server, not __main__
    from tests.hostile import server as _server

    sys.exit(_server.main())
