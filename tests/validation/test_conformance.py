"""The HL7 validator conformance subset (../shared/conformance/fhir-validator) through `fhir-ldn validate`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_case_of_the_subset_passes(conformance_dir: Path) -> None:
    suite = conformance_dir / "validator_suite.py"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [sys.executable, str(suite), str(conformance_dir / "fhir-validator")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=False,
    )
    last = result.stdout.strip().splitlines()[-1]
    passed, failed = (int(part.split()[0]) for part in last.split(", "))
    assert (failed, result.returncode) == (0, 0), result.stdout
    assert passed == 49  # 36 tests, 13 of them with a profile step
