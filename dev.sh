#!/usr/bin/env bash
# The project's two entry points on a fresh machine (only python3, pip and apt assumed):
#   ./dev.sh demo   install, then crawl the offline Blogger replica into output/ and print a summary
#   ./dev.sh test   install, then run the whole test suite
# Each creates (or refreshes) its own virtualenv in .venv and installs the system tools the tests use.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
# Debian packages the project uses: wget and curl drive the replica in tests and benchmarks; openssl is the
# tests' RFC 3161 time-stamping authority (`openssl ts -reply`, tests/tsa.py); redis-server is the shared
# frontier the frontier tests start (tests/integration/test_frontier.py); chromium is the browser the browser tests
# drive through Playwright (tests/browser/: no browser is downloaded at run time), and npm fetches ReplayWeb.page.
SYSTEM_PACKAGES=(wget curl openssl redis-server chromium npm)
# ReplayWeb.page, the replay tool the browser tests open the crawl's WACZ in: the npm package, pinned to a
# release and to the sha256 of its tarball, unpacked into .vendor/replaywebpage (git-ignored).
REPLAYWEBPAGE_VERSION=2.5.3
REPLAYWEBPAGE_SHA256=b7d35c39c4da9b7121c5a393911d8675d4cc6f19513c380191e16b086bea812c
VENDOR=.vendor

log() { printf '[dev.sh] %s\n' "$*" >&2; }

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        log "missing $*, and apt-get is not available: install them by hand"; return 1
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    log "installing Debian packages: $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_system() {
    local missing=()
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

ensure_venv() {
    local stamp="$VENV/.installed" want
    want=$(cat pyproject.toml replica/pyproject.toml | sha1sum | cut -d' ' -f1)
    if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    log "creating the virtualenv in $VENV"
    python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    # the archiver, and the offline replica that the demo, tests and benchmarks run (its own distribution)
    "$PY" -m pip install --quiet -e ".[test]" -e ./replica
    "$PY" -m pip install --quiet --no-deps $("$PY" -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["archiver"]["no-deps-dependencies"])')
    echo "$want" > "$stamp"
}

ensure_replaywebpage() {
    local dest="$VENDOR/replaywebpage" tmp tarball
    if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$REPLAYWEBPAGE_VERSION" ]; then return 0; fi
    log "fetching ReplayWeb.page $REPLAYWEBPAGE_VERSION into $dest (npm pack)"
    mkdir -p "$VENDOR"
    tmp=$(mktemp -d "$VENDOR/.fetch.XXXXXX")
    (cd "$tmp" && npm pack --silent "replaywebpage@$REPLAYWEBPAGE_VERSION" >/dev/null)
    tarball="$tmp/replaywebpage-$REPLAYWEBPAGE_VERSION.tgz"
    if [ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$REPLAYWEBPAGE_SHA256" ]; then
        rm -rf "$tmp"; log "replaywebpage-$REPLAYWEBPAGE_VERSION.tgz does not have the pinned sha256"; return 1
    fi
    mkdir "$tmp/unpacked"
    tar -xzf "$tarball" -C "$tmp/unpacked" --strip-components=1
    echo "$REPLAYWEBPAGE_VERSION" > "$tmp/unpacked/.version"
    rm -rf "$dest"
    mv "$tmp/unpacked" "$dest"
    rm -rf "$tmp"
}

case "${1:-}" in
    demo)
        shift; ensure_system; ensure_venv
        exec "$PY" -m blogger_replica demo "$@"
        ;;
    test)
        shift; ensure_system; ensure_venv; ensure_replaywebpage
        exec "$PY" -m pytest "$@"
        ;;
    *)
        echo "usage: ./dev.sh demo|test [ARGS...]" >&2; exit 2
        ;;
esac
