"""Where a crawl goes and who runs it: the crawl's paths and identity, computed once, in one place.

Every component that writes a file reads its folder from a setting, and all of those settings are filled in
here, from the settings the operator gave and the blog's host, *before* any component is built:

========================== ===================================================================================
setting                    when the operator left it unset (``None``, the default in ``archiver/settings.py``)
========================== ===================================================================================
ARCHIVER_CRAWL_ID          the name of ARCHIVER_CRAWL_DIR when that is given, else the UTC start time
                           ``YYYYMMDDTHHMMSSZ``
ARCHIVER_CRAWL_DIR         ``ARCHIVER_OUTPUT_DIR/<host folder>/<crawl id>``
ARCHIVER_WARC_DIR          ``ARCHIVER_CRAWL_DIR/warc``
ARCHIVER_POSTS_CORPUS_DIR  ``ARCHIVER_OUTPUT_DIR/<host folder>/corpus``
ARCHIVER_DEDUP_INDEX       ``ARCHIVER_OUTPUT_DIR/<host folder>/dedup.sqlite`` (:mod:`archiver.warc.dedup`)
ARCHIVER_WARC_PREFIX       the host folder (also when empty: the file-name prefix has no other use for "")
USER_AGENT                 (always) the configured one, with `` (+ARCHIVER_CONTACT)`` appended when a contact is
                           given and not already in it
========================== ===================================================================================

The *host folder* is :func:`archiver.blogger.urls.safe_name` of the blog's host, the one safe form of every
name made from a URL. A value the operator gave is used as given, and only the values a rule derives from are
checked here: an empty ARCHIVER_OUTPUT_DIR, ARCHIVER_CRAWL_DIR or a crawl id that is not a plain file name is a
:class:`~archiver.errors.ConfigError` naming the setting. Any other value (an empty ARCHIVER_WARC_DIR, say) is
passed on untouched, and the component that needs it refuses it by name: the WARC recorder and the crawl log
stop the crawl rather than run without writing (they are core components and never answer ``NotConfigured``).

:func:`crawl_layout` is a pure function of those setting values (any mapping: a ``dict`` or Scrapy's
``Settings``), the host and the start time. Computing it twice from its own output gives the same layout
(:meth:`CrawlLayout.settings` fills in every unset value), which is what lets two callers share it:

- ``archiver crawl`` calls it in the CLI, which needs the crawl folder before any crawl starts (crawl.json, the
  refusal of a folder that already holds captures, ``--resume``), and hands the result to the crawler as
  settings with priority ``cmdline``;
- ``scrapy crawl blogspot -a url=URL`` has no such caller. Scrapy 2.19's ``Crawler.crawl`` creates the spider
  (which validates the URL: the host is known from then on), then ``_apply_settings`` loads the add-ons of the
  ``ADDONS`` setting, building each with the crawler and calling its ``update_settings``, and only then builds
  the stats, the extensions and finally the engine (downloader middlewares, pipelines) and freezes the
  settings. :class:`archiver.addons.CrawlLayoutAddon` therefore computes the layout from
  ``crawler.spider.blog_host`` at exactly the right moment, for both commands. The spider only navigates.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.blogger.urls import safe_name
from archiver.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

#: the settings :func:`crawl_layout` reads
LAYOUT_SETTINGS = (
    "ARCHIVER_OUTPUT_DIR",
    "ARCHIVER_CRAWL_ID",
    "ARCHIVER_CRAWL_DIR",
    "ARCHIVER_WARC_DIR",
    "ARCHIVER_POSTS_CORPUS_DIR",
    "ARCHIVER_DEDUP_INDEX",
    "ARCHIVER_WARC_PREFIX",
    "ARCHIVER_CONTACT",
    "USER_AGENT",
)
#: a crawl id is a folder and file-name part: no separator, no "." or "..", nothing a shell would mangle
_CRAWL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
WARC_FOLDER = "warc"
CORPUS_FOLDER = "corpus"
DEDUP_INDEX = "dedup.sqlite"


@dataclass(frozen=True)
class CrawlLayout:
    """The paths and identity of one crawl; ``None`` only for what needs the blog host when none is known."""

    host_folder: str | None
    crawl_id: str | None
    crawl_dir: str | None
    warc_dir: str | None
    corpus_dir: str | None
    dedup_index: str | None
    warc_prefix: str | None
    contact: str
    user_agent: str

    def settings(self) -> dict[str, str]:
        """The layout as the settings components read, leaving out what could not be derived."""
        values: dict[str, str | None] = {
            "ARCHIVER_CRAWL_ID": self.crawl_id,
            "ARCHIVER_CRAWL_DIR": self.crawl_dir,
            "ARCHIVER_WARC_DIR": self.warc_dir,
            "ARCHIVER_POSTS_CORPUS_DIR": self.corpus_dir,
            "ARCHIVER_DEDUP_INDEX": self.dedup_index,
            "ARCHIVER_WARC_PREFIX": self.warc_prefix,
            "USER_AGENT": self.user_agent,
        }
        return {name: value for name, value in values.items() if value is not None}


def _given(values: Mapping[str, Any], name: str) -> str | None:
    """The setting as the operator gave it (``str``), or None when it is unset."""
    value = values.get(name)
    return None if value is None else str(value)


def _non_empty(values: Mapping[str, Any], name: str, needed_for: str) -> str:
    value = _given(values, name)
    if value is None or not value.strip():
        raise ConfigError(f"{name} is empty: it is needed for {needed_for}")
    return value


def user_agent(base: str, contact: str) -> str:
    """The User-Agent: the tool's own, then ``(+CONTACT)`` when a contact is given (added once)."""
    if not contact or contact in base:
        return base
    return f"{base} (+{contact})".strip()


