"""Validation throughput against fhir.resources parsing alone, side by side in one run.

    .venv/bin/python -m bench.validate_speed [--examples N] [--repeat R]

For the package's resources and for N official R5 examples (spread over the whole package; those
fhir.resources can parse), prints resources/second for
- ours: `Validator.validate_json` on the JSON text (parse, structure, primitives, cardinality, slicing,
  fixed/pattern values, bindings, invariants, narrative; line/column of any issue), with this package's
  profiles applied through meta.profile;
- fhir.resources: `json.loads` + `model_validate` (parsing into the R5 pydantic models, no profiles, no
  invariants, no terminology),
and the cost ratio (our time / theirs; the target is at most 3) and the package rate (target 1,000/s); then the
same rate for the R4 package (what `fhir-ldn build` writes to dist/r4/, validated as R4).
Timings are the best of R repeats, on one core (single process), in CPU time of this process
(`time.process_time`): on a machine shared with other work, wall time would add the time spent waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from fhir.resources import get_fhir_model_class

from fhir_ldn.core_defs import ensure_package
from fhir_ldn.formats.json_bytes import dump_bytes
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_package
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source, package_validator
from fhir_ldn.xver.package import convert_package
from fhir_ldn.xver.targets import R4


def _timed(work: Callable[[], object], repeat: int) -> float:
    """The least CPU time of `repeat` runs of `work`."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def _parse_with_fhir_resources(text: bytes) -> object:
    data = json.loads(text)
    return get_fhir_model_class(data["resourceType"]).model_validate(data)


def _parsable(texts: list[bytes]) -> list[bytes]:
    out = []
    for text in texts:
        try:
            _parse_with_fhir_resources(text)
        except Exception:  # the models reject some valid examples: compare on the rest
            continue
        out.append(text)
    return out


def _compare(label: str, validator: Validator, texts: list[bytes], repeat: int) -> tuple[float, float]:
    for text in texts:  # warm up: compiled definitions and expressions, imported models
        validator.validate_json(text)
        _parse_with_fhir_resources(text)
    ours = _timed(lambda: [validator.validate_json(t) for t in texts], repeat)
    theirs = _timed(lambda: [_parse_with_fhir_resources(t) for t in texts], repeat)
    size = sum(len(t) for t in texts) / 1e6
    print(f"\n{label}: {len(texts)} resources, {size:.1f} MB of JSON (best of {repeat})")
    print(f"  validate (fhir-ldn)        {len(texts) / ours:8.0f} resources/s  {ours * 1e6 / len(texts):8.0f} us each")
    print(
        f"  parse (fhir.resources)     {len(texts) / theirs:8.0f} resources/s  {theirs * 1e6 / len(texts):8.0f} us each"
    )
    print(f"  cost ratio (ours/theirs)   {ours / theirs:8.2f}   (target: <= 3)")
    return len(texts) / ours, ours / theirs


def _r4_package_rate(package: Package, repeat: int) -> float:
    """The package as `fhir-ldn build` writes it to dist/r4/ (converted, own profiles dropped), validated with
    the R4 core definitions and the converted package's own (fhir.resources has no R4 models to compare with)."""
    r4 = convert_package(package, R4)
    validator = Validator(Session(default_source(list(r4), fhir_version=R4.version)))
    texts = [dump_bytes(r) for r in r4]
    for text in texts:  # warm up
        validator.validate_json(text)
    seconds = _timed(lambda: [validator.validate_json(t) for t in texts], repeat)
    size = sum(len(t) for t in texts) / 1e6
    print(f"\nR4 package: {len(texts)} resources, {size:.1f} MB of JSON (best of {repeat})")
    rate = len(texts) / seconds
    print(f"  validate (fhir-ldn)        {rate:8.0f} resources/s  {seconds * 1e6 / len(texts):8.0f} us each")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=400, help="number of R5 examples (0: none)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    package = load_package()
    validator = package_validator(package)
    rate, _ = _compare("package", validator, [dump_bytes(r) for r in package], args.repeat * 3)
    print(f"  package rate               {rate:8.0f} resources/s   (target: >= 1,000)")
    r4_rate = _r4_package_rate(package, args.repeat * 3)
    print(f"  R4 package rate            {r4_rate:8.0f} resources/s   (target: >= 1,000)")
    if args.examples:
        folder = Path(ensure_package("hl7.fhir.r5.examples", "5.0.0"))
        files = sorted(p for p in folder.glob("*.json") if p.name != "package.json" and not p.name.startswith("."))
        step = max(1, len(files) // args.examples)
        texts = _parsable([p.read_bytes() for p in files[::step][: args.examples]])
        _compare("R5 examples", validator, texts, args.repeat)


if __name__ == "__main__":
    main()
