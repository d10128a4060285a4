"""`fhir-ldn validate`: files and folders, --ig (file, folder, package.tgz), --profile, outputs and exit codes."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from fhir_ldn.cli import main
from tests.validation.conftest import profile

URL = "http://example.org/StructureDefinition/needs-active"
NEEDS_ACTIVE = profile("Patient", URL, [{"id": "Patient.active", "path": "Patient.active", "min": 1}])


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", *args])
    captured = capsys.readouterr()
    return int(str(exit_info.value.code)), captured.out, captured.err


def write(path: Path, resource: dict[str, Any]) -> Path:
    path.write_text(json.dumps(resource), encoding="utf-8")
    return path


def test_one_valid_file_prints_one_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = write(tmp_path / "p.json", {"resourceType": "Patient", "id": "p"})
    code, out, _ = run(capsys, str(patient), "--output", "json", "--no-package")
    assert code == 0
    outcome = json.loads(out)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["details"]["text"] == "All OK"


def test_invalid_files_exit_1_and_text_output_names_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "good.json", {"resourceType": "Patient"})
    write(tmp_path / "bad.json", {"resourceType": "Patient", "gender": "mail"})
    (tmp_path / "notes.txt").write_text("ignored")
    code, out, _ = run(capsys, str(tmp_path), "--no-package")
    assert code == 1
    assert "bad.json: INVALID" in out
    assert "good.json: valid" in out
    assert out.strip().endswith("2 validated, 1 valid, 1 invalid")
    code, out, _ = run(capsys, str(tmp_path), "--no-package", "--output", "json")
    bundle = json.loads(out)
    assert bundle["resourceType"] == "Bundle"
    assert len(bundle["entry"]) == 2


def test_ig_sources_and_profiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = write(tmp_path / "p.json", {"resourceType": "Patient"})
    sd = write(tmp_path / "sd.json", NEEDS_ACTIVE)
    code, out, _ = run(capsys, str(patient), "--ig", str(sd), "--profile", URL, "--output", "json", "--no-package")
    assert code == 1
    assert "Patient.active: minimum required = 1" in json.loads(out)["issue"][0]["details"]["text"]
    tgz = tmp_path / "package.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        data = json.dumps(NEEDS_ACTIVE).encode()
        info = tarfile.TarInfo("package/StructureDefinition-needs-active.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    code, _, _ = run(capsys, str(patient), "--ig", str(tgz), "--profile", URL, "--no-package")
    assert code == 1


def test_package_profiles_are_known_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cud = write(
        tmp_path / "cud.json",
        {
            "resourceType": "ClinicalUseDefinition",
            "type": "interaction",
            "meta": {"profile": ["https://fhir-ldn.github.io/fhir/StructureDefinition/ldn-interaction"]},
        },
    )
    code, out, _ = run(capsys, str(cud))
    assert code == 1
    assert "ClinicalUseDefinition.extension:evidence" in out


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "missing.json"))
    assert code == 2
    assert "no such file" in err
    not_fhir = tmp_path / "x.json"
    not_fhir.write_text("[1]")
    code, _, err = run(capsys, str(tmp_path / "missing.json"), "--ig", str(not_fhir))
    assert code == 2


def test_references_resolve_to_files_next_to_the_instance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "practitioner-notprac.json", {"resourceType": "Patient", "id": "notprac"})
    team = {
        "resourceType": "CareTeam",
        "participant": [
            {"member": {"reference": "Practitioner/notprac"}, "onBehalfOf": {"reference": "Organization/2"}}
        ],
    }
    code, out, _ = run(capsys, str(write(tmp_path / "team.json", team)), "--no-package")
    assert code == 1
    assert "ctm-1" in out
    write(tmp_path / "practitioner-1.json", {"resourceType": "Practitioner", "id": "1"})
    team["participant"][0]["member"]["reference"] = "Practitioner/1"  # type: ignore[index]
    code, out, _ = run(capsys, str(write(tmp_path / "team.json", team)), "--no-package")
    assert code == 0


R4_STATEMENT = {
    "resourceType": "MedicationStatement",
    "status": "active",
    "medicationCodeableConcept": {"text": "naltrexone"},
    "subject": {"display": "a patient"},
}


def test_fhir_version_picks_the_core_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R4's medicationCodeableConcept is valid R4 and unknown in R5 (the default)."""
    statement = write(tmp_path / "ms.json", R4_STATEMENT)
    assert run(capsys, str(statement), "--fhir-version", "4.0.1", "--no-package")[0] == 0
    assert run(capsys, str(statement), "--fhir-version", "4.0", "--no-package")[0] == 0
    code, out, _ = run(capsys, str(statement), "--no-package")
    assert code == 1
    assert "medicationCodeableConcept" in out
    code, _, err = run(capsys, str(statement), "--fhir-version", "3.0.1")
    assert code == 2
    assert "FHIR version '3.0.1' is not supported" in err


def test_the_version_a_package_declares_is_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    statement = write(tmp_path / "ms.json", R4_STATEMENT)
    ig = tmp_path / "ig"
    ig.mkdir()
    write(ig / "package.json", {"name": "example.r4", "version": "1.0.0", "fhirVersions": ["4.0.1"]})
    assert run(capsys, str(statement), "--ig", str(ig), "--no-package")[0] == 0
    (ig / "package.json").write_text(json.dumps({"name": "example.r5", "fhirVersions": ["5.0.0"]}))
    assert run(capsys, str(statement), "--ig", str(ig), "--no-package")[0] == 1
