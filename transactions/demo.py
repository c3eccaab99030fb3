"""A realistic generated year for a household, fed through the real pipeline.

`load_demo` uses it so a newcomer sees a living app in one command: nine
months of confirmed history (archive import, which teaches the engine), then
three recent months waiting for review, categorized by what was learned.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from accounts.models import Account, AccountType
from categories.engine.training import train_from_ledger
from transactions.importers.base import ImportRow
from transactions.imports import CategoryResolver
from transactions.ingest import ingest
from transactions.models import Source, Transaction

# (description, category short_desc, low, high, times per month, account kind)
SPENDING = [
    ("SAFEWAY #{store} OAKLAND CA", "groceries", 45, 160, 4, "card"),
    ("TRADER JOE S #{store} OAKLAND CA", "groceries", 25, 90, 3, "card"),
    ("STARBUCKS STORE {store}", "coffee", 4, 9, 6, "card"),
    ("SQ *BLUE BOTTLE COFFEE", "coffee", 5, 8, 3, "card"),
    ("CHIPOTLE {store}", "restaurants", 11, 28, 2, "card"),
    ("TST* THE LOCAL BISTRO", "restaurants", 40, 120, 1, "card"),
    ("DOORDASH*ORDER", "food_delivery", 22, 55, 2, "card"),
    ("SHELL OIL {store}", "fuel", 35, 70, 2, "card"),
    ("UBER *TRIP", "rideshare", 9, 35, 2, "card"),
    ("AMZN Mktp US*{ref}", "online_shopping", 8, 120, 3, "card"),
    ("TARGET T-{store}", "general_merchandise", 15, 140, 1, "card"),
    ("WALGREENS #{store}", "pharmacy", 6, 40, 1, "card"),
    ("PLANET FITNESS", "fitness", 24.99, 24.99, 1, "card"),
]
MONTHLY = [
    (1, "RENT PAYMENT ZELLE OAK PROPERTY MGMT", "rent", Decimal("2450.00"), "checking"),
    (5, "PG&E WEB ONLINE", "electricity", None, "checking"),
    (8, "COMCAST CABLE COMM", "internet", Decimal("79.99"), "card"),
    (12, "NETFLIX.COM", "streaming", Decimal("15.49"), "card"),
    (14, "SPOTIFY USA", "streaming", Decimal("11.99"), "card"),
    (18, "VERIZON WIRELESS PAYMENTS", "phone", Decimal("85.00"), "checking"),
    (20, "GEICO *AUTO", "auto_insurance", Decimal("132.40"), "checking"),
    (22, "APPLE.COM/BILL", "cloud_storage", Decimal("2.99"), "card"),
]


# New in the last months, so the engine has not seen them: they wait for review.
NEW_MERCHANTS = [
    ("SQ *SUSHI KAZU", 38, 95), ("THE HOME DEPOT #4721", 20, 240), ("ETSY.COM - HANDMADEGOODS", 18, 70),
    ("CITY OF OAKLAND PARKING", 3, 12), ("PETCO 1234", 15, 80), ("REI #88 BERKELEY", 30, 180),
    ("CVS/PHARMACY #09876", 5, 35), ("LOCAL FARMERS MARKET", 10, 45),
]


def _new_merchant_rows(since: datetime.date, until: datetime.date, rng: random.Random):
    days = max((until - since).days, 1)
    return [
        ("card", ImportRow(since + datetime.timedelta(days=rng.randrange(days)), text,
                           Decimal(rng.randrange(low * 100, high * 100)) / 100))
        for text, low, high in NEW_MERCHANTS for _ in range(rng.randrange(1, 4))
    ]


def _rows(start: datetime.date, months: int, rng: random.Random):
    """(account kind, ImportRow with category_name) for `months` months from `start`."""
    out = []
    for m in range(months):
        year, month = start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1
        first = datetime.date(year, month, 1)
        for day, text, category, amount, kind in MONTHLY:
            amount = amount or Decimal(rng.randrange(6000, 18000)) / 100
            out.append((kind, ImportRow(first.replace(day=day), text, amount, category_name=category)))
        for day in (1, 15):
            out.append(("checking", ImportRow(first.replace(day=day), "ACME CORP PAYROLL PPD ID: 123",
                                              Decimal("-3150.00"), category_name="paycheck")))
        for text, category, low, high, times, kind in SPENDING:
            for _ in range(times):
                day = first + datetime.timedelta(days=rng.randrange(28))
                amount = Decimal(rng.randrange(int(low * 100), int(high * 100) + 1)) / 100
                out.append((kind, ImportRow(
                    day, text.format(store=rng.randrange(100, 999), ref=rng.randrange(10**8, 10**9)),
                    amount, category_name=category)))
        odd = first + datetime.timedelta(days=rng.randrange(28))
        out.append(("card", ImportRow(odd, "BESTBUY.COM 00123", Decimal(rng.randrange(5000, 60000)) / 100,
                                      category_name="electronics")))
    card_total: dict[tuple[int, int], Decimal] = {}
    for kind, row in out:
        if kind == "card":
            card_total[(row.date.year, row.date.month)] = card_total.get(
                (row.date.year, row.date.month), Decimal(0)) + row.amount
    for (year, month), total in card_total.items():
        pay_day = datetime.date(year, month, 25)
        out.append(("checking", ImportRow(pay_day, "DISCOVER E-PAYMENT 4821", total,
                                          category_name="credit_card_payment")))
        out.append(("card", ImportRow(pay_day + datetime.timedelta(days=1),
                                      "INTERNET PAYMENT - THANK YOU", -total,
                                      category_name="credit_card_payment")))
    return sorted(out, key=lambda pair: pair[1].date)


def load_demo(*, today: datetime.date | None = None, seed: int = 2026) -> dict[str, int]:
    """Fill an empty ledger with a year; refuses (ValueError) when transactions exist."""
    if Transaction.objects.exists():
        raise ValueError("the database already has transactions; load_demo only fills an empty one")
    today = today or datetime.date.today()
    rng = random.Random(seed)
    start = (today.replace(day=1) - datetime.timedelta(days=360)).replace(day=1)
    rows = _rows(start, 12, rng)
    accounts = {
        "checking": Account.objects.filter(account_type=AccountType.CHECKING).first()
        or Account.objects.create(name="Checking", institution="Demo Bank",
                                  account_type=AccountType.CHECKING),
        "card": Account.objects.filter(account_type=AccountType.CREDIT_CARD).first()
        or Account.objects.create(name="Card", institution="Demo Bank", account_type=AccountType.CREDIT_CARD),
    }
    cutoff = today.replace(day=1) - datetime.timedelta(days=62)
    resolver = CategoryResolver()
    counts = {"history": 0, "pending": 0}
    rows += _new_merchant_rows(cutoff, today, rng)
    recent: dict[str, list[ImportRow]] = {}
    for kind, account in accounts.items():
        mine = [row for k, row in rows if k == kind and row.date <= today]
        history = [r for r in mine if r.date < cutoff]
        recent[kind] = [ImportRow(r.date, r.description, r.amount) for r in mine if r.date >= cutoff]
        counts["history"] += ingest(history, account=account, source=Source.ARCHIVE,
                                    file_name="demo-history.csv", categories=resolver).added
    train_from_ledger()
    for kind, account in accounts.items():
        counts["pending"] += ingest(recent[kind], account=account, source=Source.CSV_IMPORT,
                                    file_name="demo-recent.csv").added
    return counts
