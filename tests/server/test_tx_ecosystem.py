"""The HL7 terminology ecosystem tests (general mode, 139 tests) against a live `fhir-ldn serve`.

The suite and its runner live in ../shared/conformance (never copied here); the test skips, saying so, when
../shared is absent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`fhir-ldn serve` on a free loopback port; an empty FHIR package cache keeps the R5 core out of it."""
    port = free_port()
    env = {**os.environ, "FHIR_PACKAGE_CACHE": str(tmp_path_factory.mktemp("fhir-packages"))}
    command = [sys.executable, "-m", "fhir_ldn", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("fhir-ldn serve did not start")
            time.sleep(0.2)
        yield f"{base}/fhir"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_all_general_mode_tests_pass(conformance_dir: Path, live_server: str) -> None:
    conformance = conformance_dir
    result = subprocess.run(
        [
            sys.executable,
            str(conformance / "txrunner.py"),
            "--suite-dir",
            str(conformance / "tx-ecosystem"),
            "--server",
            live_server,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert last == "139 passed, 0 failed"
