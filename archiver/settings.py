"""Every default of the archiver: Scrapy's own settings first, then the ``ARCHIVER_*`` groups.

These defaults are the *polite* profile for real blogs (robots.txt obeyed, AutoThrottle, a delay, two
connections per host). ``archiver/profiles.py`` holds the overrides of the other profiles, and the CLI applies
them and every flag with priority ``cmdline``; ``scrapy crawl blogspot -s NAME=VALUE`` overrides any of them.
"""

from __future__ import annotations

from archiver import __version__

# --- Scrapy project -----------------------------------------------------------------------------------
BOT_NAME = "blogspot-archiver"
SPIDER_MODULES = ["archiver.spiders"]
NEWSPIDER_MODULE = "archiver.spiders"

# The tool and its version; the crawl's layout appends "(+CONTACT)" from ARCHIVER_CONTACT when that is set.
USER_AGENT = f"blogspot-archiver/{__version__} (web archiving crawler)"

# --- politeness (the "polite" profile) ----------------------------------------------------------------
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 60

# --- retries: 429 and 5xx, connection resets and timeouts (Scrapy's RETRY_EXCEPTIONS) -------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# wait before retry n: the server's Retry-After, else ARCHIVER_RETRY_DELAY * 2**(n-1); never more than the max
ARCHIVER_RETRY_DELAY = 2.0
ARCHIVER_RETRY_MAX_DELAY = 60.0
# a body cut short fails the download and is retried, rather than archived truncated
DOWNLOAD_FAIL_ON_DATALOSS = True
# Scrapy's HTTP/1.1 handler without Twisted's silent resend on a reused connection: every attempt is logged
DOWNLOAD_HANDLERS = {
    "http": "archiver.downloader.VisibleRetryHTTP11DownloadHandler",
    "https": "archiver.downloader.VisibleRetryHTTP11DownloadHandler",
}
# Scrapy's downloader, with CONCURRENT_REQUESTS_PER_DOMAIN enforced under the asyncio reactor (archiver.downloader)
DOWNLOADER = "archiver.downloader.SlotLimitedDownloader"

# --- engine -------------------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# REQUEST_FINGERPRINTER_IMPLEMENTATION no longer exists in Scrapy >= 2.12: the current fingerprinter
# (REQUEST_FINGERPRINTER_CLASS) is the only one, so nothing is set here.
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 0  # replaced by ARCHIVER_PROGRESS_*
# Callbacks yield requests, not items (post records are built from the captures), and Scrapy starts this many
# tasks for every callback's output: its default of 100 cost a tenth of the crawl's CPU
CONCURRENT_ITEMS = 16
TELNETCONSOLE_ENABLED = False  # no listening port on an archiving machine
REMOTE_CONTROL_ENABLED = False  # nor Scrapy 2.19's code-executing HTTP server (and its job file in ~)
COOKIES_ENABLED = False  # Blogger needs none; requests stay the same from capture to capture
# Certificates are not verified (Scrapy's default), which lets a crawl run through the replica's TLS proxy;
# Blogger's real certificates are valid, and every response is archived with the address it came from.

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's robots.txt middleware let all but one of the requests waiting for a host's robots.txt through
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "archiver.middlewares.robots.SharedRobotsTxtMiddleware": 100,
    # just after Scrapy's OffsiteMiddleware (50): also catches redirects that leave the scope
    "archiver.middlewares.scope.ScopeMiddleware": 60,
    # Scrapy's redirects, made loud: too many hops and non-http(s) targets are give-ups (REDIRECT_MAX_TIMES)
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "archiver.middlewares.redirect.LoudRedirectMiddleware": 600,
    # per-kind download and decoded size limits (ARCHIVER_LIMITS_*); oversized downloads become give-ups
    "archiver.middlewares.limits.SizeLimitsMiddleware": 585,
    # Scrapy's decompression, bounded by ARCHIVER_LIMITS_DECODED_SIZE, never for unparsed requisites
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "archiver.middlewares.limits.LimitedHttpCompressionMiddleware": 590,
    # on the downloader side of HttpCompression (590), Redirect (600) and HttpCache (900): raw responses
    "archiver.middlewares.warc.WarcRecorderMiddleware": 950,
    # retries below the recorder: an attempt that is retried is in crawl.log, never in the WARC
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archiver.middlewares.retry.BackoffRetryMiddleware": 955,
    # closest to the downloader: one crawl.log line per attempt, failures included
    "archiver.middlewares.crawllog.CrawlLogMiddleware": 960,
}
# The crawl's paths and identity (archiver.layout), filled in once the spider names the blog and before any
# component is built; without it a crawl has no folder to write to.
ADDONS = {
    "archiver.addons.CrawlLayoutAddon": 0,
}
EXTENSIONS = {
    "archiver.extensions.progress.ProgressExtension": 500,
    "archiver.extensions.cdxj.CdxjIndexExtension": 510,
    # post records from every written capture; files written on spider_closed, before the report reads stats
    "archiver.pipelines.records.PostRecordsExtension": 512,
    # on engine_stopped, before the report (520), which lists the package it wrote
    "archiver.extensions.wacz.WaczPackageExtension": 515,
    # on engine_stopped too, once the WARC files have their final names; before the report, which saves its stats
    "archiver.extensions.dedup.DedupIndexExtension": 517,
    "archiver.extensions.report.CrawlReportExtension": 520,
    # RFC 3161 tokens of every WARC file the crawl closes (the warc_closed signal); stats before the report
    "archiver.extensions.timestamps.TimestampExtension": 519,
    # on engine_stopped, after the report (its stats.json and summary.txt are what it reads) and before the
    # fixity manifest, which covers it: report.html, from the crawl folder's files alone
    "archiver.extensions.htmlreport.HtmlReportExtension": 525,
    # last of all on engine_stopped: the sha256 of every file the crawl wrote, the report's and WACZ included
    "archiver.extensions.fixity.FixityManifestExtension": 900,
    # after the report: the outcome (finished, gave_up, failed) as one log line, what a Scrapyd job tells
    "archiver.extensions.outcome.CrawlOutcomeExtension": 530,
    # connection ramp-up per host (ARCHIVER_RAMP_UP_*): few concurrent requests at first, more as answers arrive
    "archiver.extensions.rampup.RampUpExtension": 505,
}

