"""Card throughput with 1 and with 2 worker processes (`fhir-ldn serve --workers N`), side by side in one run.

    python -m bench.workers [--seconds 8] [--rounds 2] [--connections 32]

Each round starts `serve --workers 1`, then `serve --workers 2` (one at a time, so they never share the CPU),
and drives the CDS card call (400 distinct patient/dose situations) over keep-alive connections in a closed
loop. Prints requests per second and p50/p99 latency of each, and the 2-worker/1-worker throughput ratio.
On a 2-core machine the load client shares the cores with the workers, so the ratio stays well below 2.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.load_client import Run, Server, drive_closed, percentile, request_mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    cards = [item for item in request_mix() if item[0] == "card"]
    results: dict[int, list[Run]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for workers in (1, 2):
            server = Server(Path(tempfile.mkdtemp(prefix="fhir-ldn-workers-")), workers, log_level="warning")
            try:
                asyncio.run(drive_closed(server.port, cards, args.connections, 3.0))  # warm every worker
                results[workers].append(asyncio.run(drive_closed(server.port, cards, args.connections, args.seconds)))
            finally:
                server.stop()
    print(f"CDS card call, closed loop, {args.connections} connections, {args.rounds}×{args.seconds:g} s per setting")
    print(f"{'workers':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    throughput = {}
    for workers, runs in results.items():
        samples = [s for run in runs for s in run.samples]
        throughput[workers] = len(samples) / (args.seconds * args.rounds)
        latencies = [s.latency for s in samples]
        errors = sum(1 for s in samples if s.status != 200)
        print(
            f"{workers:>8}{throughput[workers]:>9.0f}{percentile(latencies, 50):>9.2f}"
            f"{percentile(latencies, 99):>9.2f}{errors:>8}"
        )
    print(f"2 workers / 1 worker: throughput {throughput[2] / throughput[1]:.2f}×")


if __name__ == "__main__":
    main()
