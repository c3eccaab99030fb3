"""The triggers that keep `ledger_months` and `ledger_category_months` exact, and a rebuild.

Every insert, update and delete of a transaction adjusts its summary rows in
the same database transaction, so the summaries are right whatever wrote the
row (bulk_create, bulk_update, QuerySet.update, raw SQL, undo). A row counts
while its status is confirmed or auto-confirmed; a change of status,
category, date, amount or merchant moves it from its old summary rows to its
new ones. Summary rows whose count drops to zero are removed.

SQLite and PostgreSQL spell triggers differently, so each has its own text;
everything else in the app reads the summaries through the ORM.
"""

from __future__ import annotations

from django.db import connection as default_connection
from django.db import transaction

from insights import revision
from transactions.bulk import Aside

_COUNTED = revision.COUNTED
_MERCHANT_COLUMNS = "month, category_id, merchant_key, merchant_name, count, total_cents, squares"
_CATEGORY_COLUMNS = "month, category_id, count, total_cents"


def _sqlite(row: str) -> tuple[str, str, str]:
    """(month, category, cents) expressions for NEW or OLD in SQLite."""
    return (f"substr({row}.date, 1, 7)", f"COALESCE({row}.category_id, 0)",
            f"CAST(round({row}.amount * 100) AS INTEGER)")


def _sqlite_add(row: str) -> str:
    month, category, cents = _sqlite(row)
    square = f"CAST({cents} AS REAL) * CAST({cents} AS REAL)"
    counted = f"WHERE {row}.status IN {_COUNTED}"
    return (
        f"INSERT INTO ledger_months ({_MERCHANT_COLUMNS}) SELECT {month}, {category}, {row}.merchant_key, "
        f"COALESCE(NULLIF({row}.merchant_name, ''), {row}.merchant_key), 1, {cents}, {square} {counted} "
        "ON CONFLICT (month, category_id, merchant_key) DO UPDATE SET count = count + 1, "
        "total_cents = total_cents + excluded.total_cents, squares = squares + excluded.squares, "
        "merchant_name = excluded.merchant_name; "
        f"INSERT INTO ledger_category_months ({_CATEGORY_COLUMNS}) SELECT {month}, {category}, 1, {cents} "
        f"{counted} ON CONFLICT (month, category_id) DO UPDATE SET count = count + 1, "
        "total_cents = total_cents + excluded.total_cents;"
    )


def _sqlite_remove(row: str) -> str:
    month, category, cents = _sqlite(row)
    square = f"CAST({cents} AS REAL) * CAST({cents} AS REAL)"
    where = f"month = {month} AND category_id = {category}"
    merchant = f"{where} AND merchant_key = {row}.merchant_key"
    return (
        f"UPDATE ledger_months SET count = count - 1, total_cents = total_cents - {cents}, "
        f"squares = squares - {square} WHERE {merchant} AND {row}.status IN {_COUNTED}; "
        f"DELETE FROM ledger_months WHERE {merchant} AND count <= 0; "
        f"UPDATE ledger_category_months SET count = count - 1, total_cents = total_cents - {cents} "
        f"WHERE {where} AND {row}.status IN {_COUNTED}; "
        f"DELETE FROM ledger_category_months WHERE {where} AND count <= 0;"
    )


SQLITE_TRIGGERS = [
    "CREATE TRIGGER ledger_months_insert AFTER INSERT ON transactions "
    f"WHEN NEW.status IN {_COUNTED} BEGIN {_sqlite_add('NEW')} END",
    "CREATE TRIGGER ledger_months_delete AFTER DELETE ON transactions "
    f"WHEN OLD.status IN {_COUNTED} BEGIN {_sqlite_remove('OLD')} END",
    "CREATE TRIGGER ledger_months_update AFTER UPDATE OF status, category_id, date, amount, "
    "merchant_key, merchant_name ON transactions "
    f"WHEN OLD.status IN {_COUNTED} OR NEW.status IN {_COUNTED} "
    f"BEGIN {_sqlite_remove('OLD')} {_sqlite_add('NEW')} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_months_insert",
    "DROP TRIGGER IF EXISTS ledger_months_delete",
    "DROP TRIGGER IF EXISTS ledger_months_update",
]
SQLITE_MONTH = "substr(date, 1, 7)"


