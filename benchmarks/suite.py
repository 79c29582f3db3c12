"""Issue 12's table, measured in one run: the code behind ``benchmarks/run_all`` (read its ``--help``).

Every crawl gets a fresh ``blogger-replica serve --posts N --latency-ms MS`` on 127.0.0.1 with an access log,
and the client goes through it in proxy mode (the real ``https://gongminziyoulianmeng.blogspot.com/`` URLs), as
``crawl_bench.py`` does. What each row measures and how:

- **rss**: peak resident set of ``archiver crawl --profile local`` at 0 ms latency, at the small size (2,000
  posts) and the large one (20,000), and large ÷ small. The figure is ``ru_maxrss`` of the crawl process from
  ``os.wait4`` (the largest single process); the sum over the process and all its descendants, sampled from
  ``/proc`` every 0.5 s, is shown next to it (a worker pool's memory counts there, not in ``ru_maxrss``; pages
  that forked processes share are counted in each, so it is an upper bound).
- **cpu**: user+sys CPU seconds of the crawl (``os.wait4``: the process and every child it waited for) per
  response the replica served (its access log, CONNECTs left out), full crawl vs bare crawl (WARC, CDXJ, WACZ
  and post records switched off), both at 0 ms and the small size, and full ÷ bare; also wall ms per response.
  The bare crawl must still fetch every post: its access log is checked against the truth. (It exits with
  status 3, "gave up on N URLs (unfetched N)": the spider learns that a URL is done from the WARC recorder's
  ``capture_written`` signal, which a crawl without WARCs never sends; the row shows that outcome.)
- **tail**: seconds from the last response the replica served (the ``t`` stamp of its access log's last
  line, ``time.time()`` when the response was logged) to the crawl process's exit (``time.time()`` when
  ``os.wait4`` reaped it, polled every 50 ms), at the large size.
- **wget**: responses/s at 50 ms latency, the archiver and ``wget --recursive …`` (``crawl_bench.py``'s command
  line) one after the other against the same replica process, the small size; responses per client are the
  access log lines of its own time window. The order alternates between repeats, so neither client always
  meets a warm replica. The ratio is taken per pair.
- **extract**: ``archiver extract CRAWL_DIR -o posts.jsonl --pages pages.jsonl`` of the first full small
  crawl, in a fresh process (its start included), on both cores and under ``taskset -c 0``; posts/s are post
  records written over wall seconds, and both files must equal the crawl's own byte for byte.
- **requests**: the first full small crawl's responses by kind (:func:`archiver.blogger.urls.classify` of each
  access log URL; per-post comment feeds apart from the all-comments feed), the per-post comment feeds whose
  post has no comment in the replica's truth (``blogger-replica truth``: empty), fetches of a URL already
  fetched, the skips the crawl counted (``stats.json`` keys under ``archiver/skipped/``) and completeness
  (records in posts.jsonl whose URL is a truth post, over the truth's posts).

Each figure is the min and the median over the row's runs; a target is judged on the median. Rows run in the
order small full crawls, small bare crawls, extract, 50 ms pairs, large crawls; a row that fails is reported
with its error and the others go on.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
BLOG_HOST = "gongminziyoulianmeng.blogspot.com"
BLOG_URL = f"https://{BLOG_HOST}/"
BARE_SETTINGS = (
    "ARCHIVER_WARC_ENABLED=False",
    "ARCHIVER_CDXJ_ENABLED=False",
    "ARCHIVER_WACZ_ENABLED=False",
    "ARCHIVER_POSTS_ENABLED=False",
)
SKIP_PREFIX = "archiver/skipped/"
#: what limits each missed row (profiles and their reading), written by hand and appended to RESULTS.md as is
LIMITS = ROOT / "benchmarks" / "results" / "limits.md"
ROWS = ("rss", "cpu", "tail", "wget", "extract", "requests")
_POST_COMMENTS = re.compile(r"^/feeds/(\d+)/(?:(\d+)/)?comments/")
MiB = 1024 * 1024


def log(message: str) -> None:
    """A progress line on standard error."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- pure parts: statistics, access logs, verdicts, rendering -----------------------------------------------


def summarize(values: Iterable[float | None]) -> dict[str, float] | None:
    """Min, median and count of the values that were measured (None left out); None when there are none."""
    got = [float(v) for v in values if v is not None]
    if not got:
        return None
    return {"min": min(got), "median": statistics.median(got), "n": len(got)}


def med(summary: dict[str, float] | None) -> float | None:
    """The median of a :func:`summarize` result, or None."""
    return None if summary is None else summary["median"]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def parse_access_log(text: str) -> list[dict[str, Any]]:
    """The replica's access log (one JSON object per line), CONNECT tunnels left out: one entry per response."""
    entries = []
    for line in text.splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("method") != "CONNECT":
                entries.append(entry)
    return entries


