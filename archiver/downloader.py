"""The HTTP(S) download handler: Scrapy's HTTP/1.1 handler, with every attempt visible and the head as received.

(Also :class:`SlotLimitedDownloader`, Scrapy's downloader with each host's concurrency limit really enforced.)

Twisted's connection pool silently sends a GET again when it failed on a reused keep-alive connection before
any response arrived (``HTTPConnectionPool.retryAutomatically``). That attempt happens below every downloader
middleware: the crawl log never sees it and the retry budget does not count it. With the silent retry off,
such a failure reaches the middlewares like any other: crawl.log records it (-3) and
:class:`~archiver.middlewares.retry.BackoffRetryMiddleware` retries it, counted and logged.

The response head as the server sent it. Scrapy's Response has no reason phrase, and its headers are
Twisted's: names re-cased (``content-type`` becomes ``Content-Type``), grouped by name, and without the
connection headers (``Connection``, ``Keep-Alive``, ``Transfer-Encoding``; ``Content-Length`` is re-made from
the parsed length). This handler's response parser records, for each response, the reason phrase and every
header line in order, with the name exactly as sent and the value with the surrounding whitespace removed
(an obsolete folded header, continued on lines starting with a space, comes as one value, the lines joined).
The handler puts them in the request's meta, as Scrapy's handler puts ``download_latency`` there:

- ``archiver_http_reason``: the reason phrase as sent (bytes decoded as ISO-8859-1; ``""`` when none);
- ``archiver_http_headers``: ``list[tuple[bytes, bytes]]``, the header lines as received;
- ``archiver_tls``: for https, the connection's :class:`~archiver.tlsinfo.TlsSession` (negotiated version,
  cipher and the server's certificate chain), read from its pyOpenSSL connection when the response head
  arrives (the handshake is over by then). Through a CONNECT proxy the connection's TLS layer runs inside
  the tunnel, so this is the origin's session and chain, not the proxy's.

When the exchange happened, measured on the connection (:mod:`archiver.middlewares.timing`):

- ``archiver_sent``: ``(wall clock, monotonic)`` when the request was written to its connection (a pooled
  one, or one just opened: connecting, the proxy's CONNECT and the TLS handshake come before it);
- ``archiver_last_byte``: the monotonic time the last byte of the body was read.

Scrapy's ``download_latency`` starts when the handler is called, so it also counts the wait for a
connection from the pool and for a busy reactor; these two measure the fetch itself.

The WARC recorder stores these (:func:`archiver.middlewares.warc.captured_response`), with the
transfer-encoding policy of :mod:`archiver.warc.records` applied. A lone header line without a colon, which
Scrapy's lenient parser skips, is not recorded either.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from OpenSSL import SSL
from scrapy.core.downloader import Downloader, Slot
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from scrapy.exceptions import ResponseDataLossError
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from archiver.middlewares.timing import LAST_BYTE_KEY, SENT_KEY
from archiver.tlsinfo import session_from_connection

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.interfaces import IAddress
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest
    from twisted.web.iweb import IResponse

logger = logging.getLogger(__name__)

REASON_KEY = "archiver_http_reason"
HEADERS_KEY = "archiver_http_headers"
TLS_KEY = "archiver_tls"
#: the attribute of Twisted's response object that holds the header lines as received
_RAW_ATTR = "_archiver_raw_headers"
#: the attribute of Twisted's response object that holds the connection's TLS session
_TLS_ATTR = "_archiver_tls"
#: the attribute of Twisted's response object that holds when its request was sent (wall, monotonic)
_SENT_ATTR = "_archiver_sent"


class _RecordingParser(_LenientHTTPClientParser):
    """Scrapy's lenient response parser, also keeping every header line as received on the response."""

    def statusReceived(self, status: bytes) -> None:  # noqa: N802 - Twisted's name
        """Parse the status line, and start a new list of header lines for this response."""
        super().statusReceived(status)  # type: ignore[no-untyped-call]
        self._raw_headers: list[tuple[bytes, bytes]] = []
        setattr(self.response, _RAW_ATTR, self._raw_headers)

    def headerReceived(self, name: bytes, value: bytes) -> None:  # noqa: N802 - Twisted's name
        """Record the header line (name as sent), then let Twisted file it."""
        self._raw_headers.append((name, value))
        super().headerReceived(name, value)  # type: ignore[no-untyped-call]


