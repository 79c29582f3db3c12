"""End-to-end crawls of the offline replica: `archiver crawl` in a subprocess through the replica's proxy.

Each crawl runs once per module (module-scoped fixtures) and many tests read its output: the WARC files, the
replica's access log (what was really fetched), index.cdxj, crawl.log and stats.json.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from blogger_replica.content import DEFAULT_BLOG_NAME, Blog
from blogger_replica.truth import truth_records
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import BLOG_HOST, BLOG_URL, Replica, crawl_command

if TYPE_CHECKING:
    from collections.abc import Callable

WARCIO = Path(sys.executable).parent / "warcio"
FEED_PAGE = 25  # small feed pages so that feed paging is exercised


@dataclass
class Record:
    type: str
    uri: str
    id: str
    concurrent: list[str]
    http: Any
    body: bytes
    headers: Any


@dataclass
class Crawl:
    replica: Replica
    dir: Path
    result: subprocess.CompletedProcess[str]
    posts: int

    @property
    def warcs(self) -> list[Path]:
        return sorted((self.dir / "warc").glob("*.warc.gz"))

    def records(self) -> list[Record]:
        out = []
        for path in self.warcs:
            with path.open("rb") as stream:
                for rec in ArchiveIterator(stream):
                    h = rec.rec_headers
                    concurrent = [v for k, v in h.headers if k == "WARC-Concurrent-To"]
                    out.append(
                        Record(
                            rec.rec_type,
                            h.get_header("WARC-Target-URI") or "",
                            h.get_header("WARC-Record-ID"),
                            concurrent,
                            rec.http_headers,
                            rec.raw_stream.read(),
                            h,
                        )
                    )
        return out

    def responses(self) -> dict[str, Record]:
        return {r.uri: r for r in self.records() if r.type == "response"}

    def truth(self) -> list[dict[str, Any]]:
        return list(truth_records(Blog(self.posts, 0, DEFAULT_BLOG_NAME)))

    def fetched_urls(self) -> list[str]:
        return [str(e["url"]) for e in self.replica.requests_logged() if e["method"] != "CONNECT"]


def run_crawl(replica: Replica, out: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    cmd = crawl_command(out, out / "crawl", *args)
    return subprocess.run(cmd, env=replica.proxy_env(), capture_output=True, text=True, timeout=timeout, check=False)


def start_crawl(
    factory: Callable[..., Replica], tmp: Path, posts: int, *replica_args: str, crawl_args: tuple[str, ...] = ()
) -> Crawl:
    replica = factory("--posts", str(posts), *replica_args)
    result = run_crawl(replica, tmp, *crawl_args)
    assert result.returncode == 0, result.stderr[-4000:]
    return Crawl(replica, tmp / "crawl", result, posts)


@pytest.fixture(scope="module")
def classic(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    args = ("-s", f"ARCHIVER_DISCOVERY_FEED_PAGE_SIZE={FEED_PAGE}", "-s", "ARCHIVER_WARC_MAX_SIZE=400000")
    return start_crawl(replica_factory, tmp_path_factory.mktemp("classic"), 80, crawl_args=args)


@pytest.fixture(scope="module")
def contempo(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return start_crawl(replica_factory, tmp_path_factory.mktemp("contempo"), 60, "--theme", "contempo")


@pytest.fixture(scope="module")
def ignoring_robots(replica_factory: Callable[..., Replica], tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return start_crawl(replica_factory, tmp_path_factory.mktemp("norobots"), 60, crawl_args=("--ignore-robots",))


# -- completeness ------------------------------------------------------------------------------------------


def test_every_post_page_and_image_of_the_truth_is_archived(classic: Crawl) -> None:
    responses = classic.responses()
    truth = classic.truth()
    assert len([t for t in truth if t["kind"] == "post"]) == 80
    missing = [t["url"] for t in truth if t["url"] not in responses]
    assert missing == []
    for record in truth:
        assert responses[record["url"]].http.get_statuscode() == "200"
        for image in record["images"]:
            assert responses[image["src"]].http.get_statuscode() == "200", image["src"]
            assert responses[image["original"]].http.get_statuscode() == "200", image["original"]


def test_every_archive_page_is_archived(classic: Crawl) -> None:
    responses = classic.responses()
    base = f"https://{BLOG_HOST}"
    for record in classic.truth():
        if record["kind"] != "post":
            continue
        year, month = str(record["published"])[:4], str(record["published"])[5:7]
        assert f"{base}/{year}/" in responses
        assert f"{base}/{year}/{month}/" in responses, record["published"]


def test_feed_pages_are_paged_to_the_end(classic: Crawl) -> None:
    responses = classic.responses()
    base = f"https://{BLOG_HOST}/feeds/posts/default"
    pages = [f"{base}?max-results={FEED_PAGE}"] + [
        f"{base}?start-index={start}&max-results={FEED_PAGE}" for start in range(FEED_PAGE + 1, 81, FEED_PAGE)
    ]
    for page in pages:
        assert page in responses, page
    for path in ("/feeds/comments/default", "/feeds/pages/default"):
        assert f"https://{BLOG_HOST}{path}?max-results={FEED_PAGE}" in responses


def test_sitemaps_robots_and_requisites_are_archived(classic: Crawl) -> None:
    responses = classic.responses()
    for url in (
        f"https://{BLOG_HOST}/robots.txt",
        f"https://{BLOG_HOST}/sitemap.xml",
        f"https://{BLOG_HOST}/sitemap.xml?page=1",
        f"https://{BLOG_HOST}/sitemap-pages.xml",
        f"https://{BLOG_HOST}/favicon.ico",
        "https://www.blogger.com/static/v1/widgets/2975350028-css_bundle_v2.css",
        "https://www.blogger.com/static/v1/widgets/1601900224-widgets.js",
        # only referenced from inside the CSS bundle, with url(...)
        "https://resources.blogblog.com/blogblog/data/1kt/simple/body_gradient_tile_light.png",
        "https://resources.blogblog.com/img/icon18_wrench_allbkg.png",
        # the stock comment avatar of classic post pages
        "https://img1.blogblog.com/img/b16-rounded.gif",
    ):
        assert url in responses, url


def test_contempo_theme_finds_every_post(contempo: Crawl) -> None:
    responses = contempo.responses()
    assert [t["url"] for t in contempo.truth() if t["url"] not in responses] == []


# -- nothing twice, nothing out of scope ---------------------------------------------------------------------


def test_no_url_is_fetched_twice(classic: Crawl) -> None:
    fetched = Counter(classic.fetched_urls())
    assert [url for url, count in fetched.items() if count > 1] == []
    uris = Counter(r.uri for r in classic.records() if r.type == "response")
    assert [url for url, count in uris.items() if count > 1] == []
    assert sum(uris.values()) == len(classic.fetched_urls())


def test_out_of_scope_link_is_an_outlink_not_a_fetch(classic: Crawl) -> None:
    assert not [u for u in classic.fetched_urls() if "cfcr2008" in u]
    assert not [u for u in classic.fetched_urls() if urlsplit(u).hostname not in _allowed_hosts()]
    metadata = [r.body for r in classic.records() if r.type == "metadata"]
    assert any(b"outlink: http://www.cfcr2008.org/ L" in body for body in metadata)
    assert not [u for u in classic.fetched_urls() if ".g?" in u or "/profile/" in u]


def _allowed_hosts() -> set[str]:
    return {
        BLOG_HOST,
        "www.blogger.com",
        "resources.blogblog.com",
        "www.blogblog.com",
        "img1.blogblog.com",
        "blogger.googleusercontent.com",
        *(f"{n}.bp.blogspot.com" for n in range(1, 5)),
    }


def test_robots_txt_is_obeyed_by_default(classic: Crawl) -> None:
    assert not [u for u in classic.fetched_urls() if urlsplit(u).path.startswith("/search")]
    assert "-9998" in (classic.dir / "crawl.log").read_text()


def test_ignore_robots_fetches_label_pages(ignoring_robots: Crawl) -> None:
    fetched = ignoring_robots.fetched_urls()
    assert any("/search/label/" in u for u in fetched)
    assert [url for url, count in Counter(fetched).items() if count > 1] == []
    responses = ignoring_robots.responses()
    assert [t["url"] for t in ignoring_robots.truth() if t["url"] not in responses] == []
    info = next(r for r in ignoring_robots.records() if r.type == "warcinfo")
    assert b"robots: ignore" in info.body


# -- honest WARCs ---------------------------------------------------------------------------------------------


def test_warcio_check_passes_and_files_roll_over(classic: Crawl) -> None:
    assert len(classic.warcs) >= 2  # ARCHIVER_WARC_MAX_SIZE=400000
    assert not list((classic.dir / "warc").glob("*.open"))
    result = subprocess.run(
        [str(WARCIO), "check", "-v", *map(str, classic.warcs)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:]
    for path in classic.warcs:
        with path.open("rb") as stream:
            first = next(iter(ArchiveIterator(stream)))
        assert first.rec_type == "warcinfo"
        assert first.rec_headers.protocol == "WARC/1.1"


def test_every_response_has_its_request(classic: Crawl) -> None:
    records = classic.records()
    by_id = {r.id: r for r in records}
    responses = [r for r in records if r.type == "response"]
    for response in responses:
        (request_id,) = response.concurrent
        request = by_id[request_id]
        assert request.type == "request"
        assert request.concurrent == [response.id]
        assert request.uri == response.uri
        # origin-form request line and Host header, even though the crawl went through a proxy
        target = urlsplit(response.uri)
        expected = target.path + (f"?{target.query}" if target.query else "")
        assert request.http.statusline == f"{expected} HTTP/1.1"
        assert request.http.get_header("Host") == target.hostname
        assert request.http.get_header("Proxy-Authorization") is None
        assert "blogspot-archiver/" in request.http.get_header("User-Agent")
        assert response.headers.get_header("WARC-IP-Address")


def test_stored_bytes_are_honest(classic: Crawl) -> None:
    gzipped = 0
    for record in classic.records():
        if record.type != "response":
            continue
        http = record.http
        assert http.get_header("Transfer-Encoding") is None
        assert http.get_header("Content-Length") == str(len(record.body)), record.uri
        if (http.get_header("Content-Encoding") or "").lower() == "gzip":
            gzipped += 1
            assert record.body.startswith(b"\x1f\x8b"), record.uri
    assert gzipped > 10


def test_canonical_links_need_no_redirect(classic: Crawl) -> None:
    """Every link is fetched in its canonical form (https, ``.blogspot.com``): no redirect was ever needed.

    The replica redirects http and country addresses as Blogger does, so every response archived being a 200
    or a 404 shows that none was fetched in another form.
    That a redirect the crawl does meet is archived as a capture of its own, with its ``Location`` and the
    target captured too, is ``test_http_seed_records_the_redirect_to_https`` (test_crawl_faults.py) and
    ``test_custom_domain_blog`` below.
    """
    statuses = Counter(r.http.get_statuscode() for r in classic.records() if r.type == "response")
    assert statuses["200"] > 80
    assert set(statuses) <= {"200", "404"}, statuses
    fetched = [u for u in classic.fetched_urls() if urlsplit(u).hostname == BLOG_HOST]
    assert fetched
    assert not [u for u in fetched if not u.startswith("https://")]


# -- index, logs, report -----------------------------------------------------------------------------------


def test_cdxj_index_points_at_every_response(classic: Crawl) -> None:
    lines = (classic.dir / "index.cdxj").read_text().splitlines()
    assert lines == sorted(lines)
    responses = [r for r in classic.records() if r.type == "response"]
    assert len(lines) == len(responses)
    for line in lines[:: max(1, len(lines) // 20)]:
        entry = json.loads(line.split(" ", 2)[2])
        with (classic.dir / "warc" / entry["filename"]).open("rb") as stream:
            stream.seek(int(entry["offset"]))
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]


def test_crawl_log_stats_and_summary(classic: Crawl) -> None:
    log = (classic.dir / "crawl.log").read_text().splitlines()
    responses = [r for r in classic.records() if r.type == "response"]
    assert len([line for line in log if int(line.split()[1]) > 0]) == len(responses)
    report = json.loads((classic.dir / "stats.json").read_text())
    summary = report["summary"]
    assert summary["posts_found"] == 80
    assert summary["posts_archived"] == 80
    assert summary["finish_reason"] == "finished"
    assert summary["warc_files"] == [p.name for p in classic.warcs]
    text = (classic.dir / "summary.txt").read_text()
    assert "80 found, 80 archived" in text
    assert "progress:" in classic.result.stderr or "Crawl summary" in classic.result.stderr


# -- crash safety -------------------------------------------------------------------------------------------


def test_killed_crawl_is_mended_on_resume(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    replica = replica_factory("--posts", "60", "--latency-ms", "40")
    cmd = crawl_command(tmp_path, tmp_path / "crawl", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
    process = subprocess.Popen(cmd, env=replica.proxy_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    warc_dir = tmp_path / "crawl" / "warc"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.stat().st_size > 50_000 for p in warc_dir.glob("*.open")):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert list(warc_dir.glob("*.open")), "the crawl finished before it could be killed"

    result = run_crawl(replica, tmp_path, "--resume", str(tmp_path / "crawl"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Mended" in result.stderr
    assert not list(warc_dir.glob("*.open"))
    check = subprocess.run(
        [str(WARCIO), "check", *map(str, sorted(warc_dir.glob("*.warc.gz")))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout[-2000:]
    assert "mended" in (tmp_path / "crawl" / "summary.txt").read_text()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("ARCHIVER_WARC_DIR=", "archiver: ConfigError: ARCHIVER_WARC_DIR is empty"),
        (
            "ARCHIVER_WARC_MAX_SIZE=0",
            "archiver: ConfigError: ARCHIVER_WARC_MAX_SIZE must be a positive number of bytes",
        ),
    ],
)
def test_a_broken_warc_setting_stops_the_crawl_before_any_fetch(
    replica_factory: Callable[..., Replica], tmp_path: Path, setting: str, message: str
) -> None:
    """The WARC recorder is a core component: misconfigured, nothing is fetched (never a crawl without WARCs)."""
    replica = replica_factory("--posts", "5")
    result = run_crawl(replica, tmp_path, "-s", setting, timeout=120)
    assert result.returncode == 1, result.stderr[-3000:]
    assert message in result.stderr
    assert "Disabled archiver.middlewares.warc" not in result.stderr
    assert replica.access_log is not None  # the replica logs every request it receives, CONNECTs included
    assert replica.requests_logged() == []  # not even robots.txt
    assert not (tmp_path / "crawl" / "crawl.log").exists()
    assert not list(tmp_path.rglob("*.warc.gz*"))


def test_scrapy_crawl_runs_the_same_spider(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    replica = replica_factory("--posts", "20")
    root = Path(__file__).resolve().parents[2]  # scrapy.cfg lives at the repository root
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "blogspot",
        "-a",
        f"url={BLOG_URL}",
        "-s",
        f"ARCHIVER_OUTPUT_DIR={tmp_path}",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        "-s",
        "ARCHIVER_CONTACT=mailto:ops@example.org",
    ]
    result = subprocess.run(
        cmd, env=replica.proxy_env(), cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # corpus: post records; dedup.sqlite: the blog's dedup index
    (crawl_dir,) = [p for p in (tmp_path / BLOG_HOST).iterdir() if p.is_dir() and p.name != "corpus"]
    assert (tmp_path / BLOG_HOST / "corpus" / "posts.jsonl").is_file()
    assert (tmp_path / BLOG_HOST / "dedup.sqlite").is_file()
    summary = json.loads((crawl_dir / "stats.json").read_text())["summary"]
    assert summary["posts_archived"] == 20
    info = next(r for r in Crawl(replica, crawl_dir, result, 20).records() if r.type == "warcinfo")
    assert b"operator: mailto:ops@example.org" in info.body
    assert b"(+mailto:ops@example.org)" in info.body


def test_custom_domain_blog(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    """The blogspot address redirects to the custom domain: the crawl follows it and stays polite there."""
    replica = replica_factory("--posts", "30", "--domain", "blog.example.org")
    result = run_crawl(replica, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    crawl = Crawl(replica, tmp_path / "crawl", result, 30)
    responses = crawl.responses()
    truth = list(truth_records(Blog(30, 0, DEFAULT_BLOG_NAME), base="https://blog.example.org"))
    assert [t["url"] for t in truth if t["url"] not in responses] == []
    assert responses[BLOG_URL].http.get_statuscode() == "301"
    assert not [u for u in crawl.fetched_urls() if urlsplit(u).path.startswith("/search")]


def test_bare_crawl_without_warcs_finishes_cleanly(replica_factory: Callable[..., Replica], tmp_path: Path) -> None:
    """With no WARC, index, package or records (the benchmark's bare crawl), a fetched URL is a done URL."""
    replica = replica_factory("--posts", "15")
    off = ("ARCHIVER_WARC_ENABLED", "ARCHIVER_CDXJ_ENABLED", "ARCHIVER_WACZ_ENABLED", "ARCHIVER_POSTS_ENABLED")
    result = run_crawl(replica, tmp_path, *(arg for name in off for arg in ("-s", f"{name}=False")))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "gave up on none" in result.stderr.replace(":", "")
    stats = json.loads((tmp_path / "crawl" / "stats.json").read_text())
    assert not [key for key in stats if "unfetched" in key or "gave_up" in key]
    fetched = Crawl(replica, tmp_path / "crawl", result, 15).fetched_urls()
    assert [u for u, n in Counter(fetched).items() if n > 1] == []  # nothing fetched twice either
    truth = truth_records(Blog(15, 0, DEFAULT_BLOG_NAME))
    assert {t["url"] for t in truth} <= set(fetched)  # every post and page was fetched
    assert not list(tmp_path.rglob("*.warc.gz*"))
