"""The HTML report of a crawl or of a blog's whole output: one self-contained file a person opens in a browser.

:mod:`~archiver.htmlreport.data` gathers the figures from the folder's files, :mod:`~archiver.htmlreport.charts`
draws them as inline SVG, :mod:`~archiver.htmlreport.render` writes the page. No Scrapy here: the crawl's
extension (:mod:`archiver.extensions.htmlreport`) and ``archiver report`` call :func:`write_report` alike, so
both give the same bytes for the same folder.
"""

from __future__ import annotations

from pathlib import Path

from archiver.htmlreport.data import ReportError, is_blog_dir, is_crawl_dir, read_blog_dir, read_crawl_dir
from archiver.htmlreport.render import render_blog, render_crawl

REPORT_NAME = "report.html"

__all__ = ["REPORT_NAME", "ReportError", "default_output", "render_folder", "write_report"]


def render_folder(path: Path) -> str:
    """The report of a crawl folder or a blog folder, as HTML text; ReportError for any other path."""
    path = Path(path)
    if is_crawl_dir(path):
        return render_crawl(read_crawl_dir(path))
    if is_blog_dir(path):
        return render_blog(read_blog_dir(path))
    raise ReportError(
        f"{path} is neither a crawl folder (OUTPUT/<host>/<crawl id>, holding crawl.json, stats.json, crawl.log "
        "or warc/) nor a blog folder (OUTPUT/<host>, holding crawl folders)"
    )


def default_output(path: Path) -> Path:
    """Where the report of ``path`` goes by default: ``PATH/report.html`` (a crawl or a blog folder)."""
    return Path(path) / REPORT_NAME


def write_report(path: Path, output: Path | None = None) -> Path:
    """Write the report of ``path`` to ``output`` (default ``PATH/report.html``) atomically; return where."""
    html = render_folder(path)
    target = Path(output) if output is not None else default_output(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(html)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(f"cannot write {target}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
