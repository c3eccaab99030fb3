"""Review queue and transactions pages with 1M transactions (5k pending): server time p50/p95.

Each line carries wall p95 as the value, wall p50, CPU p50/p95 (this process,
where SQLite runs too: what a request costs when the machine is shared) and
the load average, so figures from a busy machine can still be compared.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time
from collections.abc import Callable

from bench.harness import bulk_transactions, logged_in_client, report, setup_django

ROWS = 1_000_000
PENDING = 5_000


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.median(samples), 3), round(samples[int(0.95 * (len(samples) - 1))], 3)


def timed(bench: str, fn: Callable[[], object], n: int, warmup: int = 5, **extra) -> None:
    """Wall and CPU p50/p95 of n calls; a response other than 200 stops the bench."""
    for _ in range(warmup):
        status = getattr(fn(), "status_code", 200)
        if status != 200:
            raise SystemExit(f"{bench}: the request answered {status}, not 200")
    wall, cpu = [], []
    for _ in range(n):
        started, used = time.perf_counter(), time.process_time()
        status = getattr(fn(), "status_code", 200)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        if status != 200:
            raise SystemExit(f"{bench}: the request answered {status}, not 200")
    wall_p50, wall_p95 = _percentiles(wall)
    cpu_p50, cpu_p95 = _percentiles(cpu)
    report(bench, wall_p95, "ms", p50=wall_p50, cpu_p50=cpu_p50, cpu_p95=cpu_p95, n=n, rows=ROWS,
           load=round(os.getloadavg()[0], 1), **extra)


def populate() -> None:
    bulk_transactions(ROWS - PENDING, status="confirmed", years=10)
    bulk_transactions(PENDING, status="pending_review", seed=11, years=1)


def measure() -> None:
    from django.contrib.auth import get_user_model

    from transactions import review
    from transactions.models import Status, Transaction

    user = get_user_model().objects.create_superuser("bench", "b@example.com", "bench-pass-1")
    client = logged_in_client(user)
    htmx = logged_in_client(user, HTTP_HX_REQUEST="true")
    month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=200)).strftime("%Y-%m")
    timed("review_page_p95", lambda: client.get("/review/"), n=100, pending=PENDING)
    more = review.queue_page().more  # the "Load more" cursor after the first page
    timed("review_load_more_p95", lambda: htmx.get("/review/", {"before": more}), n=100, pending=PENDING)
    timed("transactions_first_page_p95", lambda: client.get("/transactions/"), n=100)
    timed("transactions_month_p95", lambda: client.get(f"/transactions/?month={month}"), n=100)
    timed("transactions_search_p95", lambda: client.get("/transactions/?q=blue+bottle"), n=50)
    # Text in about a hundred rows: without an index, the walk along the dates reads the whole table.
    timed("transactions_search_rare_p95", lambda: client.get("/transactions/?q=bottle+123"), n=50)
    timed("transactions_page_500_p95", lambda: client.get("/transactions/?page=500"), n=50)

    pending = iter(Transaction.objects.filter(status=Status.PENDING_REVIEW)
                   .values_list("pk", flat=True)[:400])
    timed("review_accept_p95", lambda: htmx.post(f"/review/{next(pending)}/accept"), n=100)

    def accept_then_save():
        htmx.post(f"/review/{next(pending)}/accept")
        started, used = time.perf_counter(), time.process_time()
        htmx.post("/review/save")
        return (time.perf_counter() - started) * 1000, (time.process_time() - used) * 1000

    wall, cpu = zip(*(accept_then_save() for _ in range(20)), strict=True)
    wall_p50, wall_p95 = _percentiles(list(wall))
    cpu_p50, cpu_p95 = _percentiles(list(cpu))
    report("review_save_p95", wall_p95, "ms", p50=wall_p50, cpu_p50=cpu_p50, cpu_p95=cpu_p95, n=20,
           rows=ROWS, load=round(os.getloadavg()[0], 1))


def main() -> None:
    setup_django()
    populate()
    measure()


if __name__ == "__main__":
    main()
