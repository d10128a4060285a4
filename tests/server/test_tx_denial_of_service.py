"""The HL7 terminology ecosystem's denial-of-service suites against a live `fhir-ldn serve`: `big` (an expansion
too costly to answer, paging through it, circular value sets) and `regex-bad`'s expansions (catastrophic
regexes, which a backtracking engine would run for years), each on a server of its own; the two `$validate-code`
tests of `regex-bad` are known failures of tests/server/test_tx_ecosystem.py, which runs every suite (they differ
only in the R4-style `issue.location` our answers echo as the other suites require).

The suite and its runner live in ../shared/conformance (never copied here); the test skips, saying so, when
../shared is absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.live_server import LiveServer


@pytest.mark.parametrize(
    ("suites", "only", "expected"),
    [("big", None, "5 passed, 0 failed"), ("regex-bad", "expand-regex-bad", "2 passed, 0 failed")],
)
def test_denial_of_service_suites_pass(
    conformance_dir: Path, tmp_path: Path, suites: str, only: str | None, expected: str
) -> None:
    conformance = conformance_dir
    with LiveServer(tmp_path) as server:
        command = [
            sys.executable,
            str(conformance / "txrunner.py"),
            "--suite-dir",
            str(conformance / "tx-ecosystem"),
            "--server",
            f"{server.base}/fhir",
            "--suites",
            suites,
            "--timeout",
            "60",
            *(["--filter", only] if only else []),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert last == expected