def _postgresql(row: str) -> tuple[str, str, str, str]:
    cents = f"round({row}.amount * 100)"
    return (f"to_char({row}.date, 'YYYY-MM')", f"COALESCE({row}.category_id, 0)", f"{cents}::bigint",
            f"({cents} * {cents})::double precision")


_OLD_MONTH, _OLD_CATEGORY, _OLD_CENTS, _OLD_SQUARE = _postgresql("OLD")
_NEW_MONTH, _NEW_CATEGORY, _NEW_CENTS, _NEW_SQUARE = _postgresql("NEW")
_OLD_WHERE = f"month = {_OLD_MONTH} AND category_id = {_OLD_CATEGORY}"
# One writer of the ledger at a time, as SQLite's write lock gives. Two
# transactions writing rows reach summary (and ledger) rows in any order, so
# with row locks alone an import and a review save deadlock. The lock is taken
# by a statement trigger, before the statement locks its first row: taken
# later (in the row trigger) a writer could hold a row the lock's holder needs.
_POSTGRESQL_LOCK = 0x6C65646D  # any constant bigint shared by every writer

POSTGRESQL_TRIGGERS = [
    f"""
CREATE OR REPLACE FUNCTION ledger_months_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status IN {_COUNTED} THEN
    UPDATE ledger_months SET count = count - 1, total_cents = total_cents - {_OLD_CENTS},
        squares = squares - {_OLD_SQUARE}
      WHERE {_OLD_WHERE} AND merchant_key = OLD.merchant_key;
    DELETE FROM ledger_months WHERE {_OLD_WHERE} AND merchant_key = OLD.merchant_key AND count <= 0;
    UPDATE ledger_category_months SET count = count - 1, total_cents = total_cents - {_OLD_CENTS}
      WHERE {_OLD_WHERE};
    DELETE FROM ledger_category_months WHERE {_OLD_WHERE} AND count <= 0;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status IN {_COUNTED} THEN
    INSERT INTO ledger_months ({_MERCHANT_COLUMNS})
      VALUES ({_NEW_MONTH}, {_NEW_CATEGORY}, NEW.merchant_key,
              COALESCE(NULLIF(NEW.merchant_name, ''), NEW.merchant_key), 1, {_NEW_CENTS}, {_NEW_SQUARE})
      ON CONFLICT (month, category_id, merchant_key) DO UPDATE SET count = ledger_months.count + 1,
        total_cents = ledger_months.total_cents + EXCLUDED.total_cents,
        squares = ledger_months.squares + EXCLUDED.squares, merchant_name = EXCLUDED.merchant_name;
    INSERT INTO ledger_category_months ({_CATEGORY_COLUMNS})
      VALUES ({_NEW_MONTH}, {_NEW_CATEGORY}, 1, {_NEW_CENTS})
      ON CONFLICT (month, category_id) DO UPDATE SET count = ledger_category_months.count + 1,
        total_cents = ledger_category_months.total_cents + EXCLUDED.total_cents;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER ledger_months_sync AFTER INSERT OR DELETE OR UPDATE OF status, category_id, date, "
    "amount, merchant_key, merchant_name ON transactions FOR EACH ROW EXECUTE FUNCTION ledger_months_sync()",
    "CREATE OR REPLACE FUNCTION ledger_writer_lock() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN PERFORM pg_advisory_xact_lock({_POSTGRESQL_LOCK}); RETURN NULL; END $$",
    "CREATE TRIGGER ledger_writer_lock BEFORE INSERT OR UPDATE OR DELETE ON transactions "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_writer_lock()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS ledger_months_sync ON transactions",
    "DROP FUNCTION IF EXISTS ledger_months_sync()",
    "DROP TRIGGER IF EXISTS ledger_writer_lock ON transactions",
    "DROP FUNCTION IF EXISTS ledger_writer_lock()",
]
POSTGRESQL_MONTH = "to_char(date, 'YYYY-MM')"


def _vendor(connection) -> tuple[list[str], list[str], str]:
    if connection.vendor == "postgresql":
        return POSTGRESQL_TRIGGERS, POSTGRESQL_DROP, POSTGRESQL_MONTH
    if connection.vendor == "sqlite":
        return SQLITE_TRIGGERS, SQLITE_DROP, SQLITE_MONTH
    raise NotImplementedError(f"ledger_months has no triggers for {connection.vendor}")


def lock_ledger(connection=default_connection) -> None:
    """Wait until no other transaction writes the ledger, and hold that until this one ends.

    For a transaction that reads before it writes (an import's dedupe): on
    PostgreSQL the writer lock would otherwise come only with its first write,
    after another import could have written the same rows unseen. SQLite's
    IMMEDIATE transactions hold the write lock from their start already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock({_POSTGRESQL_LOCK})")


def drop_triggers(connection=default_connection) -> None:
    _, drops, _ = _vendor(connection)
    with connection.cursor() as cursor:
        for statement in drops:
            cursor.execute(statement)


def install_triggers(connection=default_connection) -> None:
    """(Re)create the triggers; safe to run again."""
    creates, _, _ = _vendor(connection)
    drop_triggers(connection)
    with connection.cursor() as cursor:
        for statement in creates:
            cursor.execute(statement)


def _catch_up(cursor, last_id: int) -> None:
    _add_rows_after(cursor, last_id)
    cursor.execute(revision.SQLITE_BUMP)


# For large imports (see `transactions/bulk.py`): the insert triggers of the
# summaries and of the ledger token step aside; one aggregate adds the rows.
BULK = Aside(drop=[SQLITE_DROP[0], revision.SQLITE_DROP_INSERT],
             create=[SQLITE_TRIGGERS[0], revision.SQLITE_INSERT_TRIGGER], catch_up=_catch_up)


def _add_rows_after(cursor, last_id: int) -> None:
    """Add the counted rows with an id above `last_id` to both summaries."""
    cents = "CAST(round(amount * 100) AS INTEGER)"
    counted = f"FROM transactions WHERE id > %s AND status IN {_COUNTED}"
    cursor.execute(
        f"INSERT INTO ledger_months ({_MERCHANT_COLUMNS}) "
        f"SELECT {SQLITE_MONTH}, COALESCE(category_id, 0), merchant_key, "
        "MAX(COALESCE(NULLIF(merchant_name, ''), merchant_key)), COUNT(*), "
        f"SUM({cents}), SUM(CAST({cents} AS REAL) * CAST({cents} AS REAL)) {counted} "
        f"GROUP BY {SQLITE_MONTH}, COALESCE(category_id, 0), merchant_key "
        "ON CONFLICT (month, category_id, merchant_key) DO UPDATE SET count = count + excluded.count, "
        "total_cents = total_cents + excluded.total_cents, squares = squares + excluded.squares, "
        "merchant_name = excluded.merchant_name",
        [last_id],
    )
    cursor.execute(
        f"INSERT INTO ledger_category_months ({_CATEGORY_COLUMNS}) "
        f"SELECT {SQLITE_MONTH}, COALESCE(category_id, 0), COUNT(*), SUM({cents}) {counted} "
        f"GROUP BY {SQLITE_MONTH}, COALESCE(category_id, 0) "
        "ON CONFLICT (month, category_id) DO UPDATE SET count = count + excluded.count, "
        "total_cents = total_cents + excluded.total_cents",
        [last_id],
    )


def rebuild(connection=default_connection) -> int:
    """Recompute both summaries from the ledger; return the merchant summary's row count."""
    _, _, month = _vendor(connection)
    cents = "round(amount * 100)"
    square = f"CAST({cents} AS DOUBLE PRECISION) * CAST({cents} AS DOUBLE PRECISION)"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        lock_ledger(connection)  # no trigger writes between the delete and the sums
        cursor.execute("DELETE FROM ledger_months")
        cursor.execute("DELETE FROM ledger_category_months")
        cursor.execute(
            f"INSERT INTO ledger_months ({_MERCHANT_COLUMNS}) "
            f"SELECT {month}, COALESCE(category_id, 0), merchant_key, "
            "MAX(COALESCE(NULLIF(merchant_name, ''), merchant_key)), COUNT(*), "
            f"SUM(CAST({cents} AS BIGINT)), SUM({square}) "
            f"FROM transactions WHERE status IN {_COUNTED} "
            f"GROUP BY {month}, COALESCE(category_id, 0), merchant_key"
        )
        cursor.execute(
            f"INSERT INTO ledger_category_months ({_CATEGORY_COLUMNS}) "
            "SELECT month, category_id, SUM(count), SUM(total_cents) FROM ledger_months "
            "GROUP BY month, category_id"
        )
        cursor.execute("SELECT COUNT(*) FROM ledger_months")
        return cursor.fetchone()[0]
