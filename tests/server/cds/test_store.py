"""The CDS database: idempotent feedback, the jti replay cache and its expiry, a shared file for several apps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import CursorResult

from fhir_ldn.cds.feedback import FeedbackItem
from server.cds.store import CdsStore
from tests.server.databases import BACKENDS, database_url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database: SQLite, then PostgreSQL (the documented store for more than one machine)."""
    return database_url(request.param, tmp_path, request)


def item(card: str, stamp: str = "2026-01-01T00:00:00Z") -> FeedbackItem:
    return FeedbackItem(card, "overridden", stamp, (), None, None, None, "comment")


def test_feedback_is_stored_once(db_url: str) -> None:
    store = CdsStore(db_url)
    assert store.add_feedback("svc", [item("a"), item("b")]) == 2
    assert store.add_feedback("svc", [item("a"), item("a", "2026-01-02T00:00:00Z")]) == 1
    assert store.feedback_summary("svc")["total"] == 3
    assert store.feedback_summary("other")["total"] == 0
    store.dispose()


def test_jti_replay_cache_is_shared_and_expires(db_url: str) -> None:
    first, second = CdsStore(db_url), CdsStore(db_url)  # two workers on one database
    assert first.remember_jti("iss", "j1", exp=100.0, now=50.0)
    assert not second.remember_jti("iss", "j1", exp=100.0, now=60.0)  # replay seen by the other worker
    assert second.remember_jti("other-iss", "j1", exp=100.0, now=60.0)  # jti is per issuer
    assert first.remember_jti("iss", "j1", exp=300.0, now=200.0)  # the old entry expired and was purged
    first.dispose()
    second.dispose()


def test_repeats_are_told_without_the_drivers_rowcount(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SQLAlchemy 2.1 and psycopg (PostgreSQL 15) an INSERT's rowcount can be -1, "unknown": a store that
    used it accepted every replayed jti. It must tell a new row from a repeat without it: here every driver
    rowcount is -1, on SQLite and on PostgreSQL."""
    monkeypatch.setattr(CursorResult, "rowcount", property(lambda self: -1))
    store = CdsStore(db_url)
    assert store.remember_jti("iss", "j1", exp=100.0, now=50.0)
    assert not store.remember_jti("iss", "j1", exp=100.0, now=60.0)  # a replay stays a replay
    assert store.add_feedback("svc", [item("a"), item("b")]) == 2
    assert store.add_feedback("svc", [item("a")]) == 0
    store.dispose()


def test_no_database_file_until_first_use(tmp_path: Path) -> None:
    store = CdsStore(f"sqlite:///{tmp_path / 'lazy' / 'db.sqlite3'}")
    assert not (tmp_path / "lazy").exists()
    store.feedback_summary("svc")
    assert (tmp_path / "lazy" / "db.sqlite3").exists()
    store.dispose()


def _expiry_purge_plan(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("EXPLAIN QUERY PLAN DELETE FROM cds_jwt_jti WHERE exp < 1.0").fetchall()
    return " ".join(str(row[-1]) for row in rows)


def test_expired_jtis_are_purged_by_index(tmp_path: Path) -> None:
    """Each check deletes the expired jtis: by the index on exp, not by a scan of every live token."""
    path = tmp_path / "db.sqlite3"
    store = CdsStore(f"sqlite:///{path}")
    assert store.remember_jti("iss", "j1", exp=100.0, now=50.0)
    store.dispose()
    assert "ix_cds_jwt_jti_exp" in _expiry_purge_plan(path)


def test_a_database_made_before_the_index_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the table as the first release created it
        conn.execute(
            "CREATE TABLE cds_jwt_jti (iss VARCHAR(500) NOT NULL, jti VARCHAR(500) NOT NULL, exp FLOAT NOT NULL,"
            " PRIMARY KEY (iss, jti))"
        )
        conn.execute("INSERT INTO cds_jwt_jti VALUES ('iss', 'kept', 1e12)")
    assert "ix_cds_jwt_jti_exp" not in _expiry_purge_plan(path)
    store = CdsStore(f"sqlite:///{path}")
    assert not store.remember_jti("iss", "kept", exp=1e12, now=50.0)  # its data is still there
    store.dispose()
    assert "ix_cds_jwt_jti_exp" in _expiry_purge_plan(path)


def test_concurrent_first_uses_of_one_jti_accept_exactly_one(db_url: str) -> None:
    """Eight workers race to use one token: exactly one wins, on either database."""
    from concurrent.futures import ThreadPoolExecutor

    stores = [CdsStore(db_url) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        accepted = list(pool.map(lambda s: s.remember_jti("iss", "raced", exp=1e12, now=50.0), stores))
    assert accepted.count(True) == 1
    for s in stores:
        s.dispose()
