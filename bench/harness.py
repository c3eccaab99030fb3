"""Shared helpers for benchmarks: Django setup, timing, reporting, fast data."""

from __future__ import annotations

import datetime
import json
import os
import random
import resource
import statistics
import time
from collections.abc import Callable
from decimal import Decimal


def setup_django() -> None:
    """Configure Django in this (fresh) data home and create the schema."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budgetsite.settings")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_defaults", verbosity=0)


def report(bench: str, value: float, unit: str, **extra) -> None:
    """Print one result line: {"bench", "value", "unit", ...}."""
    print(json.dumps({"bench": bench, "value": round(value, 3), "unit": unit, **extra}), flush=True)


def logged_in_client(user, **headers):
    """A Django test client for `user` that talks to an allowed host (127.0.0.1)."""
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1", **headers)
    client.force_login(user)
    return client


def latency(bench: str, fn: Callable[[], object], n: int = 200, warmup: int = 5, **extra) -> None:
    """Time `fn` n times; report p95 in ms as the value, p50 alongside.

    A response other than 200 stops the bench: timing an error page measures nothing.
    """
    for _ in range(warmup):
        response = fn()
        status = getattr(response, "status_code", 200)
        if status != 200:
            raise SystemExit(f"{bench}: the request answered {status}, not 200")
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    report(bench, p95, "ms", p50=round(statistics.median(samples), 3), n=n, **extra)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MERCHANTS = [
    ("SAFEWAY #{n} OAKLAND CA", 20, 180), ("TRADER JOE S #{n}", 15, 120),
    ("STARBUCKS STORE {n}", 3, 12), ("SHELL OIL {n}", 30, 80), ("NETFLIX.COM", 15, 23),
    ("AMZN Mktp US*{n}", 5, 200), ("UBER *TRIP {n}", 8, 60), ("CHEVRON {n}", 30, 90),
    ("COMCAST CABLE COMM", 80, 120), ("TARGET T-{n}", 10, 250), ("WALGREENS #{n}", 5, 60),
    ("SQ *BLUE BOTTLE {n}", 4, 15), ("DOORDASH*ORDER {n}", 20, 70), ("PAYROLL ACME CORP", -3500, -2500),
]


def generated_rows(n: int, *, seed: int = 7, start: datetime.date | None = None, years: int = 2,
                   with_merchant: bool = False):
    """n (date, description, amount) tuples shaped like a household's card and bank.

    With `with_merchant`, a fourth item gives the merchant's index in MERCHANTS.
    """
    rng = random.Random(seed)
    start = start or datetime.date.today() - datetime.timedelta(days=365 * years)
    span = 365 * years
    for i in range(n):
        which = rng.randrange(len(MERCHANTS))
        template, low, high = MERCHANTS[which]
        description = template.format(n=rng.randrange(100, 999))
        cents = rng.randrange(int(low * 100), int(high * 100) + 1)
        day = start + datetime.timedelta(days=(i * span) // max(n, 1))
        if with_merchant:
            yield day, description, Decimal(cents) / 100, which
        else:
            yield day, description, Decimal(cents) / 100


def bulk_transactions(n: int, *, status: str = "confirmed", seed: int = 7, years: int = 2) -> None:
    """Insert n transactions fast with raw executemany (for read benches only).

    Each merchant has its own category, with 5% of rows labeled otherwise (people
    are not perfectly consistent), so the ledger is learnable like a real one.
    """
    from accounts.models import Account
    from categories.engine.merchants import merchant_key
    from categories.models import Category

    accounts = list(Account.objects.values_list("id", flat=True))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("id", flat=True))
    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    rows = []
    for i, (day, description, amount, which) in enumerate(
            generated_rows(n, seed=seed, years=years, with_merchant=True)):
        cat = categories[which * 3 % len(categories)] if rng.random() > 0.05 else rng.choice(categories)
        rows.append((
            rng.choice(accounts), day.isoformat(), description, str(amount), cat, cat, status,
            "csv_import", False, "merchant_map", 0.9, now, f"bench-{seed}-{i}", merchant_key(description), "",
        ))
    bulk_load(
        "INSERT INTO transactions (account_id, date, description, amount, category_id, "
        "predicted_category_id, status, source, is_pending, categorization_tier, "
        "prediction_confidence, created_at, fingerprint, merchant_key, notes) "
        "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
        rows,
    )


def bulk_load(insert_sql: str, rows: list[tuple]) -> None:
    """Insert bench rows into `transactions` fast, leaving every derived table exact.

    The summary triggers are dropped for the insert and the summaries rebuilt
    once after (what `rebuild_ledger_months` does); the search index catches
    up through the import's own bulk path. A 256 MB page cache while loading only.
    """
    from django.db import connection, transaction

    from insights import summary
    from transactions import search
    from transactions.bulk import triggers_aside

    summary.drop_triggers()
    with transaction.atomic(), triggers_aside(len(rows), [search.BULK]), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -262144")
        cursor.executemany(insert_sql, rows)
    summary.install_triggers()
    summary.rebuild()
    # Measure on a fresh connection with the app's own page cache, as a server thread would.
    connection.close()
