"""The crawl's report.html in a real browser: its numbers are stats.json's, it fits a phone, and it fetches nothing.

The report (archiver/htmlreport/, written at the end of every crawl) marks each headline number with where it
comes from: ``<data value="N" data-stat="KEY">`` is stats.json's ``stats[KEY]``, ``data-summary="KEY"`` its
``summary[KEY]``, ``data-absent-stat="KEY"`` a counter the crawl never set, and the enclosing element's
``data-stats-file`` names that stats.json. Screenshots at phone and desktop widths are saved as test artefacts
(ARCHIVER_TEST_ARTIFACTS, default build/test-artifacts/): the README's picture of the report is one of them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import artifacts_dir
from tests.browser.rangeserver import RangeServer

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

    from tests.browser.conftest import Guard
    from tests.integration.conftest import ArchivedCrawl

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = ("report.png", "report-desktop.png", "report-phone.png")

#: every marked number, with the stats file its section names (the report's own folder holds it by default)
MARKED = """() => [...document.querySelectorAll('data[data-stat], data[data-summary], data[data-absent-stat]')]
  .map(e => ({
    stat: e.dataset.stat ?? null, summary: e.dataset.summary ?? null, absent: e.dataset.absentStat ?? null,
    value: e.value, text: e.textContent,
    file: e.closest('[data-stats-file]')?.dataset.statsFile ?? 'stats.json',
  }))"""
#: elements wider than the viewport that are not inside a scroll box (overflow-x auto or scroll)
OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(e => {
    if (e.getBoundingClientRect().right <= innerWidth + 0.5) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return false;
    }
    return true;
  }).slice(0, 10).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))"""


def _number(value: Any) -> int:
    """A stats.json value as the report shows it: an integer (a float truncated, as the report's ``int()``)."""
    return int(value)


def open_report(context: BrowserContext, server: RangeServer) -> Page:
    page = context.new_page()
    page.goto(server.url + "report.html", wait_until="load")
    return page


def test_the_report_shows_stats_json_fits_a_phone_and_fetches_nothing(
    guarded: tuple[BrowserContext, Guard], archived_crawl: ArchivedCrawl
) -> None:
    report = archived_crawl.dir / "report.html"
    assert report.is_file(), "a crawl writes CRAWL_DIR/report.html at its end"
    context, guard = guarded
    with RangeServer({"/report.html": report}) as server:
        page = open_report(context, server)
        page.set_viewport_size(DESKTOP)
        marked = page.evaluate(MARKED)
        out = artifacts_dir()
        for name in SCREENSHOTS:
            (out / name).unlink(missing_ok=True)  # a stale one from an earlier run must not pass for this run's
        page.screenshot(path=out / "report.png")  # the first screen, for the README
        page.screenshot(path=out / "report-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.wait_for_function(f"() => innerWidth === {PHONE['width']}")
        widths = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
        overflowing = page.evaluate(OVERFLOWING)
        page.screenshot(path=out / "report-phone.png", full_page=True)
        requested = sorted({entry.path for entry in server.log})
    assert requested == ["/report.html"], f"the report fetched more than itself: {requested}"
    assert guard.blocked == [], f"the report asked for the live web: {guard.blocked}"

    assert len([m for m in marked if m["stat"]]) >= 5, marked  # the headline numbers are marked
    files: dict[str, dict[str, Any]] = {}
    wrong = []
    for mark in marked:
        stats = files.setdefault(mark["file"], json.loads((report.parent / mark["file"]).read_text("utf-8")))
        if mark["stat"] is not None:
            if mark["stat"] not in stats["stats"]:
                wrong.append((mark, "not in stats.json"))
                continue
            expected = _number(stats["stats"][mark["stat"]])
        elif mark["summary"] is not None:
            if mark["summary"] not in stats["summary"]:
                wrong.append((mark, "not in stats.json's summary"))
                continue
            expected = _number(stats["summary"][mark["summary"]])
        else:
            expected = 0
            if mark["absent"] in stats["stats"]:
                wrong.append((mark, "marked absent, but stats.json has it"))
        if int(mark["value"]) != expected:
            wrong.append((mark, expected))
    assert wrong == [], wrong

    assert widths[0] <= widths[1], f"the page scrolls sideways at {PHONE['width']} px: {widths}; {overflowing}"
    assert overflowing == [], overflowing
    for name in SCREENSHOTS:
        assert (out / name).read_bytes().startswith(b"\x89PNG"), name
