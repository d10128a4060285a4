"""The `fhir-ldn` command: build the package, render traceability, serve the API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from fhir_ldn.config import Settings
from fhir_ldn.errors import ExitCode, FhirLdnError, PackageError

Command = Callable[[argparse.Namespace, Settings], ExitCode]


def exit_with(code: ExitCode, message: str = "") -> NoReturn:
    """The one way the CLI ends: message on stderr (if any), then the named exit code."""
    if message:
        sys.stderr.write(message.rstrip("\n") + "\n")
    raise SystemExit(int(code))


def _build(args: argparse.Namespace, settings: Settings) -> ExitCode:
    from fhir_ldn.package.build import build_artifacts
    from fhir_ldn.package.loader import load_package, load_traceability
    from fhir_ldn.site.files import site_files
    from fhir_ldn.traceability import check_traceability, render_markdown
    from fhir_ldn.xver.targets import TARGETS

    package = load_package(settings)
    trace = load_traceability(settings)
    problems = check_traceability(package, trace)
    if problems:
        raise PackageError("traceability is incomplete:\n  " + "\n  ".join(problems), location="docs/traceability.json")
    root: Path = args.out
    versions = list(TARGETS) if args.fhir_version == "all" else [args.fhir_version]
    for version in versions:
        target = TARGETS[version]
        out = root / target.subdir if target.subdir else root
        try:
            out.mkdir(parents=True, exist_ok=True)
            artifacts = build_artifacts(package, target)
            if target.is_r5:
                artifacts["traceability.md"] = render_markdown(package, trace).encode("utf-8")
            for name, content in artifacts.items():
                (out / name).write_bytes(content)
            if target.is_r5:
                site = site_files(package, trace, artifacts)
                (out / "site").mkdir(exist_ok=True)
                for name, content in site.items():
                    (out / "site" / name).write_bytes(content)
        except OSError as exc:
            exit_with(ExitCode.USAGE, f"cannot write to {out}: {exc}")
        sys.stdout.write(f"built FHIR {target.version} ({target.label}) into {out}/: {', '.join(sorted(artifacts))}\n")
        if target.is_r5:
            sys.stdout.write(f"wrote the static site ({len(site)} files) into {out / 'site'}/: open index.html\n")
    return ExitCode.OK


def _traceability(args: argparse.Namespace, settings: Settings) -> ExitCode:
    from fhir_ldn.package.loader import load_package, load_traceability
    from fhir_ldn.traceability import check_traceability, render_markdown

    package = load_package(settings)
    trace = load_traceability(settings)
    problems = check_traceability(package, trace)
    text = render_markdown(package, trace)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if problems:
        exit_with(ExitCode.PACKAGE, "traceability problems:\n  " + "\n  ".join(problems))
    return ExitCode.OK


def _recognition(args: argparse.Namespace, settings: Settings) -> ExitCode:
    from fhir_ldn.cds.recognition import embedded, recognition_markdown
    from fhir_ldn.package.loader import load_package

    block = recognition_markdown(load_package(settings))
    if args.readme is None:
        sys.stdout.write(block + "\n")
        return ExitCode.OK
    try:
        text = args.readme.read_text(encoding="utf-8")
        old = embedded(text)
        if old is None:
            exit_with(ExitCode.USAGE, f"{args.readme} has no recognition block (the markers) to replace")
        args.readme.write_text(text.replace(old, block), encoding="utf-8")
    except OSError as exc:
        exit_with(ExitCode.USAGE, f"cannot update {args.readme}: {exc}")
    return ExitCode.OK


def _install_definitions(report: Callable[[str], None], *, converted: bool = False) -> None:
    """Install the R5 core and standard extensions packages (and with `converted` the R4B and R4 core packages,
    for the R4B/R4 builds and /fhir in 4.3 and 4.0) into the FHIR package cache if missing (npm pack, sha512
    checked), telling `report` what is downloaded, its progress, and what the cache already had."""
    from fhir_ldn.core_defs.cache import DEFINITION_PACKAGES, ensure_package
    from fhir_ldn.xver.targets import CONVERTED_CORE_PACKAGES

    packages = [*DEFINITION_PACKAGES, *(CONVERTED_CORE_PACKAGES if converted else ())]
    for name, version in packages:
        ensure_package(name, version, report=report)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _setup(args: argparse.Namespace, settings: Settings) -> ExitCode:
    from fhir_ldn.core_defs import ensure_package
    from fhir_ldn.core_defs.versions import release_for

    _install_definitions(_say, converted=True)
    for version in args.fhir_version:
        for name, package_version in release_for(version).packages:
            ensure_package(name, package_version, report=_say)
    if args.examples:
        ensure_package("hl7.fhir.r5.examples", "5.0.0", report=_say)
        if any(release_for(version).version == "4.0.1" for version in args.fhir_version):
            ensure_package("hl7.fhir.r4.examples", "4.0.1", report=_say)
    return ExitCode.OK


def _validate(args: argparse.Namespace, settings: Settings) -> ExitCode:
    from fhir_ldn.validation.command import run

    return run(args)


def _serve(args: argparse.Namespace, settings: Settings) -> ExitCode:
    import logging
    import logging.config

    from server.logs import logging_config
    from server.serve import serve

    if args.workers < 1:
        exit_with(ExitCode.USAGE, "--workers must be at least 1")
    logging.config.dictConfig(logging_config(args.log_level))  # JSON lines on stdout, as the server's own
    log = logging.getLogger("fhir_ldn.packages")
    try:  # before serving, so that no request waits for (or fails on) the download
        _install_definitions(log.info)
    except FhirLdnError as exc:
        log.warning(
            "%s; serving anyway: FHIR XML, /downloads and $validate answer 503 until 'fhir-ldn setup' succeeds", exc
        )
    serve(args.host, args.port, args.workers, args.log_level)
    return ExitCode.OK


def parser() -> argparse.ArgumentParser:
    from fhir_ldn import __version__
    from fhir_ldn.cli_help import add_command, description

    p = argparse.ArgumentParser(
        prog="fhir-ldn", description=description("fhir-ldn"), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--version", action="version", version=f"fhir-ldn {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = add_command(sub, "build", "build package.tgz, the Bundles and the static site")
    build.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    build.add_argument(
        "--fhir-version",
        choices=["all", "5.0.0", "4.3.0", "4.0.1"],
        default="all",
        help="FHIR version to build: 5.0.0 into OUT, 4.3.0 (R4B) into OUT/r4b, 4.0.1 (R4) into OUT/r4 (default: all)",
    )
    build.set_defaults(run=_build)
    trace = add_command(sub, "traceability", "render and check docs/traceability.md (article claim -> resource)")
    trace.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    trace.set_defaults(run=_traceability)
    recognition = add_command(
        sub, "recognition", "print the table of how the CDS service recognises drugs and doses (from the package)"
    )
    recognition.add_argument(
        "--readme",
        type=Path,
        help="replace the block between the markers in this file instead (default: print to standard output)",
    )
    recognition.set_defaults(run=_recognition)
    setup = add_command(sub, "setup", "download the FHIR definitions (R5, R4B, R4) into the FHIR package cache (once)")
    setup.add_argument(
        "--examples",
        action="store_true",
        help="also install hl7.fhir.r5.examples#5.0.0, and hl7.fhir.r4.examples#4.0.1 with --fhir-version 4.0.1 "
        "(default: not installed)",
    )
    setup.add_argument(
        "--fhir-version",
        action="append",
        default=[],
        help="also install the definitions of this FHIR version for the validator: 4.0.1 or 4.3.0 (repeatable; "
        "default: none more)",
    )
    setup.set_defaults(run=_setup)
    validate = add_command(sub, "validate", "validate FHIR R5 JSON/XML files against the core and package profiles")
    from fhir_ldn.validation.command import add_arguments

    add_arguments(validate)
    validate.set_defaults(run=_validate)
    serve = add_command(sub, "serve", "run the HTTP service (CDS Hooks, FHIR, pages, downloads)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on; 0.0.0.0 for every interface (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8080, help="TCP port (default: 8080)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="least severe log records written (default: info)",
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    serve.set_defaults(run=_serve)
    return p


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args = parser().parse_args(argv)
    run: Command = args.run
    try:
        code = run(args, Settings.from_env())
    except PackageError as exc:
        exit_with(ExitCode.PACKAGE, f"error: {exc}")
    except FhirLdnError as exc:
        exit_with(ExitCode.USAGE, f"error: {exc}")
    exit_with(code)
