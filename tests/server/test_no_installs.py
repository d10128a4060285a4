"""No request installs a FHIR package: the flag follows the request into Starlette's and offload's threads."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fhir_ldn.core_defs import ensure_package
from fhir_ldn.work_budget import WorkBudget
from server import errors
from server.no_installs import NoInstalls
from server.offload import run_budgeted
from tests.core_defs.fake_npm import fake_npm


def _app(cache: Path) -> FastAPI:
    app = FastAPI()
    errors.install(app)

    def install() -> dict[str, str]:
        return {"folder": str(ensure_package("x.y", "1.0.0", cache))}

    @app.get("/async")
    async def in_the_loop() -> dict[str, str]:
        return install()

    @app.get("/sync")
    def in_a_threadpool_thread() -> dict[str, str]:
        return install()

    @app.get("/offloaded")
    async def in_an_offload_thread() -> dict[str, str]:
        return await run_budgeted(install, WorkBudget(None))

    app.add_middleware(NoInstalls)
    return app


@pytest.mark.parametrize("path", ["/async", "/sync", "/offloaded"])
def test_a_request_never_installs_a_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    cache = fake_npm(tmp_path, monkeypatch)  # an npm that would install x.y#1.0.0 if it were run
    with TestClient(_app(cache)) as client:
        response = client.get(path)
    assert response.status_code == 503
    issue = response.json()["issue"][0]
    assert issue["code"] == "transient"
    assert "x.y#1.0.0 is not in the FHIR package cache" in issue["details"]["text"]
    assert "run 'fhir-ldn setup'" in issue["details"]["text"]
    assert not cache.exists()
    assert ensure_package("x.y", "1.0.0", cache).is_dir()  # outside a request the same call installs it
