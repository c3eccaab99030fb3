"""Text search over transactions' description and merchant name.

`LIKE '%text%'` cannot use an index, so on SQLite a search that matches few
rows read all million of them (about a second). SQLite instead keeps a
trigram full-text index, `transactions_search`: an FTS5 table over the two
columns whose content is the `transactions` table itself (nothing is stored
twice), kept in step by triggers. A phrase of three or more characters
matches exactly the rows `LIKE '%text%'` would (any substring, case folded),
read from the index; `matching` uses it for texts found in few rows.
Shorter text, and PostgreSQL, use `icontains` (on a household server
PostgreSQL's sequential scan is the fallback; pg_trgm can be added there
later without changing callers).

Imports are the hot write path: for a large insert the per-row insert
trigger steps aside and the new rows are indexed with one INSERT ... SELECT
(`BULK`, used through `transactions.bulk.triggers_aside`).
"""

from __future__ import annotations

import json

from django.db import connection as default_connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from transactions.bulk import Aside

TABLE = "transactions_search"
TRIGRAM = 3  # shortest text the trigram index can answer
# Found in at least this many rows, a text is searched by LIKE along the date index (see
# `matching`). Near sqrt(page size x rows) at a million rows, where both ways read ~5k rows.
COMMON = 5000

_ADD_NEW = (f"INSERT INTO {TABLE} (rowid, description, merchant_name) "
            "VALUES (NEW.id, NEW.description, NEW.merchant_name);")
_REMOVE_OLD = (f"INSERT INTO {TABLE} ({TABLE}, rowid, description, merchant_name) "
               "VALUES ('delete', OLD.id, OLD.description, OLD.merchant_name);")
INSERT_TRIGGER = f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON transactions BEGIN {_ADD_NEW} END"
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(description, merchant_name, content='transactions', "
    "content_rowid='id', tokenize='trigram')",
    INSERT_TRIGGER,
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON transactions BEGIN {_REMOVE_OLD} END",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF description, merchant_name ON transactions "
    f"BEGIN {_REMOVE_OLD} {_ADD_NEW} END",
    # Index what is already there.
    f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def install(connection=default_connection) -> None:
    """Create and fill the index (SQLite only; a migration calls this)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_DROP + SQLITE_CREATE:
            cursor.execute(statement)


def uninstall(connection=default_connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_DROP:
            cursor.execute(statement)


def _indexed(connection=default_connection) -> bool:
    return connection.vendor == "sqlite"


def matching(text: str, *, common: int = COMMON, connection=default_connection) -> Q:
    """Rows whose description or merchant name contains `text` (case folded).

    Pages list newest first. A text found in many rows is best found by
    walking the date index and testing each row (LIKE): the page fills after
    a few thousand rows. A rare one would make that walk read the whole table,
    so it is looked up in the trigram index and its few rows sorted. One read
    of the index, stopped at `common` matches, picks the way and, for a rare
    text, is the answer (its ids go to the page's query as one JSON array).
    """
    like = Q(description__icontains=text) | Q(merchant_name__icontains=text)
    if len(text) < TRIGRAM or not _indexed(connection):
        return like
    phrase = '"' + text.replace('"', '""') + '"'
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s", [phrase, common])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) >= common:
        return like
    return Q(id__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)]))


def _index_rows_after(cursor, last_id: int) -> None:
    cursor.execute(f"INSERT INTO {TABLE} (rowid, description, merchant_name) "
                   "SELECT id, description, merchant_name FROM transactions WHERE id > %s", [last_id])


# For large imports (see `transactions/bulk.py`): one INSERT ... SELECT indexes the new rows.
BULK = Aside(drop=[SQLITE_DROP[0]], create=[INSERT_TRIGGER], catch_up=_index_rows_after)
