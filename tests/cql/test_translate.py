"""The committed ELM is the reference translator's output for the committed CQL; errors and warnings fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_ldn.cql.tools import translate
from fhir_ldn.cql.translate import elm_path, main
from fhir_ldn.errors import CqlError, ExitCode

CQL_DIR = Path(__file__).resolve().parents[2] / "resources" / "cql"


def test_the_committed_elm_is_current() -> None:
    sources = sorted(CQL_DIR.glob("*.cql"))
    assert [s.name for s in sources] == ["LdnSsriLogic.cql"]
    for source in sources:
        assert elm_path(source).read_text(encoding="utf-8") == translate(source), (
            f"{elm_path(source).name} is stale: run python -m fhir_ldn.cql.translate"
        )


def test_errors_name_the_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "Bad.cql"
    source.write_text("library Bad version '1'\nusing FHIR version '4.0.1'\n\ndefine X: (1 as String)\n", "utf-8")
    with pytest.raises(CqlError) as caught:
        translate(source)
    assert f"{source}:4:12: error: " in caught.value.message
    assert "cannot be cast" in caught.value.message


def test_warnings_fail_too(tmp_path: Path) -> None:
    source = tmp_path / "Warn.cql"
    source.write_text("library Warn\ncontext Unfiltered\ndefine Y: ({1}) a return ({2}) a return a\n", "utf-8")
    with pytest.raises(CqlError, match=rf"{source}:3:\d+: warning: An alias identifier a is hiding"):
        translate(source)


def test_the_script_writes_nothing_for_a_file_that_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Good.cql").write_text("library Good version '1'\ndefine X: 1 + 1\n", "utf-8")
    (tmp_path / "Bad.cql").write_text("library Bad version '1'\ndefine X: 1 +\n", "utf-8")
    assert main([str(tmp_path)]) == ExitCode.PACKAGE
    assert (tmp_path / "Good.elm.json").is_file()
    assert not (tmp_path / "Bad.elm.json").exists()
    assert "Bad.cql:2:" in capsys.readouterr().err
