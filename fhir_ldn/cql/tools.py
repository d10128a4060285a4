"""The pinned npm CQL tools (scripts/cql): installed once per package-lock into a cache folder, run with node.

`@cqframework/cql` (the reference CQL-to-ELM translator) translates; `cql-execution` with `cql-exec-fhir` runs ELM
over FHIR 4.0.1 data. Their exact versions are those of scripts/cql/package-lock.json, installed with `npm ci`
(from the npm registry, once) into `$FHIR_LDN_CQL_TOOLS_DIR` or `$XDG_CACHE_HOME/fhir-ldn/cql-tools/<lock hash>`.
Only the CQL tests and `python -m fhir_ldn.cql.translate` need them: the build reads the committed ELM.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from fhir_ldn.errors import CqlError

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "cql"
MANIFESTS = ("package.json", "package-lock.json")
RUNNERS = ("translate.mjs", "evaluate.mjs")
NPM_TIMEOUT = 600.0  # seconds for `npm ci`
RUN_TIMEOUT = 600.0  # seconds for one translation or one batch of evaluations


def _cache_root() -> Path:
    configured = os.environ.get("FHIR_LDN_CQL_TOOLS_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fhir-ldn" / "cql-tools"


def _lock_key() -> str:
    digest = hashlib.sha256()
    for name in MANIFESTS:
        digest.update((SCRIPTS / name).read_bytes())
    return digest.hexdigest()[:16]


def _require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise CqlError(f"{program} is not installed: the CQL tools need node and npm")
    return found


def tools_dir() -> Path:
    """The folder holding the pinned tools (node_modules) and the runner scripts; installs them the first time."""
    if not all((SCRIPTS / name).is_file() for name in (*MANIFESTS, *RUNNERS)):
        raise CqlError(f"the CQL tool scripts are missing from {SCRIPTS} (a source checkout is needed)")
    target = _cache_root() / _lock_key()
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time, across processes
        if not (target / ".installed").is_file():
            for name in MANIFESTS:
                shutil.copyfile(SCRIPTS / name, target / name)
            npm = _require("npm")
            try:
                done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                    [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                    cwd=target,
                    capture_output=True,
                    text=True,
                    timeout=NPM_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise CqlError(f"npm ci did not finish in {NPM_TIMEOUT:.0f} s") from exc
            if done.returncode != 0:
                raise CqlError(f"npm ci failed in {target}:\n{done.stderr.strip()}")
            (target / ".installed").write_text("ok\n", encoding="utf-8")
        for name in RUNNERS:
            if not (target / name).is_file() or (target / name).read_bytes() != (SCRIPTS / name).read_bytes():
                shutil.copyfile(SCRIPTS / name, target / name)
    return target


def _node(script: str, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    folder = tools_dir()
    try:
        return subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [_require("node"), str(folder / script), *args],
            cwd=folder,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CqlError(f"node {script} did not finish in {RUN_TIMEOUT:.0f} s") from exc


def translate(source: Path) -> str:
    """The ELM JSON text of a CQL file; CqlError listing every translator error and warning as FILE:LINE:COL."""
    done = _node("translate.mjs", [str(source.resolve())])
    if done.returncode != 0:
        raise CqlError(done.stderr.strip() or f"translating {source} failed", location=str(source))
    return done.stdout


def evaluate(
    elm: Any, value_sets: dict[str, list[dict[str, str]]], expressions: list[str], cases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run the ELM over every case in one node process (see scripts/cql/evaluate.mjs for the case format)."""
    payload = json.dumps({"elm": elm, "valueSets": value_sets, "expressions": expressions, "cases": cases})
    done = _node("evaluate.mjs", [], payload)
    if done.returncode != 0:
        raise CqlError(f"cql-execution failed:\n{done.stderr.strip()[-4000:]}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results