class _RecordingProtocol(_LenientHTTP11ClientProtocol):
    """The HTTP/1.1 client protocol with the recording parser."""

    def request(self, request: TxRequest) -> Deferred[IResponse]:
        """Send the request; the parser Twisted made is given the recording class (it has no state of its own)."""
        sent = (time.time(), time.monotonic())  # the request's bytes go to the connection now
        d = super().request(request)
        assert self._parser is not None
        self._parser.__class__ = _RecordingParser
        transport = self.transport

        def _attach_tls(response: IResponse) -> IResponse:
            setattr(response, _SENT_ATTR, sent)
            handle = transport.getHandle() if transport is not None else None
            if isinstance(handle, SSL.Connection):  # plain http: the handle is the socket
                setattr(response, _TLS_ATTR, session_from_connection(handle))
            return response

        d.addCallback(_attach_tls)
        return d


class _RecordingFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:  # noqa: N802 - Twisted's name
        return _RecordingProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]


class _RecordingAgent(_ScrapyAgent):
    """Scrapy's agent, copying the reason phrase and header lines of the response into the request's meta."""

    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        phrase = txresponse.phrase or b""
        request.meta[REASON_KEY] = phrase.decode("latin-1") if isinstance(phrase, bytes) else str(phrase)
        request.meta[HEADERS_KEY] = list(getattr(txresponse, _RAW_ATTR, None) or [])
        tls = getattr(txresponse, _TLS_ATTR, None)
        if tls is not None:
            request.meta[TLS_KEY] = tls
        sent = getattr(txresponse, _SENT_ATTR, None)
        if sent is not None:
            request.meta[SENT_KEY] = sent
        result = super()._cb_bodyready(txresponse, request)
        if not isinstance(result, Deferred):  # no body to read (HEAD, Content-Length: 0): the head was the end
            request.meta[LAST_BYTE_KEY] = time.monotonic()
            return result

        def _last_byte(body: Any) -> Any:
            request.meta[LAST_BYTE_KEY] = time.monotonic()
            return body

        return result.addCallback(_last_byte)


class VisibleRetryHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler without Twisted's silent retry, keeping the head as received (DOWNLOAD_HANDLERS)."""

    def __init__(self, crawler: Crawler) -> None:
        """Build Scrapy's handler, turn off the pool's automatic retry, and parse with the recording parser."""
        super().__init__(crawler)
        self._pool.retryAutomatically = False
        self._pool._factory = _RecordingFactory

    async def download_request(self, request: Request) -> Response:
        """Download as Scrapy does, with the recording agent (the head as received lands in request.meta)."""
        request.meta.pop(REASON_KEY, None)  # a redirect's copy of the meta must not carry the last hop's head
        request.meta.pop(HEADERS_KEY, None)
        request.meta.pop(TLS_KEY, None)
        request.meta.pop(SENT_KEY, None)  # and not the last attempt's timing (retries copy the meta too)
        request.meta.pop(LAST_BYTE_KEY, None)
        agent = _RecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(self._crawler.spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(self._crawler.spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        return await self._download_with(agent, request)

    async def _download_with(self, agent: _ScrapyAgent, request: Request) -> Response:
        """Scrapy's ``download_request`` after it built its agent (error wrapping, the data-loss warning)."""
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise


class SlotLimitedDownloader(Downloader):
    """Scrapy's downloader, with each slot's concurrency enforced under the asyncio reactor (DOWNLOADER).

    Scrapy 2.19's ``_process_queue`` starts a slot's queued requests while ``slot.free_transfer_slots()`` is
    positive, but a request counts as transferring only once its download task runs; under the asyncio reactor
    that task is created with ``loop.create_task`` and runs later, so one call starts the whole queue: a host
    gets every request waiting for it at once, whatever ``CONCURRENT_REQUESTS_PER_DOMAIN`` says (measured: 22
    requests in flight to one host with the setting at 8). Here a request counts as transferring from the moment
    it is started; ``_download`` adds it again (a set) and removes it when done, as before.
    """

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # processing is blocked until slot.latercall runs
        now = time.monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # the one change: it holds its transfer slot from now on
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # no burst when a delay between requests is configured
                self._process_queue(slot)
                break
