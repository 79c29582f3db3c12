"""Scrapyd as a crawl runner: schedule a crawl of a blog, and tell how the job ended (Scrapyd's JSON API).

A crawl on Scrapyd is ``scrapy crawl blogspot -a url=URL -s NAME=VALUE ...`` run by Scrapyd in its own
working directory, from the egg ``scrapyd-deploy`` uploaded (its ``scrapy`` entry point names
``archiver.settings``). So:

- every path setting must be absolute (``ARCHIVER_OUTPUT_DIR`` above all): a relative one would be relative to
  Scrapyd's working directory. :func:`schedule_on_scrapyd` refuses a relative ``ARCHIVER_OUTPUT_DIR`` or
  ``ARCHIVER_CRAWL_DIR`` rather than let a crawl write where nobody looks; it also refuses a crawl with no
  ``ARCHIVER_OUTPUT_DIR``, whose default (``output``) is relative;
- a profile (``ARCHIVER_PROFILE``, ``archiver crawl --profile``) is a group of settings that ``archiver crawl``
  applies; ``scrapy crawl`` knows only single settings, so :func:`schedule_on_scrapyd` sends the profile's
  settings along (those given explicitly win);
- Scrapyd knows a job only as pending, running or finished: the exit status of ``scrapy crawl`` is 0 for any
  crawl that started, and Scrapyd reports none. The crawl's outcome (finished, gave_up, failed: exit status 0,
  3, 1 under ``archiver crawl``) is the last line of the job's log (:mod:`archiver.extensions.outcome`), which
  :func:`scrapyd_job_state` reads back from the log Scrapyd serves.

Only the standard library's urllib is used: Scrapyd's API is a few form posts and JSON answers.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import PurePath
from typing import Any

from archiver.errors import ArchiverError
from archiver.extensions.outcome import FAILED, OUTCOME_LINE
from archiver.profiles import profile

SPIDER = "blogspot"
#: settings naming folders: relative ones would land in Scrapyd's working directory
PATH_SETTINGS = ("ARCHIVER_OUTPUT_DIR", "ARCHIVER_CRAWL_DIR", "ARCHIVER_WARC_DIR", "ARCHIVER_POSTS_CORPUS_DIR")
PENDING, RUNNING, UNKNOWN = "pending", "running", "unknown"
#: a finished job whose log Scrapyd does not keep (logs_dir empty): Scrapyd cannot tell more
ENDED = "ended"
#: how much of the end of a job's log is read for the outcome line (logged at the very end of the crawl)
LOG_TAIL_BYTES = 256 * 1024
TIMEOUT = 30.0


class ScrapydError(ArchiverError):
    """Scrapyd could not be reached, or answered with an error."""


def _call(server_url: str, endpoint: str, data: list[tuple[str, str]], *, post: bool = False) -> dict[str, Any]:
    """GET (``data`` as the query) or POST (``data`` as the form) a Scrapyd endpoint; its answer when ``ok``."""
    url = urllib.parse.urljoin(server_url.rstrip("/") + "/", endpoint)
    form = urllib.parse.urlencode(data)
    body = form.encode("ascii") if post else None
    if not post:
        url += "?" + form
    try:
        with urllib.request.urlopen(url, body, timeout=TIMEOUT) as response:
            answer = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ScrapydError(f"{url}: {exc}") from exc
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        message = answer.get("message") if isinstance(answer, dict) else answer
        raise ScrapydError(f"{url}: Scrapyd answered {message!r}")
    return answer


def job_settings(settings: dict[str, str]) -> dict[str, str]:
    """The settings a job is scheduled with: its profile's, then the given ones; ArchiverError on a bad path."""
    merged = {name: str(value) for name, value in profile(settings.get("ARCHIVER_PROFILE", "polite")).items()}
    merged.update(settings)
    if "ARCHIVER_OUTPUT_DIR" not in merged:
        raise ScrapydError(
            "ARCHIVER_OUTPUT_DIR is needed: the default (output) would be in Scrapyd's working directory"
        )
    for name in PATH_SETTINGS:
        # an empty one is left to the crawl, which refuses it by name (archiver.layout, the WARC recorder)
        if merged.get(name) and not PurePath(merged[name]).is_absolute():
            raise ScrapydError(f"{name} {merged[name]!r} is relative: it would be in Scrapyd's working directory")
    return merged


def schedule_on_scrapyd(server_url: str, project: str, url: str, settings: dict[str, str]) -> str:
    """Schedule a crawl of the blog at ``url`` (spider blogspot) with ``settings``; returns Scrapyd's job id.

    ``settings`` are ``NAME: VALUE`` as ``archiver crawl -s`` takes them; see :func:`job_settings`.
    """
    data = [("project", project), ("spider", SPIDER), ("url", url)]
    data += [("setting", f"{name}={value}") for name, value in sorted(job_settings(settings).items())]
    return str(_call(server_url, "schedule.json", data, post=True)["jobid"])


def _open(request: urllib.request.Request) -> bytes | None:
    """The body of a GET or HEAD, None on a 404; ScrapydError on anything else that fails."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if request.get_method() == "HEAD":
                return str(response.headers.get("Content-Length", "")).encode("ascii")
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise ScrapydError(f"{request.full_url}: {exc}") from exc
    except OSError as exc:
        raise ScrapydError(f"{request.full_url}: {exc}") from exc


def _read_log_tail(server_url: str, log_url: str) -> str | None:
    """The last LOG_TAIL_BYTES of a job's log as Scrapyd serves it, or None when it has none.

    The range is asked for by its start: Twisted's static files (Scrapyd's /logs/) answer a suffix range
    longer than the file (``bytes=-N``) with a 500.
    """
    url = urllib.parse.urljoin(server_url.rstrip("/") + "/", log_url)
    length = _open(urllib.request.Request(url, method="HEAD"))
    if length is None:
        return None
    size = int(length) if length.isdigit() else 0
    headers = {"Range": f"bytes={size - LOG_TAIL_BYTES}-"} if size > LOG_TAIL_BYTES else {}
    body = _open(urllib.request.Request(url, headers=headers))
    return None if body is None else body.decode("utf-8", "replace")


def outcome_in_log(text: str) -> str:
    """The crawl's outcome from its log: the state of its last outcome line, ``failed`` when it has none."""
    states = OUTCOME_LINE.findall(text)
    return str(states[-1]) if states else FAILED


def scrapyd_job_state(server_url: str, project: str, job_id: str) -> str:
    """How a job stands: pending, running, then finished, gave_up or failed (its log's outcome line).

    ``unknown`` when Scrapyd does not know the job (another project, or Scrapyd restarted: it keeps finished
    jobs in memory only), ``ended`` when it finished but Scrapyd keeps no log to tell how.
    """
    jobs = _call(server_url, "listjobs.json", [("project", project)])
    for state in (PENDING, RUNNING):
        if any(job.get("id") == job_id for job in jobs.get(state, [])):
            return state
    for job in jobs.get("finished", []):
        if job.get("id") == job_id:
            log_url = job.get("log_url")
            text = _read_log_tail(server_url, str(log_url)) if log_url else None
            return ENDED if text is None else outcome_in_log(text)
    return UNKNOWN
