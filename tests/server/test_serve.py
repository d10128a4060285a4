"""`fhir-ldn serve`'s uvicorn set-up: the socket shared by worker processes records TCP, so connections get
TCP_NODELAY (without it every keep-alive answer after the first waited ~40 ms: uvicorn issue #3149)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from fhir_ldn.core_defs.cache import DEFINITION_PACKAGES, ensure_package
from server.serve import APP, ServeConfig
from tests.server.live_server import LiveServer, free_port


def test_the_shared_listening_socket_is_tcp_so_accepted_connections_get_nodelay() -> None:
    config = ServeConfig(APP, factory=True, host="127.0.0.1", port=free_port(), workers=2)
    listener = config.bind_socket()
    try:
        assert listener.proto == socket.IPPROTO_TCP
        listener.listen()
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP  # what asyncio checks before setting TCP_NODELAY
    finally:
        listener.close()


FAILING_NPM = """#!/bin/sh
echo "$@" >> "{calls}"
echo "npm ERR! network: the registry cannot be reached" >&2
exit 1
"""


def test_serve_without_the_r5_definitions_answers_503_where_it_needs_them(tmp_path: Path) -> None:
    """No package cache and an npm that fails: `serve` tries once before serving, warns and serves; what needs the R5
    core is 503 naming `fhir-ldn setup`, the rest works, and no request ever runs npm."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "npm-calls.txt"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAILING_NPM.format(calls=calls), encoding="utf-8")
    (bin_dir / "npm").chmod(0o755)
    env = {"FHIR_PACKAGE_CACHE": str(tmp_path / "empty-cache"), "PATH": str(bin_dir)}
    with LiveServer(tmp_path, env=env) as server:
        at_start = calls.read_text(encoding="utf-8").splitlines()
        assert [c.split()[:2] for c in at_start] == [["pack", "hl7.fhir.r5.core@5.0.0"]]
        assert server.get("/fhir/PlanDefinition/ldn-ssri-cds")[0] == 200
        for path, headers in [
            ("/fhir/PlanDefinition/ldn-ssri-cds", {"Accept": "application/fhir+xml"}),
            ("/downloads/package.tgz", {}),
            ("/downloads/bundle-transaction.xml", {}),
        ]:
            status, body, response_headers = server.get(path, headers)
            assert status == 503, (path, body[:300])
            assert response_headers["content-type"].startswith("application/fhir+json")
            outcome = json.loads(body)
            assert outcome["resourceType"] == "OperationOutcome"
            assert outcome["issue"][0]["code"] == "transient"
            assert "hl7.fhir.r5.core#5.0.0" in outcome["issue"][0]["details"]["text"], path
            assert "run 'fhir-ldn setup'" in outcome["issue"][0]["details"]["text"], path
        assert calls.read_text(encoding="utf-8").splitlines() == at_start  # no request ran npm
    said = [(r["level"], r["message"]) for r in server.log_lines() if r["logger"] == "fhir_ldn.packages"]
    assert said[0] == (
        "info",
        f"hl7.fhir.r5.core#5.0.0: not in the FHIR package cache ({tmp_path / 'empty-cache'}); downloading 16.3 MB "
        "from the npm registry with npm pack...",
    )
    assert said[1][0] == "warning"
    assert said[1][1].startswith("npm pack hl7.fhir.r5.core@5.0.0 failed: npm ERR! network")
    assert "serving anyway" in said[1][1]
    assert not (tmp_path / "empty-cache" / "hl7.fhir.r5.core#5.0.0").exists()


def test_serve_says_the_cache_already_has_the_r5_definitions(tmp_path: Path) -> None:
    """Every line of the log is JSON, the package report included; nothing is downloaded twice."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, version in DEFINITION_PACKAGES:
        (cache / f"{name}#{version}").symlink_to(ensure_package(name, version).parent)
    with LiveServer(tmp_path, env={"FHIR_PACKAGE_CACHE": str(cache), "PATH": str(tmp_path / "no-npm")}) as server:
        assert server.get("/fhir/PlanDefinition/ldn-ssri-cds", {"Accept": "application/fhir+xml"})[0] == 200
    said = [r["message"] for r in server.log_lines() if r["logger"] == "fhir_ldn.packages"]
    assert said == [
        f"{name}#{version}: already in the FHIR package cache ({cache / f'{name}#{version}'}), nothing to download"
        for name, version in DEFINITION_PACKAGES
    ]
