"""Throughput of $validate-code and $expand against a trivial endpoint of the same server, in one run.

    python -m bench.terminology_load [--requests 2000] [--batch 25]

Starts `uvicorn` on a free loopback port with the fhir-ldn app plus one trivial FHIR endpoint (a constant
Parameters through the same content negotiation), then sends the same number of keep-alive GET requests to
each endpoint, interleaved in small batches so that changes in machine load hit every endpoint alike. Prints
requests per second and the ratio of each terminology operation to the trivial endpoint (target >= 0.8).
The client runs on the same machine, so its cost is part of every request, as it is for a real caller.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from fhir_ldn.constants import ATC, RXNORM
from server import routes
from server.app import create_served_app
from server.negotiation import fhir_response
from server.routes import valueset_validate_code

TARGET = 0.8
SSRI = "https://fhir-ldn.github.io/fhir/ValueSet/ssri"
NALTREXONE = "https://fhir-ldn.github.io/fhir/ValueSet/naltrexone"
TRIVIAL_BODY = {"resourceType": "Parameters", "parameter": [{"name": "result", "valueBoolean": True}]}


def bench_app() -> FastAPI:
    """The fhir-ldn app with one more router, a trivial endpoint, registered just before the first FHIR
    operation router: requests to it pass the same routers as a $validate-code request does."""
    trivial_router = APIRouter()

    @trivial_router.get("/bench/trivial", response_class=Response)
    async def trivial(request: Request) -> Response:
        return fhir_response(TRIVIAL_BODY, request)

    routes.ROUTERS.insert(routes.ROUTERS.index(valueset_validate_code.router), trivial_router)
    return create_served_app()


# name -> (path, query); each is checked for the expected answer before timing
CASES: dict[str, tuple[str, dict[str, str]]] = {
    # the trivial endpoint gets (and ignores) a query as long as the others': the client's and the HTTP
    # parser's work per request is then the same, and only the server's own work differs
    "trivial": ("/bench/trivial", {"url": SSRI, "system": RXNORM, "code": "36437"}),
    "validate-code (RxNorm sertraline in SSRIs)": (
        "/fhir/ValueSet/$validate-code",
        {"url": SSRI, "system": RXNORM, "code": "36437"},
    ),
    "validate-code (ATC naltrexone, not an SSRI)": (
        "/fhir/ValueSet/$validate-code",
        {"url": SSRI, "system": ATC, "code": "N07BB04"},
    ),
    "expand (naltrexone value set)": ("/fhir/ValueSet/$expand", {"url": NALTREXONE}),
    "expand (SSRIs, first 10)": ("/fhir/ValueSet/$expand", {"url": SSRI, "count": "10"}),
    "expand (all local concepts, nested)": ("/fhir/ValueSet/ldn-ssri-concepts/$expand", {}),
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "bench.terminology_load:bench_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def check(client: httpx.Client) -> None:
    """The timed requests must give the right answers, or the numbers mean nothing."""
    answers = {name: client.get(path, params=query) for name, (path, query) in CASES.items()}
    for name, response in answers.items():
        assert response.status_code == 200, f"{name}: HTTP {response.status_code}"
    results = [
        next(p["valueBoolean"] for p in answers[name].json()["parameter"] if p["name"] == "result")
        for name in CASES
        if name.startswith("validate-code")
    ]
    assert results == [True, False], results
    assert answers["expand (naltrexone value set)"].json()["expansion"]["total"] == 3


def timed(client: httpx.Client, path: str, query: dict[str, str], requests: int) -> float:
    """Seconds for `requests` sequential GETs."""
    start = time.perf_counter()
    for _ in range(requests):
        client.get(path, params=query).raise_for_status()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--batch", type=int, default=25, help="requests per endpoint before switching to the next")
    args = parser.parse_args(argv)
    port = free_port()
    server = start_server(port)
    seconds = dict.fromkeys(CASES, 0.0)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            check(client)
            for path, query in CASES.values():  # warm-up: caches, code paths
                timed(client, path, query, 50)
            names = list(CASES)
            for cycle in range(max(1, args.requests // args.batch)):  # interleaved: load changes hit all alike
                for name in names[cycle % len(names) :] + names[: cycle % len(names)]:
                    path, query = CASES[name]
                    seconds[name] += timed(client, path, query, args.batch)
    finally:
        server.terminate()
        server.wait(timeout=10)
    done = max(1, args.requests // args.batch) * args.batch
    trivial = done / seconds["trivial"]
    print(f"{done} sequential keep-alive GET requests per endpoint, interleaved in batches of {args.batch}")
    print(f"{'endpoint':48} {'req/s':>8} {'ratio':>6}")
    worst = 1.0
    for name, spent in seconds.items():
        throughput = done / spent
        worst = min(worst, throughput / trivial)
        print(f"{name:48} {throughput:8.0f} {throughput / trivial:6.2f}")
    verdict = "meets" if worst >= TARGET else "misses"
    print(f"lowest ratio {worst:.2f}: {verdict} the target of {TARGET:.2f}x the trivial endpoint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
