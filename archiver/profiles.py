"""Named groups of setting overrides; the CLI applies one with priority ``cmdline`` (``--profile``).

``polite`` is the default for real blogs and equals the defaults in ``archiver/settings.py``. ``local`` is for
the offline replica, tests and benchmarks: no delays, no AutoThrottle, many connections per host. robots.txt
is obeyed in both; only ``--ignore-robots`` changes that.
"""

from __future__ import annotations

from typing import Any

from archiver.errors import ConfigError

PROFILES: dict[str, dict[str, Any]] = {
    "polite": {
        "ARCHIVER_PROFILE": "polite",
    },
    "local": {
        "ARCHIVER_PROFILE": "local",
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "DOWNLOAD_TIMEOUT": 30,
        # short waits between retries, long enough for the replica's Retry-After: 1
        "ARCHIVER_RETRY_DELAY": 0.1,
        "ARCHIVER_RETRY_MAX_DELAY": 2.0,
        "ARCHIVER_PROGRESS_INTERVAL": 2.0,
        # a short ramp-up: 4, 8, 16, 32 concurrent requests per host after 4, 12 and 28 answers
        "ARCHIVER_RAMP_UP_START": 4,
    },
}
DEFAULT_PROFILE = "polite"


def profile(name: str) -> dict[str, Any]:
    """The setting overrides of a profile; raises ConfigError naming the known profiles."""
    try:
        return dict(PROFILES[name])
    except KeyError:
        raise ConfigError(f"unknown profile {name!r}; choose one of {', '.join(sorted(PROFILES))}") from None
