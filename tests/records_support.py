"""Helpers for the record tests: replica pages rendered in-process, as a crawl would have archived them."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from blogger_replica.app import ReplicaApp, Request
from blogger_replica.content import Blog

from archiver.records import WarcPointer, extract_records

if TYPE_CHECKING:
    from blogger_replica.site import Page

    from archiver.records import Fragment

HOST = "gongminziyoulianmeng.blogspot.com"
BASE = f"https://{HOST}"
FETCHED_AT = "2024-01-02T03:04:05Z"


@lru_cache(maxsize=8)
def app(posts: int = 30, theme: str = "classic", state: int = 0) -> ReplicaApp:
    return ReplicaApp(Blog(posts, state), theme)  # type: ignore[arg-type]


def serve(url: str, replica: ReplicaApp | None = None) -> Page:
    parts = urlsplit(url)
    page = (replica or app()).handle(
        Request("GET", parts.scheme, parts.hostname or "", parts.path, parts.query, "tunnel")
    )
    assert page is not None, url
    return page


def pointer(n: int = 1, status: int = 200, filename: str = "test.warc.gz") -> WarcPointer:
    return WarcPointer(
        filename, n * 1000, 900, f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>", f"sha1:{'A' * 32}", status
    )


def extract(url: str, replica: ReplicaApp | None = None, *, n: int = 1, fetched_at: str = FETCHED_AT) -> list[Fragment]:
    """Fragments of a replica page, as if archived with the headers it was served with."""
    page = serve(url, replica)
    headers = [("Content-Type", page.content_type), *page.headers]
    return extract_records(url, headers, page.body, fetched_at=fetched_at, source=pointer(n, page.status))
