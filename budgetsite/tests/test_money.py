"""Money as pages show it: from Decimal, never through float."""

from decimal import Decimal

import pytest

from budgetsite.templatetags.money import format_flow, format_money, percent


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("1234.5"), "$1,234.50"), (Decimal("-1234.5"), "−$1,234.50"), (Decimal("0.005"), "$0.01"),
    ("54.23", "$54.23"), (None, ""), ("", ""), ("garbage", ""),
    # Beyond a float's 15–17 digits: Decimal keeps every cent.
    (Decimal("12345678901234567.89"), "$12,345,678,901,234,567.89"),
])
def test_format_money(value, shown):
    assert format_money(value) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("54.23"), "$54.23"), (Decimal("-2500"), "+$2,500.00"), (Decimal("0"), "$0.00"), (None, ""),
])
def test_format_flow_shows_money_in_with_a_plus(value, shown):
    assert format_flow(value) == shown


def test_percent():
    assert percent(0.934) == "93%" and percent(None) == "" and percent(1) == "100%"
