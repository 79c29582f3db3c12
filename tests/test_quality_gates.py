"""The quality gates run as part of the test suite, so that CI (``./dev.sh test``) enforces them.

ruff checks lint (the rule set in pyproject.toml) and formatting over the whole repository; mypy checks
the packages in strict mode (``[tool.mypy]`` in pyproject.toml). Each test prints what the tool said.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )


def test_ruff_lint_is_clean() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_ruff_format_is_clean() -> None:
    result = run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_mypy_strict_is_clean() -> None:
    result = run("mypy", "--no-incremental")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
