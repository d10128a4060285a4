"""The patient's medications from a `data` Bundle: the CDS rule's facts, the same for R4- and R5-shaped data."""

from __future__ import annotations

import pytest

from fhir_ldn.apply.patient_data import is_about, medications_from_data, package_strengths
from fhir_ldn.package.index import Package
from tests.apply import patients


@pytest.mark.parametrize(
    ("patient", "doses"),
    [
        (patients.on_ssri_and_ldn, [50.0, 4.5]),
        (patients.on_ssri_and_standard_dose, [50.0, 50.0]),  # 1 tablet x 50 mg, from the package's product strength
        (patients.on_ssri_and_naltrexone_50mg, [100.0, 50.0]),
    ],
)
def test_medications_from_data_r4_and_r5_give_the_same_facts(package: Package, patient, doses) -> None:
    strengths = package_strengths(package)
    r4 = medications_from_data(patient("R4"), patients.PATIENT, strengths)
    r5 = medications_from_data(patient("R5"), patients.PATIENT, strengths)
    assert r4 == r5
    assert [f.get("dailyDoseMg") for f in r5] == doses
    assert all(f["origin"] == "existing" for f in r5)


def test_package_strengths_hold_the_50mg_tablet(package: Package) -> None:
    strengths = package_strengths(package)
    assert (patients.RXNORM, "1483744") in strengths


def test_is_about_compares_patient_references() -> None:
    assert is_about({"subject": {"reference": "https://ehr.example/fhir/Patient/p1"}}, "Patient/p1")
    assert is_about({}, "Patient/p1")
    assert not is_about({"subject": {"reference": "Patient/p2"}}, "Patient/p1")
    assert medications_from_data(None, "Patient/p1", {}) == []
