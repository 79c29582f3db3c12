"""What ``pip install`` of the archiver brings: its own code and dependencies, never the replica's."""

from __future__ import annotations

import argparse
import ast
import re
import tomllib
from pathlib import Path

from archiver.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
ARCHIVER = ROOT / "archiver"


def _project(pyproject: Path) -> dict[str, object]:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))


def _requirement_names(pyproject: Path) -> set[str]:
    project = _project(pyproject)["project"]
    assert isinstance(project, dict)
    return {re.split(r"[\s<>=!~;\[]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}


def _imported_top_modules(package: Path) -> set[str]:
    names = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_the_archiver_never_imports_the_replica() -> None:
    assert "blogger_replica" not in _imported_top_modules(ARCHIVER)
    assert not (ARCHIVER / "replica").exists()


def test_the_archiver_declares_and_imports_nothing_only_the_replica_needs() -> None:
    replica = _requirement_names(ROOT / "replica" / "pyproject.toml")
    assert replica == {"cryptography"}  # what the TLS proxy needs; update this test when that changes
    imported = _imported_top_modules(ARCHIVER)
    # a requirement of both is declared by the archiver only because its own code uses it (cryptography:
    # WACZ signing); everything else the replica needs stays out of the archiver
    shared = replica & _requirement_names(ROOT / "pyproject.toml")
    assert shared <= imported
    assert not (replica - shared) & imported


def test_every_package_data_pattern_of_the_archiver_ships_a_file() -> None:
    tool = _project(ROOT / "pyproject.toml")["tool"]
    assert isinstance(tool, dict)
    patterns = tool["setuptools"]["package-data"]["archiver"]
    for pattern in patterns:
        assert list(ARCHIVER.glob(pattern)), f"package-data pattern {pattern!r} matches no file"


def test_archiver_help_lists_only_what_a_preservationist_uses() -> None:
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {
        "crawl",  # archive a blog (first visit, full or incremental recrawl, resume)
        "package",  # WACZ of a crawl or of every visit of a blog, BagIt bag
        "extract",  # rebuild the records from the WARCs
        "diff",  # what changed between two visits
        "index",  # the blog's dedup index
        "verify",  # prove an archive is intact
        "keys",  # the WACZ signing key
        "timestamp",  # RFC 3161 tokens a TSA outage left missing
        "schedule",  # visits on a schedule
        "merge",  # one crawl folder from the files of every worker of a shared frontier
        "report",  # the HTML report of a crawl or of every visit of a blog
        "replay",  # pywb over a crawl or a blog, in one command
        "export",  # the corpus as CSV, SQLite or Parquet tables for researchers
    }
