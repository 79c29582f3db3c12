"""HTTP helpers without Scrapy: undo a ``Content-Encoding`` to read a body (never to store it)."""

from __future__ import annotations

import logging
import zlib

logger = logging.getLogger(__name__)

DEFAULT_DECODE_LIMIT = 64 * 1024 * 1024


class DecodeError(ValueError):
    """A body cannot be decoded with the content codings its headers name."""


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit:
        raise DecodeError(f"decoded body exceeds {limit} bytes")
    return out


def decode_content(body: bytes, codings: list[str], limit: int = DEFAULT_DECODE_LIMIT) -> bytes:
    """Undo the content codings (``gzip``, ``deflate``, ``identity``), last applied first.

    Raises :class:`DecodeError` for a coding this module does not know (``br``, ``zstd``), for a corrupt
    body, or when the decoded body would exceed ``limit`` bytes.
    """
    data = body
    for coding in reversed([c.strip().lower() for c in codings if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                data = _inflate(data, zlib.MAX_WBITS | 16, limit)
            elif coding == "deflate":
                try:
                    data = _inflate(data, zlib.MAX_WBITS, limit)
                except zlib.error:  # raw deflate without the zlib wrapper, as some servers send it
                    data = _inflate(data, -zlib.MAX_WBITS, limit)
            elif coding != "identity":
                raise DecodeError(f"unsupported content coding {coding!r}")
        except zlib.error as exc:
            raise DecodeError(f"corrupt {coding} body: {exc}") from exc
    return data


def header_codings(values: list[bytes]) -> list[str]:
    """The content codings named by ``Content-Encoding`` header values (``b"gzip, br"`` → gzip, br)."""
    codings: list[str] = []
    for value in values:
        codings.extend(part.strip() for part in value.decode("latin-1").split(",") if part.strip())
    return codings
