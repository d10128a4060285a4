"""Databases for the store, feedback and JWT-replay tests: a SQLite file, and a throwaway PostgreSQL cluster.

The PostgreSQL cluster is started by the tests themselves (initdb + pg_ctl from Debian's `postgresql` package,
which `.ci/run` installs when missing), listens only on a Unix socket in its own temporary folder, runs with
fsync off, and is removed at the end of the session. Each test gets a fresh database in it. Without the server
binaries the PostgreSQL cases skip with a message saying what to install, except under CI (`CI` set), where
they fail: CI must count them.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count(1)


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresCluster:
    """One PostgreSQL server for the test session, on a Unix socket in a private temporary folder."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            message = "PostgreSQL server binaries are not installed (apt-get install postgresql; .ci/run does it)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        self.root = Path(tempfile.mkdtemp(prefix="fhir-ldn-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self._pg_ctl = str(bin_dir / "pg_ctl")
        run = [str(bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]
        subprocess.run(_as_server_user(run), check=True, capture_output=True, timeout=120)
        options = f"-c listen_addresses='' -k {self.root} -c fsync=off -c full_page_writes=off"
        start = [self._pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"]
        subprocess.run(_as_server_user(start), check=True, capture_output=True, timeout=120)
        self.admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}"

    def new_database(self) -> str:
        name = f"fhir_ldn_test_{os.getpid()}_{next(_counter)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url(name)

    def stop(self) -> None:
        self.admin.dispose()
        stop = [self._pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_server_user(stop), check=False, capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def database_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of the backend: a SQLite file in `folder`, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'cds.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()
