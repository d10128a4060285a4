"""The store across real server processes: nothing acknowledged is lost to SIGKILL, and workers share one database.

Each test runs `python -m fhir_ldn serve` as its own process on a free loopback port with a temporary database.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.server.cds_support import SERVICE, hook_request, ldn, ssri
from tests.server.live_server import LiveServer
from tests.server.test_cds_auth import BASE, ISS, jwks, token

FEEDBACK = f"/cds-services/{SERVICE}/feedback"


def feedback(card: str) -> dict[str, Any]:
    return {"feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-25T10:00:00Z"}]}


def stored_cards(database: Path) -> set[str]:
    db = sqlite3.connect(database)
    try:
        return {row[0] for row in db.execute("SELECT card FROM cds_feedback")}
    finally:
        db.close()


def integrity(database: Path) -> str:
    db = sqlite3.connect(database)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def test_every_acknowledged_feedback_survives_sigkill(tmp_path: Path) -> None:
    database = tmp_path / "cds.sqlite3"
    env = {"FHIR_LDN_DATABASE_URL": f"sqlite:///{database}"}
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def post_until_gone(client: int, server: LiveServer) -> None:
        for i in range(100_000):
            if stop.is_set():
                return
            card = f"card-{client}-{i}"
            try:
                status, body = server.post_json(FEEDBACK, feedback(card))
            except (OSError, http.client.HTTPException):  # e.g. IncompleteRead: killed between head and body
                return  # the server is gone: whatever was in flight was never acknowledged
            if status == 200 and body == {"received": 1, "stored": 1}:
                with lock:
                    acknowledged.append(card)

    with LiveServer(tmp_path, env=env) as server:
        clients = [threading.Thread(target=post_until_gone, args=(n, server)) for n in range(4)]
        for client in clients:
            client.start()
        while len(acknowledged) < 150:  # mid-stream: four clients are posting as fast as they can
            time.sleep(0.02)
        server.kill()
        stop.set()
        for client in clients:
            client.join(timeout=30)
    assert (tmp_path / "cds.sqlite3-wal").exists()  # killed with a write-ahead log still to checkpoint

    with LiveServer(tmp_path, env=env) as restarted:
        assert restarted.post_json(FEEDBACK, feedback("after-restart"))[0] == 200
        total = json.loads(restarted.get(FEEDBACK)[1])["total"]
    cards = stored_cards(database)
    assert set(acknowledged) <= cards  # nothing acknowledged is lost
    assert len(cards) == total
    assert integrity(database) == "ok"


def _two_servers(tmp_path: Path) -> tuple[LiveServer, LiveServer, Path]:
    (tmp_path / "jwks.json").write_text(json.dumps(jwks()))
    (tmp_path / "issuers.json").write_text(json.dumps({"issuers": [{"iss": ISS, "jwks": "jwks.json"}]}))
    database = tmp_path / "shared.sqlite3"
    env = {
        "FHIR_LDN_DATABASE_URL": f"sqlite:///{database}",
        "FHIR_LDN_CDS_TRUSTED_ISSUERS": str(tmp_path / "issuers.json"),
        "FHIR_LDN_PUBLIC_BASE_URL": BASE,  # one audience for both, as behind a load balancer
    }
    return LiveServer(tmp_path, env=env), LiveServer(tmp_path, env=env), database


def _bearer(path: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(aud=BASE + path)}"}


def test_two_worker_processes_share_the_replay_cache_and_the_feedback(tmp_path: Path) -> None:
    first, second, database = _two_servers(tmp_path)
    card_call = f"/cds-services/{SERVICE}"
    body = hook_request("order-select", [ssri()], current=[ldn()])
    with first, second:
        once = _bearer(card_call)
        assert first.post_json(card_call, body, once)[0] == 200
        assert second.post_json(card_call, body, once)[0] == 401  # replayed against the other worker
        assert second.post_json(card_call, body, _bearer(card_call))[0] == 200

        # the same token sent to both at once, many times: exactly one request gets through
        racing = _bearer(card_call)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda s: s.post_json(card_call, body, racing)[0], [first, second] * 6))
        assert sorted(statuses) == [200] + [401] * 11

        assert first.post_json(FEEDBACK, feedback("through-first"), _bearer(FEEDBACK)) == (
            200,
            {"received": 1, "stored": 1},
        )
        summary = json.loads(second.get(FEEDBACK, _bearer(FEEDBACK))[1])
        assert summary["total"] == 1  # written through one worker, seen by the other

        # both workers writing at once: no "database is locked", nothing lost, nothing twice
        def post(job: tuple[LiveServer, int]) -> int:
            server, n = job
            return server.post_json(FEEDBACK, feedback(f"concurrent-{n % 60}"), _bearer(FEEDBACK))[0]

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(post, [(first if n % 2 else second, n) for n in range(120)]))
        assert set(results) == {200}
        assert json.loads(first.get(FEEDBACK, _bearer(FEEDBACK))[1])["total"] == 61
    assert len(stored_cards(database)) == 61
    assert integrity(database) == "ok"
