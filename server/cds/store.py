"""The CDS service's database (SQLAlchemy Core): card feedback and the JWT `jti` replay cache.

SQLite by default (WAL, synchronous=FULL, busy timeout so several workers share one file); any SQLAlchemy URL
(e.g. PostgreSQL) works. Feedback is acknowledged only after its transaction commits, and storing the same
feedback again (same service, card, outcome and timestamp) changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from fhir_ldn.cds.feedback import FeedbackItem

metadata = MetaData()

feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(200), nullable=False),
    Column("card", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("outcome_timestamp", String(40), nullable=False),
    Column("accepted_suggestions", Text, nullable=False),
    Column("reason_system", Text),
    Column("reason_code", String(200)),
    Column("reason_display", Text),
    Column("user_comment", Text),
    Column("received_at", Float, nullable=False),
    UniqueConstraint("service_id", "card", "outcome", "outcome_timestamp", name="uq_cds_feedback_once"),
)

seen_jti = Table(
    "cds_jwt_jti",
    metadata,
    Column("iss", String(500), primary_key=True),
    Column("jti", String(500), primary_key=True),
    Column("exp", Float, nullable=False),
    # every check deletes the expired jtis first: without this index that is a scan of every live token
    Index("ix_cds_jwt_jti_exp", "exp"),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")  # first: switching to WAL may have to wait for another worker's lock
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


class CdsStore:
    """Opens the database on first use (so an app that never stores anything creates no file)."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._open()
        return self._engine

    def _open(self) -> Engine:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(self.url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        # Several workers may start on a new database at once: each CREATE can lose a race for one object (two
        # tables and an index), so a try per object, and one more.
        attempts = len(metadata.tables) + len(seen_jti.indexes) + 1
        for attempt in range(1, attempts + 1):
            try:
                metadata.create_all(engine)
                for index in seen_jti.indexes:  # added after the table: databases made before it lack it
                    index.create(engine, checkfirst=True)
                break
            except DBAPIError:  # another worker created a table or index between the check and the CREATE
                if attempt == attempts:
                    raise
                time.sleep(0.01 * attempt)
        return engine

    def _insert_new(self, table: Table) -> Any:
        """An INSERT that skips a row already stored and RETURNs the rows it did insert (so, none for a repeat).

        What was inserted is read from RETURNING, not from the driver's rowcount: with SQLAlchemy 2.1 and
        psycopg the rowcount of an INSERT is -1 (unknown), which made every jti replay look new on PostgreSQL.
        """
        name = self.engine.dialect.name
        dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(name)
        if dialect is None:
            raise RuntimeError(f"database dialect {name} is not supported (use SQLite or PostgreSQL)")
        return dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)

    def add_feedback(self, service_id: str, items: Sequence[FeedbackItem]) -> int:
        """Store the items in one transaction; returns how many were new (repeats are ignored)."""
        now = time.time()
        rows = [
            {
                "service_id": service_id,
                "card": i.card,
                "outcome": i.outcome,
                "outcome_timestamp": i.outcome_timestamp,
                "accepted_suggestions": i.accepted_json(),
                "reason_system": i.reason_system,
                "reason_code": i.reason_code,
                "reason_display": i.reason_display,
                "user_comment": i.user_comment,
                "received_at": now,
            }
            for i in items
        ]
        stored = 0
        with self.engine.begin() as conn:
            for row in rows:
                stored += len(conn.execute(self._insert_new(feedback), row).all())
        return stored

    def feedback_summary(self, service_id: str) -> dict[str, Any]:
        """Counts for operators: total, by outcome, by override reason; first and last received."""
        where = feedback.c.service_id == service_id
        with self.engine.connect() as conn:
            total, first, last = conn.execute(
                select(func.count(), func.min(feedback.c.received_at), func.max(feedback.c.received_at)).where(where)
            ).one()
            outcomes = conn.execute(
                select(feedback.c.outcome, func.count()).where(where).group_by(feedback.c.outcome)
            ).all()
            reasons = conn.execute(
                select(
                    feedback.c.reason_system, feedback.c.reason_code, func.max(feedback.c.reason_display), func.count()
                )
                .where(where, feedback.c.reason_code.is_not(None))
                .group_by(feedback.c.reason_system, feedback.c.reason_code)
                .order_by(func.count().desc(), feedback.c.reason_code)
            ).all()
            comments = conn.execute(
                select(func.count()).where(where, feedback.c.user_comment.is_not(None))
            ).scalar_one()
        summary: dict[str, Any] = {
            "service": service_id,
            "total": total,
            "outcomes": {outcome: count for outcome, count in outcomes},
            "overrideReasons": [
                {"system": s, "code": c, **({"display": d} if d else {}), "count": n} for s, c, d, n in reasons
            ],
            "userComments": comments,
        }
        if total:
            summary["firstReceived"] = _iso(first)
            summary["lastReceived"] = _iso(last)
        return summary

    def remember_jti(self, iss: str, jti: str, exp: float, now: float) -> bool:
        """Record a token id; False if it was seen before (a replay). Expired entries are purged on the way."""
        with self.engine.begin() as conn:
            conn.execute(seen_jti.delete().where(seen_jti.c.exp < now))
            inserted = conn.execute(self._insert_new(seen_jti), {"iss": iss, "jti": jti, "exp": exp}).first()
        return inserted is not None

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
