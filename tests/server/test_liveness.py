"""One request must never stop the server (issue 20): catastrophic regular expressions in a value set filter and
in a profile's constraint are answered, /health and a CDS card call keep answering meanwhile, and SIGTERM ends
`fhir-ldn serve` within seconds even with requests still in progress."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

from fhir_ldn.config import Settings
from tests.server.cds_support import LDN_CARD, SERVICE, hook_request, ldn, ssri, summaries
from tests.server.live_server import LiveServer

CATASTROPHIC = "(a+)+$"  # a backtracking engine takes ~2^n steps for n a's followed by a non-a
TRAP_PROFILE = "https://fhir-ldn.github.io/fhir/StructureDefinition/ldn-regex-trap"
CS = "http://example.org/CodeSystem/regex-trap"
A_ONLY = "a" * 60
A_BANG = "a" * 60 + "!"
LIVENESS_SECONDS = 2.0


def _profiles_with_trap(tmp_path: Path) -> Path:
    """The package's profiles plus one whose constraint runs a catastrophic matches() on Basic.id."""
    folder = tmp_path / "profiles"
    shutil.copytree(Settings().profiles_dir, folder)
    base = json.loads((folder / "StructureDefinition-ldn-web-page.json").read_text(encoding="utf-8"))
    trap = {
        "resourceType": "StructureDefinition",
        "id": "ldn-regex-trap",
        "url": TRAP_PROFILE,
        "version": base["version"],
        "name": "LdnRegexTrap",
        "title": "Regex trap",
        "status": "draft",
        "experimental": False,
        "date": base["date"],
        "publisher": base["publisher"],
        "description": "A Basic whose id must be a's only, checked by a regex that is catastrophic for backtracking.",
        "fhirVersion": "5.0.0",
        "kind": "resource",
        "abstract": False,
        "type": "Basic",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Basic",
        "derivation": "constraint",
        "differential": {
            "element": [
                {
                    "id": "Basic",
                    "path": "Basic",
                    "constraint": [
                        {
                            "key": "trap-1",
                            "severity": "error",
                            "human": "The id is made of a's only",
                            "expression": f"id.matches('^{CATASTROPHIC}')",
                        }
                    ],
                }
            ]
        },
    }
    (folder / "StructureDefinition-ldn-regex-trap.json").write_text(json.dumps(trap), encoding="utf-8")
    return folder


def _expand_request() -> dict[str, Any]:
    """$expand of a regex-filtered value set over codes that make a backtracking engine run for years."""
    code_system = {
        "resourceType": "CodeSystem",
        "url": CS,
        "status": "active",
        "content": "complete",
        "concept": [{"code": A_ONLY}, {"code": A_BANG}, {"code": "a" * 50 + "$"}],
    }
    value_set = {
        "resourceType": "ValueSet",
        "url": "http://example.org/ValueSet/regex-trap",
        "status": "active",
        "compose": {"include": [{"system": CS, "filter": [{"property": "code", "op": "regex", "value": "(a+)+"}]}]},
    }
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "valueSet", "resource": value_set},
            {"name": "tx-resource", "resource": code_system},
        ],
    }


def _validate_request() -> dict[str, Any]:
    basic = {"resourceType": "Basic", "id": "a" * 60 + "-", "meta": {"profile": [TRAP_PROFILE]}, "code": {"text": "x"}}
    return {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": basic}]}


def _in_background(results: dict[str, Any], name: str, server: LiveServer, path: str, body: Any) -> threading.Thread:
    def send() -> None:
        results[name] = server.post_json(path, body, {"Content-Type": "application/fhir+json"})

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def _timed(call: Any) -> tuple[float, Any]:
    started = time.monotonic()
    result = call()
    return time.monotonic() - started, result


def test_catastrophic_regexes_are_answered_while_the_server_stays_live(tmp_path: Path) -> None:
    env = {"FHIR_LDN_PROFILES_DIR": str(_profiles_with_trap(tmp_path))}
    card_call = hook_request("order-select", [ssri()], current=[ldn()])
    with LiveServer(tmp_path, env=env) as server:
        results: dict[str, Any] = {}
        heavy = [
            _in_background(results, "expand", server, "/fhir/ValueSet/$expand", _expand_request()),
            _in_background(results, "validate", server, "/fhir/Basic/$validate", _validate_request()),
        ]
        health_seconds, health = _timed(lambda: server.get("/health"))
        card_seconds, card = _timed(lambda: server.post_json(f"/cds-services/{SERVICE}", card_call))
        for thread in heavy:
            thread.join(timeout=60)
        assert health[0] == 200
        assert health_seconds < LIVENESS_SECONDS
        assert card[0] == 200
        assert LDN_CARD in " ".join(summaries(card[1]))
        assert card_seconds < LIVENESS_SECONDS

        status, expanded = results["expand"]
        assert status == 200, expanded
        assert [c["code"] for c in expanded["expansion"]["contains"]] == [A_ONLY]  # a full match, as before
        status, outcome = results["validate"]
        assert status == 200, outcome
        failed = [i for i in outcome["issue"] if i["severity"] == "error"]
        assert [i["details"]["text"] for i in failed] == ["Constraint failed: trap-1: 'The id is made of a's only'"]


def test_sigterm_ends_the_server_within_seconds_with_requests_in_progress(tmp_path: Path) -> None:
    """A request whose body never finishes arriving would hold a graceful shutdown until its deadline (30 s)."""
    with LiveServer(tmp_path) as server:
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        try:
            stalled.sendall(
                b"POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
                b"Content-Length: 100000\r\n\r\n{"
            )
            results: dict[str, Any] = {}
            heavy = _in_background(results, "expand", server, "/fhir/ValueSet/$expand", _expand_request())
            time.sleep(0.5)  # both requests are in progress (the stalled one for the next 30 s)
            assert server.process is not None
            server.process.terminate()
            stopped_seconds, code = _timed(lambda: server.process.wait(timeout=30) if server.process else None)
            heavy.join(timeout=30)
        finally:
            stalled.close()
        assert code is not None
        assert stopped_seconds < 10
