"""Property tests (hypothesis): the validator reports on anything it is given, and never fails on it.

Inputs: arbitrary JSON text, resource-shaped objects (real resource types and element names, arbitrary values),
the package's own resources with one subtree replaced by arbitrary JSON, and arbitrary or FHIR-shaped XML.
Each must give a ValidationResult whose OperationOutcome is well formed (or, at most, one of our typed errors).
The example budget is fixed and generation derandomized; `python -m bench.fuzz` runs the same properties longer.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhir_ldn.errors import FhirLdnError
from fhir_ldn.package.index import Package
from fhir_ldn.validation.validator import ValidationResult, Validator
from tests.fuzzing import fuzz_settings

PROPERTY_SETTINGS = fuzz_settings(40)
TYPES = (
    "Patient",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "Medication",
    "Bundle",
    "Parameters",
    "ValueSet",
    "CodeSystem",
    "PlanDefinition",
    "ActivityDefinition",
    "ClinicalUseDefinition",
    "OperationOutcome",
    "Questionnaire",
    "NotAType",
)
ELEMENTS = (
    "id",
    "meta",
    "text",
    "extension",
    "modifierExtension",
    "contained",
    "identifier",
    "status",
    "code",
    "subject",
    "name",
    "value",
    "valueQuantity",
    "valueString",
    "_status",
    "entry",
    "resource",
    "parameter",
    "medicationCodeableConcept",
    "dosageInstruction",
    "effectiveDateTime",
    "birthDate",
    "url",
    "concept",
    "compose",
    "action",
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(ELEMENTS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)
resource_shaped = st.builds(
    lambda rtype, body: {"resourceType": rtype, **body},
    st.sampled_from(TYPES),
    st.dictionaries(st.sampled_from(ELEMENTS), json_values, max_size=6),
)


def reports(validate: Callable[[], ValidationResult]) -> None:
    """The validator answers with a well-formed OperationOutcome (or one of our typed errors), nothing else."""
    try:
        outcome = validate().outcome()
    except FhirLdnError:
        return
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"]
    assert all(i["severity"] in ("fatal", "error", "warning", "information") for i in outcome["issue"])
    json.dumps(outcome)  # serialisable as the response will be


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def replaced(resource: dict[str, Any], index: int, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    paths = list(_paths(out))[1:]
    path = paths[index % len(paths)]
    parent: Any = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return out


@PROPERTY_SETTINGS
@given(value=json_values)
def test_any_json_text(validator: Validator, value: Any) -> None:
    reports(lambda: validator.validate_json(json.dumps(value)))


@PROPERTY_SETTINGS
@given(text=st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_text_as_json(validator: Validator, text: str) -> None:
    reports(lambda: validator.validate_json(text))


@PROPERTY_SETTINGS
@given(resource=resource_shaped)
def test_resource_shaped_objects(validator: Validator, resource: dict[str, Any]) -> None:
    reports(lambda: validator.validate_resource(resource))
    reports(lambda: validator.validate_json(json.dumps(resource), expected_type="Patient"))


@pytest.fixture(scope="module")
def package_resources(package: Package) -> list[dict[str, Any]]:
    return sorted((dict(r) for r in package), key=lambda r: (r["resourceType"], r["id"]))


@PROPERTY_SETTINGS
@given(which=st.integers(0, 10_000), where=st.integers(0, 10_000), value=json_values)
def test_package_resources_with_a_subtree_replaced(
    validator: Validator, package_resources: list[dict[str, Any]], which: int, where: int, value: Any
) -> None:
    resource = package_resources[which % len(package_resources)]
    reports(lambda: validator.validate_resource(replaced(resource, where, value)))


xml_names = st.sampled_from(ELEMENTS) | st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True)
xml_elements = st.recursive(
    st.builds(lambda n, v: f'<{n} value="{v}"/>', xml_names, st.text("abc<&\"' 1.5", max_size=8)),
    lambda inner: st.builds(lambda n, kids: f"<{n}>{''.join(kids)}</{n}>", xml_names, st.lists(inner, max_size=4)),
    max_leaves=15,
)


@PROPERTY_SETTINGS
@given(
    rtype=st.sampled_from(TYPES),
    body=st.lists(xml_elements, max_size=5),
    noise=st.text(max_size=30),
)
def test_fhir_shaped_and_arbitrary_xml(validator: Validator, rtype: str, body: list[str], noise: str) -> None:
    xml = f'<{rtype} xmlns="http://hl7.org/fhir">{"".join(body)}</{rtype}>'
    reports(lambda: validator.validate_xml(xml.encode()))
    reports(lambda: validator.validate_xml((xml[: len(noise)] + noise).encode("utf-8", "surrogatepass")))
