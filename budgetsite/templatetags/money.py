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


@register.filter
def money_abs(value) -> str:
    """Format the magnitude only (the sign is shown by styling)."""
    if value is None or value == "":
        return ""
    try:
        return format_money(abs(Decimal(str(value))))
    except InvalidOperation:
        return ""


@register.filter
def percent(value, places: int = 0) -> str:
    """A probability in [0, 1] as a whole percentage: 0.934 -> '93%'."""
    if value is None:
        return ""
    return f"{float(value) * 100:.{int(places)}f}%"
