"""FHIR XML throughput: our StructureDefinition-driven converter against fhir.resources' XML, side by side.

    .venv/bin/python -m bench.bench_xml [--examples N]

Prints resources/second and MB/second for writing (JSON dict -> XML bytes) and reading (XML bytes -> JSON
dict) with both, on the package's resources and on the first N official R5 examples that fhir.resources can
handle, and the ratio (fhir.resources time / ours; > 1 means ours is faster). Also times the full
JSON -> XML -> JSON round trip plus XSD check over every R5 example, as the test suite runs it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from fhir.resources import get_fhir_model_class

from fhir_ldn.core_defs import ensure_package
from fhir_ldn.formats.decimal_json import loads
from fhir_ldn.formats.element_model import element_model
from fhir_ldn.formats.xml import read_xml, resource_to_xml, validate_xsd
from fhir_ldn.package.loader import load_package


def _theirs_write(resource: dict[str, Any]) -> bytes:
    xml = get_fhir_model_class(resource["resourceType"]).model_validate(resource).model_dump_xml()
    return xml if isinstance(xml, bytes) else str(xml).encode("utf-8")


def _theirs_read(resource_type: str, xml: bytes) -> dict[str, Any]:
    data: dict[str, Any] = get_fhir_model_class(resource_type).model_validate_xml(xml).model_dump(exclude_none=True)
    return data


def _timed(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _compare(label: str, resources: list[dict[str, Any]], repeat: int) -> None:
    ours_xml = [resource_to_xml(r) for r in resources]
    theirs_xml = [_theirs_write(r) for r in resources]
    size = sum(len(x) for x in ours_xml) / 1e6
    rows = [
        ("write", lambda: [resource_to_xml(r) for r in resources], lambda: [_theirs_write(r) for r in resources]),
        (
            "read",
            lambda: [read_xml(x, locations=False) for x in ours_xml],
            lambda: [_theirs_read(r["resourceType"], x) for r, x in zip(resources, theirs_xml, strict=True)],
        ),
    ]
    print(f"\n{label}: {len(resources)} resources, {size:.1f} MB of XML (best of {repeat})")
    for name, ours, theirs in rows:
        t_ours, t_theirs = _timed(ours, repeat), _timed(theirs, repeat)
        print(
            f"  {name:5}  ours {len(resources) / t_ours:8.0f} res/s {size / t_ours:6.1f} MB/s"
            f"   fhir.resources {len(resources) / t_theirs:8.0f} res/s {size / t_theirs:6.1f} MB/s"
            f"   ratio {t_theirs / t_ours:5.2f}x"
        )


def _handled_by_fhir_resources(resource: dict[str, Any]) -> bool:
    try:
        _theirs_read(resource["resourceType"], _theirs_write(resource))
    except Exception:  # its failures only exclude a file from the side-by-side sample
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--examples", type=int, default=60, help="examples in the side-by-side sample (fhir.resources is slow)"
    )
    args = parser.parse_args()
    element_model()  # load the cached model outside the timings
    package = [dict(r) for r in load_package()]
    _compare("package resources", package, repeat=5)

    folder = ensure_package("hl7.fhir.r5.examples", "5.0.0")
    files = sorted(p for p in folder.glob("*.json") if not p.name.startswith(".") and p.name != "package.json")
    sample = [r for r in (loads(p.read_bytes()) for p in files[: args.examples]) if _handled_by_fhir_resources(r)]
    _compare(f"R5 examples (of the first {args.examples} files, those fhir.resources handles)", sample, repeat=1)

    started = time.perf_counter()
    size = 0
    for path in files:
        xml = resource_to_xml(loads(path.read_bytes()))
        size += len(xml)
        read_xml(xml, locations=False)
        validate_xsd(xml)
    elapsed = time.perf_counter() - started
    print(f"\nall {len(files)} R5 examples, JSON -> XML -> JSON + XSD: {elapsed:.1f} s ({size / 1e6:.0f} MB of XML)")


if __name__ == "__main__":
    main()
