"""Loading resources/: malformed files stop the load with the file and the element named."""

from __future__ import annotations

import pytest

from fhir_ldn.config import Settings
from fhir_ldn.errors import PackageIntegrityError, ResourceFileError
from fhir_ldn.package.loader import load_package, parse_resource_text
from tests.conftest import edit_json


def test_load_package_reads_every_file(package, knowledge_copy: Settings) -> None:
    files = list(knowledge_copy.resources_dir.glob("*.json")) + list(knowledge_copy.profiles_dir.glob("*.json"))
    assert len(package) == len(files)
    assert package.require("PlanDefinition", "ldn-ssri-cds") is not None


def test_parse_malformed_json_names_line_and_file() -> None:
    with pytest.raises(ResourceFileError) as err:
        parse_resource_text('{"resourceType": "ValueSet",\n "id": }', "resources/ValueSet-x.json")
    assert "resources/ValueSet-x.json" in str(err.value)
    assert "line 2" in str(err.value)


def test_parse_duplicate_property_rejected() -> None:
    with pytest.raises(ResourceFileError, match="duplicate JSON property 'id'"):
        parse_resource_text('{"resourceType": "ValueSet", "id": "a", "id": "b"}', "x.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "no resourceType"),
        ('{"id": "a"}', "no resourceType"),
        ('{"resourceType": "ValueSet"}', "no id"),
    ],
)
def test_parse_non_resource_rejected(text: str, message: str) -> None:
    with pytest.raises(ResourceFileError, match=message):
        parse_resource_text(text, "x.json")


def test_load_malformed_file_in_folder(knowledge_copy: Settings) -> None:
    (knowledge_copy.resources_dir / "ValueSet-ssri.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResourceFileError) as err:
        load_package(knowledge_copy)
    assert err.value.location == "resources/ValueSet-ssri.json"


def test_load_broken_reference_names_file_and_element(knowledge_copy: Settings) -> None:
    path = knowledge_copy.resources_dir / "ClinicalUseDefinition-undesirable-effect-ldn-gi-upset.json"
    edit_json(path, lambda d: d["subject"][0].update(reference="MedicinalProductDefinition/missing"))
    with pytest.raises(PackageIntegrityError) as err:
        load_package(knowledge_copy)
    (issue,) = err.value.issues()
    assert issue.location == "resources/ClinicalUseDefinition-undesirable-effect-ldn-gi-upset.json"
    assert issue.expression == "ClinicalUseDefinition.subject[0].reference"
    assert "does not resolve" in issue.text


def test_load_missing_folder(tmp_path) -> None:
    with pytest.raises(ResourceFileError, match="folder not found"):
        load_package(Settings(resources_dir=tmp_path / "nope", profiles_dir=tmp_path))
