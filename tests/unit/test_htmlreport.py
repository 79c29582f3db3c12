"""The HTML report (archiver.htmlreport): figures gathered from a crawl folder's files, and the page rendered.

The crawl folders are written here by hand, with the project's own line formats (crawl.log lines by
``archiver.middlewares.crawllog.format_line``), so each figure has a known answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import pytest

from archiver.cli import main
from archiver.extensions.report import summarise
from archiver.htmlreport import REPORT_NAME, ReportError, render_folder, write_report
from archiver.htmlreport.data import log_figures, parse_log_line, post_figures, read_crawl_dir
from archiver.middlewares.crawllog import format_line

if TYPE_CHECKING:
    from pathlib import Path

BLOG = "https://b.blogspot.com/"
START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def log_line(
    seconds: float, url: str, status: int = 200, via: str | None = None, mime: str = "text/html", **kw: Any
) -> str:
    moment = START + timedelta(seconds=seconds)
    return format_line(
        logged=moment,
        status=status,
        size=kw.get("size", 1000 if status > 0 else None),
        url=url,
        hop="L" if via else "-",
        via=via,
        mime=mime if status > 0 else None,
        started=moment,
        duration_s=0.01,
        digest=None,
        annotations=kw.get("notes", []),
    )


LOG = [
    log_line(0.0, BLOG),
    log_line(0.5, f"{BLOG}sitemap.xml", via=BLOG, mime="application/xml"),
    log_line(1.0, f"{BLOG}2013/09/a.html", via=f"{BLOG}sitemap.xml"),
    log_line(1.2, f"{BLOG}2013/09/b.html", via=f"{BLOG}feeds/posts/default"),
    log_line(1.4, f"{BLOG}2014/01/c.html", via=f"{BLOG}2013/09/a.html"),
    log_line(2.0, f"{BLOG}2014/01/d.html", status=-4, via=f"{BLOG}2014/01/", notes=["1t"]),
    log_line(2.5, f"{BLOG}2014/01/d.html", via=f"{BLOG}2014/01/"),
    log_line(3.0, f"{BLOG}search/label/x", status=-9998, via=BLOG, notes=["IgnoreRequest"]),
    log_line(
        9.9, "https://1.bp.blogspot.com/-a/s1600/p.jpg", via=f"{BLOG}2013/09/a.html", mime="image/jpeg", size=5000
    ),
    log_line(9.9, f"{BLOG}missing.css", status=404, via=BLOG, mime="text/css"),
]

STATS: dict[str, Any] = {
    "finish_reason": "finished",
    "archiver/posts/found": 5,
    "archiver/fetched/post": 4,
    "archiver/posts/written": 4,
    "archiver/pages/written": 0,
    "archiver/discovered/post": 5,
    "archiver/gave_up/server_error": 1,
    "archiver/precluded/robots": 1,
    "archiver/links/out_of_scope": 7,
    "archiver/failed/TimeoutError": 1,
    "archiver/changes/edited": 1,
    "archiver/tamper/pages": 6,
    "archiver/tamper/flagged": 1,
    "archiver/tamper/flags/external_script": 1,
    "archiver/traps/pager_no_new_posts": 2,
    "response_received_count": 8,
    "downloader/response_bytes": 12345,
    "downloader/response_status_count/200": 7,
    "downloader/response_status_count/404": 1,
    "archiver/warc/records": 30,
    "archiver/warc/bytes": 23456,
    "archiver/warc/revisits": 0,
    "archiver/warc/files": 1,
}


def post(post_id: str, url: str, published: str | None, title: str = "A post", **extra: Any) -> dict[str, Any]:
    return {"post_id": post_id, "url": url, "title": title, "published": published, **extra}


POSTS = [
    post(
        "1",
        f"{BLOG}2013/09/a.html",
        "2013-09-01T10:00:00-04:00",
        images=[
            {"original": "https://1.bp.blogspot.com/-a/s1600/p.jpg", "archived": True},
            {"original": "https://1.bp.blogspot.com/-b/s1600/q.jpg", "archived": False},
        ],
    ),
    post("2", f"{BLOG}2013/09/b.html", "2013-09-20T10:00:00Z"),
    post(
        "3",
        f"{BLOG}2014/01/c.html",
        "2014-01-05T10:00:00Z",
        title=EVIL,
        flags=[
            {
                "kind": "external_script",
                "severity": "high",
                "element": "script",
                "attribute": "src",
                "host": "evil.example",
                "excerpt": EVIL,
            }
        ],  # fmt: skip
    ),
    post("4", f"{BLOG}2014/01/d.html", None),
]

CHANGES = [
    {
        "change": "edited",
        "post_id": "3",
        "url": f"{BLOG}2014/01/c.html",
        "title": EVIL,
        "fields": ["title", "body_text"],
        "title_change": {"old": "Old", "new": EVIL},
        "labels": {"old": [], "new": [], "added": [], "removed": []},
        "content_sha256": {"old": "a", "new": "b"},
        "diff": ["--- before", "+++ after", "@@ -1 +1 @@", "-old text", f"+{EVIL}"],
        "diff_truncated": False,
    }
]


def write_crawl(folder: Path, stats: dict[str, Any] | None = STATS, **files: Any) -> Path:
    """A crawl folder: crawl.json, stats.json (as the text report writes it), crawl.log and the records."""
    folder.mkdir(parents=True)
    (folder / "crawl.json").write_text(
        json.dumps({"url": BLOG, "crawl_id": folder.name, "started": "2024-01-02T03:04:05+00:00", "profile": "local"}),
        encoding="utf-8",
    )
    if stats is not None:
        summary = summarise(stats, seed=BLOG, crawl_dir=str(folder), duration_s=10.0, files=["b.warc.gz"], mended=[])
        (folder / "stats.json").write_text(json.dumps({"summary": summary, "stats": stats}), encoding="utf-8")
    log = files.get("log", LOG)
    (folder / "crawl.log").write_text("".join(line + "\n" for line in log), encoding="utf-8")
    index = '{"url": "https://b.blogspot.com/", "mime": "text/html", "status": "200", "length": "800"}'
    (folder / "index.cdxj").write_text(f"com,blogspot,b)/ 20240102030405 {index}\n", encoding="utf-8")
    for name, records in (("posts.jsonl", files.get("posts", POSTS)), ("changes.jsonl", files.get("changes", CHANGES))):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Elements:
    elements = _Elements()
    elements.feed(html)
    elements.close()
    return elements


# -- gathering ---------------------------------------------------------------------------------------------


def test_a_crawl_log_line_is_read_back_as_written() -> None:
    line = parse_log_line(log_line(2.0, f"{BLOG}x.html", status=-4, via=BLOG, notes=["1t"]))
    assert line is not None
    assert (line.status, line.size, line.url, line.via, line.time) == (
        -4,
        None,
        f"{BLOG}x.html",
        BLOG,
        START + timedelta(seconds=2),
    )
    assert parse_log_line("not a crawl.log line") is None


def test_discovery_routes_come_from_the_via_of_each_posts_first_attempt() -> None:
    figures = log_figures(LOG)
    # d.html was first tried from an archive page (a timeout), then fetched: it counts once, for that route
    assert figures.routes == {"sitemap": 1, "feeds": 1, "archive pages": 1, "links from posts": 1}
    assert figures.posts_logged == 4


def test_failures_are_grouped_by_reason_with_their_urls() -> None:
    groups = {group.reason: (group.count, group.urls) for group in log_figures(LOG).failure_groups}
    assert groups == {
        "-4 failed": (1, [f"{BLOG}2014/01/d.html"]),
        "-9998 IgnoreRequest": (1, [f"{BLOG}search/label/x"]),
        "HTTP 404": (1, [f"{BLOG}missing.css"]),
    }


def test_the_timeline_counts_responses_and_failures_per_bin() -> None:
    figures = log_figures(LOG)
    assert figures.bin_s == 0.1  # 9.9 s of crawl in at most 120 bins
    assert sum(figures.responses) == 8
    assert sum(figures.failures) == 2
    assert figures.responses[0] == 1
    assert figures.responses[-1] == 2
    assert figures.bytes_by_type["image/jpeg"] == 5000


def test_a_long_crawl_is_binned_coarser_and_lines_logged_out_of_order_are_counted() -> None:
    lines = [log_line(10.0, BLOG), log_line(5.0, f"{BLOG}early.css", mime="text/css")]  # written late
    lines += [log_line(10.0 + 30 * i, f"{BLOG}p{i}.css", mime="text/css") for i in range(120)]  # an hour
    figures = log_figures(lines)
    assert figures.bin_s == 30
    assert figures.first == START + timedelta(seconds=5)
    assert sum(figures.responses) == 122
    assert len(figures.responses) == 120
    assert figures.responses[0] == 3  # at 5 s, and twice at 10 s: the first 30 s


def test_posts_per_month_span_the_blogs_life_with_empty_months_and_images_are_counted() -> None:
    figures = post_figures(POSTS)
    assert list(figures.per_month) == ["2013-09", "2013-10", "2013-11", "2013-12", "2014-01"]
    assert figures.per_month["2013-09"] == 2
    assert figures.per_month["2013-10"] == 0
    assert figures.undated == 1
    assert (figures.images_referenced, figures.images_archived) == (2, 1)
    assert figures.images_missing == ["https://1.bp.blogspot.com/-b/s1600/q.jpg"]
    assert [flag[3]["kind"] for flag in figures.flags] == ["external_script"]


# -- rendering ---------------------------------------------------------------------------------------------


def test_every_data_stat_equals_stats_json(tmp_path: Path) -> None:
    folder = write_crawl(tmp_path / "20240102T030405Z")
    stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    elements = parse(render_folder(folder))
    numbers = [attrs for tag, attrs in elements.tags if tag == "data" and "data-stat" in attrs]
    assert numbers
    for attrs in numbers:
        assert int(str(attrs["value"])) == stats["stats"][attrs["data-stat"]], attrs
    shown = {attrs["data-stat"] for attrs in numbers}
    assert {"archiver/posts/found", "archiver/fetched/post", "archiver/gave_up/server_error", "archiver/changes/edited",
            "archiver/tamper/flags/external_script", "downloader/response_status_count/404"} <= shown  # fmt: skip
    sources = [attrs for tag, attrs in elements.tags if tag == "data" and "data-source" in attrs]
    assert {"value": "1", "data-source": "posts.jsonl"} in sources  # the image referenced but not archived


def test_strings_from_the_crawl_are_text_never_markup(tmp_path: Path) -> None:
    html = render_folder(write_crawl(tmp_path / "c"))
    elements = parse(html)
    assert not [tag for tag, _ in elements.tags if tag in {"script", "img", "iframe"}]
    assert not [attrs for _, attrs in elements.tags if any(name.startswith("on") for name in attrs)]
    text = "".join(elements.text)
    assert EVIL in text  # the title, the diff line and the flag's excerpt, shown as they were
    assert f"+{EVIL}" in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_page_fetches_nothing_and_runs_no_script(tmp_path: Path) -> None:
    html = render_folder(write_crawl(tmp_path / "c"))
    elements = parse(html)
    tags = {tag for tag, _ in elements.tags}
    assert "script" not in tags
    assert "link" not in tags
    assert "img" not in tags
    assert not [attrs for _, attrs in elements.tags if "src" in attrs or "href" in attrs]
    assert "@import" not in html
    assert "url(" not in html
    assert any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in elements.tags)


def test_the_report_is_the_same_bytes_for_the_same_folder_however_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_crawl(tmp_path / "out" / "c")
    monkeypatch.chdir(tmp_path)
    assert render_folder(folder) == render_folder(folder.relative_to(tmp_path)) == render_folder(folder)


def test_a_killed_crawl_without_stats_json_still_has_a_report_that_says_so(tmp_path: Path) -> None:
    folder = write_crawl(tmp_path / "c", stats=None, changes=[])
    data = read_crawl_dir(folder)
    assert not data.has_stats
    assert "stats.json" in data.missing
    html = render_folder(folder)
    assert "Not finished: the crawl folder has no stats.json" in html
    assert not [attrs for tag, attrs in parse(html).tags if "data-stat" in attrs]


def test_an_interrupted_crawl_is_reported_as_not_finished(tmp_path: Path) -> None:
    folder = write_crawl(tmp_path / "c", stats={**STATS, "finish_reason": "shutdown"})
    html = render_folder(folder)
    assert 'data-outcome="failed"' in html
    assert "the crawl did not finish: shutdown" in html


def test_an_empty_crawl_renders(tmp_path: Path) -> None:
    folder = write_crawl(tmp_path / "c", stats={"finish_reason": "finished"}, log=[], posts=[], changes=[])
    html = render_folder(folder)
    assert "No crawl.log lines: nothing to draw." in html
    assert "No dated post in posts.jsonl." in html
    assert "No change since the blog" in html
    assert 'data-outcome="finished"' in html


def test_a_gave_up_crawl_names_why_and_the_limits_hit(tmp_path: Path) -> None:
    html = render_folder(write_crawl(tmp_path / "c"))
    assert 'data-outcome="gave_up"' in html
    assert "gave up: server_error" in html
    assert "trap pager_no_new_posts: 2 pager page(s)" in html
    assert "excluded by robots.txt" in html


def test_a_blog_folder_lists_every_visit_and_details_the_latest(tmp_path: Path) -> None:
    blog = tmp_path / "b.blogspot.com"
    write_crawl(blog / "20240101T000000Z", stats={**STATS, "archiver/changes/first_crawl": 1})
    write_crawl(blog / "20240201T000000Z", stats={**STATS, "finish_reason": "shutdown"})
    (blog / "corpus").mkdir()
    html = render_folder(blog)
    elements = parse(html)
    rows = [
        attrs
        for tag, attrs in elements.tags
        if tag == "data" and str(attrs.get("data-source", "")).endswith("/stats.json")
    ]
    assert {str(attrs["data-source"]) for attrs in rows} == {
        "20240101T000000Z/stats.json",
        "20240201T000000Z/stats.json",
    }
    assert '<div class="crawl" data-stats-file="20240201T000000Z/stats.json"' in html
    text = "".join(elements.text)
    assert "first crawl" in text
    assert "1 edited" in text
    assert "gave_up" in text
    assert "failed" in text


def test_a_path_that_is_no_crawl_nor_blog_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="neither a crawl folder"):
        render_folder(tmp_path)


# -- the command -------------------------------------------------------------------------------------------


def test_archiver_report_writes_report_html_and_exits_2_on_other_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_crawl(tmp_path / "b.blogspot.com" / "c")
    assert main(["report", str(folder)]) == 0
    assert (folder / REPORT_NAME).read_text(encoding="utf-8") == render_folder(folder)
    assert main(["report", str(tmp_path / "b.blogspot.com")]) == 0
    assert (tmp_path / "b.blogspot.com" / REPORT_NAME).is_file()
    capsys.readouterr()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "neither a crawl folder" in capsys.readouterr().err


def test_archiver_report_never_rewrites_a_report_the_fixity_manifest_covers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from archiver.fixity import write_manifest

    folder = write_crawl(tmp_path / "c")
    write_report(folder)
    write_manifest(folder)
    before = (folder / REPORT_NAME).read_bytes()
    assert main(["report", str(folder)]) == 1
    assert "covered by the crawl's fixity manifest" in capsys.readouterr().err
    assert (folder / REPORT_NAME).read_bytes() == before
    assert main(["report", str(folder), "-o", str(tmp_path / "copy.html")]) == 0
    assert (tmp_path / "copy.html").read_bytes() == before
