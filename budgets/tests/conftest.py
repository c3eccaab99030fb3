"""A small household with hand-computed November 2026 figures (see test_month.py)."""

import datetime
from decimal import Decimal

import pytest

from accounts.tests.factories import AccountFactory
from budgets.models import Budget
from categories.tests.factories import CategoryFactory
from transactions.models import Status
from transactions.tests.factories import TransactionFactory

TODAY = datetime.date(2026, 11, 15)


@pytest.fixture
def household(db):
    food = CategoryFactory(short_desc="food", display_name="Food", color="#ef6c00")
    groceries = CategoryFactory(short_desc="groceries", display_name="Groceries", parent=food,
                                color="#ef6c00")
    restaurants = CategoryFactory(short_desc="restaurants", display_name="Restaurants", parent=food,
                                  color="#ff7043")
    housing = CategoryFactory(short_desc="housing", display_name="Housing", color="#6d4c41")
    rent = CategoryFactory(short_desc="rent", display_name="Rent", parent=housing, color="#6d4c41")
    income = CategoryFactory(short_desc="income", display_name="Income", color="#2e7d32", is_income=True)
    paycheck = CategoryFactory(short_desc="paycheck", display_name="Paycheck", parent=income,
                               is_income=True)
    transfers = CategoryFactory(short_desc="transfers", display_name="Transfers", color="#9e9e9e")
    card_payment = CategoryFactory(short_desc="credit_card_payment", display_name="Credit card payment",
                                   parent=transfers)
    account = AccountFactory(name="Checking")

    def spend(category, month, day, amount, status=Status.CONFIRMED, **extra):
        return TransactionFactory(
            account=account, category=category, date=datetime.date(2026, month, day),
            amount=Decimal(amount), status=status, description=f"{category.short_desc} {month}-{day}",
            **extra,
        )

    spend(groceries, 8, 5, "90.00")
    spend(groceries, 9, 5, "120.00")
    spend(groceries, 10, 5, "150.00", status=Status.AUTO_CONFIRMED)
    spend(groceries, 11, 2, "40.00")
    spend(groceries, 11, 3, "60.50")
    spend(groceries, 11, 4, "-10.50")  # a refund lowers spending
    TransactionFactory(account=account, date=datetime.date(2026, 11, 6), amount=Decimal("25.00"),
                       predicted_category=groceries, status=Status.PENDING_REVIEW, description="SHOP")
    spend(restaurants, 10, 9, "80.00")
    spend(restaurants, 11, 9, "130.00")
    spend(food, 11, 10, "5.00")
    spend(rent, 11, 1, "1000.00")
    spend(paycheck, 11, 1, "-3000.00")
    spend(card_payment, 11, 12, "500.00")
    spend(card_payment, 11, 12, "-500.00")

    for month, amount, rollover in (("2026-07", "100", True), ("2026-08", "100", False),
                                    ("2026-09", "100", True), ("2026-10", "100", True),
                                    ("2026-11", "200", False)):
        Budget.objects.create(category=groceries, month=month, amount=Decimal(amount), rollover=rollover)
    Budget.objects.create(category=restaurants, month="2026-10", amount=Decimal("100"), rollover=True)
    Budget.objects.create(category=restaurants, month="2026-11", amount=Decimal("100"))
    Budget.objects.create(category=rent, month="2026-11", amount=Decimal("1000"))
    return {
        "food": food, "groceries": groceries, "restaurants": restaurants, "housing": housing, "rent": rent,
        "paycheck": paycheck, "transfers": transfers, "card_payment": card_payment, "account": account,
        "spend": spend,
    }
