"""Load benchmark: the CDS card call vs a trivial FastAPI endpoint, side by side in one run.

    python -m bench.cds_load [--seconds 5] [--connections 32] [--rounds 2]

Starts two uvicorn workers on loopback, configured alike: the fhir-ldn app with a trivial endpoint as its
first route (`POST /bench/trivial`: reads the body, returns a constant `{"cards": []}`; it pays the app's
middleware but not its routing table), and a bare FastAPI app with only that endpoint (the strictest
baseline). The app also has a *floor* route (`POST /bench/floor`, a plain Starlette route like the card
call's): it reads and parses the request as the card call does and answers the card call's own response, worked
out once; it is what any card call must cost here, so CDS minus floor is the card logic's own cost.
All four endpoints get the same realistic order-select request (a selected sertraline draft;
prefetch with the patient's five active orders, among them LDN 4.5 mg) over keep-alive HTTP/1.1 connections
from a raw asyncio client. Rounds alternate so drift hits all. Prints requests per second, p50/p99 latency and
the server's CPU time per request of each, and the CDS call's ratios to both baselines.
`--vary` makes every CDS request different (a new patient and dose each time), so no decision cache can help.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

REPO = Path(__file__).resolve().parent.parent
SERVICE = "ldn-ssri-cds"
UVICORN = [
    sys.executable,
    "-m",
    "uvicorn",
    "--factory",
    "--host",
    "127.0.0.1",
    "--log-level",
    "warning",
    "--no-access-log",
]
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OTHER = "http://example.org/bench/drugs"  # stand-ins for the patient's other medications (no clinical codes)
# The EHR's FHIR base in the benchmark requests, allowlisted as a deployment would (prefetch is complete, so
# nothing is ever fetched from it; the request and the policy check are as real as an EHR's).
FHIR_SERVER = "https://ehr.example.org/fhir"
SERVER_ENV = {"FHIR_LDN_FHIR_SERVER_ALLOWLIST": FHIR_SERVER}


async def _trivial(request: Request) -> Response:
    await request.body()
    return Response(b'{"cards":[]}', media_type="application/json")


_floor_answer: list[bytes] = []  # the card call's answer to the first request, worked out once


async def _floor(request: Request) -> Response:
    from fhir_ldn.cds.hookrequest import parse_json_object
    from server.routes.cds_services import call_service

    parse_json_object(await request.body())
    if not _floor_answer:
        request.path_params["service_id"] = SERVICE
        _floor_answer.append(bytes((await call_service(request)).body))
    return Response(_floor_answer[0], media_type="application/json")


def trivial_app() -> FastAPI:
    """A bare FastAPI app with one trivial endpoint, `POST /bench/trivial` (uvicorn factory)."""
    app = FastAPI()
    app.post("/bench/trivial")(_trivial)
    return app


def app_with_trivial() -> FastAPI:
    """The fhir-ldn app with the same trivial endpoint as its first route, the floor route second (uvicorn factory).

    First, so that it pays the app's middleware (CORS, error handlers) but not its routing table: the
    trivial endpoint costs exactly what any endpoint of this app must cost.
    """
    from server.app import create_served_app

    app = create_served_app()
    app.router.add_route("/bench/floor", _floor, methods=["POST"], include_in_schema=False)
    app.post("/bench/trivial")(_trivial)
    app.router.routes.insert(0, app.router.routes.pop())
    app.router.routes.insert(1, app.router.routes.pop())
    mark_changed = getattr(app.router, "_mark_routes_changed", None)  # FastAPI caches its route list
    if callable(mark_changed):
        mark_changed()
    return app


def _order(rid: str, system: str, code: str, value: float, unit: str, status: str = "active") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": "Patient/pt1"},
        "medicationCodeableConcept": {"coding": [{"system": system, "code": code}], "text": f"medication {code}"},
        "dosageInstruction": [
            {
                "text": f"{value} {unit} daily",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": value,
                            "unit": unit,
                            "system": "http://unitsofmeasure.org",
                            "code": unit,
                        }
                    }
                ],
            }
        ],
    }


def realistic_request(patient: str = "pt1", ldn_mg: float = 4.5) -> dict[str, Any]:
    """An order-select as an EHR sends it (fhirServer, fhirAuthorization), with five current orders in prefetch."""
    current = [_order("ldn-1", RXNORM, "7243", ldn_mg, "mg")]
    current += [_order(f"other-{i}", OTHER, f"drug-{i}", 10 * (i + 1), "mg") for i in range(4)]
    draft = _order("request-123", RXNORM, "312941", 1, "{pill}", status="draft")
    return {
        "hook": "order-select",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": FHIR_SERVER,
        "fhirAuthorization": {
            "access_token": "bench-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/Patient.read patient/MedicationRequest.read",
            "subject": "ldn-ssri-cds",
        },
        "context": {
            "userId": "Practitioner/COREPRACTITIONER1",
            "patientId": patient,
            "selections": ["MedicationRequest/request-123"],
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": draft}]},
        },
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": patient, "gender": "female", "birthDate": "1980-01-01"},
            "medicationRequests": {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(current),
                "entry": [{"fullUrl": f"http://ehr/fhir/MedicationRequest/{r['id']}", "resource": r} for r in current],
            },
            "medicationStatements": None,
        },
    }


def _http_post(path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _drive(port: int, payloads: list[bytes], connections: int, seconds: float) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = index
        while time.perf_counter() < stop:
            payload = payloads[i % len(payloads)]
            i += connections
            start = time.perf_counter()
            writer.write(payload)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1
        writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return len(latencies), latencies, errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _server_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the server process has used so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    pid: int, port: int, payloads: list[bytes], connections: int, seconds: float
) -> tuple[int, list[float], int, float | None]:
    before = _server_cpu(pid)
    count, latencies, errors = asyncio.run(_drive(port, payloads, connections, seconds))
    after = _server_cpu(pid)
    return count, latencies, errors, (after - before) if before is not None and after is not None else None


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 100 else max(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measured round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--vary", action="store_true", help="make every CDS request different (defeats caching)")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="fhir-ldn-bench-")
    env = os.environ | SERVER_ENV | {"FHIR_LDN_DATA_DIR": data_dir, "PYTHONPATH": str(REPO)}
    factories = {"app": "bench.cds_load:app_with_trivial", "bare": "bench.cds_load:trivial_app"}
    ports = {name: _free_port() for name in factories}
    servers = {
        name: subprocess.Popen([*UVICORN, factory, "--port", str(ports[name])], cwd=REPO, env=env)
        for name, factory in factories.items()
    }
    body = json.dumps(realistic_request()).encode()
    cds = [_http_post(f"/cds-services/{SERVICE}", body)]
    if args.vary:
        cds = [
            _http_post(f"/cds-services/{SERVICE}", json.dumps(realistic_request(f"pt{i}", 0.5 + i / 1000)).encode())
            for i in range(4000)
        ]
    trivial = [_http_post("/bench/trivial", body)]
    floor = [_http_post("/bench/floor", body)]
    # what is measured: (server, payloads)
    targets = {"bare": ("bare", trivial), "app": ("app", trivial), "floor": ("app", floor), "cds": ("app", cds)}
    results: dict[str, list[tuple[int, list[float], int, float | None]]] = {name: [] for name in targets}
    try:
        for port in ports.values():
            _wait_up(port)
        for server_name, payloads in targets.values():  # warm-up
            asyncio.run(_drive(ports[server_name], payloads, args.connections, 2.0))
        for _ in range(args.rounds):
            for name, (server_name, payloads) in targets.items():
                pid, port = servers[server_name].pid, ports[server_name]
                results[name].append(_measure(pid, port, payloads, args.connections, args.seconds))
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=10)

    seconds = args.seconds * args.rounds
    summary = {}
    for name, runs in results.items():
        count = sum(r[0] for r in runs)
        latencies = [x for r in runs for x in r[1]]
        cpu = [r[3] for r in runs]
        cpu_us = sum(c for c in cpu if c is not None) / count * 1e6 if None not in cpu and count else float("nan")
        summary[name] = (count / seconds, _p(latencies, 50), _p(latencies, 99), sum(r[2] for r in runs), cpu_us)
    print(f"request body {len(body)} bytes, {args.connections} connections, {args.rounds}×{args.seconds:g} s each,")
    print("one uvicorn worker per server, loopback, the same POST body to every endpoint")
    print(f"{'endpoint':<40}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'server CPU µs/req':>19}")
    labels = {
        "bare": "trivial, bare FastAPI app",
        "app": "trivial, first route of the fhir-ldn app",
        "floor": "floor: parse + the card call's answer",
        "cds": f"CDS order-select{' (--vary)' if args.vary else ''}",
    }
    for name, label in labels.items():
        rps, p50, p99, errors, cpu_us = summary[name]
        print(f"{label:<40}{rps:>8.0f}{p50:>8.2f}{p99:>8.2f}{errors:>7}{cpu_us:>19.0f}")
    for base in ("app", "bare"):
        ratio = summary["cds"][0] / summary[base][0]
        cpu_ratio = summary[base][4] / summary["cds"][4]
        print(
            f"CDS vs {labels[base]}: throughput {ratio:.2f} (target >= 0.70), "
            f"p99 {summary['cds'][2] / summary[base][2]:.2f}, CPU-per-request {cpu_ratio:.2f}"
        )
    print("(the CPU-per-request ratio is the throughput ratio one core would give; it holds up under other load)")
    floor_cpu, cds_cpu = summary["floor"][4], summary["cds"][4]
    print(
        f"floor vs {labels['app']}: throughput {summary['floor'][0] / summary['app'][0]:.2f}; the card logic's own "
        f"server CPU (CDS minus floor): {cds_cpu - floor_cpu:.0f} µs per call; the 0.70 target would allow "
        f"{summary['app'][4] / 0.7 - floor_cpu:.0f} µs"
    )


if __name__ == "__main__":
    main()