@dataclass(frozen=True)
class Truth:
    """What the replica's truth says: the posts' URLs and, per post or page id, its number of comments."""

    post_urls: frozenset[str]
    comments: dict[str, int]

    @classmethod
    def from_jsonl(cls, text: str) -> Truth:
        urls, comments = set(), {}
        for line in text.splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            comments[str(record["post_id"])] = int(record.get("comment_count", len(record.get("comments", []))))
            if record["kind"] == "post":
                urls.add(record["url"])
        return cls(frozenset(urls), comments)


def post_comment_feed(url: str, truth: Truth) -> str | None:
    """The post id of a per-post comment feed URL, or None for any other URL (the all-comments feed too).

    The blog host's form is ``/feeds/POSTID/comments/…``, Blogger's ``/feeds/BLOGID/POSTID/comments/…``.
    """
    path = "/" + url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
    match = _POST_COMMENTS.match(path)
    if match is None:
        return None
    post_id = match.group(2) or match.group(1)
    return post_id if post_id in truth.comments else None


def responses_by_kind(
    entries: Sequence[dict[str, Any]], truth: Truth, classify: Callable[[str], str]
) -> dict[str, Any]:
    """Responses per kind of URL, the per-post comment feeds (and the empty ones) and the repeated fetches."""
    kinds: Counter[str] = Counter()
    urls: Counter[str] = Counter()
    feeds = empty = 0
    feed_posts: set[str] = set()
    for entry in entries:
        url = entry["url"]
        urls[url] += 1
        post_id = post_comment_feed(url, truth)
        if post_id is not None:
            kinds["comment_feed (per post)"] += 1
            feeds += 1
            feed_posts.add(post_id)
            empty += truth.comments[post_id] == 0
        else:
            kind = classify(url)
            kinds["comment_feed (all comments)" if kind == "comment_feed" else kind] += 1
    return {
        "by_kind": dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0]))),
        "post_comment_feeds": feeds,
        "post_comment_feeds_empty": empty,
        "posts_with_comment_feed_fetched": len(feed_posts),
        "posts_with_comments": sum(1 for count in truth.comments.values() if count),
        "duplicates": sum(count - 1 for count in urls.values()),
    }


def posts_fetched(entries: Iterable[dict[str, Any]], truth: Truth) -> int:
    """Truth posts the client got a 200 for (query strings ignored)."""
    return len({e["url"].split("?", 1)[0] for e in entries if e.get("status") == 200} & truth.post_urls)


def tail_seconds(entries: Sequence[dict[str, Any]], exit_epoch: float) -> float | None:
    """Seconds from the last response logged to the client's exit, or None without a response."""
    return exit_epoch - max(float(e["t"]) for e in entries) if entries else None


