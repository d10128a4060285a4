"""Translate every resources/cql/*.cql to its committed ELM (`*.elm.json`): `python -m fhir_ldn.cql.translate`.

Exit 0 when every file translates without errors or warnings; else each is printed as FILE:LINE:COL and the
exit code is 3 (the package is broken), and no ELM is written for that file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fhir_ldn.config import Settings
from fhir_ldn.cql.tools import translate
from fhir_ldn.errors import CqlError, ExitCode


def elm_path(source: Path) -> Path:
    """Where the ELM of a CQL file is kept: beside it, `.cql` → `.elm.json`."""
    return source.with_suffix(".elm.json")


def main(argv: list[str] | None = None) -> int:
    folder = Path(argv[0]) if argv else Settings.from_env().resources_dir / "cql"
    status = ExitCode.OK
    for source in sorted(folder.glob("*.cql")):
        try:
            elm = translate(source)
        except CqlError as exc:
            sys.stderr.write(exc.message + "\n")
            status = ExitCode.PACKAGE
            continue
        elm_path(source).write_text(elm, encoding="utf-8")
        sys.stdout.write(f"{source} -> {elm_path(source)}\n")
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
