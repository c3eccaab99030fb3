"""import_csv_1m: a million-row file through `manage.py import_transactions`, for memory.

Reports rows/s and the peak resident memory of the process, next to the
memory just before the import (Django, the engine and the file's bytes
loaded), so the growth the rows themselves cause is visible.
"""

import csv
import io
import os
import time
from pathlib import Path

from bench.harness import generated_rows, peak_rss_mb, report, setup_django

ROWS = int(os.environ.get("BENCH_IMPORT_1M_ROWS", "1000000"))


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    import transactions.imports  # noqa: F401  (the engine's imports, before the baseline figure)

    path = Path(settings.BUDGET_HOME) / "million.csv"
    _write_csv(path, ROWS)
    size_mb = path.stat().st_size / 2**20
    before = peak_rss_mb()
    start = time.perf_counter()
    call_command("import_transactions", str(path), account="Discover Card", format="chase_card",
                 verbosity=0, stdout=io.StringIO())
    seconds = time.perf_counter() - start
    report("import_csv_1m", ROWS / seconds, "rows/s", rows=ROWS, seconds=round(seconds, 1),
           file_mb=round(size_mb, 1), rss_before_mb=round(before, 1), peak_rss_mb=round(peak_rss_mb(), 1))


def _write_csv(path: Path, n: int) -> None:
    """A Chase-card export written row by row, so making it costs no memory."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Transaction Date", "Post Date", "Description", "Category", "Type", "Amount",
                         "Memo"])
        for day, description, amount in generated_rows(n):
            stamp = day.strftime("%m/%d/%Y")
            writer.writerow([stamp, stamp, description, "Shopping", "Sale", f"{-amount:.2f}", ""])


if __name__ == "__main__":
    main()
