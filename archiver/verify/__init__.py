"""``archiver verify``: prove that an archive is what was written, byte for byte, and when it was written.

Every check adds to one :class:`Report`: what was checked (counted by kind) and every problem found, each
naming the file, the offset and record id where there is one, and what differs. Checks never stop at the
first problem, never repair anything and never fetch anything.

Modules, one per kind of evidence (each exposes ``verify_*`` functions taking a path and a report):

- :mod:`archiver.verify.warcs`: WARC record block and payload digests, CDXJ lines, JSON records' WARC
  pointers, and the walk over a WARC, a crawl folder, a WACZ, a bag or a blog's whole output;
- :mod:`archiver.fixity`: the crawl's fixity manifest and BagIt bags;
- :mod:`archiver.signing`: signed WACZ packages (WACZ signing spec, anonymous ECDSA P-256);
- :mod:`archiver.timestamps`: RFC 3161 timestamp tokens of WARC files and their chain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing that is not as it was written: where (file, offset, record id) and what differs."""

    check: str  # the kind of check, e.g. "warc.payload_digest", "cdxj", "record.pointer", "manifest", "timestamp"
    path: str  # the file, as given or relative to what was verified
    what: str  # what differs, in words: expected and found values where there are any
    offset: int | None = None
    record_id: str | None = None

    def line(self) -> str:
        """The problem as one line of the report."""
        where = self.path + (f" at offset {self.offset}" if self.offset is not None else "")
        where += f" (record {self.record_id})" if self.record_id else ""
        return f"{self.check}: {where}: {self.what}"


@dataclass
class Report:
    """What a verification checked and every problem it found."""

    checked: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things worth saying that are not problems

    def ok(self, check: str, count: int = 1) -> None:
        """Count ``count`` successful checks of a kind."""
        self.checked[check] += count

    def problem(
        self, check: str, path: str, what: str, *, offset: int | None = None, record_id: str | None = None
    ) -> None:
        """Record a problem (also counted as a check of its kind)."""
        self.checked[check] += 1
        self.problems.append(Problem(check, path, what, offset, record_id))

    def note(self, text: str) -> None:
        """Say something that is not a problem (e.g. a crawl that had no timestamping authority)."""
        self.notes.append(text)

    @property
    def passed(self) -> bool:
        """True when nothing differs."""
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The report for ``--json``."""
        return {
            "passed": self.passed,
            "checked": dict(sorted(self.checked.items())),
            "problems": [asdict(problem) for problem in self.problems],
            "notes": list(self.notes),
        }