def crawl_layout(values: Mapping[str, Any], blog_host: str | None, *, now: datetime | None = None) -> CrawlLayout:
    """Fill in the crawl's paths and identity (see the module docstring); raises ConfigError naming a setting.

    ``blog_host`` is the host of the blog's home page (``None`` for a crawler without the blogspot spider: then
    only what does not depend on the blog is derived). ``now`` is the crawl's start, for the crawl id.
    """
    host_folder = safe_name(blog_host) if blog_host else None
    crawl_dir = _given(values, "ARCHIVER_CRAWL_DIR")
    if crawl_dir is not None and not crawl_dir.strip():
        raise ConfigError(
            "ARCHIVER_CRAWL_DIR is empty: leave it unset for OUTPUT/<blog host>/<crawl id>, or name a folder"
        )
    crawl_id = _given(values, "ARCHIVER_CRAWL_ID")
    if crawl_id is None:
        if crawl_dir is not None:
            crawl_id = Path(crawl_dir).absolute().name
        elif host_folder is not None:
            crawl_id = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if crawl_id is not None and not _CRAWL_ID.match(crawl_id):
        raise ConfigError(
            f"ARCHIVER_CRAWL_ID {crawl_id!r} is not a plain name (letters, digits, '.', '_', '-'): "
            "it names the crawl's folder and files"
        )
    if crawl_dir is None and host_folder is not None and crawl_id is not None:
        output = _non_empty(values, "ARCHIVER_OUTPUT_DIR", "the crawl folder OUTPUT/<blog host>/<crawl id>")
        crawl_dir = str(Path(output) / host_folder / crawl_id)
    warc_dir = _given(values, "ARCHIVER_WARC_DIR")
    if warc_dir is None and crawl_dir is not None:
        warc_dir = str(Path(crawl_dir) / WARC_FOLDER)
    corpus_dir = _given(values, "ARCHIVER_POSTS_CORPUS_DIR")
    if corpus_dir is None and host_folder is not None:
        output = _non_empty(values, "ARCHIVER_OUTPUT_DIR", "the corpus folder OUTPUT/<blog host>/corpus")
        corpus_dir = str(Path(output) / host_folder / CORPUS_FOLDER)
    dedup_index = _given(values, "ARCHIVER_DEDUP_INDEX")
    if dedup_index is None and host_folder is not None:
        output = _non_empty(values, "ARCHIVER_OUTPUT_DIR", "the dedup index OUTPUT/<blog host>/dedup.sqlite")
        dedup_index = str(Path(output) / host_folder / DEDUP_INDEX)
    contact = (_given(values, "ARCHIVER_CONTACT") or "").strip()
    return CrawlLayout(
        host_folder=host_folder,
        crawl_id=crawl_id,
        crawl_dir=crawl_dir,
        warc_dir=warc_dir,
        corpus_dir=corpus_dir,
        dedup_index=dedup_index,
        warc_prefix=_given(values, "ARCHIVER_WARC_PREFIX") or host_folder,
        contact=contact,
        user_agent=user_agent(_given(values, "USER_AGENT") or "", contact),
    )


def check_folder(path: Path, setting: str) -> None:
    """Refuse a folder that cannot be written (it, or its nearest existing parent, is a file or read-only).

    Raises ConfigError naming ``setting``. Nothing is created: the folder is made when the crawl opens.
    """
    for candidate in (path, *path.absolute().parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise ConfigError(f"{setting} {path}: {candidate} is not a folder")
            if not os.access(candidate, os.W_OK | os.X_OK):
                raise ConfigError(f"{setting} {path}: {candidate} is not writable")
            return
