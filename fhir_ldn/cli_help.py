"""The `fhir-ldn` commands' help: what each does, its exit codes and the environment variables it reads."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence

from fhir_ldn.config import ENVIRONMENT, KNOWLEDGE_ENVIRONMENT

WIDTH = 88
PACKAGE_CACHE = ("FHIR_PACKAGE_CACHE", "~/.fhir/packages", "the FHIR package cache (shared with the HL7 tools)")

DESCRIPTIONS: dict[str, str] = {
    "fhir-ldn": "Low-dose naltrexone (LDN) with SSRIs as a FHIR R5 knowledge package: build it, validate FHIR "
    "resources, and serve it (CDS Hooks, a FHIR API, web pages). Run 'fhir-ldn COMMAND --help' for a command's "
    "options, exit codes and settings.",
    "build": "Check the knowledge (every resource, code, reference, canonical and FHIRPath expression, and the "
    "traceability map) and write, byte-for-byte reproducibly, into the output folder: package.tgz (a FHIR NPM "
    "package), bundle-transaction.json and .xml, bundle-collection.json, traceability.md and site/ (the pages; "
    "open site/index.html).",
    "traceability": "Render the map from the article's claims and references to the resources and elements that "
    "encode them (docs/traceability.json) as markdown, and check that every claim is mapped to an existing element.",
    "recognition": "Print, as a markdown table made from the package, how the CDS service recognises a drug in an "
    "order (codes, ingredients, names, combinations) and which dose rule each card follows; with --readme, replace "
    "the table between its markers in that file (the README's copy is kept current this way).",
    "setup": "Put the official FHIR packages the validator, FHIR XML and /downloads need into the FHIR package "
    "cache: hl7.fhir.r5.core#5.0.0 and hl7.fhir.uv.extensions.r5#5.3.0-ballot-tc1 (17.5 MB to download, about "
    "115 MB on disk), and the R4B and R4 core packages the converted builds read (hl7.fhir.r4b.core#4.3.0; "
    "hl7.fhir.r4.core#4.0.1, assembled from the specification's definitions bundles); --fhir-version adds that "
    "version's extensions package for the validator; --examples adds hl7.fhir.r5.examples#5.0.0 (16.6 MB, "
    "147 MB on disk), and with "
    "--fhir-version 4.0.1 also hl7.fhir.r4.examples#4.0.1 (18.8 MB, 191 MB on disk), which the test suite uses. "
    "Each is fetched once with 'npm pack' from the npm registry, its sha512 checked against a pinned value, "
    "and extracted to <cache>/<name>#<version>/package/. It prints what it downloads, its progress and when it is "
    "done, or that the cache already has it.",
    "validate": "Validate FHIR R5 resources (JSON or XML files, or folders of them) against the R5 core, the "
    "standard extensions and this package's profiles and terminology, with the HL7 validator's checks and messages. "
    "Needs the packages 'fhir-ldn setup' installs (installed on first use if missing).",
    "serve": "Run the HTTP service: CDS Hooks (GET /cds-services, POST /cds-services/{id}), the FHIR R5 API and "
    "terminology operations under /fhir, the downloads and the pages at /. Before serving it puts the R5 core and "
    "extensions packages into the FHIR package cache if they are missing, as 'setup' does (reported in the log); "
    "without npm or the registry it serves anyway and FHIR XML, /downloads and $validate answer 503. Logs are JSON "
    "lines on stdout. Stop it with Ctrl-C.",
}

EXIT_CODES: dict[str, Sequence[tuple[int, str]]] = {
    "build": (
        (0, "built"),
        (2, "bad arguments, or the output folder cannot be written"),
        (3, "the knowledge is broken: the file and element are named"),
    ),
    "traceability": (
        (0, "every claim is mapped"),
        (2, "bad arguments"),
        (3, "a claim or reference is unmapped, or maps to a missing element (the markdown is still written)"),
    ),
    "recognition": (
        (0, "printed or written"),
        (2, "bad arguments, or the --readme file cannot be read or written or has no markers"),
        (3, "the knowledge is broken: the file and element are named"),
    ),
    "setup": (
        (0, "every package is in the cache"),
        (
            2,
            "bad arguments, or a package could not be fetched (npm missing, registry unreachable) or failed its "
            "sha512 check",
        ),
    ),
    "validate": (
        (0, "no errors"),
        (1, "errors found"),
        (2, "bad arguments, an unreadable path or --ig source"),
        (3, "this package's own knowledge is broken (not with --no-package)"),
    ),
    "serve": (
        (0, "stopped (Ctrl-C or SIGTERM)"),
        (2, "bad arguments"),
        (3, "the knowledge is broken, or the server could not start (e.g. the port is in use)"),
    ),
}

ENVIRONMENT_OF: dict[str, Sequence[str]] = {
    "build": KNOWLEDGE_ENVIRONMENT,
    "traceability": KNOWLEDGE_ENVIRONMENT,
    "recognition": ("FHIR_LDN_RESOURCES_DIR", "FHIR_LDN_PROFILES_DIR", "FHIR_LDN_CANONICAL_BASE"),
    "setup": (PACKAGE_CACHE[0],),
    "validate": ("FHIR_LDN_RESOURCES_DIR", "FHIR_LDN_PROFILES_DIR", "FHIR_LDN_CANONICAL_BASE", PACKAGE_CACHE[0]),
    "serve": (*ENVIRONMENT, PACKAGE_CACHE[0]),
}


def _variable(name: str) -> tuple[str, str]:
    if name == PACKAGE_CACHE[0]:
        return PACKAGE_CACHE[1], PACKAGE_CACHE[2]
    return ENVIRONMENT[name]


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """Wrapped lines that never break a URL or a path at a hyphen."""
    return textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False, break_long_words=False
    )


def epilog(command: str) -> str:
    """The exit codes and the environment variables of a command, as the end of its --help."""
    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES[command]:
        lines += _wrap(meaning, f"  {code}  ", "     ")
    lines += ["", "environment variables read (all optional):"]
    for name in ENVIRONMENT_OF[command]:
        default, meaning = _variable(name)
        lines.append(f"  {name}")
        lines += _wrap(f"{meaning} (default: {default})", "      ", "      ")
    return "\n".join(lines)


def description(command: str) -> str:
    return "\n".join(_wrap(DESCRIPTIONS[command], "", ""))


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str, summary: str
) -> argparse.ArgumentParser:
    """A subcommand whose --help has its description, its exit codes and the environment variables it reads."""
    return sub.add_parser(
        command,
        help=summary,
        description=description(command),
        epilog=epilog(command),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