# --- ARCHIVER: where a crawl goes -----------------------------------------------------------------------
# The paths and identity below are filled in by archiver.layout (the CrawlLayoutAddon, and `archiver crawl`
# itself) when they are unset (None); a value given is used as given, and an empty one is an error naming it.
ARCHIVER_OUTPUT_DIR = "output"
# One folder per crawl; unset means OUTPUT_DIR/<blog host>/<crawl id>.
ARCHIVER_CRAWL_DIR: str | None = None
# Unset means the name of ARCHIVER_CRAWL_DIR when that is given, else the UTC start time, YYYYMMDDTHHMMSSZ.
ARCHIVER_CRAWL_ID: str | None = None
# How the operator can be reached (URL or e-mail); goes into the User-Agent and every warcinfo record.
ARCHIVER_CONTACT = ""
# Name of the settings profile in use (recorded in warcinfo): polite or local.
ARCHIVER_PROFILE = "polite"
# Continue the crawl already in ARCHIVER_CRAWL_DIR (archiver crawl --resume): what its WARC files hold is not
# fetched again, and the links of its archived pages rebuild the frontier. Without it a crawl refuses to start
# in a folder that already holds captures.
ARCHIVER_RESUME = False

# --- ARCHIVER_SCOPE: what may be fetched ---------------------------------------------------------------
ARCHIVER_SCOPE_ENABLED = True
# Blogger's asset hosts besides the blog's own; "*." matches sub-domains. www.blogger.com: static files only.
ARCHIVER_SCOPE_ASSET_HOSTS = [
    "*.bp.blogspot.com",
    "blogger.googleusercontent.com",
    "*.blogblog.com",
    "www.blogger.com",
]

# --- ARCHIVER_SCOPE_ALLOW_ADDRESSES, redirects: what a hostile site cannot make the crawler contact ----------
# Hosts, host:port or CIDR networks that may be fetched although they are IP literals, localhost or resolve
# to internal (loopback, private, link-local, reserved) addresses. Empty: a blog lives on public host names.
# The replica and test servers in direct mode need e.g. ["127.0.0.1:PORT"]; proxy mode needs nothing.
ARCHIVER_SCOPE_ALLOW_ADDRESSES: list[str] = []
# Redirect hops one request may follow (Scrapy's setting, lowered from its 20: Blogger's longest chain is
# http -> https -> ccTLD -> custom domain, 3 hops). More is the give-up "too_many_redirects".
REDIRECT_MAX_TIMES = 10
# Host names are resolved by a resolver that refuses internal addresses (see ARCHIVER_SCOPE_ALLOW_ADDRESSES);
# the proxy's own host (http_proxy/https_proxy) is exempt.
TWISTED_DNS_RESOLVER = "archiver.resolver.PublicOnlyResolver"

