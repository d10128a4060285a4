"""`fhir-ldn validate PATH... [--ig PATH]... [--profile URL]... [--fhir-version V] [--output json|text]` (CLI I/O)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fhir_ldn.core_defs.versions import DEFAULT_VERSION, release_for
from fhir_ldn.errors import ExitCode, InputFileError
from fhir_ldn.validation.inputs import FileResolver, declared_version, ig_resources, instance_files, read_source
from fhir_ldn.validation.session import Options, Session
from fhir_ldn.validation.validator import ValidationResult, Validator, default_source

FILE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/operationoutcome-file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders (*.json, *.xml)")
    parser.add_argument(
        "--ig",
        action="append",
        type=Path,
        default=[],
        help="load StructureDefinitions, ValueSets, CodeSystems from a file, folder or package.tgz (repeatable; "
        "default: none)",
    )
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        help="also validate against this profile url (repeatable; default: the profiles the resources declare)",
    )
    parser.add_argument(
        "--output",
        choices=["json", "text"],
        default="text",
        help="text: the issues, file by file; json: an OperationOutcome (a Bundle of them for several files) "
        "(default: text)",
    )
    parser.add_argument(
        "--no-package",
        action="store_true",
        help="do not load this package's own profiles and terminology (default: loaded)",
    )
    parser.add_argument(
        "--best-practice",
        action="store_true",
        help="report best-practice invariants (dom-6...) as warnings (default: not reported)",
    )
    parser.add_argument(
        "--fhir-version",
        help="validate as FHIR 5.0.0 (R5), 4.3.0 (R4B) or 4.0.1 (R4); default: the version a package (package.json) "
        "or an ImplementationGuide among the inputs declares, else 5.0.0",
    )


def package_definitions() -> list[dict[str, Any]]:
    """The knowledge package's own resources (profiles, value sets, code systems), loaded from its folders."""
    from fhir_ldn.config import Settings
    from fhir_ldn.package.loader import load_package

    return list(load_package(Settings.from_env()))


def build_validator(
    igs: list[dict[str, Any]], *, with_package: bool, best_practice: bool, fhir_version: str = DEFAULT_VERSION
) -> tuple[Validator, FileResolver]:
    """A validator for one FHIR version; the knowledge package's own (R5) definitions are loaded for R5 only."""
    extra = (package_definitions() if with_package and fhir_version == DEFAULT_VERSION else []) + igs
    resolver = FileResolver(extra, fhir_version)
    source = default_source(extra, fhir_version=fhir_version)
    session = Session(source, options=Options(best_practice=best_practice), resolver=resolver)
    return Validator(session), resolver


def validate_bytes(validator: Validator, name: str, content: bytes, profiles: list[str]) -> ValidationResult:
    if name.lower().endswith(".ndjson"):
        return validator.validate_ndjson(content, profiles)
    if name.lower().endswith(".xml") or (not name.lower().endswith(".json") and content.lstrip()[:1] == b"<"):
        return validator.validate_xml(content, profiles)
    return validator.validate_json(content, profiles)


def _text_report(name: str, result: ValidationResult) -> str:
    lines = [
        f"{name}: {'valid' if result.valid else 'INVALID'} "
        f"({result.count('fatal', 'error')} errors, {result.count('warning')} warnings, "
        f"{result.count('information')} notes)"
    ]
    for i in result.issues:
        where = f" [{i.line}:{i.column}]" if i.line is not None else ""
        lines.append(f"  {i.severity.upper():<11} {i.expression or '-'}{where}: {i.text}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> ExitCode:
    files = instance_files(list(args.paths))
    if not files:
        raise InputFileError("no *.json or *.xml files to validate")
    fhir_version = release_for(args.fhir_version).version if args.fhir_version else None
    fhir_version = fhir_version or declared_version([*args.ig, *args.paths], files) or DEFAULT_VERSION
    igs: list[dict[str, Any]] = []
    for ig in args.ig:
        igs.extend(ig_resources(ig, fhir_version))
    validator, resolver = build_validator(
        igs, with_package=not args.no_package, best_practice=args.best_practice, fhir_version=fhir_version
    )
    results: list[tuple[str, ValidationResult]] = []
    for path in files:
        source = read_source(path)
        resolver.folder = path.parent
        results.append((str(path), validate_bytes(validator, source.name, source.content, list(args.profile))))
    if args.output == "json":
        if len(results) == 1 and len(args.paths) == 1 and args.paths[0].is_file():
            document = results[0][1].outcome()
        else:
            document = {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": _with_file(r.outcome(), name)} for name, r in results],
            }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        for name, result in results:
            sys.stdout.write(_text_report(name, result) + "\n")
        invalid = sum(1 for _, r in results if not r.valid)
        sys.stdout.write(f"{len(results)} validated, {len(results) - invalid} valid, {invalid} invalid\n")
    return ExitCode.OK if all(r.valid for _, r in results) else ExitCode.INVALID


def _with_file(outcome: dict[str, Any], name: str) -> dict[str, Any]:
    rest = {k: v for k, v in outcome.items() if k != "resourceType"}
    return {"resourceType": "OperationOutcome", "extension": [{"url": FILE_EXTENSION, "valueString": name}], **rest}
