"""The replica's HTTP/1.1 server: a forward proxy (plain and CONNECT + TLS) and a direct web server.

Written on asyncio streams rather than a web framework because the replica must control the wire:
chunked framing, gzip, resets, truncated bodies and slow drips are what a crawler must survive.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import signal
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http import HTTPStatus
from typing import IO, TYPE_CHECKING

from blogger_replica.app import ReplicaApp, Request
from blogger_replica.assets import DEFAULT_PHOTO_BPP
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.errors import ConfigError
from blogger_replica.faults import FaultKind, FaultPlan
from blogger_replica.launch import ANNOUNCE
from blogger_replica.site import Page
from blogger_replica.tls import server_context

if TYPE_CHECKING:
    from pathlib import Path

    from blogger_replica.site import Theme

logger = logging.getLogger(__name__)

MAX_LINE = 16 * 1024
MAX_HEADERS = 100
IDLE_TIMEOUT = 60.0
CHUNK_SIZE = 8 * 1024
DRIP_PIECES = 10
DRIP_PAUSE = 0.3
_COMPRESSIBLE = (
    "text/",
    "application/atom+xml",
    "application/rss+xml",
    "application/xml",
    "application/json",
    "application/javascript",
)


@dataclass
class ReplicaConfig:
    host: str = "127.0.0.1"
    port: int = 0
    posts: int = 200
    state: int = 0
    theme: Theme = "classic"
    latency_ms: float = 0.0
    photo_bpp: float = DEFAULT_PHOTO_BPP
    silent_edits: float = 0.0
    silent_edit_paths: tuple[str, ...] = ()
    planted: bool = False
    faults: FaultPlan = field(default_factory=FaultPlan)
    blog_name: str = DEFAULT_BLOG_NAME
    #: more blogs served by the same process, each on NAME.blogspot.com (the same number of posts and state)
    also_blogs: tuple[str, ...] = ()
    domain: str | None = None
    access_log: Path | None = None
    ca_cert: Path | None = None


@dataclass
class _Counters:
    requests: int = 0
    faults: int = 0
    bytes_sent: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class _Abort(Exception):
    """The connection must be dropped (fault injected or protocol error)."""


class ReplicaServer:
    """Serves one blog; start with :meth:`start`, then :meth:`serve_forever`."""

    def __init__(self, config: ReplicaConfig) -> None:
        self.config = config
        try:
            self.blog = Blog(
                config.posts,
                config.state,
                config.blog_name,
                silent_edits=config.silent_edits,
                silent_edit_paths=config.silent_edit_paths,
                planted=config.planted,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        self.app = ReplicaApp(self.blog, config.theme, config.domain, photo_bpp=config.photo_bpp)
        self.also_apps = [
            ReplicaApp(Blog(config.posts, config.state, name), config.theme, photo_bpp=config.photo_bpp)
            for name in config.also_blogs
        ]
        extra = (config.domain,) if config.domain else ()
        self.tls = server_context(extra, config.ca_cert)
        self.counters = _Counters()
        self._server: asyncio.base_events.Server | None = None
        self._log: IO[str] | None = None
        self.started = time.monotonic()

    async def start(self) -> tuple[str, int]:
        if self.config.access_log is not None:
            self._log = self.config.access_log.open("a", encoding="utf-8", buffering=1)
        self._server = await asyncio.start_server(
            self._connection, self.config.host, self.config.port, limit=MAX_LINE * 4, reuse_address=True
        )
        sockname = self._server.sockets[0].getsockname()
        return sockname[0], sockname[1]

    async def serve_forever(self) -> None:
        assert self._server is not None
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        async with self._server:
            await stop.wait()
        if self._log is not None:
            self._log.close()

    def summary(self) -> str:
        c = self.counters
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(c.by_status.items()))
        return (
            f"replica: served {c.requests} requests ({statuses or 'none'}), {c.faults} faults injected, "
            f"{c.bytes_sent} bytes, in {time.monotonic() - self.started:.1f} s"
        )

    # -- connections --

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            await self._requests(reader, writer, peer, tunnel_host=None)
        except (
            _Abort,
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ssl.SSLError,
            TimeoutError,
            OSError,
        ):
            pass
        finally:
            writer.transport.abort()

    async def _requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: object, tunnel_host: str | None
    ) -> None:
        while True:
            try:
                line = await asyncio.wait_for(reader.readline(), IDLE_TIMEOUT)
            except TimeoutError:
                return
            if not line:
                return
            if not line.strip():
                continue  # tolerate a stray CRLF between requests
            parts = line.decode("latin-1").strip().split()
            headers = await self._read_headers(reader)
            if len(parts) != 3 or not parts[2].startswith("HTTP/"):
                await self._simple(writer, 400, "replica: malformed request line")
                return
            method, target, version = parts
            if method == "CONNECT":
                if tunnel_host is not None:
                    await self._simple(writer, 400, "replica: CONNECT inside a tunnel")
                    return
                host = target.rsplit(":", 1)[0].lower()
                if not self.app.knows(host):
                    self._access(peer, "CONNECT", f"{target}", 502, 0, "unknown-host", "proxy")
                    await self._simple(
                        writer,
                        502,
                        f"replica: {host} is not part of the offline replica (this machine has no internet)",
                    )
                    return
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                await writer.start_tls(self.tls)
                tunnel_host = host
                continue
            keep_alive = self._keep_alive(version, headers)
            length = _header(headers, "content-length")
            if length and length.isdigit():
                await reader.readexactly(int(length))
            request = self._request(method, target, headers, tunnel_host, writer)
            if request is None:
                await self._simple(writer, 400, f"replica: cannot tell which site {target!r} is for")
                return
            if not await self._respond(writer, request, version, headers, keep_alive, peer):
                return
            if not keep_alive:
                return

    async def _read_headers(self, reader: asyncio.StreamReader) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                return headers
            if len(headers) >= MAX_HEADERS:
                raise _Abort("too many headers")
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))

    @staticmethod
    def _keep_alive(version: str, headers: list[tuple[str, str]]) -> bool:
        connection = (_header(headers, "connection") or "").lower()
        if version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def _request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        tunnel_host: str | None,
        writer: asyncio.StreamWriter,
    ) -> Request | None:
        if target.startswith(("http://", "https://")):
            scheme, rest = target.split("://", 1)
            authority, _, path_query = rest.partition("/")
            path, _, query = ("/" + path_query).partition("?")
            authority = authority.rsplit("@", 1)[-1].lower()
            host = authority.split(":")[0]
            if host in ("127.0.0.1", "localhost") and not self.app.knows(host):  # absolute-form to ourselves
                return Request(method, scheme, host, path, query, "direct", direct_base=f"{scheme}://{authority}")
            return Request(method, scheme, host, path, query, "proxy")
        path, _, query = target.partition("?")
        host_header = (_header(headers, "host") or "").lower()
        host = host_header.split(":")[0]
        if tunnel_host is not None:
            return Request(method, "https", host or tunnel_host, path, query, "tunnel")
        if host and self.app.knows(host):
            return Request(method, "http", host, path, query, "proxy")
        local = writer.get_extra_info("sockname")
        base = f"http://{host_header}" if host_header else f"http://{local[0]}:{local[1]}"
        return Request(method, "http", host, path, query, "direct", direct_base=base)

    def _handle(self, req: Request) -> Page | None:
        """The page of the blog the request is for (``--also-blog``: by host; shared hosts: the first that has it)."""
        if not self.also_apps or req.mode == "direct":
            return self.app.handle(req)
        for app in self.also_apps:
            if req.host in (app.blog_host, app.blog.host):
                return app.handle(req)
        page = self.app.handle(req)
        if page is None or page.status != 404 or (req.host.endswith(".blogspot.com") and req.host.count(".") == 2):
            return page
        for app in self.also_apps:  # image and feed hosts shared by every blog
            other = app.handle(req)
            if other is not None and other.status != 404:
                return other
        return page

    # -- responses --

    async def _respond(
        self,
        writer: asyncio.StreamWriter,
        req: Request,
        version: str,
        headers: list[tuple[str, str]],
        keep_alive: bool,
        peer: object,
    ) -> bool:
        """Send one response; False when the connection must not be reused."""
        if req.method not in ("GET", "HEAD"):
            self._access(peer, req.method, req.url, 405, 0, None, req.mode)
            await self._simple(writer, 405, "replica: only GET and HEAD are served", allow="GET, HEAD")
            return False
        page = self._handle(req)
        if page is None:
            self._access(peer, req.method, req.url, 502, 0, "unknown-host", req.mode)
            await self._simple(
                writer, 502, f"replica: {req.host} is not part of the offline replica (this machine has no internet)"
            )
            return False
        fault = None if req.path == "/robots.txt" else self.config.faults.decide(req.url)
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if fault == "reset":
            self._access(peer, req.method, req.url, 0, 0, fault, req.mode)
            _reset(writer)
            return False
        if fault in ("5xx", "429"):
            page = _fault_page(fault, req.url)
        status, head, body, chunked = self._encode(page, req, version, headers)
        head.append(("Connection", "keep-alive" if keep_alive else "close"))
        status_line = f"{version if version == 'HTTP/1.0' else 'HTTP/1.1'} {status} {_reason(status)}\r\n"
        wire_head = (status_line + "".join(f"{k}: {v}\r\n" for k, v in head) + "\r\n").encode("latin-1")
        wire_body = b"" if req.method == "HEAD" or status == 304 else _frame(body, chunked)
        self._access(peer, req.method, req.url, status, len(wire_body), fault, req.mode)
        self.counters.bytes_sent += len(wire_head) + len(wire_body)
        if fault == "truncate" and wire_body:
            writer.write(wire_head + wire_body[: max(1, len(wire_body) // 2)])
            await writer.drain()
            _reset(writer)
            return False
        if fault == "drip" and wire_body:
            writer.write(wire_head)
            step = max(1, -(-len(wire_body) // DRIP_PIECES))
            for start in range(0, len(wire_body), step):
                writer.write(wire_body[start : start + step])
                await writer.drain()
                await asyncio.sleep(DRIP_PAUSE)
            return True
        writer.write(wire_head + wire_body)
        await writer.drain()
        return chunked or "Content-Length" in dict(head) or req.method == "HEAD" or status == 304

    def _encode(
        self, page: Page, req: Request, version: str, headers: list[tuple[str, str]]
    ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        """Apply conditional requests, gzip and framing; return (status, headers, body, chunked)."""
        now = formatdate(usegmt=True)
        head: list[tuple[str, str]] = [("Content-Type", page.content_type)]
        head += page.headers
        head += [("Date", now)]
        status, body = page.status, page.body
        if page.cacheable and status == 200:
            etag = f'W/"{hashlib.sha1(body).hexdigest()[:20]}"'
            head += [("Expires", now), ("Cache-Control", "private, max-age=0"), ("ETag", etag)]
            if page.last_modified is not None:
                head.append(("Last-Modified", format_datetime(page.last_modified.astimezone(UTC), usegmt=True)))
            if _not_modified(headers, etag, page):
                return 304, [h for h in head if h[0] != "Content-Type"], b"", False
        head += [("X-Content-Type-Options", "nosniff"), ("X-XSS-Protection", "1; mode=block"), ("Server", "GSE")]
        if page.content_type.startswith(_COMPRESSIBLE):
            head.append(("Vary", "Accept-Encoding"))
            if _accepts_gzip(headers) and body:
                body = gzip.compress(body, compresslevel=6, mtime=0)
                head.append(("Content-Encoding", "gzip"))
        chunked = page.framing == "chunked" and version == "HTTP/1.1" and req.method != "HEAD"
        if chunked:
            head.append(("Transfer-Encoding", "chunked"))
        elif page.framing == "length" or req.method == "HEAD":
            head.append(("Content-Length", str(len(body))))
        return status, head, body, chunked

    async def _simple(self, writer: asyncio.StreamWriter, status: int, text: str, allow: str | None = None) -> None:
        body = (text + "\n").encode()
        head = (
            f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        )
        if allow:
            head += f"Allow: {allow}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    def _access(
        self, peer: object, method: str, url: str, status: int, size: int, fault: FaultKind | str | None, mode: str
    ) -> None:
        self.counters.requests += 1
        self.counters.by_status[status] = self.counters.by_status.get(status, 0) + 1
        if fault:
            self.counters.faults += 1
        if self._log is not None:
            entry = {
                "t": round(time.time(), 3),
                "method": method,
                "url": url,
                "status": status,
                "bytes": size,
                "fault": fault,
                "mode": mode,
            }
            self._log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _accepts_gzip(headers: list[tuple[str, str]]) -> bool:
    for item in (_header(headers, "accept-encoding") or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _not_modified(headers: list[tuple[str, str]], etag: str, page: Page) -> bool:
    inm = _header(headers, "if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = _header(headers, "if-modified-since")
    if ims and page.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return page.last_modified.replace(microsecond=0) <= since
    return False


def _frame(body: bytes, chunked: bool) -> bytes:
    if not chunked:
        return body
    pieces = [
        b"%x\r\n%s\r\n" % (len(body[i : i + CHUNK_SIZE]), body[i : i + CHUNK_SIZE])
        for i in range(0, len(body), CHUNK_SIZE)
    ]
    return b"".join(pieces) + b"0\r\n\r\n"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP RST, as a crashing server or a middlebox does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    raise _Abort("fault injected")


def _fault_page(kind: FaultKind, url: str) -> Page:
    if kind == "429":
        body = b"<html><head><title>429 Too Many Requests</title></head><body>Too many requests</body></html>"
        return Page(429, "text/html; charset=UTF-8", body, headers=[("Retry-After", "1")], cacheable=False)
    status = (500, 502, 503)[hashlib.sha1(url.encode()).digest()[0] % 3]
    body = f"<html><head><title>Error {status}</title></head><body>Server Error {status}</body></html>".encode()
    return Page(status, "text/html; charset=UTF-8", body, cacheable=False)


async def run(config: ReplicaConfig, announce: IO[str]) -> ReplicaServer:
    """Start the server, print where it listens on ``announce``, serve until SIGINT/SIGTERM."""
    server = ReplicaServer(config)
    host, port = await server.start()
    blog = server.blog
    announce.write(ANNOUNCE.format(host=host, port=port) + "\n")  # what blogger_replica.launch waits for
    announce.write(
        f"replica: {server.app.blog_host}: {len(blog.posts)} posts, {len(blog.pages)} pages, "
        f"state {config.state}, theme {config.theme}; direct mode at http://{host}:{port}/, "
        f"proxy mode with http_proxy=https_proxy=http://{host}:{port}\n"
    )
    announce.flush()
    await server.serve_forever()
    announce.write(server.summary() + "\n")
    announce.flush()
    return server
