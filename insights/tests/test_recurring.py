"""The recurring monitor on known subscriptions, as of Sunday 15 November 2026."""

import datetime
from decimal import Decimal

import pytest

from insights.recurring import dismiss, recurring_charges, undismiss
from insights.tests.conftest import TODAY
from transactions.models import Transaction

pytestmark = pytest.mark.django_db
d = datetime.date
D = Decimal


@pytest.fixture
def subscriptions(charge):
    for month in range(5, 11):  # Netflix, 15.49 from May, then 17.99 in November: a price rise
        charge("streaming", d(2026, month, 12), "15.49", "Netflix")
    charge("streaming", d(2026, 11, 12), "17.99", "Netflix")
    for month in range(6, 10):  # a gym charged on the 28th until September, then nothing: missed
        charge("hobbies", d(2026, month, 28), "40.00", "Gym")
    day = d(2026, 9, 5)
    while day <= TODAY:  # laundry every Saturday
        charge("home_supplies", day, "18.00", "Laundry")
        day += datetime.timedelta(days=7)
    for month in (8, 9, 10):  # started in August: new
        charge("software", d(2026, month, 25), "5.99", "Cloud Backup")
    for day in (d(2024, 3, 3), d(2025, 3, 3), d(2026, 3, 4)):  # yearly, one day late is fine
        charge("books_games", day, "12.00", "Domain")
    charge("water", d(2026, 3, 15), "60.00", "City Water")  # a bill without rhythm: irregular
    charge("water", d(2026, 7, 2), "72.50", "City Water")
    for i, amount in enumerate(["10", "45", "22", "80", "15", "60"]):  # weekly-ish shopping, any amount
        charge("groceries", d(2026, 9, 1) + datetime.timedelta(days=7 * i), amount, "Corner Store")
    for month in range(6, 12):  # a monthly transfer is not a subscription
        charge("account_transfer", d(2026, month, 1), "500.00", "Savings Transfer")
    for month in (1, 2, 3, 4):  # cancelled in spring: more than a cycle overdue, not listed
        charge("streaming", d(2026, month, 20), "9.99", "Old Music")


def _found():
    return {s.name: s for s in recurring_charges(TODAY)}


def test_recurring_detects_each_known_subscription(subscriptions):
    found = _found()
    assert list(found) == ["Laundry", "Gym", "Netflix", "City Water", "Cloud Backup", "Domain"]
    summary = {
        name: (s.cadence.name if s.cadence else None, s.typical, s.last, s.next_expected, s.annual_cost)
        for name, s in found.items()
    }
    assert summary == {
        "Laundry": ("weekly", D("18.00"), d(2026, 11, 14), d(2026, 11, 21), D("936.00")),
        "Gym": ("monthly", D("40.00"), d(2026, 9, 28), d(2026, 10, 28), D("480.00")),
        "Netflix": ("monthly", D("17.99"), d(2026, 11, 12), d(2026, 12, 12), D("215.88")),
        "City Water": (None, D("66.25"), d(2026, 7, 2), None, D("132.50")),
        "Cloud Backup": ("monthly", D("5.99"), d(2026, 10, 25), d(2026, 11, 25), D("71.88")),
        "Domain": ("yearly", D("12.00"), d(2026, 3, 4), d(2027, 3, 4), D("12.00")),
    }
    assert len(found["Laundry"].dates) == 11 and len(found["Netflix"].dates) == 7


def test_recurring_flags_price_rise_missed_payment_and_new(subscriptions):
    found = _found()
    assert found["Netflix"].price_increase == (D("15.49"), D("17.99"))
    assert [name for name, s in found.items() if s.price_increase] == ["Netflix"]
    assert [name for name, s in found.items() if s.missed] == ["Gym"]
    assert [name for name, s in found.items() if s.is_new] == ["Cloud Backup"]


def test_recurring_dismissal_sticks_and_can_be_undone(subscriptions):
    dismiss("gym")
    assert "Gym" not in _found()
    undismiss("gym")
    assert "Gym" in _found()


def test_recurring_never_creates_transactions(subscriptions):
    before = Transaction.objects.count()
    recurring_charges(TODAY)
    assert Transaction.objects.count() == before
