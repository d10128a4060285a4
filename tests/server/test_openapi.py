"""The app against its own OpenAPI document (schemathesis): every endpoint, valid and invalid input, no 5xx.

Each call is checked for: no server error, a documented status code, a documented content type and headers,
a JSON body that matches the documented schema, and correct `405` answers (with `Allow`) to other methods.
Not checked: that every schema-valid request succeeds (FHIR operations have rules no JSON Schema states, e.g.
"one of code, coding or codeableConcept"). The example budget is fixed and generation derandomized, so CI
runs the same cases every time; `python -m bench.fuzz --minutes N` runs a longer, randomized campaign.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.checks import positive_data_acceptance

from fhir_ldn.config import Settings
from server.app import create_app
from tests.fuzzing import fuzz_settings

EXAMPLES_PER_OPERATION = 15


def app_settings(tmp: Path) -> Settings:
    """The default security settings (no fetching from FHIR servers a request names), data in `tmp`."""
    return Settings(data_dir=tmp)


_DATA = tempfile.TemporaryDirectory(prefix="fhir-ldn-openapi-")  # removed at exit
APP = create_app(app_settings(Path(_DATA.name)))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)  # collection needs the operations


@schema.parametrize()
@fuzz_settings(EXAMPLES_PER_OPERATION)
def test_every_endpoint_answers_as_documented(case: Any) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_the_document_names_every_error_as_an_operation_outcome(tmp_path: Path) -> None:
    document = create_app(app_settings(tmp_path)).openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    seen = 0
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            assert "422" not in op["responses"] or "/fhir/" in path, (method, path)  # no FastAPI 422 schema
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    seen += 1
                    schemas = [c["schema"] for t, c in response["content"].items() if t.endswith("json")]
                    assert schemas == [{"$ref": "#/components/schemas/OperationOutcome"}], (method, path, status)
    assert seen > 100
    card = document["paths"]["/cds-services/{service_id}"]["post"]
    assert card["parameters"][0]["schema"]["enum"] == [
        "ldn-ssri-cds",
        "ldn-ssri-cds-order-select",
        "ldn-ssri-cds-order-sign",
    ]
    assert set(card["responses"]) >= {"200", "400", "404", "412", "413"}
