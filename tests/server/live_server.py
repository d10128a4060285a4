"""`fhir-ldn serve` as a real process on a free loopback port, for tests that need sockets, signals or workers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`python -m fhir_ldn serve` with the given FHIR_LDN_* settings; its log lines are kept in `log_file`."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_file = data_dir / f"server-{self.port}.log"
        self.args = args
        self.env = {**os.environ, "FHIR_LDN_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> LiveServer:
        command = [sys.executable, "-m", "fhir_ldn", "serve", "--port", str(self.port), *self.args]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_file.read_text(encoding='utf-8')[-2000:]}")
            try:
                if self.get("/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what the database holds is what was committed."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON log records written so far (every complete line must be one; a line still being written is
        left for the next read)."""
        text = self.log_file.read_text(encoding="utf-8")
        complete = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def access_record(self, method: str, path: str, status: int, timeout: float = 30) -> dict[str, Any]:
        """The request log record of a request the server has answered, waiting until it is written (a record
        follows its answer); AssertionError if none appears within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for record in self.log_lines():
                if record.get("logger") == "fhir_ldn.access" and (
                    record.get("method"),
                    record.get("path"),
                    record.get("status"),
                ) == (method, path, status):
                    return record
            if time.monotonic() > deadline:
                raise AssertionError(f"no {method} {path} {status} in the server's log")
            time.sleep(0.05)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read(), dict(response.headers.items())
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers.items())

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        return self.request("GET", path, None, headers)

    def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        status, content, _ = self.request(
            "POST", path, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
        )
        return status, json.loads(content) if content else None


def raw_exchange(port: int, data: bytes, *, pause_after: int | None = None, timeout: float = 10) -> bytes:
    """Send raw bytes on one connection (optionally stopping after `pause_after` bytes) and read the answer.

    A server that refuses a request before reading all of it (413) closes the connection while the client still
    sends: then sending stops, and what arrived is read. The answer may be the 413, or nothing at all when the
    server's reset discarded it before it was read (`refused_upload` checks both)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data if pause_after is None else data[:pause_after])
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def refused_upload(server: LiveServer, answer: bytes, path: str) -> None:
    """A refused upload is a 413 answer, or a connection closed after the 413 head (a client still sending can
    get the server's reset before it reads the head); the server's log records the 413 either way."""
    if answer:
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    server.access_record("POST", path, 413)


def post_bytes(path: str, body: bytes, content_type: str) -> bytes:
    """A raw HTTP/1.1 POST with Content-Length, for `raw_exchange`."""
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body
