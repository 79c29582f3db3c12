"""Deterministic fault injection: which request fails, and how, is a pure function of its URL.

A plan is a set of rates per fault kind, e.g. ``5xx=0.05,429=0.02,reset=0.02``, or a named profile.
A URL picked for a fault fails on its first ``repeat`` attempts (default 1) and then succeeds, so a
crawler with retries completes and a test can predict exactly which URLs failed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from blogger_replica.errors import ConfigError

FaultKind = Literal["5xx", "429", "reset", "truncate", "drip"]
KINDS: tuple[FaultKind, ...] = ("5xx", "429", "reset", "truncate", "drip")

PROFILES: dict[str, str] = {
    "none": "",
    "flaky": "5xx=0.03,429=0.02,reset=0.02,truncate=0.02,drip=0.01",
    "harsh": "5xx=0.10,429=0.05,reset=0.05,truncate=0.05,drip=0.02",
    "5xx": "5xx=0.10",
    "429": "429=0.10",
    "reset": "reset=0.10",
    "truncate": "truncate=0.10",
    "drip": "drip=0.05",
}


@dataclass
class FaultPlan:
    rates: dict[FaultKind, float] = field(default_factory=dict)
    repeat: int = 1
    seed: str = "replica"
    _attempts: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        """Parse ``--faults``: a profile name or ``kind=rate[,kind=rate…][,repeat=N][,seed=S]``."""
        text = PROFILES.get(spec or "none", spec or "")
        plan = cls()
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, value = item.partition("=")
            if name == "repeat":
                plan.repeat = int(_number(int, value, item))
                continue
            if name == "seed":
                plan.seed = value
                continue
            if name not in KINDS:
                raise ConfigError(
                    f"--faults: unknown fault kind {name!r} in {spec!r}; "
                    f"kinds are {', '.join(KINDS)}, profiles are {', '.join(PROFILES)}"
                )
            rate = _number(float, value, item) if value else 0.1
            if not 0 <= rate <= 1:
                raise ConfigError(f"--faults: rate for {name} must be between 0 and 1, got {value}")
            plan.rates[name] = rate
        if sum(plan.rates.values()) > 1:
            raise ConfigError(f"--faults: rates add up to more than 1 in {spec!r}")
        return plan

    def planned(self, url: str) -> FaultKind | None:
        """The fault a URL is destined for (regardless of attempts), or None."""
        if not self.rates:
            return None
        point = int.from_bytes(hashlib.sha256(f"{self.seed}:{url}".encode()).digest()[:8], "big") / 2**64
        edge = 0.0
        for kind in KINDS:
            edge += self.rates.get(kind, 0.0)
            if point < edge:
                return kind
        return None

    def decide(self, url: str) -> FaultKind | None:
        """The fault for this attempt at ``url``; counts the attempt."""
        kind = self.planned(url)
        if kind is None:
            return None
        attempt = self._attempts.get(url, 0)
        self._attempts[url] = attempt + 1
        return kind if attempt < self.repeat else None


def _number(kind: type[int] | type[float], value: str, item: str) -> int | float:
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(f"--faults: {item!r} is not a number") from None
