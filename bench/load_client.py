"""A raw asyncio HTTP/1.1 load client for the soak and workers benchmarks, and `fhir-ldn serve` as a subprocess.

Closed loop (`drive_closed`: each connection sends its next request when the last is answered, for peak
throughput) and open loop (`drive_open`: requests start on a fixed schedule at a given rate, so latency is
measured under a steady offered load rather than at saturation). Requests are pre-rendered bytes; the mix is
the CDS card call (varied patients and naltrexone doses, so the decision cache both hits and misses) and
ValueSet/$validate-code.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench.cds_load import SERVER_ENV, SERVICE, _free_port, _http_post, _read_response, _wait_up, realistic_request

REPO = Path(__file__).resolve().parent.parent
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SSRI_VS = "https://fhir-ldn.github.io/fhir/ValueSet/ssri"


def _http_get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/fhir+json\r\n\r\n".encode()


def ssri_codes() -> list[tuple[str, str]]:
    """(system, code) members of the package's SSRI value set (read from the package, never written here)."""
    from fhir_ldn.config import Settings
    from fhir_ldn.package.loader import load_package
    from fhir_ldn.terminology import TerminologyService

    package = load_package(Settings())
    held = (r for r in package if r["resourceType"] in ("CodeSystem", "ValueSet", "ConceptMap"))
    return sorted(TerminologyService(held).members(SSRI_VS))


def request_mix(variety: int = 400) -> list[tuple[str, bytes]]:
    """(kind, raw request) pairs: card calls for `variety` patient/dose situations, interleaved with $validate-code."""
    cards = [
        (
            "card",
            _http_post(
                f"/cds-services/{SERVICE}", json.dumps(realistic_request(f"pt{i}", 0.5 + (i % 90) / 20)).encode()
            ),
        )
        for i in range(variety)
    ]
    lookups = [
        ("validate-code", _http_get(f"/fhir/ValueSet/$validate-code?url={SSRI_VS}&system={quote(system)}&code={code}"))
        for system, code in [*ssri_codes()[:4], (RXNORM, "not-a-code")]  # members, and one that is not
    ]
    return [item for i, card in enumerate(cards) for item in (card, lookups[i % len(lookups)])]


@dataclass
class Sample:
    """What one request did: when it was sent (perf_counter), its latency (s), its kind and status; in an open
    loop also its delay from the schedule to the answer (waiting for a free connection included)."""

    sent: float
    latency: float
    kind: str
    status: int
    from_schedule: float = 0.0


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    late: int = 0  # open loop: requests sent later than scheduled (all connections busy)


async def _connection_loop(port: int, next_request: asyncio.Queue[tuple[float, str, bytes]], run: Run) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            scheduled, kind, payload = await next_request.get()
            if scheduled < 0:
                return
            now = time.perf_counter()
            if scheduled and now - scheduled > 0.01:
                run.late += 1
            writer.write(payload)
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                status = 0
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            done = time.perf_counter()
            run.samples.append(Sample(now, done - now, kind, status, done - scheduled))
    finally:
        writer.close()


async def drive_closed(port: int, mix: Sequence[tuple[str, bytes]], connections: int, seconds: float) -> Run:
    """Every connection sends back to back for `seconds`."""
    run = Run()
    stop = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = index
        while time.perf_counter() < stop:
            kind, payload = mix[i % len(mix)]
            i += connections
            sent = time.perf_counter()
            writer.write(payload)
            status = await _read_response(reader)
            run.samples.append(Sample(sent, time.perf_counter() - sent, kind, status))
        writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return run


async def drive_open(port: int, mix: Sequence[tuple[str, bytes]], connections: int, rate: float, seconds: float) -> Run:
    """Requests scheduled at `rate` per second for `seconds`, sent by whichever of `connections` is free."""
    run = Run()
    queue: asyncio.Queue[tuple[float, str, bytes]] = asyncio.Queue(maxsize=connections)
    workers = [asyncio.create_task(_connection_loop(port, queue, run)) for _ in range(connections)]
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, payload = mix[i % len(mix)]
        await queue.put((scheduled, kind, payload))
    for _ in workers:
        await queue.put((-1.0, "", b""))
    await asyncio.gather(*workers)
    return run


def resident_kib(pid: int) -> int:
    """Resident memory (VmRSS, KiB) of a process and its children (uvicorn workers), from /proc."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


class Server:
    """`python -m fhir_ldn serve` on a free port with a temporary data folder; logs to a file."""

    def __init__(self, data_dir: Path, workers: int = 1, log_level: str = "info"):
        self.port = _free_port()
        self.log = data_dir / f"serve-{self.port}.log"
        env = os.environ | SERVER_ENV | {"FHIR_LDN_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "fhir_ldn", "serve", "--port", str(self.port), "--log-level", log_level]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, "--workers", str(workers)], cwd=REPO, env=env, stdout=out, stderr=out
            )
        _wait_up(self.port, timeout=60)
        time.sleep(0.5 * workers)  # every worker up, not only the first to listen

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) in milliseconds; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] * 1000
