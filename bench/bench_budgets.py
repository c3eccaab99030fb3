"""Budgets, dashboard and insights at a million transactions: server time p50/p95 per page.

The ledger is ten years of a household shaped like a real one: daily spending
spread over the expense categories by weight (many merchants each), monthly
bills and subscriptions (one with yearly price rises), a weekly and a yearly
charge, biweekly pay, credit-card payments as Transfers, the last ten days
partly waiting for review, and budgets for every expense category in every
month, some with rollover. Rows go in with raw executemany (read bench only).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import time
from decimal import Decimal

from bench.harness import bulk_load, report, setup_django

ROWS = int(os.environ.get("BENCH_BUDGET_ROWS", "1000000"))
YEARS = 10
REQUESTS = 50

# (category short_desc, weight, merchants in the pool, low, high): daily spending.
SPENDING = [
    ("groceries", 16, 40, 8, 180), ("restaurants", 12, 300, 12, 120), ("coffee", 10, 60, 3, 9),
    ("food_delivery", 5, 80, 18, 70), ("fuel", 6, 40, 30, 85), ("rideshare", 4, 3, 8, 60),
    ("public_transit", 3, 5, 2, 12), ("parking_tolls", 2, 30, 2, 25),
    ("online_shopping", 10, 150, 5, 220), ("general_merchandise", 6, 40, 10, 250),
    ("clothing", 3, 60, 20, 180), ("electronics", 1, 20, 30, 900), ("pharmacy", 3, 20, 5, 60),
    ("personal_care", 2, 40, 15, 90), ("movies_events", 2, 40, 12, 120), ("hobbies", 2, 60, 10, 150),
    ("books_games", 2, 30, 8, 70), ("pets", 2, 20, 10, 120), ("home_supplies", 3, 30, 6, 90),
    ("home_maintenance", 1, 40, 40, 600), ("gifts_donations", 2, 50, 15, 200),
    ("car_maintenance", 1, 20, 40, 700), ("doctor", 1, 20, 25, 300), ("lodging", 1, 80, 90, 450),
]
# (day of month, merchant, category, amount or None for a variable bill, account index)
MONTHLY = [
    (1, "Oak Property Mgmt", "rent", Decimal("2450.00"), 1),
    (5, "PG&E", "electricity", None, 1),
    (8, "Comcast", "internet", Decimal("79.99"), 0),
    (12, "Netflix", "streaming", Decimal("15.49"), 0),
    (14, "Spotify", "streaming", Decimal("11.99"), 0),
    (18, "Verizon Wireless", "phone", Decimal("85.00"), 1),
    (20, "Geico", "auto_insurance", Decimal("132.40"), 1),
    (22, "Apple", "cloud_storage", Decimal("2.99"), 0),
    (3, "Planet Fitness", "fitness", Decimal("24.99"), 0),
]
BUDGETS = {  # monthly budget per expense category; the True ones roll over
    "rent": ("2450", False), "electricity": ("130", False), "internet": ("80", False),
    "phone": ("85", False), "streaming": ("30", False), "cloud_storage": ("3", False),
    "fitness": ("25", False), "auto_insurance": ("133", False), "groceries": ("1500", True),
    "restaurants": ("1100", True), "coffee": ("170", False), "food_delivery": ("350", False),
    "fuel": ("450", False), "rideshare": ("200", False), "online_shopping": ("900", False),
    "general_merchandise": ("700", False), "clothing": ("250", True), "electronics": ("250", True),
    "home_maintenance": ("200", True), "gifts_donations": ("180", True), "lodging": ("250", True),
    "car_maintenance": ("200", True), "doctor": ("150", False), "pets": ("150", False),
}
INSERT = (
    "INSERT INTO transactions (account_id, date, description, merchant_name, merchant_key, amount, "
    "category_id, predicted_category_id, status, source, is_pending, categorization_tier, "
    "prediction_confidence, created_at, fingerprint, notes) "
    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,0,'merchant_map',0.9,%s,%s,'')"
)


def _months(first: datetime.date, last: datetime.date):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield datetime.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _fixed(start: datetime.date, today: datetime.date, account_ids: list[int]):
    """Bills, subscriptions, pay and card payments: (account, day, merchant, category, amount)."""
    rng = random.Random(11)
    for first in _months(start, today):
        years_in = first.year - start.year
        for day, merchant, category, amount, account in MONTHLY:
            if merchant == "Netflix":
                amount = amount + Decimal(years_in)  # a price rise every year
            amount = amount or Decimal(rng.randrange(6000, 18000)) / 100
            yield account_ids[account], first.replace(day=day), merchant, category, amount
        yield account_ids[1], first.replace(day=25), "Discover Payment", "credit_card_payment", Decimal(
            "1800.00")
        yield account_ids[0], first.replace(day=26), "Payment Thank You", "credit_card_payment", Decimal(
            "-1800.00")
        yield account_ids[1], first.replace(day=2), "Interest Paid", "interest", Decimal("-3.10")
        if first.month == 3:
            yield account_ids[0], first.replace(day=3), "Amazon Prime", "memberships", Decimal("139.00")
    day = start + datetime.timedelta(days=(4 - start.weekday()) % 7)
    while day <= today:
        if (day - start).days % 14 < 7:
            yield account_ids[1], day, "Acme Corp Payroll", "paycheck", Decimal("-3150.00")
        yield account_ids[0], day, "Sparkle Laundry", "home_supplies", Decimal("18.00")
        day += datetime.timedelta(days=7)


def populate(n: int = ROWS, *, today: datetime.date | None = None) -> dict:
    """Insert about n transactions over YEARS years ending today, and budgets; return rows
    made and seconds spent building them and loading them (`harness.bulk_load`).
    """
    from accounts.models import Account
    from budgets.models import Budget
    from categories.models import Category

    began = time.perf_counter()
    today = today or datetime.date.today()
    start = today.replace(year=today.year - YEARS, day=1)
    category = dict(Category.objects.values_list("short_desc", "id"))
    account_ids = list(Account.objects.order_by("id").values_list("id", flat=True))
    card = account_ids[0]
    rng = random.Random(7)
    pools = [
        (category[short], [f"{short.replace('_', ' ').title()} Shop {i}" for i in range(size)], low, high)
        for short, _, size, low, high in SPENDING
    ]
    weights = [w for _, w, *_ in SPENDING]
    fixed = list(_fixed(start, today, account_ids))
    days = (today - start).days + 1
    per_day = max((n - len(fixed)) // days, 1)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    review_from = today - datetime.timedelta(days=10)
    rows = []

    def add(account: int, day: datetime.date, merchant: str, cat: int, amount: Decimal) -> None:
        status = "auto_confirmed" if rng.random() < 0.3 else "confirmed"
        if day >= review_from and rng.random() < 0.3:
            status = "pending_review"
        rows.append((account, day.isoformat(), merchant.upper(), merchant, merchant.lower(), str(amount),
                     None if status == "pending_review" else cat, cat, status, "csv_import", stamp,
                     f"bench-{len(rows)}"))

    for account, day, merchant, short, amount in fixed:
        add(account, day, merchant, category[short], amount)
    choices = rng.choices(range(len(pools)), weights=weights, k=per_day * days)
    for i, pick in enumerate(choices):
        cat, merchants, low, high = pools[pick]
        amount = Decimal(rng.randrange(low * 100, high * 100 + 1)) / 100
        add(card, start + datetime.timedelta(days=i // per_day), rng.choice(merchants), cat, amount)
    built = time.perf_counter()
    bulk_load(INSERT, rows)
    loaded = time.perf_counter()
    Budget.objects.bulk_create(
        [Budget(category_id=category[short], month=first.strftime("%Y-%m"), amount=Decimal(amount),
                rollover=rollover)
         for first in _months(start, today) for short, (amount, rollover) in BUDGETS.items()],
        batch_size=2000,
    )
    return {"rows": len(rows), "build_s": round(built - began, 1),
            "load_s": round(loaded - built, 1)}  # insert, then summaries rebuilt


PAGES = [
    ("dashboard", "/"),
    ("budgets_month", "/budgets/"),
    ("insights_spending", "/insights/"),
    ("insights_spending_12m", "/insights/?period=12m"),
    ("insights_trends_12", "/insights/trends/"),
    ("insights_trends_24", "/insights/trends/?months=24"),
    ("insights_merchants", "/insights/merchants/"),
    ("insights_merchants_12m", "/insights/merchants/?period=12m"),
    ("insights_recurring", "/insights/recurring/"),
    ("insights_anomalies", "/insights/anomalies/"),
]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.median(samples), 3), round(samples[int(0.95 * (len(samples) - 1))], 3)


def page_latency(name: str, client, url: str, rows: int) -> None:
    """Server time for n requests: wall p95 as the value, wall p50, and CPU p50/p95 beside it.

    CPU time (this process, where SQLite runs too) is what the page costs
    when the machine is shared; wall time is what a person waits.
    """
    for _ in range(5):
        client.get(url)
    wall, cpu = [], []
    for _ in range(REQUESTS):
        started, used = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    wall_p50, wall_p95 = _percentiles(wall)
    cpu_p50, cpu_p95 = _percentiles(cpu)
    report(f"{name}_p95", wall_p95, "ms", p50=wall_p50, cpu_p50=cpu_p50, cpu_p95=cpu_p95, n=REQUESTS,
           rows=rows, load=round(os.getloadavg()[0], 1))


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    began = time.perf_counter()
    made = populate()
    report("budgets_generate_1m", time.perf_counter() - began, "s", **made)
    user = get_user_model().objects.create_superuser("bench", "b@example.com", "bench-pass-1")
    client = Client(HTTP_HOST="127.0.0.1")  # no test environment here, so no "testserver" host
    client.force_login(user)
    for name, url in PAGES:
        assert client.get(url).status_code == 200, url
        page_latency(name, client, url, made["rows"])
    anomalies_after_a_change(client, made["rows"])


def anomalies_after_a_change(client, rows: int) -> None:
    """The unusual-spending statistics are kept per ledger token: time the first view after a
    write (each sample edits one confirmed charge first), when they are computed afresh."""
    from django.db.models import F

    from transactions.models import Transaction

    charge = Transaction.objects.filter(status="confirmed", amount__gt=0).order_by("-date").first()
    wall, cpu = [], []
    for _ in range(10):
        Transaction.objects.filter(pk=charge.pk).update(amount=F("amount"))
        started, used = time.perf_counter(), time.process_time()
        assert client.get("/insights/anomalies/").status_code == 200
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    wall_p50, wall_p95 = _percentiles(wall)
    cpu_p50, cpu_p95 = _percentiles(cpu)
    report("insights_anomalies_after_write_p95", wall_p95, "ms", p50=wall_p50, cpu_p50=cpu_p50,
           cpu_p95=cpu_p95, n=len(wall), rows=rows, load=round(os.getloadavg()[0], 1))


if __name__ == "__main__":
    main()
