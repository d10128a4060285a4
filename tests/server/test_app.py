"""The app factories: what `fhir-ldn serve` runs."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from server.app import create_served_app


def test_served_app_freezes_its_startup_heap() -> None:
    gc.unfreeze()
    try:
        with TestClient(create_served_app()) as c:
            assert c.get("/health").status_code == 200
            assert gc.get_freeze_count() > 10_000  # the package, indexes and compiled rules
    finally:
        gc.unfreeze()
