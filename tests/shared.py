"""Where the real sample files live: ../shared/data beside the checkout.

Tests and benches read them in place and skip cleanly when the folder is
absent; nothing from it is ever copied into the repository. Also here: which
database the suite runs on, for the few tests only SQLite can pass.
"""

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"real sample data not found at {SHARED_DATA}"
)


# `make test-postgres` sets DATABASE_URL; without it the suite runs on SQLite.
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))


def sqlite_only(why: str) -> pytest.MarkDecorator:
    """Skip a test on PostgreSQL because what it checks exists only in SQLite (say so in `why`)."""
    return pytest.mark.skipif(ON_POSTGRESQL, reason=f"SQLite only: {why}")


@contextmanager
def scratch_database(home: Path) -> Iterator[tuple[dict[str, str], Callable[[], Any]]]:
    """A database of its own for `manage.py` run in a subprocess with BUDGET_HOME=home.

    Yields the environment to add (nothing on SQLite, whose file lands in
    `home`; on PostgreSQL a DATABASE_URL naming a new database, dropped at
    the end) and a function that opens a DB-API connection to it, for
    reading what the subprocess wrote.
    """
    if not ON_POSTGRESQL:
        yield {}, lambda: closing(sqlite3.connect(home / "budget.db"))
        return
    import psycopg

    server = os.environ["DATABASE_URL"]
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    url = f"{server.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": url}, lambda: psycopg.connect(url, autocommit=True)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def shared_files(folder: str, *patterns: str) -> list[Path]:
    """Sorted files of `SHARED_DATA/folder` matching any pattern ([] when absent)."""
    base = SHARED_DATA / folder
    if not base.is_dir():
        return []
    return sorted({p for pat in patterns for p in base.glob(pat) if p.name != "SOURCES.md"})
