"""Money formatting for templates, straight from Decimal (never through float)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


def format_money(value, symbol: str = "$") -> str:
    """`Decimal("-1234.5")` -> `"−$1,234.50"`; None or garbage -> `""`."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    sign = "−" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


@register.filter
def money(value) -> str:
    """Format a Decimal as money: `{{ txn.amount|money }}`."""
    return format_money(value)


def format_flow(value) -> str:
    """A transaction's amount as a person reads it: money out plain (`$54.23`), money in with
    a plus (`+$2,500.00`). The stored sign (`amount > 0` is an expense) would show a paycheck
    as `−$2,500.00`; pages color the two kinds apart as well."""
    text = format_money(value)
    return "+" + text[1:] if text.startswith("−") else text


@register.filter
def money_flow(value) -> str:
    """A transaction amount: `{{ t.amount|money_flow }}` (see `format_flow`)."""
    return format_flow(value)


@register.filter
def percent(value, places: int = 0) -> str:
    """A probability in [0, 1] as a whole percentage: 0.934 -> '93%'."""
    if value is None:
        return ""
    return f"{float(value) * 100:.{int(places)}f}%"