# --- ARCHIVER_DISCOVERY: what the spider looks for -----------------------------------------------------
# entries per feed page asked for (Blogger caps it at 150, lately 100; paging follows rel=next)
ARCHIVER_DISCOVERY_FEED_PAGE_SIZE = 150
# fetch /feeds/POSTID/comments/default of posts that have comments
ARCHIVER_DISCOVERY_COMMENT_FEEDS = True
# follow label pages and the /search?updated-max= pager (robots.txt forbids them on blogspot unless ignored)
ARCHIVER_DISCOVERY_SEARCH_PAGES = True
# also fetch the ?m=1 mobile variant of the home page, posts and static pages
ARCHIVER_DISCOVERY_MOBILE = False
# size segment of the original of every Blogger image (s1600 = Blogger's "original size" link; "" = none)
ARCHIVER_DISCOVERY_IMAGE_ORIGINAL = "s1600"
# when discovery runs dry, ask again for the posts and pages of the blog's corpus that it did not find: a
# deleted post is linked from nothing, and only its 404 or 410 proves the deletion (changes.jsonl)
ARCHIVER_DISCOVERY_CORPUS_RECHECK = True
# leave out the requests archived evidence proves empty: a post's comment feed when an archived posts feed
# says thr:total 0 (held until the feeds are in when unknown; counted in archiver/skipped/<rule>)
ARCHIVER_DISCOVERY_SKIP_PROVEN = True

# --- ARCHIVER_RAMP_UP: connection ramp-up per host (archiver.extensions.rampup) ------------------------------
# each host starts at ARCHIVER_RAMP_UP_START concurrent requests, doubling per round of good answers up to
# CONCURRENT_REQUESTS_PER_DOMAIN; a 429, 503 or failed fetch halves it (then it grows by one per round)
ARCHIVER_RAMP_UP_ENABLED = True
ARCHIVER_RAMP_UP_START = 1

# --- ARCHIVER_TRAPS: crawler trap bounds (archiver.blogger.traps) --------------------------------------------
# Always on, not settings (they lose nothing; each stop is counted in archiver/traps/<bound> and is a warning
# in the summary, exit status unchanged):
# - feed paging stops at a page with no entries (feed_empty_page) or whose next page would start past
#   openSearch:totalResults (feed_past_total);
# - sitemap probing (the ?page=N after the last one listed) stops when a page adds fewer than half a page
#   (75) of URLs no earlier sitemap page listed (sitemap_no_new);
# - year, month and day archive pages are followed only inside the blog's date range, learnt from post URLs,
#   the BlogArchive widget and the feeds' dates; pages outside it are held until the range reaches them, and
#   those never reached are counted (archive_out_of_range);
# - the /search?updated-max= pager of the home page and of each label stops at a page that shows no post
#   its chain had not shown (pager_no_new_posts).
# Last resorts: hitting one leaves something known out, so each URL refused is also a give-up
# (archiver/gave_up/trap_cap_<kind>, trap_depth_limit): warned, exit status 3.
# Most requests of each kind (-s merges a partial dict over these; 0 = no cap; the kinds not named, the page
# requisites, are not capped: they link to nothing). A 20,000-post blog stays far inside every one.
ARCHIVER_TRAPS_MAX_PER_KIND = {
    "home": 100,
    "post": 200_000,
    "page": 10_000,
    "archive_year": 1_000,
    "archive_month": 12_000,
    "archive_day": 200_000,
    "label": 200_000,
    "search": 200_000,
    "feed": 20_000,
    "comment_feed": 500_000,
    "sitemap": 10_000,
    "other": 100_000,
}
# most hops from the seed (Scrapy's request.meta["depth"]); 0 = no limit. A chain through every post of a
# 20,000-post blog (newer/older links), or its pager at one post a page, is 20,000 hops.
ARCHIVER_TRAPS_MAX_DEPTH = 100_000

