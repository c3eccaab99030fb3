"""Two months of a seeded household, small enough to work every report out by hand.

October 2026: Safeway 100, Trader Joe's 50 (groceries), Bistro 30 (restaurants),
Landlord 1000 (rent), pay 3000, a 500 card payment (Transfers).
November 2026: Safeway 120 and a 20 refund, Bistro 90, Market 10 (Food itself),
Landlord 1000, pay 3000 and a 1000 bonus, a 700 card payment, and a 999
grocery charge still waiting for review.
"""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account
from categories.models import Category
from transactions.models import Status
from transactions.tests.factories import TransactionFactory

TODAY = datetime.date(2026, 11, 15)


@pytest.fixture
def cat(seeded):
    return lambda short: Category.objects.get(short_desc=short)


@pytest.fixture
def charge(seeded):
    account = Account.objects.get(name="SoFi Checking")

    def make(short, day, amount, merchant, status=Status.CONFIRMED):
        category = Category.objects.get(short_desc=short)
        pending = status in (Status.PENDING_REVIEW,)
        return TransactionFactory(
            account=account, date=day, amount=Decimal(amount), description=merchant.upper(),
            merchant_name=merchant, merchant_key=merchant.lower(), status=status,
            category=None if pending else category, predicted_category=category,
        )

    return make


@pytest.fixture
def two_months(charge):
    d = datetime.date
    for short, day, amount, merchant in [
        ("groceries", d(2026, 10, 3), "100.00", "Safeway"),
        ("groceries", d(2026, 10, 9), "50.00", "Trader Joe's"),
        ("restaurants", d(2026, 10, 11), "30.00", "Bistro"), ("rent", d(2026, 10, 1), "1000.00", "Landlord"),
        ("paycheck", d(2026, 10, 1), "-3000.00", "Acme Payroll"),
        ("credit_card_payment", d(2026, 10, 20), "500.00", "Card Payment"),
        ("groceries", d(2026, 11, 3), "120.00", "Safeway"),
        ("groceries", d(2026, 11, 5), "-20.00", "Safeway"),
        ("restaurants", d(2026, 11, 7), "90.00", "Bistro"), ("food", d(2026, 11, 8), "10.00", "Market"),
        ("rent", d(2026, 11, 1), "1000.00", "Landlord"),
        ("paycheck", d(2026, 11, 1), "-3000.00", "Acme Payroll"),
        ("paycheck", d(2026, 11, 14), "-1000.00", "Acme Payroll"),
        ("credit_card_payment", d(2026, 11, 20), "700.00", "Card Payment"),
    ]:
        charge(short, day, amount, merchant)
    charge("groceries", d(2026, 11, 12), "999.00", "Big Box", status=Status.PENDING_REVIEW)
