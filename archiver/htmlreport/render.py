"""Render the HTML report: one self-contained HTML5 file (inline CSS and SVG, no script, nothing fetched).

Every string from the crawl is escaped (:func:`html.escape`): titles, URLs, excerpts and diffs come from a site
that may have been compromised, and ``<script>`` in a title must show as text. Every headline number carries
its source, for a reader and for a test to check:

- ``<data value="123" data-stat="archiver/posts/written">123</data>``: the counter of that name in stats.json's
  ``stats`` object (``value`` is the raw number; the text may be rounded, ``2.4 MiB``);
- ``<data value="12" data-summary="posts_found">``: a figure of stats.json's ``summary`` object;
- ``<data value="7" data-source="crawl.log">``: counted from the file named.

A ``<section>`` holding them names the stats.json they come from in ``data-stats-file`` (relative to the
report's folder). The same figures give the same bytes: nothing depends on the clock, the locale or the path
the report was asked for.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from archiver.extensions.outcome import crawl_outcome
from archiver.extensions.progress import human_bytes
from archiver.extensions.report import incremental_text, trap_warnings
from archiver.htmlreport import charts
from archiver.records.changes import KINDS as CHANGE_KINDS
from archiver.records.tamper import KINDS as TAMPER_KINDS

if TYPE_CHECKING:
    from archiver.htmlreport.data import BlogData, CrawlData, Visit

#: how many tamper flags are listed (the rest are counted)
FLAGS_SHOWN = 200

CSS = """
:root{color-scheme:light;--fg:#1d2430;--muted:#5a6575;--line:#d8dde5;--bg:#fff;--soft:#f4f6f9;--accent:#2c6bb3;
--ok:#1e7a3c;--warn:#a35a00;--bad:#b3261e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.2rem 0 .4rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:1.8rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .3rem}
p,li{overflow-wrap:anywhere}
.muted,.note{color:var(--muted);font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5rem,1fr));gap:.6rem;margin:.6rem 0}
.card{min-width:0;overflow-wrap:anywhere;background:var(--soft);border:1px solid var(--line);border-radius:6px;
padding:.5rem .7rem}
.card .big{font-size:1.35rem;font-weight:600;display:block}
.card .what{color:var(--muted);font-size:.85rem}
.outcome{border-radius:6px;padding:.6rem .8rem;margin:.6rem 0;border:1px solid var(--line);font-weight:600}
.outcome.finished{background:#e8f5ec;border-color:#9fd3ae;color:var(--ok)}
.outcome.gave_up{background:#fff4e5;border-color:#f0c27a;color:var(--warn)}
.outcome.failed{background:#fdecea;border-color:#f1a7a1;color:var(--bad)}
.scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;margin:.4rem 0;font-size:.9rem;min-width:16rem}
th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.url{overflow-wrap:anywhere;word-break:break-word;min-width:9rem}
td.url code{white-space:pre-wrap}
.chartbox{overflow-x:auto;max-width:100%}
svg.chart{display:block;width:100%;height:auto;max-width:52rem;min-width:30rem}
svg .axis{stroke:#8a94a3;stroke-width:1}svg .grid{stroke:var(--line);stroke-width:1;stroke-dasharray:3 3}
svg .area{fill:#2c6bb3;fill-opacity:.18}svg .line{fill:none;stroke:var(--accent);stroke-width:1.5}
svg .bar{fill:var(--accent)}svg text{font-size:11px;fill:var(--muted)}svg .label,svg .value{font-size:12px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:.5rem;overflow-x:auto;
font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
pre .add{color:var(--ok)}pre .del{color:var(--bad)}pre .hunk{color:var(--muted)}
.change{overflow-wrap:anywhere;border-left:3px solid var(--line);padding:.1rem 0 .1rem .7rem;margin:.8rem 0}
.change.new,.change.restored{border-color:var(--ok)}.change.edited{border-color:var(--accent)}
.change.deleted,.change.flagged{border-color:var(--bad)}
.kind{font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.warn{color:var(--warn)}.bad{color:var(--bad)}
details{margin:.4rem 0}summary{cursor:pointer}
@media (max-width:480px){main{padding:.6rem}body{font-size:14px}.cards{grid-template-columns:1fr 1fr}
svg text,svg .label,svg .value{font-size:14px}}
"""


def e(value: Any) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape(str(value), quote=True)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def stat(data: CrawlData, key: str, text: str | None = None) -> str:
    """A number from stats.json's ``stats``: ``<data value="N" data-stat="KEY">``; 0 (no data-stat) when absent."""
    if key not in data.stats:
        return f'<data value="0" data-absent-stat="{e(key)}">{e(text if text is not None else 0)}</data>'
    value = _int(data.stats[key])
    return f'<data value="{value}" data-stat="{e(key)}">{e(text if text is not None else value)}</data>'


def summ(data: CrawlData, key: str, text: str | None = None) -> str:
    """A number from stats.json's ``summary``: ``<data value="N" data-summary="KEY">``."""
    value = _int(data.summary.get(key))
    return f'<data value="{value}" data-summary="{e(key)}">{e(text if text is not None else value)}</data>'


def figure(value: int, source: str, text: str | None = None) -> str:
    """A number counted from a file: ``<data value="N" data-source="FILE">``."""
    return f'<data value="{value}" data-source="{e(source)}">{e(text if text is not None else value)}</data>'


def _chart(svg: str) -> str:
    """A chart in its scroll box (at phone widths a chart keeps a readable minimum width and scrolls)."""
    return f'<div class="chartbox">{svg}</div>'


def _card(number: str, what: str) -> str:
    return f'<div class="card"><span class="big">{number}</span><span class="what">{what}</span></div>'


def _table(
    head: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset(), wrap: frozenset[int] = frozenset()
) -> str:
    """A table in a scroll box; cells are HTML already (escape before), ``numeric`` columns right-aligned.

    The cells of the ``wrap`` columns (URLs, excerpts) break anywhere, so that the table fits a phone's width.
    """
    cls = [(' class="n"' if i in numeric else ' class="url"' if i in wrap else "") for i in range(len(head))]
    header = "".join(f"<th{cls[i]}>{h}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{cls[i]}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>'


def _prefixed(stats: dict[str, Any], prefix: str) -> list[str]:
    return sorted(key for key in stats if key.startswith(prefix))


def _percent(part: int, whole: int) -> str:
    return f" ({100 * part / whole:.1f}%)" if whole else ""


# -- sections ------------------------------------------------------------------------------------------------


def _outcome(data: CrawlData) -> str:
    if not data.has_stats:
        return (
            '<p class="outcome failed">Not finished: the crawl folder has no stats.json, so the crawl did not reach '
            "its end (it was killed, or is still running). The figures below are what its other files hold; "
            f"resume it with <code>archiver crawl --resume {e(data.crawl_id)}</code> (its folder).</p>"
        )
    outcome = crawl_outcome(data.stats)
    finish = data.stats.get("finish_reason")
    return (
        f'<p class="outcome {e(outcome.state)}" data-outcome="{e(outcome.state)}">'
        f"{e(outcome.state.replace('_', ' ').capitalize())} (exit status {outcome.exit_status}): {e(outcome.reason)}"
        f' <span class="muted">(finish reason: {e(finish)})</span></p>'
    )


def _completeness(data: CrawlData) -> str:
    stats, posts, log = data.stats, data.posts, data.log
    found = _int(stats.get("archiver/posts/found"))
    archived = _int(stats.get("archiver/fetched/post"))
    parts = [
        '<section id="completeness"><h2>Completeness</h2>',
        _outcome(data),
        '<div class="cards">',
        _card(stat(data, "archiver/posts/found"), "posts found"),
        _card(stat(data, "archiver/fetched/post"), f"posts archived{_percent(archived, found)}"),
        _card(stat(data, "archiver/posts/written"), "post records (posts.jsonl)"),
        _card(stat(data, "archiver/pages/written"), "static page records"),
        _card(
            figure(posts.images_archived, "posts.jsonl") + " / " + figure(posts.images_referenced, "posts.jsonl"),
            "full-size images archived / referenced" + _percent(posts.images_archived, posts.images_referenced),
        ),
        _card(stat(data, "response_received_count"), "responses"),
        _card(
            stat(data, "downloader/response_bytes", human_bytes(_int(stats.get("downloader/response_bytes")))),
            "received",
        ),
        _card(stat(data, "archiver/warc/records"), "WARC records"),
        "</div>",
    ]
    earlier = _prefixed(stats, "archiver/resume/earlier/")
    if earlier:
        parts.append(
            "<p>Resumed: "
            + ", ".join(f"{stat(data, key)} {e(key.rsplit('/', 1)[-1])}" for key in earlier)
            + " captures of earlier runs were not fetched again; the other figures are this run's.</p>"
        )
    incremental = {k.rsplit("/", 1)[-1]: _int(v) for k, v in stats.items() if k.startswith("archiver/incremental/")}
    if incremental.get("known") is not None:
        parts.append(f"<p>Incremental crawl: {e(incremental_text(incremental))}.</p>")
    # discovery routes
    parts.append("<h3>Posts by discovery route</h3>")
    if log.routes:
        rows = [[e(route), figure(count, "crawl.log")] for route, count in log.routes.items()]
        rows.append(["<strong>posts in crawl.log</strong>", figure(log.posts_logged, "crawl.log")])
        parts.append(_table(["route", "posts"], rows, frozenset({1})))
    else:
        parts.append("<p>No post URL in crawl.log.</p>")
    parts.append(
        '<p class="note">Derived from crawl.log: each post URL counts once, for the route that led to it first, '
        "the kind of the page in the <em>via</em> column of its first attempt (a sitemap, a feed, an archive or "
        "label page, the home page or its pager, another post). A post that several routes list is counted for "
        f"the first only. Post URLs discovered in all: {stat(data, 'archiver/discovered/post')}.</p>"
    )
    parts.append(_not_harvested(data))
    parts.append("</section>")
    return "".join(parts)


def _not_harvested(data: CrawlData) -> str:
    stats, posts = data.stats, data.posts
    rows: list[list[str]] = []
    for key in _prefixed(stats, "archiver/gave_up/"):
        rows.append([f"gave up: {e(key.rsplit('/', 1)[-1])}", stat(data, key)])
    for key in _prefixed(stats, "archiver/failed/"):
        rows.append([f"failed attempts: {e(key.rsplit('/', 1)[-1])} (retried or given up)", stat(data, key)])
    for key in _prefixed(stats, "archiver/skipped/"):
        rows.append([f"left out, proven empty by archived evidence: {e(key.rsplit('/', 1)[-1])}", stat(data, key)])
    for key, what in (
        ("archiver/precluded/robots", "excluded by robots.txt"),
        ("archiver/links/out_of_scope", "links out of scope (recorded as outlinks, never fetched)"),
        ("archiver/scope/rejected", "requests refused by the scope rules"),
        ("archiver/changes/missing", "posts of earlier crawls not found (no 404/410)"),
        ("archiver/records/errors", "record extraction errors"),
        ("retry/count", "retries"),
    ):
        if key in stats:
            rows.append([e(what), stat(data, key)])
    missing = posts.images_referenced - posts.images_archived
    if missing:
        rows.append(["full-size images referenced by posts, not archived", figure(missing, "posts.jsonl")])
    parts = ["<h3>What could not be harvested, and why</h3>"]
    parts.append(
        _table(["what", "count"], rows, frozenset({1}))
        if rows
        else "<p>Nothing: no give-up, failure or exclusion was counted.</p>"
    )
    warnings = trap_warnings(stats)
    if warnings:
        parts.append("<p>Limits hit:</p><ul>" + "".join(f'<li class="warn">{e(w)}</li>' for w in warnings) + "</ul>")
    if posts.images_missing:
        parts.append(
            "<details><summary>Full-size images not archived (first "
            f"{len(posts.images_missing)})</summary><ul>"
            + "".join(f"<li>{e(url)}</li>" for url in posts.images_missing)
            + "</ul></details>"
        )
    return "".join(parts)


def _clock(seconds: int) -> str:
    if seconds < 60:
        return f"+{seconds}s"
    if seconds < 3600:
        return f"+{seconds // 60}m{seconds % 60:02d}s" if seconds % 60 else f"+{seconds // 60}m"
    return f"+{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def _timeline(data: CrawlData) -> str:
    log = data.log
    parts = ['<section id="timeline"><h2>Timeline</h2>']
    if not log.responses or log.first is None or log.last is None:
        parts.append("<p>No crawl.log lines: nothing to draw.</p></section>")
        return "".join(parts)
    rates = [count / log.bin_s for count in log.responses]
    bins = len(rates)
    ticks = sorted({0, bins // 2, bins - 1})
    labels = [(i, _clock(round(i * log.bin_s))) for i in ticks]
    span = (log.last - log.first).total_seconds()
    peak = max(rates)
    total = sum(log.responses)
    parts.append(
        _chart(charts.area_chart(rates, title="responses per second over the crawl", x_labels=labels))
        + f"<p>{figure(total, 'crawl.log')} responses and {figure(sum(log.failures), 'crawl.log')} failed attempts "
        f"from {e(log.first.strftime('%Y-%m-%d %H:%M:%S'))} UTC over {span:.1f} s; peak "
        f"{peak:.1f} responses/s (bins of {log.bin_s:g} s), mean "
        f"{(total / span if span else total):.1f}/s.</p>"
    )
    parts.append("</section>")
    return "".join(parts)


def _statuses(data: CrawlData) -> str:
    stats, log = data.stats, data.log
    parts = ['<section id="statuses"><h2>Status codes</h2>']
    keys = _prefixed(stats, "downloader/response_status_count/")
    keys.sort(key=lambda k: _int(k.rsplit("/", 1)[-1]))
    rows = [[e(key.rsplit("/", 1)[-1]), stat(data, key)] for key in keys]
    for status, count in log.statuses.items():
        if status < 0:
            rows.append([f"{status} (crawl.log failure code)", figure(count, "crawl.log")])
    if rows:
        items = [(key.rsplit("/", 1)[-1], float(_int(stats[key])), str(_int(stats[key]))) for key in keys]
        if items:
            parts.append(_chart(charts.hbar_chart(items, title="responses by HTTP status")))
        parts.append(_table(["status", "responses / attempts"], rows, frozenset({1})))
        parts.append(
            '<p class="note">HTTP statuses from stats.json (every response the downloader received, retried ones '
            "included); negative codes are Heritrix's failure codes of crawl.log: -1 DNS, -2 connect, -3 broken, "
            "-4 timeout, -5 given up, -7 unfetchable, -5000 out of scope, -9998 robots.txt.</p>"
        )
    else:
        parts.append("<p>No response was received.</p>")
    parts.append("</section>")
    return "".join(parts)


def _bytes_stat(data: CrawlData, key: str) -> str:
    return stat(data, key, human_bytes(_int(data.stats.get(key))))


def _bytes(data: CrawlData) -> str:
    log, index = data.log, data.index
    parts = ['<section id="bytes"><h2>Bytes by content type</h2>']
    types = list(dict.fromkeys([*log.bytes_by_type, *index.bytes_by_type]))
    if not types:
        parts.append("<p>Nothing received.</p></section>")
        return "".join(parts)
    items = [(t, float(log.bytes_by_type.get(t, 0)), human_bytes(log.bytes_by_type.get(t, 0))) for t in types]
    parts.append(_chart(charts.hbar_chart([i for i in items if i[1]], title="bytes received by content type")))
    rows = [
        [
            e(t),
            figure(log.count_by_type.get(t, 0), "crawl.log"),
            figure(log.bytes_by_type.get(t, 0), "crawl.log", human_bytes(log.bytes_by_type.get(t, 0))),
            figure(index.bytes_by_type.get(t, 0), "index.cdxj", human_bytes(index.bytes_by_type.get(t, 0))),
        ]
        for t in types
    ]
    parts.append(_table(["content type", "responses", "received", "stored (WARC records)"], rows, frozenset({1, 2, 3})))
    parts.append(
        f"<p>Received in all: {_bytes_stat(data, 'downloader/response_bytes')}"
        f"; WARC files: {_bytes_stat(data, 'archiver/warc/bytes')}"
        f" in {stat(data, 'archiver/warc/records')} records, {stat(data, 'archiver/warc/revisits')} of them "
        f"revisits; {figure(index.captures, 'index.cdxj')} captures in index.cdxj.</p>"
        '<p class="note">Received: the size column of crawl.log (bodies as sent, still compressed when they were). '
        "Stored: the gzipped WARC record lengths of index.cdxj (a revisit is listed as warc/revisit).</p>"
    )
    parts.append("</section>")
    return "".join(parts)


def _per_month(data: CrawlData) -> str:
    posts = data.posts
    parts = ['<section id="posts-per-month"><h2>Posts per month</h2>']
    if not posts.per_month:
        parts.append("<p>No dated post in posts.jsonl.</p></section>")
        return "".join(parts)
    months = list(posts.per_month.items())
    every = 12 if len(months) > 24 else (3 if len(months) > 8 else 1)
    items = [(m, float(n)) for m, n in months]
    parts.append(_chart(charts.bar_chart(items, title="posts per month (published)", label_every=every)))
    parts.append(
        f"<p>{figure(posts.posts, 'posts.jsonl')} posts from {e(months[0][0])} to {e(months[-1][0])}"
        + (f"; {figure(posts.undated, 'posts.jsonl')} without a publication date" if posts.undated else "")
        + ".</p>"
    )
    rows = [[e(m), figure(n, "posts.jsonl")] for m, n in months if n]
    parts.append(
        "<details><summary>Posts per month, as a table</summary>"
        + _table(["month", "posts"], rows, frozenset({1}))
        + "</details>"
    )
    parts.append("</section>")
    return "".join(parts)


def _diff(lines: list[str]) -> str:
    out = []
    for line in lines:
        cls = (
            "hunk"
            if line.startswith(("@@", "---", "+++"))
            else ("add" if line.startswith("+") else "del" if line.startswith("-") else "")
        )
        out.append(f'<span class="{cls}">{e(line)}</span>' if cls else e(line))
    return "<pre>" + "\n".join(out) + "</pre>"


def _change(change: dict[str, Any]) -> str:
    kind = str(change.get("change") or "?")
    title = str(change.get("title") or "(untitled)")
    url = change.get("url")
    parts = [
        f'<div class="change {e(kind)}"><span class="kind">{e(kind)}</span> <strong>{e(title)}</strong>',
        f'<br><span class="muted">{e(url or "(no URL)")} · post {e(change.get("post_id"))}</span>',
    ]
    if change.get("fields") is not None:
        parts.append(f"<br>fields: {e(', '.join(map(str, change.get('fields') or [])) or 'none')}")
        title_change = change.get("title_change") or {}
        if "title" in (change.get("fields") or []):
            parts.append(f"<br>title: {e(title_change.get('old'))} → {e(title_change.get('new'))}")
        labels = change.get("labels") or {}
        if labels.get("added") or labels.get("removed"):
            parts.append(f"<br>labels: +{e(labels.get('added'))} −{e(labels.get('removed'))}")
        for name in ("published", "updated"):
            if isinstance(change.get(name), dict):
                parts.append(f"<br>{name}: {e(change[name].get('old'))} → {e(change[name].get('new'))}")
    if change.get("diff"):
        parts.append(_diff([str(line) for line in change["diff"]]))
        if change.get("diff_truncated"):
            parts.append('<p class="note">Diff cut (ARCHIVER_POSTS_CHANGES_DIFF_LINES).</p>')
    comment = change.get("comment")
    if isinstance(comment, dict):
        author = comment.get("author")
        who = author.get("name") if isinstance(author, dict) else author
        parts.append(f"<br>comment {e(comment.get('id'))} by {e(who or '?')}, {e(comment.get('published') or '?')}")
    flag = change.get("flag")
    if isinstance(flag, dict):
        parts.append(f"<br>{_flag_text(flag)}")
    capture = change.get("capture")
    if isinstance(capture, dict):
        parts.append(
            f"<br>proof: {e(capture.get('status', ''))} answer in {e(capture.get('filename', ''))} "
            f"at offset {e(capture.get('offset', ''))}"
        )
    parts.append("</div>")
    return "".join(parts)


def _changes(data: CrawlData) -> str:
    stats = data.stats
    parts = ['<section id="changes"><h2>Changes of this visit</h2>']
    if stats.get("archiver/changes/first_crawl"):
        parts.append("<p>First crawl of the blog: nothing to compare with (changes.jsonl is empty).</p></section>")
        return "".join(parts)
    counts = [key for kind in CHANGE_KINDS if (key := f"archiver/changes/{kind}") in stats]
    if counts:
        parts.append("<p>" + ", ".join(f"{stat(data, key)} {e(key.rsplit('/', 1)[-1])}" for key in counts) + ".</p>")
    if "archiver/changes/missing" in stats:
        parts.append(
            f'<p class="warn">{stat(data, "archiver/changes/missing")} posts of earlier crawls were not found and '
            "did not answer 404/410: missing, not counted as deleted.</p>"
        )
    if not data.changes:
        parts.append("<p>No change since the blog's earlier crawls (changes.jsonl is empty).</p>")
    else:
        parts.append(
            f"<p>{figure(data.changes_total, 'changes.jsonl')} changes in changes.jsonl"
            + (f"; the first {len(data.changes)} are shown" if data.changes_total > len(data.changes) else "")
            + ".</p>"
        )
        parts.extend(_change(change) for change in data.changes)
    parts.append("</section>")
    return "".join(parts)


def _flag_text(flag: dict[str, Any]) -> str:
    where = f"<{flag.get('element')}" + (f" {flag.get('attribute')}" if flag.get("attribute") else "") + ">"
    host = f" → {flag.get('host')}" if flag.get("host") else ""
    return (
        f'<span class="bad">{e(flag.get("severity") or "")} {e(flag.get("kind") or "")}</span>: '
        f"<code>{e(where)}</code>{e(host)}<br><code>{e(flag.get('excerpt') or '')}</code>"
    )


def _tamper(data: CrawlData) -> str:
    stats, flags = data.stats, data.posts.flags
    parts = ['<section id="tamper"><h2>Tamper flags</h2>']
    by_kind = [key for kind in TAMPER_KINDS if (key := f"archiver/tamper/flags/{kind}") in stats]
    parts.append(
        f"<p>{stat(data, 'archiver/tamper/flagged')} of {stat(data, 'archiver/tamper/pages')} HTML pages scanned "
        "carry a flag"
        + (": " + ", ".join(f"{e(key.rsplit('/', 1)[-1])} {stat(data, key)}" for key in by_kind) if by_kind else "")
        + ".</p>"
    )
    if flags:
        rows = [
            [e(kind), f'{e(title)}<br><span class="muted">{e(url)}</span>', _flag_text(flag)]
            for kind, title, url, flag in flags[:FLAGS_SHOWN]
        ]
        parts.append(
            f"<p>{figure(len(flags), 'posts.jsonl')} flags in the records (posts.jsonl, pages.jsonl)"
            + (f"; the first {FLAGS_SHOWN} are listed" if len(flags) > FLAGS_SHOWN else "")
            + ":</p>"
            + _table(["record", "post or page", "flag"], rows, wrap=frozenset({1, 2}))
        )
        parts.append(
            '<p class="note">A flag is something a reviewer must look at (planted script, a hidden link, an '
            "off-site frame): see archiver.records.tamper and the tamperFlag lines of the pages' metadata "
            "records.</p>"
        )
    else:
        parts.append("<p>No flag in the post and page records.</p>")
    parts.append("</section>")
    return "".join(parts)


def _failures(data: CrawlData) -> str:
    groups = data.log.failure_groups
    parts = ['<section id="failures"><h2>Failures, with reasons</h2>']
    if not groups:
        parts.append("<p>No failed attempt and no error answer in crawl.log.</p></section>")
        return "".join(parts)
    rows = [
        [
            e(group.reason),
            figure(group.count, "crawl.log"),
            "<br>".join(e(url) for url in group.urls) + ("<br>…" if group.count > len(group.urls) else ""),
        ]
        for group in groups
    ]
    parts.append(_table(["reason", "attempts", "URLs (first ones)"], rows, frozenset({1}), frozenset({2})))
    parts.append(
        '<p class="note">Every failed attempt and every 4xx/5xx answer of crawl.log, by reason; a URL retried '
        "and then fetched counts here for each failed attempt. Only the last attempt of a URL is archived.</p>"
        "</section>"
    )
    return "".join(parts)


def _files(data: CrawlData) -> str:
    summary = data.summary
    items = [f"<li>{e(name)}</li>" for name in summary.get("warc_files") or []]
    parts = ['<section id="files"><h2>Files</h2>']
    if items:
        parts.append(f"<p>WARC files ({stat(data, 'archiver/warc/files')}):</p><ul>{''.join(items)}</ul>")
    if summary.get("wacz"):
        parts.append(f"<p>WACZ package: {e(summary['wacz'])} ({e(human_bytes(_int(summary.get('wacz_bytes'))))}).</p>")
    if summary.get("fixity_manifest"):
        parts.append(
            f"<p>Fixity manifest: {e(summary['fixity_manifest'])} (the sha256 of every file of the crawl folder); "
            "check it with "
            "<code>archiver verify</code>.</p>"
        )
    if data.missing:
        parts.append(f'<p class="warn">Missing or unreadable: {e(", ".join(sorted(set(data.missing))))}.</p>')
    parts.append("</section>")
    return "".join(parts)


def crawl_sections(data: CrawlData, stats_file: str = "stats.json") -> str:
    """Every section of one crawl's report, in a block that names the stats.json its numbers come from."""
    return (
        f'<div class="crawl" data-stats-file="{e(stats_file)}" data-crawl-id="{e(data.crawl_id)}">'
        + _completeness(data)
        + _timeline(data)
        + _statuses(data)
        + _bytes(data)
        + _per_month(data)
        + _changes(data)
        + _tamper(data)
        + _failures(data)
        + _files(data)
        + "</div>"
    )


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="blogspot-archiver">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _header(data: CrawlData) -> str:
    seed = data.crawl.get("url") or data.summary.get("seed") or "?"
    started = data.crawl.get("started") or "?"
    duration = data.summary.get("duration_s")
    bits = [f"started {e(started)}"]
    if duration is not None:
        bits.append(f"ran {e(duration)} s")
    if data.crawl.get("profile"):
        bits.append(f"profile {e(data.crawl['profile'])}")
    if data.crawl.get("archiver_version"):
        bits.append(f"archiver {e(data.crawl['archiver_version'])}")
    return f'<p>{e(seed)}<br><span class="muted">{" · ".join(bits)}</span></p>'


def render_crawl(data: CrawlData) -> str:
    """The report of one crawl folder."""
    title = f"Crawl {data.crawl_id}"
    seed = data.crawl.get("url") or data.summary.get("seed")
    body = f"<header><h1>{e(title)}</h1>{_header(data)}</header>\n" + crawl_sections(data)
    return _page(f"{title}: {seed}" if seed else title, body)


def _visit_row(visit: Visit) -> list[str]:
    source = f"{visit.crawl_id}/stats.json"

    def num(value: int | None, text: str | None = None) -> str:
        return "–" if value is None else figure(value, source, text)

    changes = ", ".join(f"{visit.changes[k]} {k}" for k in CHANGE_KINDS if visit.changes.get(k))
    if visit.changes.get("missing"):
        changes += f"{', ' if changes else ''}{visit.changes['missing']} missing"
    if visit.changes.get("first_crawl"):
        changes = "first crawl"
    return [
        e(visit.crawl_id),
        e(visit.started or "?"),
        f'<span class="{e(visit.outcome.split()[0])}">{e(visit.outcome)}</span>',
        num(visit.posts_found),
        num(visit.posts_archived),
        e(changes or "none"),
        num(visit.responses),
        num(visit.bytes_received, human_bytes(visit.bytes_received or 0)),
    ]


def render_blog(blog: BlogData) -> str:
    """The report of a blog folder: the history of every visit, then the latest crawl's details."""
    title = f"Blog {blog.host}"
    rows = [_visit_row(visit) for visit in blog.visits]
    body = [
        f"<header><h1>{e(title)}</h1><p>{figure(len(blog.visits), 'crawl folders')} visits"
        + (f", the latest {e(blog.latest.crawl_id)}" if blog.latest else "")
        + ".</p></header>",
        '<section id="history"><h2>History of every visit</h2>',
        _table(
            ["crawl", "started", "outcome", "posts found", "posts archived", "changes", "responses", "received"],
            rows,
            frozenset({3, 4, 6, 7}),
        ),
        "</section>",
    ]
    if blog.latest is not None:
        body.append(f"<h2>Latest visit: {e(blog.latest.crawl_id)}</h2>{_header(blog.latest)}")
        body.append(crawl_sections(blog.latest, f"{blog.latest.crawl_id}/stats.json"))
    return _page(title, "\n".join(body))
