"""Property tests (hypothesis): any input to any terminology operation gives a FHIR resource or one of our errors.

Parameters are generated both plausibly (the operations' parameter names, the package's canonical URLs and
codes, Codings, CodeableConcepts, small CodeSystems/ValueSets as `tx-resource`) and as arbitrary JSON, so the
engine is driven deep into its code paths as well as fed garbage. The example budget is fixed and generation
derandomized; `python -m bench.fuzz` runs the same properties for longer with fresh randomness.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhir_ldn.errors import FhirLdnError
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import OperationParams, TerminologyService
from tests.fuzzing import fuzz_settings

PROPERTY_SETTINGS = fuzz_settings(60)
NAMES = (
    "url",
    "valueSetVersion",
    "valueSet",
    "code",
    "system",
    "systemVersion",
    "version",
    "display",
    "coding",
    "codeableConcept",
    "displayLanguage",
    "activeOnly",
    "inferSystem",
    "abstract",
    "filter",
    "count",
    "offset",
    "includeDesignations",
    "includeDefinition",
    "excludeNested",
    "property",
    "useSupplement",
    "system-version",
    "force-system-version",
    "check-system-version",
    "tx-resource",
    "codeA",
    "codeB",
    "codingA",
    "codingB",
    "sourceCode",
    "sourceSystem",
    "sourceCoding",
    "sourceCodeableConcept",
    "targetSystem",
    "targetCode",
    "targetCoding",
    "conceptMapVersion",
    "lenient-display-validation",
    "valueset-membership-only",
)
VALUE_KEYS = ("valueString", "valueCode", "valueUri", "valueCanonical", "valueBoolean", "valueInteger")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def package_terms(package: Package) -> tuple[list[str], list[str], list[str]]:
    """(canonical urls, code system urls, codes) held by the package: plausible values for the generators."""
    urls = sorted({str(r["url"]) for r in package if isinstance(r.get("url"), str)})
    systems = sorted(str(r["url"]) for r in package.of_type("CodeSystem") if isinstance(r.get("url"), str))
    codes = sorted({str(c["code"]) for r in package.of_type("CodeSystem") for c in r.get("concept", [])})
    return urls, systems, codes


# What each operation needs at least (one alternative is drawn); more parameters and some junk are added
SKELETONS: dict[str, list[tuple[str, ...]]] = {
    "expand": [("url",), ("valueSet",), ("url", "tx-resource")],
    "validate_value_set_code": [("url", "code", "system"), ("url", "coding"), ("url", "codeableConcept")],
    "validate_code_system_code": [("url", "code"), ("url", "coding"), ("coding",)],
    "lookup": [("system", "code"), ("coding",), ("system", "code", "tx-resource")],
    "translate": [("sourceCode", "sourceSystem"), ("sourceCoding",), ("sourceCodeableConcept", "url")],
    "subsumes": [("system", "codeA", "codeB"), ("codingA", "codingB")],
}
_ONE_IN_TEN = st.sampled_from([False] * 9 + [True])  # (integers() favour their bounds)
_CODES = ("code", "codeA", "codeB", "sourceCode", "targetCode")
_CODINGS = ("coding", "codingA", "codingB", "sourceCoding", "targetCoding")
_SYSTEMS = ("system", "sourceSystem", "targetSystem")


@st.composite
def parameters(
    draw: st.DrawFn, urls: list[str], systems: list[str], codes: list[str], operation: str
) -> dict[str, Any]:
    """A Parameters resource for `operation`: a skeleton of what it needs (plausible or arbitrary values), more
    parameters, and now and then a junk entry."""
    url = st.sampled_from(urls) | st.text(max_size=30)
    system = st.sampled_from(systems) | st.text(max_size=30)
    code = st.sampled_from(codes) | st.text(max_size=10)
    coding = st.fixed_dictionaries(
        {"system": system, "code": code}, optional={"version": st.text(max_size=5), "display": st.text(max_size=10)}
    )
    concept = st.fixed_dictionaries(
        {"code": code},
        optional={
            "display": st.text(max_size=10),
            "concept": st.lists(st.fixed_dictionaries({"code": code}), max_size=3),
        },
    )
    resource = st.fixed_dictionaries(
        {"resourceType": st.sampled_from(["CodeSystem", "ValueSet", "ConceptMap"]), "url": url},
        optional={
            "version": st.text(max_size=5),
            "status": st.sampled_from(["active", "draft", "x"]),
            "content": st.sampled_from(["complete", "fragment", "supplement", "not-present"]),
            "supplements": url,
            "concept": st.lists(concept, max_size=4),
            "compose": st.fixed_dictionaries(
                {
                    "include": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "system": system,
                                "valueSet": st.lists(url, max_size=2),
                                "concept": st.lists(st.fixed_dictionaries({"code": code}), max_size=3),
                                "filter": st.lists(
                                    st.fixed_dictionaries(
                                        {
                                            "property": st.sampled_from(["concept", "code", "parent", "x"]),
                                            "op": st.sampled_from(["=", "is-a", "descendent-of", "in", "regex", "?"]),
                                            "value": code,
                                        }
                                    ),
                                    max_size=2,
                                ),
                            },
                        ),
                        min_size=1,
                        max_size=3,
                    ),
                },
                optional={"exclude": st.lists(st.fixed_dictionaries({"system": system}), max_size=1)},
            ),
            "group": st.lists(
                st.fixed_dictionaries(
                    {"source": system, "target": system},
                    optional={"element": st.lists(st.fixed_dictionaries({"code": code}), max_size=2)},
                ),
                max_size=2,
            ),
        },
    )

    def plausible(name: str) -> st.SearchStrategy[dict[str, Any]]:
        if name == "url":
            value: st.SearchStrategy[tuple[str, Any]] = st.tuples(st.just("valueUri"), url)
        elif name in _SYSTEMS:
            value = st.tuples(st.just("valueUri"), system)
        elif name in _CODES:
            value = st.tuples(st.just("valueCode"), code)
        elif name in _CODINGS:
            value = st.tuples(st.just("valueCoding"), coding)
        elif name.endswith("odeableConcept"):
            value = st.tuples(
                st.just("valueCodeableConcept"), st.builds(lambda c: {"coding": c}, st.lists(coding, max_size=3))
            )
        elif name in ("valueSet", "tx-resource"):
            value = st.tuples(st.just("resource"), resource)
        else:
            value = st.tuples(st.sampled_from(VALUE_KEYS), st.booleans() | st.integers(-3, 1000) | code)
        return value.map(lambda kv: {"name": name, kv[0]: kv[1]})

    arbitrary = st.builds(
        lambda name, key, value: {"name": name, key: value},
        st.sampled_from(NAMES) | st.text(max_size=8),
        st.sampled_from((*VALUE_KEYS, "valueCoding", "resource")),
        json_values,
    )
    skeleton = draw(st.sampled_from(SKELETONS[operation]))
    items: list[Any] = [draw(arbitrary) if draw(_ONE_IN_TEN) else draw(plausible(name)) for name in skeleton]
    items += draw(st.lists(st.sampled_from(NAMES).flatmap(plausible) | arbitrary, max_size=3))
    if draw(_ONE_IN_TEN):  # now and then an entry that is not a parameter at all
        items.insert(draw(st.integers(0, len(items))), draw(json_values))
    return {"resourceType": "Parameters", "parameter": items}


@pytest.fixture(scope="module")
def service(package: Package) -> TerminologyService:
    held = (r for r in package if r["resourceType"] in ("CodeSystem", "ValueSet", "ConceptMap"))
    return TerminologyService(held)


def operations(service: TerminologyService) -> dict[str, Callable[[OperationParams], dict[str, Any]]]:
    return {
        "expand": lambda p: service.expand(p, timestamp="2026-01-01T00:00:00Z", identifier="urn:uuid:1"),
        "validate_value_set_code": service.validate_value_set_code,
        "validate_code_system_code": service.validate_code_system_code,
        "lookup": service.lookup,
        "translate": service.translate,
        "subsumes": service.subsumes,
    }


def answers_or_refuses(
    operation: Callable[[OperationParams], dict[str, Any]], make: Callable[[], OperationParams]
) -> None:
    """The operation returns a FHIR resource, or raises one of our typed errors, and nothing else."""
    try:
        result = operation(make())
    except FhirLdnError:
        return
    assert isinstance(result, dict)
    assert isinstance(result.get("resourceType"), str)


@pytest.mark.parametrize(
    "name", ["expand", "validate_value_set_code", "validate_code_system_code", "lookup", "translate", "subsumes"]
)
def test_parameters_resources(service: TerminologyService, package: Package, name: str) -> None:
    operation = operations(service)[name]

    @PROPERTY_SETTINGS
    @given(body=parameters(*package_terms(package), operation=name))
    def check(body: dict[str, Any]) -> None:
        answers_or_refuses(operation, lambda: OperationParams.from_resource(body))

    check()


@pytest.mark.parametrize("name", ["expand", "validate_value_set_code", "lookup", "translate"])
def test_query_strings(service: TerminologyService, package: Package, name: str) -> None:
    operation = operations(service)[name]
    urls, systems, codes = package_terms(package)
    value = st.sampled_from(urls + systems + codes) | st.text(max_size=40)
    pairs = st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=10), value), max_size=6)

    @PROPERTY_SETTINGS
    @given(query=pairs)
    def check(query: list[tuple[str, str]]) -> None:
        answers_or_refuses(operation, lambda: OperationParams.from_query(query))

    check()


@PROPERTY_SETTINGS
@given(anything=json_values)
def test_any_json_as_a_request_body(anything: Any) -> None:
    """Whatever JSON arrives as the body, reading it as Parameters raises nothing but our errors."""
    with contextlib.suppress(FhirLdnError):
        OperationParams.from_resource(anything if isinstance(anything, dict) else {"resourceType": anything})