# --- ARCHIVER_LIMITS: bounded memory, size limits per kind of URL (archiver.middlewares.limits) ---------------
# A body is held in memory while it downloads and while it is decoded, so both are capped, enforced while
# streaming (Scrapy's per-request download_maxsize; decoding stops at the limit). What Blogger serves:
# HTML pages 50 KB-2 MB (a long post with its comments), feeds a few MB (150 entries of full posts),
# sitemaps under 1 MB, theme CSS/JS under 1 MB, images (s1600/s0 originals: as uploaded) mostly 1-15 MB.
# A limit hit is a give-up (archiver/gave_up/size_limit, decoded_size_limit): warned, exit status 3.
# Worst case held at once: about CONCURRENT_REQUESTS x (FILE_SIZE or DOCUMENT_SIZE + DECODED_SIZE).
# bytes on the wire of a document: HTML page, feed, sitemap, robots.txt, stylesheet (not archived if over)
ARCHIVER_LIMITS_DOCUMENT_SIZE = 32 * 1024 * 1024
# bytes on the wire of anything else: images, scripts, fonts, icons, other files (not archived if over)
ARCHIVER_LIMITS_FILE_SIZE = 64 * 1024 * 1024
# bytes a document may decode to (gzip, deflate, br, zstd); past it the capture is archived but not parsed;
# room for a post with a 50 MB inline image (data: URI), which lxml reads with huge_tree.
# Post records (and `archiver extract`) always use the default, 64 MiB, so that they stay a function of
# the WARCs alone (archiver.httputil.DEFAULT_DECODE_LIMIT).
ARCHIVER_LIMITS_DECODED_SIZE = 64 * 1024 * 1024
# sizes past which a download is logged as large (Scrapy's download_warnsize)
ARCHIVER_LIMITS_DOCUMENT_WARN_SIZE = 4 * 1024 * 1024
ARCHIVER_LIMITS_FILE_WARN_SIZE = 32 * 1024 * 1024
# Scrapy's own limits, for any request that reaches the handler without the per-kind ones (file limits)
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024

# --- ARCHIVER_QUEUE: scheduled requests wait on disk, not in memory (archiver.diskqueue) -----------------------
# Scrapy's own disk queues in a temporary folder removed at close (not a JOBDIR: nothing is resumed from it),
# so the queue's memory does not grow with the blog's frontier; off: Scrapy's memory queue. Unless
# SCHEDULER_DISK_QUEUE / SCHEDULER_START_DISK_QUEUE are set, their requests are named without inspect.getmembers
SCHEDULER = "archiver.diskqueue.DiskQueueScheduler"
ARCHIVER_QUEUE_ON_DISK = True

# --- ARCHIVER_WARC: the WARC files ---------------------------------------------------------------------
ARCHIVER_WARC_ENABLED = True
# unset means CRAWL_DIR/warc; the crawl does not start when it is empty or cannot be written (a core component)
ARCHIVER_WARC_DIR: str | None = None
# file name prefix; empty means the blog host
ARCHIVER_WARC_PREFIX = ""
# bytes per file before the next one is started; must be positive
ARCHIVER_WARC_MAX_SIZE = 1_000_000_000
ARCHIVER_WARC_FSYNC = False
# a response whose payload is compressed already (a Content-Encoding; JPEG, PNG, GIF, WebP, video, archives,
# woff) gets a stored gzip member rather than being deflated again: the same record bytes, a tenth of the
# compression CPU (archiver.warc.writer.compressed_payload); False: every record deflated at zlib level 6
ARCHIVER_WARC_STORE_COMPRESSED = True
# repair *.warc.gz.open files a killed crawl left in ARCHIVER_WARC_DIR before writing new ones
ARCHIVER_WARC_MEND_ON_START = True

# --- ARCHIVER_CRAWLLOG: crawl.log, one line per fetch attempt (Heritrix-like) ------------------------------
# A core component: switched on, it stops the crawl when CRAWL_DIR is missing or cannot be written.
ARCHIVER_CRAWLLOG_ENABLED = True

# --- ARCHIVER_CDXJ: index.cdxj of the crawl's WARCs -----------------------------------------------------
ARCHIVER_CDXJ_ENABLED = True

# --- ARCHIVER_WACZ: CRAWL_DIR/<host>-<crawl id>.wacz, the WACZ 1.1.1 package of the crawl ---------------
ARCHIVER_WACZ_ENABLED = True
# copy the WARC files into the package while crawling (archiver.warc.livewacz), so the end of a crawl copies only
# the last bytes; off: every WARC byte is copied after the last fetch
ARCHIVER_WACZ_LIVE = True

