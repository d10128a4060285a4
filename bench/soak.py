"""Soak test: the card endpoint and $validate-code at ~80% of measured peak for minutes; errors, latency, memory.

    python -m bench.soak [--minutes 3] [--load 0.8] [--interval 15] [--connections 16] [--workers 1]

Starts `fhir-ldn serve` (as deployed: JSON request logs at info, to a file) on loopback, warms it up, measures
peak throughput for `--peak-seconds` with a closed loop over the request mix (CDS card calls for 400 distinct
patient/dose situations, interleaved with ValueSet/$validate-code), then offers `--load` × peak as a steady
open-loop rate for `--minutes`. Prints, per interval, requests, errors, p50/p99 latency and the server's
resident memory; then the totals against the targets: 0 errors, memory growth < 10% (from the start of the
soak to its end), p99 < 100 ms. Requests sent late because every connection was busy are counted too (if
many, the client, not the server, was the limit). The client runs on the same machine: on 2 cores it takes
part of the CPU the server could use.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.load_client import Run, Server, drive_closed, drive_open, percentile, request_mix, resident_kib


def _row(label: str, run: Run, seconds: float, rss_kib: int) -> str:
    latencies = [s.latency for s in run.samples]
    errors = sum(1 for s in run.samples if s.status != 200)
    return (
        f"{label:>10}{len(run.samples):>9}{len(run.samples) / seconds:>8.0f}{errors:>7}"
        f"{percentile(latencies, 50):>8.2f}{percentile(latencies, 99):>8.2f}{rss_kib / 1024:>9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0, help="soak duration (default 3)")
    parser.add_argument("--load", type=float, default=0.8, help="offered load as a fraction of peak (default 0.8)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds per reported interval")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--peak-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="fhir-ldn-soak-"))
    mix = request_mix()
    server = Server(data_dir, args.workers)
    try:
        rss_started = resident_kib(server.process.pid)
        asyncio.run(drive_closed(server.port, mix, args.connections, 5.0))  # warm-up: caches, lazy builds
        peak_run = asyncio.run(drive_closed(server.port, mix, args.connections, args.peak_seconds))
        peak = len(peak_run.samples) / args.peak_seconds
        rate = peak * args.load
        print(f"server pid {server.process.pid}, {args.workers} worker(s)", end="; ")
        print(f"resident after start-up {rss_started / 1024:.1f} MiB")
        peak_p99 = percentile([s.latency for s in peak_run.samples], 99)
        print(
            f"peak (closed loop, {args.connections} connections, {args.peak_seconds:g} s): {peak:.0f} req/s", end=", "
        )
        print(f"p99 {peak_p99:.1f} ms; soak at {args.load:.0%}: {rate:.0f} req/s")
        print(f"{'interval':>10}{'requests':>9}{'req/s':>8}{'errors':>7}{'p50 ms':>8}{'p99 ms':>8}{'RSS MiB':>9}")
        rss_start = resident_kib(server.process.pid)
        print(_row("start", Run(), 1.0, rss_start))
        total = Run()
        intervals = max(1, round(args.minutes * 60 / args.interval))
        started = time.monotonic()
        for i in range(intervals):
            run = asyncio.run(drive_open(server.port, mix, args.connections, rate, args.interval))
            total.samples += run.samples
            total.late += run.late
            print(_row(f"{(i + 1) * args.interval:.0f} s", run, args.interval, resident_kib(server.process.pid)))
        elapsed = time.monotonic() - started
        rss_end = resident_kib(server.process.pid)
    finally:
        server.stop()

    latencies = [s.latency for s in total.samples]
    errors = sum(1 for s in total.samples if s.status != 200)
    growth = (rss_end - rss_start) / rss_start * 100
    p99 = percentile(latencies, 99)
    by_kind = {
        kind: percentile([s.latency for s in total.samples if s.kind == kind], 99) for kind in ("card", "validate-code")
    }
    print(
        f"total: {len(total.samples)} requests in {elapsed:.0f} s ({len(total.samples) / elapsed:.0f} req/s)", end=", "
    )
    print(f"{total.late} sent >10 ms after their scheduled time (every connection busy)")
    print(f"  errors {errors} (target 0): {'ok' if errors == 0 else 'MISSED'}")
    verdict = "ok" if p99 < 100 else "MISSED"
    print(f"  p50 {percentile(latencies, 50):.2f} ms, p99 {p99:.2f} ms (target < 100 ms): {verdict}", end="; ")
    print(f"p99 card {by_kind['card']:.2f} ms, $validate-code {by_kind['validate-code']:.2f} ms")
    scheduled = [s.from_schedule for s in total.samples]
    print(
        f"  from the scheduled send time (client-side waiting included): p50 {percentile(scheduled, 50):.2f} ms", end=""
    )
    print(f", p99 {percentile(scheduled, 99):.2f} ms")
    print(
        f"  resident memory {rss_start / 1024:.1f} -> {rss_end / 1024:.1f} MiB, growth {growth:+.1f}% "
        f"(target < 10%): {'ok' if growth < 10 else 'MISSED'}"
    )
    print(f"  server log: {server.log}")


if __name__ == "__main__":
    main()
