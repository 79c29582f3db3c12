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

# The tool and its version; the spider appends "(+CONTACT)" from ARCHIVER_CONTACT when that is set.
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
    # just after Scrapy's OffsiteMiddleware (50): also catches redirects that leave the scope
    "archiver.middlewares.scope.ScopeMiddleware": 60,
    # on the downloader side of HttpCompression (590), Redirect (600) and HttpCache (900): raw responses
    "archiver.middlewares.warc.WarcRecorderMiddleware": 950,
    # retries below the recorder: an attempt that is retried is in crawl.log, never in the WARC
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archiver.middlewares.retry.BackoffRetryMiddleware": 955,
    # closest to the downloader: one crawl.log line per attempt, failures included
    "archiver.middlewares.crawllog.CrawlLogMiddleware": 960,
}
EXTENSIONS = {
    "archiver.extensions.progress.ProgressExtension": 500,
    "archiver.extensions.cdxj.CdxjIndexExtension": 510,
    # post records from every written capture; files written on spider_closed, before the report reads stats
    "archiver.pipelines.records.PostRecordsExtension": 512,
    # on engine_stopped, before the report (520), which lists the package it wrote
    "archiver.extensions.wacz.WaczPackageExtension": 515,
    "archiver.extensions.report.CrawlReportExtension": 520,
}

# --- ARCHIVER: where a crawl goes -----------------------------------------------------------------------
ARCHIVER_OUTPUT_DIR = "output"
# One folder per crawl; empty means OUTPUT_DIR/<blog host>/<crawl id>, filled in by the spider.
ARCHIVER_CRAWL_DIR = ""
# Empty means the UTC start time, YYYYMMDDTHHMMSSZ.
ARCHIVER_CRAWL_ID = ""
# How the operator can be reached (URL or e-mail); goes into the User-Agent and every warcinfo record.
ARCHIVER_CONTACT = ""
# Name of the settings profile in use (recorded in warcinfo): polite or local.
ARCHIVER_PROFILE = "polite"

# --- ARCHIVER_SCOPE: what may be fetched ---------------------------------------------------------------
ARCHIVER_SCOPE_ENABLED = True
# Blogger's asset hosts besides the blog's own; "*." matches sub-domains. www.blogger.com: static files only.
ARCHIVER_SCOPE_ASSET_HOSTS = [
    "*.bp.blogspot.com",
    "blogger.googleusercontent.com",
    "*.blogblog.com",
    "www.blogger.com",
]

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

# --- ARCHIVER_WARC: the WARC files ---------------------------------------------------------------------
ARCHIVER_WARC_ENABLED = True
# empty means CRAWL_DIR/warc (filled in by the spider); the middleware is off when it stays empty
ARCHIVER_WARC_DIR = ""
# file name prefix; empty means the blog host
ARCHIVER_WARC_PREFIX = ""
ARCHIVER_WARC_MAX_SIZE = 1_000_000_000
ARCHIVER_WARC_FSYNC = False
# repair *.warc.gz.open files a killed crawl left in ARCHIVER_WARC_DIR before writing new ones
ARCHIVER_WARC_MEND_ON_START = True

# --- ARCHIVER_CRAWLLOG: crawl.log, one line per fetch attempt (Heritrix-like) ------------------------------
ARCHIVER_CRAWLLOG_ENABLED = True

# --- ARCHIVER_CDXJ: index.cdxj of the crawl's WARCs -----------------------------------------------------
ARCHIVER_CDXJ_ENABLED = True

# --- ARCHIVER_WACZ: CRAWL_DIR/<host>-<crawl id>.wacz, the WACZ 1.1.1 package of the crawl ---------------
ARCHIVER_WACZ_ENABLED = True

# --- ARCHIVER_POSTS: JSON records of posts and static pages, extracted from the crawl's captures -----------
ARCHIVER_POSTS_ENABLED = True
# in the crawl folder: one record per post / per static page (byte-identical to `archiver extract CRAWL_DIR`)
ARCHIVER_POSTS_FILE = "posts.jsonl"
ARCHIVER_POSTS_PAGES_FILE = "pages.jsonl"
# the blog's corpus: the latest record of every post any crawl saw (posts.jsonl and pages.jsonl there)
ARCHIVER_POSTS_CORPUS_ENABLED = True
# empty means OUTPUT_DIR/<blog host>/corpus
ARCHIVER_POSTS_CORPUS_DIR = ""

# --- ARCHIVER_REPORT: stats.json and summary.txt at the end ---------------------------------------------
ARCHIVER_REPORT_ENABLED = True

# --- ARCHIVER_PROGRESS: the live progress line ---------------------------------------------------------
ARCHIVER_PROGRESS_ENABLED = True
ARCHIVER_PROGRESS_INTERVAL = 10.0
