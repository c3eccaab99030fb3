"""A token the database redraws whenever counted money changes: a cheap "has the ledger moved?".

Reports that cost more than a page should (the anomaly statistics sort three
months of charges per merchant) keep their last answer per token and
recompute only when it changes. Every write path reaches the token because
triggers redraw it, like the monthly summaries in `insights/summary.py`: on
SQLite a small row trigger per counted change, on PostgreSQL one statement
trigger per statement.

Why random and not a counter: a rolled-back transaction or a restored backup
brings back an earlier token together with the earlier data it stands for,
while a counter would count up again to values it had already used for
other data. A random 63-bit token names one state of the ledger.
"""

from __future__ import annotations

from django.db import connection as default_connection

from transactions.models import CONFIRMED_STATUSES

_COUNTED = "(" + ", ".join(f"'{status}'" for status in CONFIRMED_STATUSES) + ")"
_WATCHED = "status, category_id, date, amount, merchant_key, merchant_name"
BUMP = "UPDATE ledger_revision SET token = {random} WHERE id = 1"
SQLITE_BUMP = BUMP.format(random="random()")
POSTGRESQL_BUMP = BUMP.format(random="floor(random() * 9.2e18)::bigint")

SQLITE_INSERT_TRIGGER = (
    f"CREATE TRIGGER ledger_revision_insert AFTER INSERT ON transactions WHEN NEW.status IN {_COUNTED} "
    f"BEGIN {SQLITE_BUMP}; END"
)
SQLITE_TRIGGERS = [
    SQLITE_INSERT_TRIGGER,
    f"CREATE TRIGGER ledger_revision_delete AFTER DELETE ON transactions WHEN OLD.status IN {_COUNTED} "
    f"BEGIN {SQLITE_BUMP}; END",
    f"CREATE TRIGGER ledger_revision_update AFTER UPDATE OF {_WATCHED} ON transactions "
    f"WHEN OLD.status IN {_COUNTED} OR NEW.status IN {_COUNTED} BEGIN {SQLITE_BUMP}; END",
]
SQLITE_DROP_INSERT = "DROP TRIGGER IF EXISTS ledger_revision_insert"
SQLITE_DROP = [
    SQLITE_DROP_INSERT,
    "DROP TRIGGER IF EXISTS ledger_revision_delete",
    "DROP TRIGGER IF EXISTS ledger_revision_update",
]
POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION ledger_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN {POSTGRESQL_BUMP}; RETURN NULL; END $$",
    f"CREATE TRIGGER ledger_revision_bump AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} ON transactions "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_revision_bump()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS ledger_revision_bump ON transactions",
    "DROP FUNCTION IF EXISTS ledger_revision_bump()",
]


def _statements(connection) -> tuple[list[str], list[str]]:
    if connection.vendor == "postgresql":
        return POSTGRESQL_TRIGGERS, POSTGRESQL_DROP
    if connection.vendor == "sqlite":
        return SQLITE_TRIGGERS, SQLITE_DROP
    raise NotImplementedError(f"ledger_revision has no triggers for {connection.vendor}")


def install_triggers(connection=default_connection) -> None:
    creates, drops = _statements(connection)
    with connection.cursor() as cursor:
        for statement in [*drops, *creates]:
            cursor.execute(statement)


def drop_triggers(connection=default_connection) -> None:
    _, drops = _statements(connection)
    with connection.cursor() as cursor:
        for statement in drops:
            cursor.execute(statement)


def current(connection=default_connection) -> int:
    """The ledger's token now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM ledger_revision WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0