def skips(stats: dict[str, Any]) -> dict[str, int]:
    """The skipped requests the crawl counted: ``archiver/skipped/*`` keys of its stats, by reason."""
    return {k[len(SKIP_PREFIX) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(SKIP_PREFIX)}


def verdict(value: float | None, *, at_most: float | None = None, at_least: float | None = None) -> str:
    """``met``, ``missed`` or ``not measured`` for a value against one bound."""
    if value is None:
        return "not measured"
    if at_most is not None and value > at_most:
        return "missed"
    if at_least is not None and value < at_least:
        return "missed"
    return "met"


def combine(verdicts: Iterable[str]) -> str:
    """One verdict for several: missed if any is, else not measured if any is, else met."""
    found = list(verdicts)
    for word in ("missed", "not measured"):
        if word in found:
            return word
    return "met"


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number with ``digits`` decimals and thousands separators, or ``-`` for a missing one."""
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


def fmt_stat(summary: dict[str, float] | None, digits: int = 1, unit: str = "") -> str:
    """``median (min M, n N)`` of a :func:`summarize` result."""
    if summary is None:
        return "-"
    return f"{fmt(summary['median'], digits, unit)} (min {fmt(summary['min'], digits, unit)}, n {summary['n']:.0f})"


@dataclass
class Row:
    """One line of the issue's table: what it measures, the target, the outcome and every run behind it."""

    key: str
    measure: str
    target: str
    measured: str = "-"
    verdict: str = "not measured"
    figures: dict[str, dict[str, float] | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def render_markdown(report: dict[str, Any], rows: Sequence[Row]) -> str:
    """RESULTS.md: the machine and commit, the table with met/missed, then each row's figures and runs."""
    m = report["machine"]
    out = [
        "# Benchmark results: issue 12",
        "",
        f"Written by `{report['command']}` on {report['finished']} ({report['minutes']:.0f} minutes). "
        "Each figure is the median over the row's runs, with the min and the number of runs; a target is "
        "judged on the median. How each figure is measured: `benchmarks/suite.py`'s docstring.",
        "",
        f"- commit: `{report['commit']}`",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB RAM, Linux {m['kernel']}; "
        f"Python {m['python']}, Scrapy {m['scrapy']}, lxml {m['lxml']}, warcio {m['warcio']}, {m['wget']}",
        f"- sizes: {report['small']:,} and {report['large']:,} posts; repeats: {report['repeat']} "
        f"(small-size rows), {report['repeat_large']} ({report['large']:,}-post rows)",
        *_load_warning(report, rows),
        *(
            ["- **interrupted** (Ctrl-C): the rows show only what was measured before"]
            if report.get("interrupted")
            else []
        ),
        "",
        "| measure | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    for row in rows:
        measured = f"failed: {row.error}" if row.error else row.measured
        out.append(f"| {row.measure} | {row.target} | {measured} | **{row.verdict}** |")
    for row in rows:
        out += ["", f"## {row.measure}"]
        if row.error:
            out += ["", f"Failed: `{row.error}`"]
        if row.notes:
            out += ["", *(f"- {note}" for note in row.notes)]
        if row.figures:
            out += ["", "| figure | median | min | runs |", "|---|---|---|---|"]
            for name, summary in row.figures.items():
                if summary is None:
                    out.append(f"| {name} | - | - | 0 |")
                else:
                    out.append(f"| {name} | {_num(summary['median'])} | {_num(summary['min'])} | {summary['n']:.0f} |")
        if row.runs:
            keys = [k for k in row.runs[0] if not isinstance(row.runs[0][k], dict | list)]
            out += ["", "runs:", "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
            for run in row.runs:
                out.append("| " + " | ".join(_cell(run.get(k)) for k in keys) + " |")
    if LIMITS.is_file():  # the profiles behind the missed rows: analysis, kept by hand beside the figures
        out += ["", LIMITS.read_text(encoding="utf-8").rstrip("\n")]
    return "\n".join(out) + "\n"


def _load_warning(report: dict[str, Any], rows: Sequence[Row]) -> list[str]:
    """A line naming the busiest start when some run began with a 1-minute load above the machine's cores."""
    cores = report["machine"].get("cores") or 1
    runs = {
        (run.get("crawl"), run.get("client"), run.get("cores"), run.get("wall_s")): run
        for row in rows
        for run in row.runs
    }
    loads = [run["load"] for run in runs.values() if isinstance(run.get("load"), int | float)]  # each run once
    if not loads or max(loads) <= cores:
        return []
    return [
        f"- load: {sum(load > cores for load in loads)} of {len(loads)} runs started with a 1-minute load above "
        f"{cores} (up to {max(loads):.1f}): other work shared the cores, so their wall-time figures (responses/s, "
        "posts/s, tail) are pessimistic; CPU seconds and RSS are less affected"
    ]


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return "-" if value is None else str(value)


# --- measuring: processes, replicas, crawls -----------------------------------------------------------------


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants now (``/proc``; 0 where a process is gone)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    total, todo, page = 0, [root], os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    return total


@dataclass
class Measured:
    """A finished client process: exit status, wall time, rusage, sampled tree RSS, load and exit time."""

    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_mib: float
    tree_rss_mib: float
    load: float
    exit_epoch: float
    timed_out: bool


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None, log_path: Path, timeout: float) -> Measured:
    """Run ``cmd`` with its output in ``log_path``; reap it with ``os.wait4``; stop it after ``timeout`` s."""
    load = os.getloadavg()[0]
    with log_path.open("a", encoding="utf-8") as stream:
        started = time.monotonic()
        proc = subprocess.Popen(list(cmd), env=env, stdout=stream, stderr=stream, cwd=ROOT)
        deadline, timed_out, peak, sampled = started + timeout, False, 0, 0.0
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.monotonic()
            if now - sampled >= 0.5:
                peak, sampled = max(peak, tree_rss_bytes(proc.pid)), now
            if now > deadline and not timed_out:
                timed_out, deadline = True, now + 30
                proc.terminate()  # the archiver closes its WARC files on SIGTERM
            elif timed_out and now > deadline:
                proc.kill()
                deadline = float("inf")
            time.sleep(0.05)
        exit_epoch = time.time()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        proc.returncode,
        wall,
        rusage.ru_utime + rusage.ru_stime,
        rusage.ru_maxrss / 1024,
        max(peak / MiB, rusage.ru_maxrss / 1024),
        load,
        exit_epoch,
        timed_out,
    )


class Bench:
    """One ``run_all`` invocation: its work folder, the truth per size and the crawls kept for later rows."""

    def __init__(self, workdir: Path, timeout: float, keep: bool) -> None:
        self.workdir = workdir
        self.timeout = timeout
        self.keep = keep  # keep every crawl's output; else only the first full crawl of each size stays
        self._kept: set[int] = set()
        self._truth: dict[int, Truth] = {}
        self._count = 0

    def truth(self, posts: int) -> Truth:
        if posts not in self._truth:
            out = subprocess.run(
                [sys.executable, "-m", "blogger_replica", "truth", "--posts", str(posts)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            self._truth[posts] = Truth.from_jsonl(out)
        return self._truth[posts]

    def folder(self, name: str) -> Path:
        self._count += 1
        path = self.workdir / f"{self._count:02d}-{name}"
        path.mkdir(parents=True)
        return path

    def archiver_cmd(self, out: Path, extra: Sequence[str] = ()) -> list[str]:
        cmd = [sys.executable, "-m", "archiver", "crawl", BLOG_URL, "--profile", "local", "-o", str(out)]
        cmd += ["-s", f"ARCHIVER_CRAWL_DIR={out / 'crawl'}"]
        for setting in extra:
            cmd += ["-s", setting]
        return cmd

    def crawl(self, posts: int, *, bare: bool = False) -> dict[str, Any]:
        """One archiver crawl at 0 ms on a fresh replica, with every figure the rows need."""
        from blogger_replica.launch import launch

        from archiver.blogger.urls import classify

        name = f"{'bare' if bare else 'full'}-{posts}"
        folder = self.folder(name)
        truth = self.truth(posts)
        replica = launch(["--posts", str(posts), "--latency-ms", "0"], workdir=folder / "replica")
        try:
            run = run_measured(
                self.archiver_cmd(folder, BARE_SETTINGS if bare else ()),
                env=replica.proxy_env(),
                log_path=folder / "client.log",
                timeout=self.timeout,
            )
        finally:
            replica.stop(timeout=30)
        entries = parse_access_log((folder / "replica" / "access.jsonl").read_text(encoding="utf-8"))
        crawl_dir = folder / "crawl"
        figures = _client_figures(run, len(entries))
        figures.update(
            crawl=name,
            tail_s=tail_seconds(entries, run.exit_epoch),
            posts_fetched=posts_fetched(entries, truth),
            truth_posts=len(truth.post_urls),
            crawl_dir=str(crawl_dir),
        )
        stats_path = crawl_dir / "stats.json"
        stats = json.loads(stats_path.read_text(encoding="utf-8"))["stats"] if stats_path.exists() else {}
        figures["skips"] = skips(stats)
        figures["posts_archived"] = _posts_archived(crawl_dir / "posts.jsonl", truth) if not bare else None
        figures["requests"] = responses_by_kind(entries, truth, classify)
        figures["outcome"] = last_words(folder / "client.log") if run.returncode else None
        if run.returncode != 0:
            log(f"  {name}: exit status {run.returncode}: {figures['outcome']}")
        if not self.keep and (bare or posts in self._kept):
            self.drop_output(folder)
        elif not bare:
            self._kept.add(posts)
        return figures

    def drop_output(self, folder: Path) -> None:
        """Delete a run's WARCs and records (gigabytes at 20,000 posts); its logs stay."""
        for path in folder.iterdir():
            if path.is_dir() and path.name != "replica":
                shutil.rmtree(path, ignore_errors=True)

    def latency_pair(self, posts: int, latency_ms: float, wget_first: bool) -> dict[str, Any]:
        """The archiver and wget one after the other against one replica at ``latency_ms``."""
        from blogger_replica.launch import launch
        from crawl_bench import wget_command

        folder = self.folder(f"pair-{posts}-{latency_ms:g}ms")
        replica = launch(["--posts", str(posts), "--latency-ms", str(latency_ms)], workdir=folder / "replica")
        access = folder / "replica" / "access.jsonl"
        result: dict[str, Any] = {"order": "wget first" if wget_first else "archiver first"}
        try:
            for tool in ("wget", "archiver") if wget_first else ("archiver", "wget"):
                before = len(parse_access_log(access.read_text(encoding="utf-8"))) if access.exists() else 0
                out = folder / tool
                out.mkdir()
                cmd = wget_command(replica.proxy, out) if tool == "wget" else self.archiver_cmd(out)
                run = run_measured(cmd, env=replica.proxy_env(), log_path=folder / f"{tool}.log", timeout=self.timeout)
                served = len(parse_access_log(access.read_text(encoding="utf-8"))) - before
                result[tool] = _client_figures(run, served)
                log(f"  {tool}: {served} responses in {run.wall_s:.1f} s (exit {run.returncode})")
        finally:
            replica.stop(timeout=30)
        if not self.keep:
            self.drop_output(folder)
        result["ratio"] = ratio(result["archiver"]["responses_per_s"], result["wget"]["responses_per_s"])
        return result

    def extract(self, crawl_dir: Path, one_core: bool) -> dict[str, Any]:
        """``archiver extract`` of ``crawl_dir`` in a fresh process; output compared with the crawl's files."""
        folder = self.folder("extract-1core" if one_core else "extract")
        posts, pages = folder / "posts.jsonl", folder / "pages.jsonl"
        cmd = [sys.executable, "-m", "archiver", "extract", str(crawl_dir), "-o", str(posts), "--pages", str(pages)]
        if one_core:
            taskset = shutil.which("taskset")
            if taskset is None:
                raise RuntimeError("taskset is not installed (util-linux)")
            cmd = [taskset, "-c", "0", *cmd]
        run = run_measured(cmd, env=None, log_path=folder / "extract.log", timeout=self.timeout)
        records = _lines(posts)
        identical = _same(posts, crawl_dir / "posts.jsonl") and _same(pages, crawl_dir / "pages.jsonl")
        shutil.rmtree(folder)
        return {
            "cores": "cpu 0" if one_core else "all",
            "exit": run.returncode,
            "wall_s": run.wall_s,
            "cpu_s": run.cpu_s,
            "posts": records,
            "posts_per_s": ratio(records, run.wall_s),
            "identical": identical,
            "load": run.load,
        }


def _client_figures(run: Measured, responses: int) -> dict[str, Any]:
    return {
        "exit": "timeout" if run.timed_out else run.returncode,
        "load": run.load,
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "responses": responses,
        "responses_per_s": ratio(responses, run.wall_s),
        "cpu_ms_per_response": ratio(run.cpu_s * 1000, responses),
        "wall_ms_per_response": ratio(run.wall_s * 1000, responses),
        "max_rss_mib": run.max_rss_mib,
        "tree_rss_mib": run.tree_rss_mib,
    }


def last_words(client_log: Path) -> str:
    """The archiver's own last line (``archiver: …``, its error or outcome) in a crawl's output."""
    words = "no 'archiver:' line"
    with contextlib.suppress(OSError), client_log.open(encoding="utf-8", errors="replace") as stream:
        for line in stream:
            if line.startswith("archiver:"):
                words = line.strip()
    return words


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())


def _same(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and a.read_bytes() == b.read_bytes()


def _posts_archived(posts_jsonl: Path, truth: Truth) -> int:
    if not posts_jsonl.exists():
        return 0
    urls = set()
    with posts_jsonl.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                urls.add(json.loads(line).get("url"))
    return len(urls & truth.post_urls)


# --- the rows -----------------------------------------------------------------------------------------------


def row_rss(small: list[dict[str, Any]], large: list[dict[str, Any]], sizes: tuple[int, int]) -> Row:
    row = Row("rss", f"peak RSS, {sizes[0]:,} / {sizes[1]:,} posts", "under 300 MiB at the large size, at most 1.3x")
    s = summarize(r["max_rss_mib"] for r in small)
    big = summarize(r["max_rss_mib"] for r in large)
    row.figures = {
        f"peak RSS MiB, {sizes[0]:,} posts": s,
        f"peak RSS MiB, {sizes[1]:,} posts": big,
        f"process tree peak RSS MiB (sampled), {sizes[0]:,}": summarize(r["tree_rss_mib"] for r in small),
        f"process tree peak RSS MiB (sampled), {sizes[1]:,}": summarize(r["tree_rss_mib"] for r in large),
    }
    growth = ratio(med(big), med(s))
    row.figures["large / small"] = summarize([growth])
    row.measured = f"{fmt_stat(s, 0, ' MiB')} / {fmt_stat(big, 0, ' MiB')}; {fmt(growth, 2)}x"
    row.verdict = combine([verdict(med(big), at_most=300), verdict(growth, at_most=1.3)])
    tree = summarize(r["tree_rss_mib"] for r in large)
    if big is not None and tree is not None and tree["median"] > big["median"] * 1.1:
        row.notes.append(
            f"the crawl's processes together peaked at {tree['median']:.0f} MiB at the large size: "
            "more than the crawl process alone (a worker pool?)"
        )
    row.runs = [_run_line(r, "max_rss_mib", "tree_rss_mib") for r in small + large]
    return row


def row_cpu(full: list[dict[str, Any]], bare: list[dict[str, Any]], posts: int) -> Row:
    row = Row("cpu", "CPU per response, full / bare crawl, 0 ms", "full at most 1.3x bare")
    f = summarize(r["cpu_ms_per_response"] for r in full)
    b = summarize(r["cpu_ms_per_response"] for r in bare)
    times = ratio(med(f), med(b))
    row.figures = {
        "CPU ms per response, full": f,
        "CPU ms per response, bare": b,
        "full / bare": summarize([times]),
        "wall ms per response, full": summarize(r["wall_ms_per_response"] for r in full),
        "wall ms per response, bare": summarize(r["wall_ms_per_response"] for r in bare),
        "responses, full": summarize(r["responses"] for r in full),
        "responses, bare": summarize(r["responses"] for r in bare),
    }
    row.measured = f"{fmt_stat(f, 2, ' ms')} / {fmt_stat(b, 2, ' ms')}; {fmt(times, 2)}x"
    row.verdict = verdict(times, at_most=1.3)
    row.notes.append(f"{posts:,} posts, `--profile local`, bare: `-s {' -s '.join(BARE_SETTINGS)}`")
    for r in bare:
        if r["posts_fetched"] < r["truth_posts"]:
            row.notes.append(
                f"the bare crawl fetched {r['posts_fetched']:,} of {r['truth_posts']:,} posts: with the WARC "
                "middleware off it does not discover every link, so its CPU per response is not comparable"
            )
            break
    else:
        if bare:
            row.notes.append("the bare crawl fetched every truth post: link discovery does not need the WARC side")
    for r in full + bare:
        if r["exit"] != 0:
            row.notes.append(f"{r['crawl']} exited with status {r['exit']}: {r.get('outcome')}")
    row.runs = [_run_line(r, "cpu_ms_per_response", "wall_ms_per_response", "posts_fetched") for r in full + bare]
    return row


def row_tail(large: list[dict[str, Any]], posts: int) -> Row:
    row = Row("tail", f"end-of-crawl tail at {posts:,} posts", "under 5 s")
    t = summarize(r["tail_s"] for r in large)
    row.figures = {"seconds from the last response served to the crawl's exit": t}
    row.measured = fmt_stat(t, 1, " s")
    row.verdict = verdict(med(t), at_most=5)
    row.runs = [_run_line(r, "tail_s") for r in large]
    return row


def row_wget(pairs: list[dict[str, Any]], posts: int, latency: float) -> Row:
    row = Row("wget", f"responses/s at {latency:g} ms vs wget, {posts:,} posts", "at least 12x")
    a = summarize(p["archiver"]["responses_per_s"] for p in pairs)
    w = summarize(p["wget"]["responses_per_s"] for p in pairs)
    r = summarize(p["ratio"] for p in pairs)
    row.figures = {"archiver responses/s": a, "wget responses/s": w, "archiver / wget (per pair)": r}
    row.measured = f"{fmt_stat(a, 1, '/s')} vs {fmt_stat(w, 1, '/s')}; {fmt_stat(r, 1, 'x')}"
    row.verdict = verdict(med(r), at_least=12)
    row.notes.append("both clients against one replica process, one after the other; the order alternates")
    for p in pairs:
        for tool in ("archiver", "wget"):
            row.runs.append({"client": tool, "order": p["order"], **_run_line(p[tool], "responses_per_s")})
    return row


def row_extract(both: list[dict[str, Any]], one: list[dict[str, Any]], posts: int) -> Row:
    row = Row(
        "extract", f"offline `archiver extract`, {posts:,} posts", "at least 400 posts/s, 250 on one core, identical"
    )
    b = summarize(r["posts_per_s"] for r in both)
    o = summarize(r["posts_per_s"] for r in one)
    identical = all(r["identical"] for r in both + one) if both + one else None
    same = {True: "identical", False: "DIFFERS", None: "not compared"}[identical]
    row.figures = {"posts/s, both cores": b, "posts/s, one core (taskset -c 0)": o}
    row.measured = f"{fmt_stat(b, 0)} / {fmt_stat(o, 0)} posts/s; output {same}"
    row.verdict = combine(
        [
            verdict(med(b), at_least=400),
            verdict(med(o), at_least=250),
            {True: "met", False: "missed", None: "not measured"}[identical],
        ]
    )
    row.notes.append(
        "wall time of a fresh process (its start included); output compared with posts.jsonl and pages.jsonl"
    )
    row.runs = both + one
    return row


def row_requests(full: list[dict[str, Any]]) -> Row:
    row = Row(
        "requests",
        "requests per archived post",
        "no request the archived feeds prove empty or redundant; every skip counted; completeness unchanged",
    )
    if not full:
        return row
    first = full[0]
    req = first["requests"]
    archived = summarize(r["posts_archived"] for r in full)
    truth_posts = first["truth_posts"]
    empty = summarize(r["requests"]["post_comment_feeds_empty"] for r in full)
    dups = summarize(r["requests"]["duplicates"] for r in full)
    per_post = summarize(ratio(r["responses"], r["posts_archived"]) for r in full)
    total_skips = summarize(sum(r["skips"].values()) for r in full)
    row.figures = {
        "responses per archived post": per_post,
        "per-post comment feeds fetched": summarize(r["requests"]["post_comment_feeds"] for r in full),
        "of them empty (truth: no comment)": empty,
        "repeated fetches of one URL": dups,
        "skips counted (archiver/skipped/*)": total_skips,
        "posts archived": archived,
    }
    complete = ratio(med(archived), truth_posts)
    row.measured = (
        f"{fmt_stat(per_post, 2)} responses per post; {fmt_stat(empty, 0)} empty comment feeds fetched; "
        f"{fmt_stat(total_skips, 0)} skips counted; completeness {fmt(complete and complete * 100, 1)}%"
    )
    row.verdict = combine(
        [
            verdict(med(empty), at_most=0),
            verdict(med(dups), at_most=0),
            verdict(complete, at_least=1),
            "met" if (med(total_skips) or 0) > 0 else "missed",
        ]
    )
    total = first["responses"] or 1
    kinds = ", ".join(f"{k} {v:,} ({v / total:.1%})" for k, v in req["by_kind"].items())
    row.notes += [
        f"first crawl's {first['responses']:,} responses by kind: {kinds}",
        f"per-post comment feeds: {req['post_comment_feeds']:,} for {req['posts_with_comment_feed_fetched']:,} "
        f"posts; {req['posts_with_comments']:,} posts and pages have comments in the truth; "
        f"{req['post_comment_feeds_empty']:,} fetched feeds were empty "
        f"({req['post_comment_feeds_empty'] / total:.1%} of all responses)",
        "skips counted: " + (", ".join(f"{k} {v:,}" for k, v in first["skips"].items()) or "none"),
        "met means: no empty per-post comment feed fetched, no URL fetched twice, every truth post archived, "
        "and the skips counted",
    ]
    row.runs = [_run_line(r, "posts_archived", "truth_posts") for r in full]
    return row


def _run_line(run: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The columns of one run in a row's table of runs: which crawl, its exit, load, wall, responses, ``keys``."""
    return {k: run.get(k) for k in ("crawl", "exit", "load", "wall_s", "responses", *keys) if k in run}


# --- the command --------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, kernel and the versions of what is measured."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = 0.0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) / 1024 / 1024
    wget = shutil.which("wget")
    wget_version = "no wget"
    if wget:
        first = subprocess.run([wget, "--version"], capture_output=True, text=True, check=False).stdout
        wget_version = first.splitlines()[0] if first else "wget"

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "scrapy": version("scrapy"),
        "lxml": version("lxml"),
        "warcio": version("warcio"),
        "wget": wget_version,
    }


def commit() -> str:
    """``git rev-parse --short HEAD``, plus `` dirty`` when the work tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head} dirty" if status.strip() else head


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run_all",
        description="Measure every row of issue 12's table in one run and write benchmarks/RESULTS.md "
        "(and the raw figures as JSON). Takes hours at the full sizes; --quick takes minutes. Only 127.0.0.1 "
        "is contacted (the replica).",
        epilog=f"rows: {', '.join(ROWS)}. How each is measured: the docstring of benchmarks/suite.py.",
    )
    parser.add_argument("--small", type=int, default=2000, metavar="N", help="posts of the small replica (2000)")
    parser.add_argument("--large", type=int, default=20000, metavar="N", help="posts of the large replica (20000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="runs of each small-size row (3)")
    parser.add_argument("--repeat-large", type=int, default=1, metavar="N", help="runs of each large-size row (1)")
    parser.add_argument("--latency", type=float, default=50, metavar="MS", help="latency of the wget row (50 ms)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 300 and 1,000 posts, every row once (a few minutes)"
    )
    parser.add_argument(
        "--rows", default=",".join(ROWS), metavar="ROW[,ROW…]", help="the rows to measure (default: all)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md", help="the results file (benchmarks/RESULTS.md)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="the raw figures (default: benchmarks/results/run_all.json for the default --out, else --out's name "
        "with .json)",
    )
    parser.add_argument("--timeout", type=float, default=7200, metavar="S", help="stop a client after S s (7200)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep every crawl under DIR")
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        metavar="FILE",
        help="measure nothing: write --out again from the raw figures of an earlier run (its JSON file)",
    )
    return parser


def scrub(text: str, workdir: Path) -> str:
    """``text`` without this machine's paths: the work folder becomes ``WORK``, the repository ``.``."""
    return text.replace(str(workdir), "WORK").replace(str(ROOT), ".")


def rerender(raw: dict[str, Any]) -> str:
    """RESULTS.md from the JSON of an earlier run, with the rows computed again from its raw runs."""
    args = argparse.Namespace(small=raw["small"], large=raw["large"], latency=raw["latency_ms"])
    wanted = {row["key"] for row in raw["rows"]}
    return render_markdown(raw, build_rows(wanted, raw["runs"], raw["errors"], args))


def _shown(argv: Sequence[str]) -> list[str]:
    """The command line as the results show it: the values of --keep, --out and --json as placeholders.

    Those are folders and files of the machine the benchmark ran on, which the results do not name.
    """
    hide = {"--keep": "DIR", "--out": "OUT", "--json": "JSON"}
    shown: list[str] = []
    for arg in argv:
        name, equals, _ = arg.partition("=")
        if equals and name in hide:
            shown.append(f"{name}={hide[name]}")
        elif shown and shown[-1] in hide:
            shown.append(hide[shown[-1]])
        else:
            shown.append(arg)
    return shown


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.from_json is not None:
        args.out.write_text(rerender(json.loads(args.from_json.read_text(encoding="utf-8"))), encoding="utf-8")
        log(f"wrote {args.out} from {args.from_json}")
        return 0
    if args.quick:
        args.small, args.large, args.repeat, args.repeat_large = 300, 1000, 1, 1
    wanted = {r.strip() for r in args.rows.split(",") if r.strip()}
    if unknown := wanted - set(ROWS):
        build_parser().error(f"unknown rows: {', '.join(sorted(unknown))} (known: {', '.join(ROWS)})")
    if args.json is None:
        default_out = ROOT / "benchmarks" / "RESULTS.md"
        same = args.out.resolve() == default_out
        args.json = ROOT / "benchmarks" / "results" / "run_all.json" if same else args.out.with_suffix(".json")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-all-", dir=args.keep))
    bench = Bench(workdir, args.timeout, keep=args.keep is not None)
    started = time.monotonic()
    log(f"run_all: {args.small:,}/{args.large:,} posts, repeat {args.repeat}/{args.repeat_large}, work in {workdir}")
    results: dict[str, list[Any]] = {}
    errors: dict[str, str] = {}

    def attempt(key: str, what: str, fn: Callable[[], Any]) -> None:
        log(what)
        try:
            results.setdefault(key, []).append(fn())
        except Exception as exc:  # a failed run is reported in its row; the other rows go on
            errors.setdefault(key, f"{type(exc).__name__}: {exc}")
            log(f"  failed: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
        else:
            if key in ("full", "large"):
                _progress(results[key][-1])

    try:
        if wanted & {"rss", "cpu", "extract", "requests"}:
            for i in range(args.repeat):
                attempt(
                    "full",
                    f"full crawl, {args.small:,} posts, 0 ms ({i + 1}/{args.repeat})",
                    lambda: bench.crawl(args.small),
                )
        if "cpu" in wanted:
            for i in range(args.repeat):
                attempt(
                    "bare",
                    f"bare crawl, {args.small:,} posts, 0 ms ({i + 1}/{args.repeat})",
                    lambda: bench.crawl(args.small, bare=True),
                )
        if "extract" in wanted:
            crawls = results.get("full", [])[:1]  # the one full crawl whose output is kept
            if not crawls or not Path(crawls[0]["crawl_dir"], "posts.jsonl").exists():
                errors["extract"] = "no full crawl of the small replica with a posts.jsonl to extract"
            else:
                crawl_dir = Path(crawls[0]["crawl_dir"])
                for i in range(args.repeat):
                    attempt(
                        "extract",
                        f"extract, both cores ({i + 1}/{args.repeat})",
                        lambda: bench.extract(crawl_dir, False),
                    )
                    attempt(
                        "extract1", f"extract, one core ({i + 1}/{args.repeat})", lambda: bench.extract(crawl_dir, True)
                    )
        if "wget" in wanted:
            for i in range(args.repeat):
                attempt(
                    "pairs",
                    f"archiver and wget at {args.latency:g} ms, {args.small:,} posts ({i + 1}/{args.repeat})",
                    functools.partial(bench.latency_pair, args.small, args.latency, wget_first=i % 2 == 1),
                )
        if wanted & {"rss", "tail"}:
            for i in range(args.repeat_large):
                attempt(
                    "large",
                    f"full crawl, {args.large:,} posts, 0 ms ({i + 1}/{args.repeat_large})",
                    lambda: bench.crawl(args.large),
                )
    except KeyboardInterrupt:
        errors["interrupted"] = "interrupted (Ctrl-C): the rows show what was measured before"
        log("interrupted: writing what was measured so far")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = build_rows(wanted, results, errors, args)
    report = {
        "command": "benchmarks/run_all " + " ".join(_shown(argv if argv is not None else sys.argv[1:])),
        "finished": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "minutes": (time.monotonic() - started) / 60,
        "commit": commit(),
        "machine": machine(),
        "small": args.small,
        "large": args.large,
        "repeat": args.repeat,
        "repeat_large": args.repeat_large,
        "latency_ms": args.latency,
        "interrupted": "interrupted" in errors,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(scrub(render_markdown(report, rows), workdir), encoding="utf-8")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    raw = {**report, "rows": [row.__dict__ for row in rows], "runs": results, "errors": errors}
    args.json.write_text(scrub(json.dumps(raw, indent=1, default=str) + "\n", workdir), encoding="utf-8")
    for row in rows:
        log(f"{row.verdict:>12}  {row.measure}: {row.error or row.measured}")
    log(f"wrote {args.out} and {args.json}")
    return 0 if not errors else 1


def _progress(r: dict[str, Any]) -> None:
    """A progress line with a crawl's main figures."""
    log(
        f"  {r['responses']:,} responses in {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s, "
        f"peak RSS {r['max_rss_mib']:.0f} MiB, tail {fmt(r['tail_s'])} s, exit {r['exit']}"
    )


def build_rows(
    wanted: set[str], results: dict[str, list[Any]], errors: dict[str, str], args: argparse.Namespace
) -> list[Row]:
    """The table's rows from the runs, in the issue's order; a row whose runs failed carries the error."""
    full, bare, large = results.get("full", []), results.get("bare", []), results.get("large", [])
    builders: dict[str, tuple[Callable[[], Row], tuple[str, ...]]] = {
        "rss": (lambda: row_rss(full, large, (args.small, args.large)), ("full", "large")),
        "cpu": (lambda: row_cpu(full, bare, args.small), ("full", "bare")),
        "tail": (lambda: row_tail(large, args.large), ("large",)),
        "wget": (lambda: row_wget(results.get("pairs", []), args.small, args.latency), ("pairs",)),
        "extract": (
            lambda: row_extract(results.get("extract", []), results.get("extract1", []), args.small),
            ("extract", "extract1"),
        ),
        "requests": (lambda: row_requests(full), ("full",)),
    }
    rows = []
    for key in ROWS:
        if key not in wanted:
            continue
        build, sources = builders[key]
        try:
            row = build()
        except Exception as exc:  # a row that cannot be computed says why; the others are still written
            row = Row(key, key, "-", error=f"{type(exc).__name__}: {exc}")
        failures = list(dict.fromkeys(errors[s] for s in (*sources, key) if s in errors))
        if failures:
            row.notes.insert(0, "failed runs: " + "; ".join(failures))
            if row.verdict == "not measured":
                row.error = failures[0]
        rows.append(row)
    return rows
