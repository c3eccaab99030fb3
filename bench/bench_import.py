"""import_csv_100k and reimport_100k: a generated Chase-card CSV end to end through ingest.

Baseline: bare sqlite3.executemany of the same rows (read back from the
import) into the same table with its indexes, in a fresh database file with
sqlite3's default settings but WAL, measured in the same run.
"""

import csv
import io
import os
import re
import sqlite3
import time
from pathlib import Path

from bench.harness import generated_rows, peak_rss_mb, report, setup_django

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))


def _csv(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount", "Memo"])
    for day, description, amount in generated_rows(n):
        stamp = day.strftime("%m/%d/%Y")
        writer.writerow([stamp, stamp, description, "Shopping", "Sale", f"{-amount:.2f}", ""])
    return out.getvalue().encode()


def _baseline(columns: list[str], rows: list[tuple], schema_sql: list[str], home: Path) -> float:
    """Seconds for bare executemany of `rows` into a fresh copy of the table and its indexes."""
    path = home / "baseline.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    for statement in schema_sql:
        con.execute(statement)
    marks = ", ".join("?" * len(columns))
    start = time.perf_counter()
    with con:
        con.executemany(f"INSERT INTO transactions ({', '.join(columns)}) VALUES ({marks})", rows)
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.db import connection

    from accounts.models import Account
    from transactions.imports import import_file

    data = _csv(ROWS)
    account = Account.objects.get(name="Discover Card")
    start = time.perf_counter()
    first = import_file(data, file_name="bench.csv", account=account, preset="chase_card")
    first_s = time.perf_counter() - start
    added = first.results[0][1].added
    import_rss = peak_rss_mb()  # before the baseline reads every row back
    start = time.perf_counter()
    again = import_file(data, file_name="bench.csv", account=account, preset="chase_card")
    again_s = time.perf_counter() - start

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'transactions' "
            "AND type IN ('table', 'index') AND sql IS NOT NULL"
        )
        schema = [row[0] for row in cursor.fetchall()]
        # The baseline inserts exactly the rows the import stored (same values,
        # so the same index work), minus the summary triggers and foreign keys.
        cursor.execute("SELECT * FROM transactions LIMIT 0")
        columns = [c[0] for c in cursor.description if c[0] != "id"]
        cursor.execute(f"SELECT {', '.join(columns)} FROM transactions ORDER BY id")
        rows = cursor.fetchall()
    base_s = _baseline(columns, rows, _without_foreign_keys(schema), Path(settings.BUDGET_HOME))

    rate, base_rate = added / first_s, len(rows) / base_s
    report("import_csv_100k", rate, "rows/s", baseline=round(base_rate, 1),
           ratio=round(rate / base_rate, 3), rows=added, seconds=round(first_s, 2),
           peak_rss_mb=round(import_rss, 1))
    report("reimport_100k", ROWS / again_s, "rows/s", baseline=round(rate, 1),
           ratio=round((ROWS / again_s) / rate, 3), added=again.results[0][1].added,
           seconds=round(again_s, 2))


def _without_foreign_keys(schema: list[str]) -> list[str]:
    """The same table and indexes, minus foreign keys to tables the baseline file lacks."""
    return [re.sub(r'\s+REFERENCES "\w+" \("id"\)( DEFERRABLE INITIALLY DEFERRED)?', "", s) for s in schema]


if __name__ == "__main__":
    main()
