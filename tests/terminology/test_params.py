"""Operation parameters from Parameters resources and query strings."""

from __future__ import annotations

import pytest

from fhir_ldn.errors import RequestError
from fhir_ldn.terminology import OperationParams


def test_query_parameters_are_strings_with_coding_tokens() -> None:
    params = OperationParams.from_query(
        [("url", "http://x"), ("coding", "http://s|c1"), ("_format", "xml"), ("activeOnly", "true"), ("count", "5")]
    )
    assert params.string("url") == "http://x"
    assert params.complex("coding", "valueCoding") == {"system": "http://s", "code": "c1"}
    assert not params.has("_format")
    assert params.boolean("activeOnly") is True
    assert params.integer("count") == 5


def test_typed_values_from_a_parameters_resource() -> None:
    params = OperationParams.from_resource(
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "excludeNested", "valueBoolean": False},
                {"name": "count", "valueInteger": 3},
                {"name": "system", "valueCanonical": "http://s"},
                {"name": "property", "valueCode": "a"},
                {"name": "property", "valueString": "b"},
            ],
        }
    )
    assert params.boolean("excludeNested") is False
    assert params.integer("count") == 3
    assert params.string("system") == "http://s"
    assert params.strings("property") == ["a", "b"]
    assert params.boolean("activeOnly", True) is True
    assert params.string("missing") is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: OperationParams.from_resource({"resourceType": "Patient"}), "must be a Parameters resource"),
        (lambda: OperationParams([{"valueString": "x"}]), "needs a name"),
        (lambda: OperationParams.from_query([("activeOnly", "yes")]).boolean("activeOnly"), "true or false"),
        (lambda: OperationParams.from_query([("count", "ten")]).integer("count"), "must be an integer"),
        (lambda: OperationParams.from_query([("count", "-1")]).integer("count"), "must not be negative"),
        (lambda: OperationParams.from_query([("url", "a"), ("url", "b")]).string("url"), "only once"),
        (lambda: OperationParams([{"name": "coding", "valueString": "x"}]).complex("coding", "valueCoding"), "Coding"),
        (lambda: OperationParams([{"name": "tx-resource", "valueString": "x"}]).resources("tx-resource"), "resource"),
        (lambda: OperationParams([{"name": "code", "valueCoding": {}}]).strings("code"), "primitive"),
    ],
)
def test_malformed_parameters_are_request_errors(build, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        build()
