"""What extraction produces: fragments of posts, each tied to the WARC capture it was read from.

A :class:`Fragment` is what one capture says about one post or static page: the post page gives the whole
body (its text, its HTML, its images and links) and the comments, a feed entry the exact dates and labels,
a listing page a (maybe cut) body and the date header, a comment feed some comments.
``archiver.records.merge`` turns all fragments of a post into one record. Every field a source does not
state is ``None``, so that "not said here" never overrides a source that said it.

Plain frozen dataclasses without Scrapy; ``dataclasses.asdict`` or ``itemadapter.ItemAdapter`` read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from typing import Self

    from archiver.records.tamper import Flag
    from archiver.warc.writer import CaptureLocation

Kind = Literal["post", "page"]
#: where a fragment comes from; see ``merge.py`` for the precedence of each field
Origin = Literal["post_page", "mobile_page", "feed", "listing", "comment_feed"]
ORIGINS: tuple[Origin, ...] = ("post_page", "mobile_page", "feed", "listing", "comment_feed")
Lang = Literal["en", "zh", "mixed"]


@dataclass(frozen=True, slots=True)
class WarcPointer:
    """Where a capture's response record is: a CDXJ line's fields plus the record id and HTTP status."""

    filename: str  # WARC file name, relative to the crawl's warc/ folder (as in index.cdxj)
    offset: int  # of the record's gzip member
    length: int  # compressed length of that member
    record_id: str  # WARC-Record-ID of the response record
    payload_digest: str  # WARC-Payload-Digest, "sha1:BASE32"
    status: int  # HTTP status of the response

    @classmethod
    def from_location(cls, location: CaptureLocation) -> Self:
        """The pointer to the response (or revisit) record of a capture the WARC writer has just written."""
        return cls(
            location.filename,
            location.response.offset,
            location.response.length,
            location.response.record_id,
            location.payload_digest,
            location.status,
        )


@dataclass(frozen=True, slots=True)
class Person:
    """An author or commenter as Blogger names them; ``uri`` is the profile link when there is one."""

    name: str
    uri: str | None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One visible text unit of a body (paragraph, line or caption) and its language, when it has letters."""

    text: str
    lang: Lang | None


@dataclass(frozen=True, slots=True)
class Image:
    """An image of a post body (rules in ``text.images`` and ``text.full_size``).

    ``src`` as the page shows it (made absolute); ``original`` its full-size URL; ``alt`` its ``alt`` text;
    ``caption`` the caption under it. Whether the crawl holds them is decided at merge time, from all captures.
    """

    src: str
    original: str
    alt: str
    caption: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link of a post body: its ``href`` made absolute, and its visible text ("" for an image link)."""

    href: str
    text: str


@dataclass(frozen=True, slots=True)
class Body:
    """A post body; ``complete`` is False when the source cut it (jump break, snippet, summary).

    ``html`` is the body's own markup, serialized by ``text.inner_html``; None when the source gives text
    only (a summary feed, ``content type='text'``).
    """

    paragraphs: tuple[Paragraph, ...]
    images: tuple[Image, ...]
    links: tuple[Link, ...]
    html: str | None
    complete: bool


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment; ``published`` keeps the offset the source gives (UTC ``Z`` when it gives none)."""

    id: str
    author: Person | None
    published: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Fragment:
    """What one capture says about one post or static page (``None``: this source does not say)."""

    post_id: str
    kind: Kind
    origin: Origin
    url: str  # the URL that was fetched
    fetched_at: str  # WARC-Date of the capture
    source: WarcPointer
    blog_id: str | None = None
    post_url: str | None = None  # the post's canonical permalink, as this source links it
    title: str | None = None
    published: str | None = None
    updated: str | None = None
    labels: tuple[str, ...] | None = None
    author: Person | None = None
    body: Body | None = None
    comments: tuple[Comment, ...] | None = None
    comment_count: int | None = None
    date_header: str | None = None
    #: the parser limit that cut this capture's body (its body is then incomplete); not part of the record
    parser_limit: str | None = None
    #: the tamper flags of the whole page (``archiver.records.tamper``); set on a post's own page only
    flags: tuple[Flag, ...] | None = None
