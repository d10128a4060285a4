"""The XML attack corpus of tests/data/xml-attacks/ with its placeholders filled, and a loopback canary server.

Placeholders: `{{SECRET_FILE_URL}}` (a file:// URL of a file whose content must never come back),
`{{CANARY_URL}}` (a loopback HTTP server that must never be called) and `{{repeat N TEXT}}` (TEXT N times, so
that large documents stay small in the repository).
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "data" / "xml-attacks"
SECRET = "fhir-ldn-secret-3f9c2a"  # the content of the file the XXE documents try to read
_REPEAT = re.compile(r"\{\{repeat (\d+) ([^}]*)\}\}")


def attack_names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.xml"))


def attack_document(name: str, secret_url: str, canary_url: str) -> bytes:
    """One document of the corpus with its placeholders filled (encoded as its declaration says)."""
    raw = (CORPUS / f"{name}.xml").read_bytes()
    text = raw.decode("ascii")  # every file of the corpus is ASCII (UTF-7 included)
    text = text.replace("{{SECRET_FILE_URL}}", secret_url).replace("{{CANARY_URL}}", canary_url)
    text = _REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), text)
    return text.encode("ascii")


class CanaryServer:
    """A loopback HTTP server that records every request (there must be none) and answers with a DTD."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                body = b"<!ENTITY % send \"<!ENTITY leak SYSTEM 'http://127.0.0.1:9/leak'>\">"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> CanaryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
