"""A compact set of URLs for the crawl-long "asked for" and "done" look-ups: 16-byte digests, not strings.

A URL string in a set costs its text (about 100 bytes for a Blogger post URL, more for an image) plus the
set's slot; a 128-bit BLAKE2b digest costs about 100 bytes with its slot, whatever the URL's length, and the
set holds no reference to any request, response or page. The set cannot be listed back as URLs: what a
crawl must name at the end (the URLs left unfetched) is kept apart, only while it is pending.

A false positive (two URLs with the same digest) would make the second URL look asked for already and skip
it. With 128 bits the chance is about n²/2¹²⁹: below 10⁻²⁸ for the 10⁶ URLs of a very large blog, far below
the chance of a disk error in the WARC that holds the capture.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

DIGEST_SIZE = 16


def url_digest(url: str) -> bytes:
    """The 128-bit digest a URL is kept as."""
    return blake2b(url.encode("utf-8", "surrogatepass"), digest_size=DIGEST_SIZE).digest()


class UrlDigests:
    """A set of URLs kept as 16-byte digests (about 100 bytes an entry): add, ``in``, ``len``, no iteration."""

    __slots__ = ("_digests",)

    def __init__(self, urls: Iterable[str] = ()) -> None:
        """Start with ``urls``."""
        self._digests: set[bytes] = {url_digest(url) for url in urls}

    def add(self, url: str) -> None:
        """Remember ``url``."""
        self._digests.add(url_digest(url))

    def update(self, urls: Iterable[str]) -> None:
        """Remember every URL of ``urls``."""
        self._digests.update(url_digest(url) for url in urls)

    def __contains__(self, url: object) -> bool:
        """Whether ``url`` was added (a 128-bit digest: see the module's note on false positives)."""
        return isinstance(url, str) and url_digest(url) in self._digests

    def __len__(self) -> int:
        """How many distinct URLs were added."""
        return len(self._digests)
