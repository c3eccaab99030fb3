"""Spending, trends, merchants and pace on `two_months`, every figure by hand."""

from decimal import Decimal

import pytest

from insights.anomalies import spending_pace
from insights.merchants import top_merchants
from insights.months import Month, period
from insights.spending import spending_by_category
from insights.tests.conftest import TODAY
from insights.trends import month_over_month, monthly_trend

pytestmark = pytest.mark.django_db
D = Decimal
NOV = Month(2026, 11)


def _slices(report):
    return [(s.category.name, s.total, s.share, s.drillable) for s in report.slices]


def test_spending_this_month_by_parent_excludes_transfers_income_and_pending(two_months):
    report = spending_by_category(period("this_month", TODAY))
    # Food: groceries 120 - 20, restaurants 90, Food itself 10.
    assert _slices(report) == [("Housing", D("1000.00"), D("83.3"), True),
                               ("Food", D("200.00"), D("16.7"), True)]
    assert report.total == D("1200.00")
    chart = report.chart()
    assert chart["datasets"][0]["data"] == ["1000.00", "200.00"] and chart["drill"] == [
        report.slices[0].category.id, report.slices[1].category.id]
    assert chart["datasets"][0]["colors"] == ["#6d4c41", "#ef6c00"]


def test_spending_drills_into_a_parent(two_months, cat):
    report = spending_by_category(period("this_month", TODAY), parent_id=cat("food").pk)
    assert _slices(report) == [("Groceries", D("100.00"), D("50.0"), False),
                               ("Restaurants", D("90.00"), D("45.0"), False),
                               ("Food", D("10.00"), D("5.0"), False)]
    with pytest.raises(ValueError):
        spending_by_category(period("this_month", TODAY), parent_id=cat("income").pk)


def test_spending_over_three_months(two_months):
    report = spending_by_category(period("3m", TODAY))
    assert _slices(report)[:2] == [("Housing", D("2000.00"), D("84.0"), True),
                                   ("Food", D("380.00"), D("16.0"), True)]


def test_monthly_trend_stacks_income_and_savings_rate(two_months):
    trend = monthly_trend(NOV, 12)
    assert len(trend.months) == 12 and trend.months[0] == Month(2025, 12)
    assert [(top.name, values[-2:]) for top, values in trend.stacks] == [
        ("Housing", [D("1000.00"), D("1000.00")]), ("Food", [D("180.00"), D("200.00")])]
    assert trend.income[-2:] == [D("3000.00"), D("4000.00")]
    assert trend.expenses[-2:] == [D("1180.00"), D("1200.00")]
    assert trend.savings_rate[-2:] == [D("60.7"), D("70.0")] and trend.savings_rate[0] is None
    assert len(monthly_trend(NOV, 24).months) == 24
    chart = trend.income_chart()
    assert chart["datasets"][2]["data"][-1] == "70.0" and chart["datasets"][0]["data"][-1] == "4000.00"


def test_month_over_month_biggest_movers_first(two_months):
    movers = [(m.category.name, m.previous, m.current, m.change, m.percent) for m in month_over_month(NOV)]
    assert movers == [
        ("Restaurants", D("30.00"), D("90.00"), D("60.00"), D("200.0")),
        ("Groceries", D("150.00"), D("100.00"), D("-50.00"), D("-33.3")),
        ("Food", D("0.00"), D("10.00"), D("10.00"), None),
        ("Rent", D("1000.00"), D("1000.00"), D("0.00"), D("0.0")),
    ]


def test_top_merchants_this_month_and_three_months(two_months):
    now = [(m.name, m.total, m.count, m.category.name) for m in top_merchants(period("this_month", TODAY))]
    assert now == [("Landlord", D("1000.00"), 1, "Rent"), ("Safeway", D("100.00"), 2, "Groceries"),
                   ("Bistro", D("90.00"), 1, "Restaurants"), ("Market", D("10.00"), 1, "Food")]
    three = [(m.name, m.total) for m in top_merchants(period("3m", TODAY), limit=3)]
    assert three == [("Landlord", D("2000.00")), ("Safeway", D("200.00")), ("Bistro", D("120.00"))]


def test_spending_pace_against_three_month_average(two_months):
    # Halfway through November: Housing 1000 so far against (0 + 0 + 1000) / 3 * 15/30 = 166.67.
    paces = {p.category.name: (p.so_far, p.baseline, p.expected, p.difference) for p in spending_pace(TODAY)}
    assert paces["Housing"] == (D("1000.00"), D("333.33"), D("166.67"), D("833.33"))
    assert paces["Food"] == (D("200.00"), D("60.00"), D("30.00"), D("170.00"))
    assert list(paces) == ["Housing", "Food"]
