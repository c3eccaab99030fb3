"""Large inserts into `transactions` with the per-row insert triggers set aside.

SQLite runs a row trigger as a sub-program whose frame is set up for every
row, even when its WHEN clause is false: measured, the ledger summaries'
trigger tripled the cost of an import's INSERT, and the search index's
trigger added 3.5 s per 100k rows. For a large insert each derived table
drops its insert trigger, the rows go in, the derived table catches up with
one statement over the new ids, and the trigger comes back. All of it runs
inside the caller's transaction: SQLite's DDL is transactional and the
caller holds the write lock, so no other writer slips a row in meanwhile,
and a failure puts the triggers back with the rows. Updates made after the
block find everything exact, as the other triggers expect. PostgreSQL keeps
its triggers (dropping one there locks the table against readers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection as default_connection

# Below this many rows the per-row triggers are cheaper than dropping and
# re-creating them (a schema change every other connection must notice).
MIN_ROWS = 500


@dataclass(frozen=True)
class Aside:
    """How one derived table steps aside: its insert triggers, and how it catches up."""

    drop: Sequence[str]
    create: Sequence[str]
    catch_up: Callable[[object, int], None]  # (cursor, last id before the insert)


@contextmanager
def triggers_aside(rows: int, asides: Sequence[Aside], connection=default_connection):
    """Insert `rows` rows inside this block with the `asides`' insert triggers set aside."""
    if connection.vendor != "sqlite" or rows < MIN_ROWS:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("triggers_aside needs the caller's transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM transactions")
        (last_id,) = cursor.fetchone()
        for aside in asides:
            for statement in aside.drop:
                cursor.execute(statement)
        yield
        for aside in asides:
            aside.catch_up(cursor, last_id)
            for statement in aside.create:
                cursor.execute(statement)
