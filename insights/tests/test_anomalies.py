"""Unusual charges by merchant and by category, as of 15 November 2026."""

import datetime
from decimal import Decimal

import pytest

from insights.anomalies import unusual_transactions
from insights.tests.conftest import TODAY

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def cafe_and_groceries(charge):
    start = datetime.date(2026, 8, 20)  # the 90-day window opens on August 17
    # A cafe at 4.50 .. 5.40 weekly, and lately 48.00 (flagged) and 6.10 (not).
    weekly = ["4.50", "4.60", "4.70", "4.80", "4.90", "5.00", "5.10", "5.20", "5.30", "5.40"]
    for i, amount in enumerate(weekly):
        charge("coffee", start + datetime.timedelta(days=7 * i), amount, "Cafe")
    charge("coffee", datetime.date(2026, 11, 10), "48.00", "Cafe")
    charge("coffee", datetime.date(2026, 11, 11), "6.10", "Cafe")  # a bit more than usual: fine
    # Groceries at five stores, 60 .. 100; a first visit to a new store for 420 is unusual for the category.
    for i, amount in enumerate(["60", "70", "80", "90", "100"]):
        charge("groceries", start + datetime.timedelta(days=10 * i), amount, f"Store {i}")
    charge("groceries", datetime.date(2026, 11, 2), "420.00", "Fancy Grocer")
    charge("groceries", datetime.date(2026, 11, 3), "95.00", "Another Store")
    # Transfers and income are never spending, however large.
    charge("credit_card_payment", datetime.date(2026, 11, 4), "5000.00", "Card Payment")
    # An old splurge (before the last 31 days) is history, not news.
    charge("coffee", datetime.date(2026, 9, 20), "60.00", "Cafe")


def test_unusual_flags_by_merchant_then_by_category(cafe_and_groceries):
    found = [(u.transaction.merchant_name, u.transaction.amount, u.usual, u.history, u.basis, u.times)
             for u in unusual_transactions(TODAY)]
    # Fancy Grocer, seen once: the category's 7 charges (60..100, 95, 420) have median 90,
    # Q1 70, Q3 100, so the far fence is 100 + 3 x 30 = 190. Cafe: its 13 charges (with the
    # September 60.00) have median 5.10, Q1 4.80, Q3 5.40: fence 7.20.
    assert found == [
        ("Fancy Grocer", D("420.00"), D("90.00"), 7, "category", D("4.7")),
        ("Cafe", D("48.00"), D("5.10"), 13, "merchant", D("9.4")),
    ]


def test_unusual_is_empty_without_history(charge):
    charge("coffee", datetime.date(2026, 11, 10), "48.00", "Cafe")
    assert unusual_transactions(TODAY) == []
