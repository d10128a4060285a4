"""A longer fuzz campaign than CI runs: the same property and OpenAPI tests, more examples, fresh seeds.

    python -m bench.fuzz [--minutes 10] [--examples 300] [--seed N]

Runs rounds of pytest over the fuzz tests (tests/fuzzing.py lists how they read the budget) with
FHIR_LDN_FUZZ_EXAMPLES examples per test and a new `--hypothesis-seed` each round, until the time is up
(a round started is finished). Prints each round's seed and result; a failing round's pytest output is kept
in a file named in the summary, and `--seed N` replays a round. Exit code 1 if any round failed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUZZ_TESTS = (
    "tests/terminology/test_properties.py",
    "tests/validation/test_properties.py",
    "tests/server/test_openapi.py",
)


def run_round(seed: int, examples: int, log_dir: Path) -> tuple[bool, float, Path]:
    env = os.environ | {"FHIR_LDN_FUZZ_EXAMPLES": str(examples), "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--hypothesis-seed={seed}",
        *FUZZ_TESTS,
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    log = log_dir / f"round-{seed}.log"
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    return result.returncode == 0, time.monotonic() - started, log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="time budget (default 10)")
    parser.add_argument("--examples", type=int, default=300, help="examples per test and round (default 300)")
    parser.add_argument("--seed", type=int, help="replay one round with this seed")
    args = parser.parse_args()

    log_dir = Path(tempfile.mkdtemp(prefix="fhir-ldn-fuzz-"))
    seeds = random.SystemRandom()
    deadline = time.monotonic() + args.minutes * 60
    results: list[tuple[int, bool, float, Path]] = []
    while not results or (args.seed is None and time.monotonic() < deadline):
        seed = args.seed if args.seed is not None else seeds.randrange(2**32)
        passed, seconds, log = run_round(seed, args.examples, log_dir)
        results.append((seed, passed, seconds, log))
        last_line = log.read_text(encoding="utf-8").strip().splitlines()[-1:] or [""]
        print(
            f"round {len(results)}: seed {seed}: {'passed' if passed else 'FAILED'} in {seconds:.0f} s ({last_line[0]})"
        )
    failed = [r for r in results if not r[1]]
    total = sum(r[2] for r in results)
    print(f"{len(results)} rounds of {args.examples} examples per test ({len(FUZZ_TESTS)} files)", end=" ")
    print(f"in {total / 60:.1f} min: {len(failed)} failed")
    for seed, _, _, log in failed:
        print(
            f"  seed {seed}: output in {log}; replay with python -m bench.fuzz --seed {seed} --examples {args.examples}"
        )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
