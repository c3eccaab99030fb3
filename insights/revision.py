"""A token the database redraws whenever counted money changes: a cheap "has the ledger moved?".

Reports that cost more than a page should (the anomaly statistics sort three
months of charges per merchant) keep their last answer per token and
recompute only when it changes. Every write path reaches the token because
triggers redraw it, like the monthly summaries in `insights/summary.py`: on
SQLite a small row trigger per counted change, on PostgreSQL a statement
trigger per statement that looks at the statement's rows.

Why random and not a counter: a rolled-back transaction or a restored backup
brings back an earlier token together with the earlier data it stands for,
while a counter would count up again to values it had already used for
other data. A random 63-bit token names one state of the ledger.
"""

from __future__ import annotations

from django.db import connection as default_connection

from transactions.models import CONFIRMED_STATUSES

# The statuses whose money counts, as an SQL list (the summaries use it too).
COUNTED = "(" + ", ".join(f"'{status}'" for status in CONFIRMED_STATUSES) + ")"
_WATCHED = "status, category_id, date, amount, merchant_key, merchant_name"
BUMP = "UPDATE ledger_revision SET token = {random} WHERE id = 1"
SQLITE_BUMP = BUMP.format(random="random()")
POSTGRESQL_BUMP = BUMP.format(random="floor(random() * 9.2e18)::bigint")

SQLITE_INSERT_TRIGGER = (
    f"CREATE TRIGGER ledger_revision_insert AFTER INSERT ON transactions WHEN NEW.status IN {COUNTED} "
    f"BEGIN {SQLITE_BUMP}; END"
)
SQLITE_TRIGGERS = [
    SQLITE_INSERT_TRIGGER,
    f"CREATE TRIGGER ledger_revision_delete AFTER DELETE ON transactions WHEN OLD.status IN {COUNTED} "
    f"BEGIN {SQLITE_BUMP}; END",
    f"CREATE TRIGGER ledger_revision_update AFTER UPDATE OF {_WATCHED} ON transactions "
    f"WHEN OLD.status IN {COUNTED} OR NEW.status IN {COUNTED} BEGIN {SQLITE_BUMP}; END",
]
SQLITE_DROP_INSERT = "DROP TRIGGER IF EXISTS ledger_revision_insert"
SQLITE_DROP = [
    SQLITE_DROP_INSERT,
    "DROP TRIGGER IF EXISTS ledger_revision_delete",
    "DROP TRIGGER IF EXISTS ledger_revision_update",
]
# A statement trigger per event, reading the statement's rows (transition
# tables), so that only counted money moves the token, as on SQLite.
_OLD_WATCHED = ", ".join(f"o.{column}" for column in _WATCHED.split(", "))
_NEW_WATCHED = ", ".join(f"n.{column}" for column in _WATCHED.split(", "))
_POSTGRESQL_EVENTS = {
    "insert": ("INSERT", "NEW TABLE AS revision_new",
               f"EXISTS (SELECT 1 FROM revision_new WHERE status IN {COUNTED})"),
    "delete": ("DELETE", "OLD TABLE AS revision_old",
               f"EXISTS (SELECT 1 FROM revision_old WHERE status IN {COUNTED})"),
    "update": ("UPDATE", "OLD TABLE AS revision_old NEW TABLE AS revision_new",
               "EXISTS (SELECT 1 FROM revision_old o JOIN revision_new n ON n.id = o.id "
               f"WHERE (o.status IN {COUNTED} OR n.status IN {COUNTED}) "
               f"AND ({_OLD_WATCHED}) IS DISTINCT FROM ({_NEW_WATCHED}))"),
}
POSTGRESQL_TRIGGERS = [
    statement
    for name, (event, tables, changed) in _POSTGRESQL_EVENTS.items()
    for statement in (
        f"CREATE OR REPLACE FUNCTION ledger_revision_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {changed} THEN {POSTGRESQL_BUMP}; END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER ledger_revision_{name} AFTER {event} ON transactions REFERENCING {tables} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_revision_{name}()",
    )
]
POSTGRESQL_DROP = [
    statement
    for name in _POSTGRESQL_EVENTS
    for statement in (f"DROP TRIGGER IF EXISTS ledger_revision_{name} ON transactions",
                      f"DROP FUNCTION IF EXISTS ledger_revision_{name}()")
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
