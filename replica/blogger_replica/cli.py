"""The ``blogger-replica`` command (also ``python -m blogger_replica``): serve the replica, print its truth, demo.

``demo`` is the README's one command: it starts the replica and runs the archiver (``python -m archiver crawl
--profile local``, a subprocess: this package never imports the archiver) through the replica's proxy.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from blogger_replica import __version__
from blogger_replica.assets import DEFAULT_PHOTO_BPP, MAX_PHOTO_BPP
from blogger_replica.content import DEFAULT_BLOG_NAME, MAX_STATE
from blogger_replica.errors import ConfigError, ReplicaError

DEMO_BLOG_URL = f"https://{DEFAULT_BLOG_NAME}.blogspot.com/"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 0 and 65535, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, got {value}")
    return value


def _add_blog_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--posts",
        type=_positive_int,
        default=200,
        metavar="N",
        help="number of posts in the blog's first state, the 3 real seed posts included (default 200)",
    )
    parser.add_argument(
        "--state",
        type=int,
        choices=range(MAX_STATE + 1),
        default=0,
        metavar="K",
        help="later visit to simulate: 0 first crawl, 1 and 2 with posts edited, deleted and added",
    )
    parser.add_argument(
        "--blog",
        default=DEFAULT_BLOG_NAME,
        metavar="NAME",
        help=f"blogspot name of the blog (default {DEFAULT_BLOG_NAME})",
    )
    parser.add_argument(
        "--silent-edits",
        type=_fraction,
        default=0.0,
        metavar="RATE",
        help="fraction of the posts of state 0 edited silently in states 1 and 2: the post page gains a "
        "correction that the feeds, sitemaps, listings and `updated` do not show (default 0)",
    )
    parser.add_argument(
        "--silent-edit",
        action="append",
        default=[],
        metavar="PATH",
        help="edit this post silently (its path, e.g. /2013/09/x.html) in states 1 and 2; repeatable",
    )
    parser.add_argument(
        "--planted",
        action="store_true",
        help="plant code into five posts' own pages, as an attacker would (an obfuscated eval(atob(...)) script, "
        "a hidden iframe, an unknown external script, a meta refresh off the blog) and one harmless YouTube "
        "embed; the truth lists each under `planted`",
    )


def _photo_bpp(text: str) -> float:
    value = _non_negative_float(text)
    if value > MAX_PHOTO_BPP:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_PHOTO_BPP:g} bits per pixel, got {value}")
    return value


def _add_photo_bpp(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--photo-bpp",
        type=_photo_bpp,
        default=DEFAULT_PHOTO_BPP,
        metavar="BITS",
        help=f"weight of the posts' photos in bits per pixel of the served PNG (default {DEFAULT_PHOTO_BPP}: "
        "a 1600x1200 original weighs about 290 KB); 0 serves tiny striped PNGs",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blogger-replica",
        description="An offline replica of a Blogger blog on 127.0.0.1, for the archiver's tests, demo and benchmarks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="serve the replica on 127.0.0.1 as a web server and as an HTTP(S) forward proxy"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; loopback only)")
    serve.add_argument("--port", type=_port, default=0, help="port to bind (default 0: any free port, printed)")
    _add_blog_args(serve)
    serve.add_argument(
        "--theme",
        choices=("classic", "contempo"),
        default="classic",
        help="layout family: classic (2011-2016 layouts) or contempo (2017+ themes)",
    )
    serve.add_argument(
        "--latency-ms",
        type=_non_negative_float,
        default=0.0,
        metavar="MS",
        help="delay before every response, in milliseconds",
    )
    _add_photo_bpp(serve)
    serve.add_argument(
        "--faults",
        default="none",
        metavar="PROFILE",
        help="fault profile (none, flaky, harsh, 5xx, 429, reset, truncate, drip) or "
        "KIND=RATE,...[,repeat=N]; a chosen URL fails on its first N attempts (default 1)",
    )
    serve.add_argument(
        "--domain",
        default=None,
        metavar="HOST",
        help="serve the blog on a custom domain (the blogspot address then redirects to it)",
    )
    serve.add_argument(
        "--also-blog",
        action="append",
        default=[],
        metavar="NAME",
        help="serve another blog on NAME.blogspot.com from the same process and proxy (same --posts and --state; "
        "repeatable): for crawls of several blogs",
    )
    serve.add_argument(
        "--access-log", type=Path, default=None, metavar="FILE", help="append one JSON line per request to FILE"
    )
    serve.add_argument(
        "--ca-cert",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the replica's CA certificate (PEM) to FILE, for clients that verify TLS",
    )
    serve.set_defaults(func=_serve)

    truth = commands.add_parser("truth", help="print the replica's true posts as JSON Lines")
    _add_blog_args(truth)
    truth.add_argument(
        "--base",
        default=None,
        metavar="URL",
        help="origin of the URLs in the output (default https://NAME.blogspot.com)",
    )
    truth.set_defaults(func=_truth)

    demo = commands.add_parser(
        "demo",
        help="crawl the replica of the blog with the archiver into output/ and print its summary",
        description=f"Start the replica of {DEMO_BLOG_URL} and run `python -m archiver crawl --profile local` "
        "through its proxy (the archiver must be installed in the same environment: ./dev.sh demo "
        "does it).",
    )
    demo.add_argument(
        "--posts", type=_positive_int, default=200, metavar="N", help="posts in the replica (default 200)"
    )
    demo.add_argument("--theme", choices=("classic", "contempo"), default="classic", help="replica theme")
    _add_photo_bpp(demo)
    demo.add_argument(
        "-o", "--output", type=Path, default=Path("output"), metavar="DIR", help="root output folder (default output/)"
    )
    demo.set_defaults(func=_demo)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from blogger_replica.faults import FaultPlan
    from blogger_replica.server import ReplicaConfig, run

    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        raise ConfigError(f"--host {args.host}: the replica binds to loopback addresses only")
    config = ReplicaConfig(
        host=args.host,
        port=args.port,
        posts=args.posts,
        state=args.state,
        theme=args.theme,
        latency_ms=args.latency_ms,
        photo_bpp=args.photo_bpp,
        silent_edits=args.silent_edits,
        silent_edit_paths=tuple(args.silent_edit),
        planted=args.planted,
        faults=FaultPlan.parse(args.faults),
        blog_name=args.blog,
        also_blogs=tuple(args.also_blog),
        domain=args.domain,
        access_log=args.access_log,
        ca_cert=args.ca_cert,
    )
    try:
        asyncio.run(run(config, sys.stdout))
    except OSError as exc:
        raise ReplicaError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0


def _truth(args: argparse.Namespace) -> int:
    from blogger_replica.content import Blog
    from blogger_replica.truth import write_truth

    try:
        blog = Blog(
            args.posts,
            args.state,
            args.blog,
            silent_edits=args.silent_edits,
            silent_edit_paths=args.silent_edit,
            planted=args.planted,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    write_truth(blog, sys.stdout, base=args.base)
    return 0


def _drain(stream: IO[str]) -> None:
    for _ in stream:
        pass


def _demo(args: argparse.Namespace) -> int:
    from blogger_replica.launch import ReplicaDidNotStart, launch

    if importlib.util.find_spec("archiver") is None:
        raise ReplicaError(
            "the demo crawls with the archiver, which is not installed in this environment "
            "(./dev.sh demo installs both)"
        )
    try:
        replica = launch(["--posts", str(args.posts), "--theme", args.theme, "--photo-bpp", str(args.photo_bpp)])
    except ReplicaDidNotStart as exc:
        raise ReplicaError(str(exc)) from exc
    try:
        assert replica.process.stdout is not None
        threading.Thread(target=_drain, args=(replica.process.stdout,), daemon=True).start()
        print(f"blogger-replica demo: replica of {DEMO_BLOG_URL} ({args.posts} posts) at {replica.proxy}", flush=True)
        crawl = [
            sys.executable,
            "-m",
            "archiver",
            "crawl",
            DEMO_BLOG_URL,
            "--profile",
            "local",
            "--output",
            str(args.output),
        ]
        return subprocess.call(crawl, env=replica.proxy_env())
    finally:
        replica.process.terminate()
        try:
            replica.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except ReplicaError as exc:
        print(f"blogger-replica: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
