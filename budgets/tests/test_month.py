"""November 2026 of the `household` fixture, every figure worked out by hand.

Groceries: budget 200; rollover from September (100 - 120 = -20) and October
(100 - 150 = -50) carries -70 (July's rollover is cut off by August, which
has none), so 130 available; spent 40 + 60.50 - 10.50 = 90; 25 waiting.
Restaurants: budget 100 + carried (100 - 80) = 120; spent 130, over by 10.
Food itself: 5 spent, no budget. Rent: 1000 of 1000. Paycheck: 3000 income.
Transfers (500 out, 500 in) count nowhere.
"""

from decimal import Decimal

import pytest

from budgets.models import Budget
from budgets.month import (
    budget_month,
    carried_into,
    copy_previous,
    set_budget,
    set_to_average,
    toggle_rollover,
)
from budgets.tests.conftest import TODAY
from insights.months import Month
from transactions.confirm import confirm
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

NOV = Month(2026, 11)
D = Decimal


def _lines(result):
    return {line.category.name: line for line in result.lines}


def test_budget_month_lines_hand_computed(household):
    lines = _lines(budget_month(NOV, today=TODAY))
    groceries = lines["Groceries"]
    assert (groceries.budget, groceries.carried, groceries.available) == (D("200"), D("-70"), D("130"))
    assert (groceries.spent, groceries.pending, groceries.remaining) == (D("90.00"), D("25.00"), D("40.00"))
    assert (groceries.last_month, groceries.average) == (D("150.00"), D("120.00"))
    assert (groceries.percent, groceries.pending_percent, groceries.over) == (69, 19, False)
    restaurants = lines["Restaurants"]
    assert (restaurants.available, restaurants.spent, restaurants.remaining) == (D("120"), D("130"), D("-10"))
    assert restaurants.over and restaurants.percent == 100 and restaurants.average == D("26.67")
    food = lines["Food"]
    assert (food.budget, food.spent, food.over) == (None, D("5.00"), True)
    assert (lines["Rent"].remaining, lines["Rent"].over) == (D("0"), False)
    assert set(lines) == {"Groceries", "Restaurants", "Food", "Rent"}  # no income, no transfers


def test_budget_month_parent_rollups(household):
    groups = {g.top.name: g for g in budget_month(NOV, today=TODAY).groups}
    assert list(groups) == ["Food", "Housing"]
    food = groups["Food"].total
    assert [line.category.name for line in groups["Food"].lines] == ["Food", "Groceries", "Restaurants"]
    assert (food.budget, food.carried, food.available, food.spent, food.pending) == (
        D("300"), D("-50"), D("250"), D("225.00"), D("25.00"))
    assert (food.last_month, food.average, food.remaining) == (D("230.00"), D("146.67"), D("25.00"))
    assert groups["Housing"].total.spent == D("1000.00")


def test_budget_month_totals_exclude_transfers(household):
    month = budget_month(NOV, today=TODAY)
    assert (month.budgeted, month.carried, month.available) == (D("1300"), D("-50"), D("1250"))
    assert (month.spent, month.pending, month.income) == (D("1225.00"), D("25.00"), D("3000.00"))
    assert (month.left, month.net) == (D("25.00"), D("1775.00"))
    assert month.elapsed == D("0.5")


def test_budget_month_over_pace_halfway(household):
    ahead = budget_month(NOV, today=TODAY).over_pace()
    assert [(line.category.name, amount) for line, amount in ahead] == [
        ("Rent", D("500.00")), ("Restaurants", D("70.00")), ("Groceries", D("25.00"))]


def test_carried_into_december_continues_the_groceries_run(household):
    Budget.objects.filter(category=household["groceries"], month="2026-11").update(rollover=True)
    # -70 carried in, 200 budget, 90 spent: 40 left carries on.
    assert carried_into(Month(2026, 12)) == {household["groceries"].pk: D("40.00")}
    assert carried_into(Month(2026, 8)) == {household["groceries"].pk: D("100.00")}  # nothing spent in July


def test_copy_previous_keeps_existing_budgets(household):
    Budget.objects.create(category=household["rent"], month="2026-12", amount=D("1100"))
    result = copy_previous(month=Month(2026, 12))
    assert (result.copied, result.kept) == (2, 1)
    december = {b.category.short_desc: (b.amount, b.rollover) for b in Budget.objects.filter(month="2026-12")}
    assert december == {"groceries": (D("200"), False), "restaurants": (D("100"), False),
                        "rent": (D("1100"), False)}


def test_set_to_average_all_and_one(household):
    assert set_to_average(month=Month(2026, 12)) == 4
    december = {b.category.short_desc: b.amount for b in Budget.objects.filter(month="2026-12")}
    # Sep-Nov: groceries (120 + 150 + 90) / 3, restaurants 210 / 3, rent 1000 / 3, food 5 / 3.
    assert december == {"groceries": D("120"), "restaurants": D("70"), "rent": D("333"), "food": D("2")}
    set_to_average(month=NOV, category_id=household["groceries"].pk)
    assert Budget.objects.get(month="2026-11", category=household["groceries"]).amount == D("120")


def test_set_budget_and_remove(household):
    set_budget(month=NOV, category_id=household["rent"].pk, amount=D("950.00"))
    assert Budget.objects.get(month="2026-11", category=household["rent"]).amount == D("950.00")
    set_budget(month=NOV, category_id=household["rent"].pk, amount=None)
    assert not Budget.objects.filter(month="2026-11", category=household["rent"]).exists()
    with pytest.raises(ValueError):
        set_budget(month=NOV, category_id=household["paycheck"].pk, amount=D("1"))


def test_toggle_rollover_creates_and_flips(household):
    assert toggle_rollover(month=NOV, category_id=household["rent"].pk) is True
    assert toggle_rollover(month=NOV, category_id=household["rent"].pk) is False
    assert toggle_rollover(month=Month(2026, 12), category_id=household["rent"].pk) is True
    assert Budget.objects.get(month="2026-12", category=household["rent"]).amount == D("0")


def test_pending_review_counts_apart_until_confirmed(household):
    confirm(list(Transaction.objects.filter(description="SHOP")))
    groceries = _lines(budget_month(NOV, today=TODAY))["Groceries"]
    assert (groceries.spent, groceries.pending) == (D("115.00"), D("0.00"))