# --- ARCHIVER_SIGNING: signed WACZ packages (archiver.signing, the WACZ signing spec's anonymous mode) --------
# Path of the ECDSA private key (PEM, mode 0600) that signs every WACZ written: the crawl's own and `archiver
# package`'s. Unset or empty: packages are unsigned, and the crawl's log and stats say so. Signing is never
# implied by a key lying somewhere: `archiver keys init` makes the key, this setting (or the environment
# variable ARCHIVER_SIGNING_KEY, read by `archiver crawl` and `archiver package`) says to use it.
ARCHIVER_SIGNING_KEY: str | None = None

# --- ARCHIVER_TSA: capture-time RFC 3161 timestamps of every WARC file, chained per blog (archiver.timestamps) --
# URL of the time-stamping authority that stamps each WARC file as it is closed (HTTP POST of an RFC 3161
# query). Unset or empty: nothing is timestamped, and the summary says "not timestamped (no ARCHIVER_TSA_URL)".
ARCHIVER_TSA_URL: str | None = None
# The TSA's trust anchor(s), PEM: every token is checked against them on arrival; required with a URL, and
# copied to OUTPUT/<host>/tsa-trust.pem for offline verification.
ARCHIVER_TSA_CA_FILE: str | None = None
# Seconds to wait for the TSA's answer (one request per WARC file); a TSA that fails is a give-up (exit 3).
ARCHIVER_TSA_TIMEOUT = 30.0

# --- ARCHIVER_DEDUP: OUTPUT/<host>/dedup.sqlite, the blog's index of archived payloads (archiver.warc.dedup) --
# Every finished WARC file's response records (URL, payload digest, date, file and offset), added at the end of
# every crawl, finished or interrupted; what later crawls' revisit records refer to. `archiver index rebuild`
# rebuilds it from the WARCs alone.
ARCHIVER_DEDUP_ENABLED = True
# unset means OUTPUT_DIR/<blog host>/dedup.sqlite; the paths in it are relative to the folder holding it
ARCHIVER_DEDUP_INDEX: str | None = None
# write a 200 response whose payload an earlier crawl of the blog archived as a WARC/1.1 revisit record
# (identical-payload-digest profile) instead of storing the payload again: "url" when the same URL had that
# payload, "any" when any URL had it, "off" to store every payload. A crawl with revisits replays where the
# blog's earlier crawls are loaded too: its own WACZ names the WACZs it needs (datapackage.json relation.requires,
# as Browsertrix writes it), and `archiver package OUTPUT/<host>` writes one WACZ of every crawl of the blog.
ARCHIVER_DEDUP_REVISITS = "url"

# --- ARCHIVER_INCREMENTAL: a second visit that fetches only what changed (archiver.incremental) ---------------
# `archiver crawl --incremental`: robots.txt, sitemaps, feeds, the home page and the listing pages are fetched;
# a post the blog's corpus knows is fetched again (page, comment feed, images) only when its feed <updated>,
# thr:total or sitemap <lastmod> says it changed, or in the audit sample; otherwise a metadata record carries its
# last captures into the crawl. Needs an earlier crawl of the blog that finished (its corpus and dedup index).
ARCHIVER_INCREMENTAL = False
# share of the unchanged posts fetched anyway per crawl, in rotation: every post is audited once in
# round(1 / rate) crawls, so an edit the feeds never announced is found (0 switches the audit off)
ARCHIVER_INCREMENTAL_AUDIT = 0.05

# --- ARCHIVER_POSTS: JSON records of posts and static pages, extracted from the crawl's captures -----------
ARCHIVER_POSTS_ENABLED = True
# in the crawl folder: one record per post / per static page (byte-identical to `archiver extract CRAWL_DIR`)
ARCHIVER_POSTS_FILE = "posts.jsonl"
ARCHIVER_POSTS_PAGES_FILE = "pages.jsonl"
# the blog's corpus: the latest record of every post any crawl saw (posts.jsonl and pages.jsonl there)
ARCHIVER_POSTS_CORPUS_ENABLED = True
# unset means OUTPUT_DIR/<blog host>/corpus
ARCHIVER_POSTS_CORPUS_DIR: str | None = None
# in the crawl folder: what changed since the corpus as it was before this crawl (needs the corpus; empty for
# the blog's first crawl), archiver.records.changes; a body diff longer than DIFF_LINES lines is cut (and says so)
ARCHIVER_POSTS_CHANGES_FILE = "changes.jsonl"
ARCHIVER_POSTS_CHANGES_DIFF_LINES = 40

