"""The HL7 validator conformance subset (../shared/conformance/fhir-validator, 148 R5 and 238 R4 tests) through
`fhir-ldn validate`, run by the suite's own runner from ../shared (never copied here).

Every step (a test's base step, and its profile step where it has one) must pass, except the known failures in
tests/data/validator-suite/known-failures.json, each listed with the reason. A step that starts failing, or a
known failure that starts passing, fails this test: the list must be kept exact.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KNOWN = REPO / "tests" / "data" / "validator-suite" / "known-failures.json"
_FAIL = re.compile(r"^FAIL (.+?) \[(base|profile)\]:")
_TOTAL = re.compile(r"^(R5|R4): (\d+) passed, (\d+) failed$")


def _run_versions(conformance_dir: Path) -> dict[str, str]:
    """The runner's output per version; both versions run at once (each step is a process of its own)."""
    suite = conformance_dir / "validator_suite.py"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    runs = {
        version: subprocess.Popen(
            [sys.executable, str(suite), str(conformance_dir / "fhir-validator"), "--version", number],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=REPO,
        )
        for version, number in (("R5", "5.0"), ("R4", "4.0"))
    }
    return {version: process.communicate(timeout=1200)[0] for version, process in runs.items()}


def test_the_subset_passes_but_for_the_known_failures(conformance_dir: Path) -> None:
    known = json.loads(KNOWN.read_text(encoding="utf-8"))
    outputs = _run_versions(conformance_dir)
    for version, output in outputs.items():
        failing = {f"{m.group(1)} [{m.group(2)}]" for line in output.splitlines() if (m := _FAIL.match(line))}
        totals = [m for line in output.splitlines() if (m := _TOTAL.match(line))]
        assert len(totals) == 1, output[-2000:]
        passed, failed = int(totals[0].group(2)), int(totals[0].group(3))
        expected = known[version]
        assert sorted(failing - set(expected["failures"])) == [], f"{version}: new failures\n{output[-4000:]}"
        assert sorted(set(expected["failures"]) - failing) == [], f"{version}: known failures now pass: update the list"
        assert (passed, failed) == (expected["passed"], len(expected["failures"]))
