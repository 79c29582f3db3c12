"""HTTP helpers without Scrapy: undo a ``Content-Encoding`` to read a body (never to store it), and read its charset.

Every content coding Scrapy's HttpCompressionMiddleware asks for (``gzip``, ``deflate``, ``br``, ``zstd``, and
``x-gzip``) is undone here, with the libraries Scrapy itself uses (Brotli, and ``compression.zstd`` or its
backport ``backports.zstd``), for every reader of a body: link discovery, post records, WACZ titles, offline
``archiver extract`` and the downloader's own decompression (:mod:`archiver.middlewares.limits`).

Decoding is streamed: each decoder produces at most :data:`CHUNK_SIZE` bytes per step, and the output is
counted as it grows, so a body that would decode past ``limit`` bytes (a gzip bomb: 5 MB that inflate to
5 GB) raises :class:`DecodeLimitExceeded` having held at most ``limit`` + one chunk, never the whole. A stream
that ends early (a truncated body) gives what it decoded, as Scrapy does; a corrupt one raises
:class:`DecodeError`.

Brotli: pywb (a test dependency) requires ``brotlipy``, whose ``brotli`` package shadows Google's ``brotli``
module when both are installed, and has no streaming ``process(data, output_buffer_limit=...)``. Google's
Brotli is then still importable as its extension module ``_brotli``, which is what its ``brotli`` wraps; it
is used in that case. :data:`SUPPORTED_CODINGS` lists ``br`` only when one of the two is present.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import zlib
from typing import TYPE_CHECKING, Any

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType


#: decoded bytes produced per decompression step
CHUNK_SIZE = 64 * 1024
#: the default decoded-size limit: ARCHIVER_LIMITS_DOCUMENT_DECODED_SIZE, and what post records use
DEFAULT_DECODE_LIMIT = 64 * 1024 * 1024


class DecodeError(ValueError):
    """A body cannot be decoded with the content codings its headers name."""


class DecodeLimitExceeded(DecodeError):
    """Decoding stopped because the output passed the limit (``decoded`` bytes so far, ``limit``)."""

    def __init__(self, coding: str, decoded: int, limit: int) -> None:
        """Say which coding passed the limit, after how many decoded bytes."""
        super().__init__(f"{coding} body decodes to more than {limit} bytes (stopped at {decoded})")
        self.coding = coding
        self.decoded = decoded
        self.limit = limit


def _streaming_brotli() -> Any | None:
    """Google's Brotli module with a streaming Decompressor, or None (see the module docstring)."""
    try:
        import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        brotli = None
    if brotli is not None and hasattr(brotli.Decompressor, "process"):
        return brotli
    extension = _google_brotli_extension()
    if extension is not None:
        return extension
    try:
        import brotlicffi  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return brotlicffi if hasattr(brotlicffi.Decompressor, "process") else None


def _google_brotli_extension() -> Any | None:
    """Google's ``_brotli`` extension found on sys.path; None when it is not installed or not streaming.

    It is looked up bypassing ``sys.modules``, where brotlipy's cffi module registers itself under the same name.
    """
    spec = importlib.machinery.PathFinder.find_spec("_brotli")
    if spec is None or spec.loader is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        return None
    return module if hasattr(getattr(module, "Decompressor", None), "process") else None


def _zstd_module() -> ModuleType | None:
    """``compression.zstd`` (Python 3.14+) or ``backports.zstd``, as Scrapy imports it; None if neither."""
    try:
        if sys.version_info >= (3, 14):
            from compression import zstd  # type: ignore[import-not-found, unused-ignore]
        else:
            from backports import zstd  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return zstd  # type: ignore[no-any-return, unused-ignore]


_BROTLI = _streaming_brotli()
_ZSTD = _zstd_module()

#: the content codings :func:`decode_content` undoes (lower case)
SUPPORTED_CODINGS: frozenset[str] = frozenset(
    {"identity", "gzip", "x-gzip", "deflate"}
    | ({"br"} if _BROTLI is not None else set())
    | ({"zstd"} if _ZSTD is not None else set())
)


class _Sink:
    """Decoded chunks, counted as they arrive; raises once the total passes the limit."""

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self.size = 0
        self.chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.chunks.clear()
            raise DecodeLimitExceeded(self.coding, self.size, self.limit)
        if chunk:
            self.chunks.append(chunk)

    def value(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _zlib_stream(data: bytes, wbits: int, sink: _Sink) -> bytes:
    """Inflate one zlib/gzip/raw-deflate stream into ``sink``; return the bytes after its end."""
    inflater = zlib.decompressobj(wbits)
    view = memoryview(data)
    # input in slices, so that zlib's unconsumed_tail (a copy of the input left) stays one slice at most
    for start in range(0, len(view), CHUNK_SIZE):
        sink.add(inflater.decompress(view[start : start + CHUNK_SIZE], CHUNK_SIZE))
        while inflater.unconsumed_tail and not inflater.eof:
            sink.add(inflater.decompress(inflater.unconsumed_tail, CHUNK_SIZE))
        if inflater.eof:
            return inflater.unused_data + bytes(view[start + CHUNK_SIZE :])
    sink.add(inflater.flush())  # a truncated stream: what it decoded (flush is bounded by the window)
    return b""


def _gunzip(data: bytes, sink: _Sink) -> None:
    """Every gzip member of ``data`` (RFC 1952 allows several); trailing bytes that are not one are ignored."""
    rest = _zlib_stream(data, zlib.MAX_WBITS | 16, sink)
    while rest[:2] == b"\x1f\x8b":
        rest = _zlib_stream(rest, zlib.MAX_WBITS | 16, sink)


def _inflate(data: bytes, sink: _Sink) -> None:
    """``deflate``: a zlib stream, or raw deflate without the zlib wrapper, as some servers send it."""
    try:
        _zlib_stream(data, zlib.MAX_WBITS, sink)
    except zlib.error:
        sink.chunks.clear()
        sink.size = 0
        _zlib_stream(data, -zlib.MAX_WBITS, sink)


def _unbrotli(data: bytes, sink: _Sink) -> None:
    assert _BROTLI is not None
    decompressor = _BROTLI.Decompressor()
    sink.add(decompressor.process(data, output_buffer_limit=CHUNK_SIZE))
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=CHUNK_SIZE)
        if not chunk:  # a truncated stream: no more output without more input
            break
        sink.add(chunk)