# --- ARCHIVER_REPORT: stats.json and summary.txt at the end ---------------------------------------------
ARCHIVER_REPORT_ENABLED = True
# CRAWL_DIR/report.html, one self-contained HTML page (inline CSS and SVG, no script, nothing fetched) of the
# crawl's completeness, timeline, statuses, bytes, posts per month, changes, tamper flags and failures, made
# from the crawl folder's files only (archiver.htmlreport); `archiver report PATH` writes it on demand
ARCHIVER_REPORT_HTML_ENABLED = True

# --- ARCHIVER_OUTCOME: the crawl's outcome in its log (archiver.extensions.outcome) ---------------------
# "Crawl outcome: finished|gave_up|failed (exit status 0|3|1): ..." at the end of the log: a Scrapyd job has no
# exit status of its own, and archiver.scrapyd.scrapyd_job_state reads this line.
ARCHIVER_OUTCOME_ENABLED = True

# --- ARCHIVER_FIXITY: CRAWL_DIR/manifest-sha256.txt, the sha256 of every file of the crawl (archiver.fixity) ----
# Written last at the end of every crawl, finished or interrupted (BagIt's manifest format, tmp + rename); a
# resumed crawl writes it again. `archiver verify` checks it; files added later are reported as not in it.
ARCHIVER_FIXITY_ENABLED = True

# --- ARCHIVER_PROGRESS: the live progress line ---------------------------------------------------------
ARCHIVER_PROGRESS_ENABLED = True
ARCHIVER_PROGRESS_INTERVAL = 10.0
# on a terminal (stderr a TTY, TERM not dumb) also a line redrawn in place: posts found and archived of the
# sitemap's count, queue, rate, ETA (archiver.progressbar); False, or `archiver crawl --no-progress`: plain lines
ARCHIVER_PROGRESS_LIVE = True
# seconds between two redraws of the live line (a few a second: more is flicker, less looks stuck)
ARCHIVER_PROGRESS_LIVE_INTERVAL = 0.5

# --- ARCHIVER_FRONTIER: many workers, one frontier in Redis (archiver.frontier, `archiver crawl --frontier`) ---
# the Redis URL of the shared frontier (redis://HOST:PORT/DB); empty: the crawl has its own Scrapy scheduler
ARCHIVER_FRONTIER = ""
# this worker's name (file names, its folder, its processing set); `--worker`, else the machine's host name
ARCHIVER_FRONTIER_WORKER = ""
# seconds between "waiting" lines of a worker whose queue is empty while other workers still have requests
ARCHIVER_FRONTIER_WAIT_LOG = 30.0

# --- ARCHIVER_SCHEDULE: `archiver schedule run`, the scheduler of scheduled crawls (archiver.schedule) -----------
# Settings of the scheduler, not of a crawl: `schedule run -s NAME=VALUE` (or the environment variables the
# help names) overrides them; a schedule's crawl settings are given to `schedule add -s`.
# how a visit is run: "local" (`archiver crawl` subprocesses) or "scrapyd" (jobs on ARCHIVER_SCHEDULE_SCRAPYD_URL,
# through archiver.scrapyd; the Scrapyd server must write to the schedule's output folder)
ARCHIVER_SCHEDULE_RUNNER = "local"
ARCHIVER_SCHEDULE_SCRAPYD_URL = ""
ARCHIVER_SCHEDULE_SCRAPYD_PROJECT = "archiver"
# seconds: a run missed while the scheduler was down is made once at start if at most this long ago (several
# missed runs of a blog are coalesced into that one), else recorded as missed
ARCHIVER_SCHEDULE_MISFIRE_GRACE = 3600
# crawls of different blogs at once (one blog is never crawled twice at once)
ARCHIVER_SCHEDULE_MAX_CRAWLS = 4
# seconds: how often the scheduler reads the job store again (changes made by `schedule add` etc. from another
# process), and polls a Scrapyd job's state
ARCHIVER_SCHEDULE_POLL = 10.0