def _unzstd(data: bytes, sink: _Sink) -> None:
    """Every zstd frame of ``data``, in order (RFC 8878 allows several)."""
    assert _ZSTD is not None
    rest = data
    while rest:
        decompressor = _ZSTD.ZstdDecompressor()
        sink.add(decompressor.decompress(rest, max_length=CHUNK_SIZE))
        while not decompressor.eof and not decompressor.needs_input:
            sink.add(decompressor.decompress(b"", max_length=CHUNK_SIZE))
        if not decompressor.eof:  # a truncated frame: what it decoded
            return
        rest = decompressor.unused_data


def _decoder_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [zlib.error, EOFError]
    if _BROTLI is not None:
        errors.append(_BROTLI.error)
    if _ZSTD is not None:
        errors.append(_ZSTD.ZstdError)
    return tuple(errors)


_DECODER_ERRORS = _decoder_errors()
_DECODERS = {"gzip": _gunzip, "x-gzip": _gunzip, "deflate": _inflate, "br": _unbrotli, "zstd": _unzstd}


def decode_content(body: bytes, codings: list[str], limit: int = DEFAULT_DECODE_LIMIT) -> bytes:
    """Undo the content codings, last applied first (``["gzip", "br"]``: brotli, then gzip).

    Raises :class:`DecodeLimitExceeded` when the decoded body (or any intermediate one) would exceed
    ``limit`` bytes, and :class:`DecodeError` for a coding not in :data:`SUPPORTED_CODINGS` or a corrupt body.
    """
    data = body
    for coding in reversed([c.strip().lower() for c in codings if c.strip()]):
        if coding == "identity":
            continue
        if coding not in SUPPORTED_CODINGS:
            raise DecodeError(f"unsupported content coding {coding!r}")
        sink = _Sink(coding, limit)
        try:
            _DECODERS[coding](data, sink)
        except _DECODER_ERRORS as exc:
            raise DecodeError(f"corrupt {coding} body: {exc}") from exc
        data = sink.value()
    if len(data) > limit:  # identity only: nothing was decoded, but the limit is the same
        raise DecodeLimitExceeded("identity", len(data), limit)
    return data


def header_codings(values: Iterable[bytes | str]) -> list[str]:
    """The content codings named by ``Content-Encoding`` header values (``b"gzip, br"`` → gzip, br).

    The one reading of the header, for every reader of a body: values as bytes (Scrapy) or text (warcio).
    """
    codings: list[str] = []
    for value in values:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        codings.extend(part.strip() for part in text.split(",") if part.strip())
    return codings


# -- charsets -------------------------------------------------------------------------------------------


def content_type_charset(content_type: str | bytes | None) -> str | None:
    """The Python codec for the charset a ``Content-Type`` declares, read as browsers read it; else None.

    The one reading of the header's charset, for every reader of a body (discovery, post records, WACZ
    titles). It is w3lib's (a Scrapy dependency, which Scrapy's own responses use): labels are mapped as the
    WHATWG Encoding Standard maps them, so ``gb2312`` and ``gbk`` read as GB18030 (a Chinese blog's pages
    labelled ``gb2312`` use GBK-only characters such as 镕), ``big5`` as Big5-HKSCS and ``iso-8859-1`` as
    windows-1252; a label no browser knows, and ``utf-7``, give None, as if nothing were declared.
    """
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return http_content_type_encoding(content_type)


def decode_html(body: bytes, charset: str | None) -> str:
    """The text of an HTML page: in ``charset`` (the Content-Type's), else its ``<meta>`` charset, else sniffed.

    Labels are read as browsers read them (:func:`content_type_charset`). A page that declares nothing
    usable is UTF-8 when it decodes as UTF-8; otherwise its encoding is detected by charset-normalizer (a
    Scrapy dependency). BeautifulSoup's ``UnicodeDammit`` is not used for this: it prefers chardet when
    chardet is installed, and chardet reads a GBK page as ISO-8859-15, so the records would depend on what
    else is installed. Undecodable bytes become U+FFFD, never an error.
    """
    encoding = (resolve_encoding(charset) if charset else None) or html_body_declared_encoding(body)
    if encoding is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(body).best()
            encoding = resolve_encoding(best.encoding) if best is not None else None
    return body.decode(encoding or "cp1252", errors="replace")
