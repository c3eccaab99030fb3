"""The holdings table's rows as HTML, built in Python.

A portfolio can hold hundreds of securities; the template engine spends
about half a millisecond per row resolving a dozen variables and filters,
and even `format_html` (lazy-aware escaping per argument) costs a fifth of
that. Plain f-strings with every value passed through `html.escape` build
the same markup in a few microseconds, which keeps the page within its
100 ms budget (bench/bench_portfolio.py). The columns are those of the
table head in templates/investments/portfolio.html.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from budgetsite.templatetags.money import format_money
from investments.models import SecurityType
from investments.portfolio import Portfolio, Position

_PK = 2_147_483_647  # a placeholder id, replaced per row (one reverse() instead of one per row)
_TYPES = dict(SecurityType.choices)


def _tone(amount: Decimal | None) -> str:
    if not amount:
        return ""
    return " expense" if amount < 0 else " income"


def _security_cell(p: Position, url: str) -> str:
    s = p.security
    badge = ""
    if p.stale:
        day = p.price_date
        badge = (f' <mark class="stale" title="Last close {day:%b} {day.day}, {day.year}, '
                 f'{p.market_days_old} market days ago">stale</mark>')
    elif not p.priced:
        badge = ' <mark class="stale">no price</mark>'
    return (f'<a href="{escape(url)}">{escape(s.ticker or "—")}</a> <span class="muted small-print">'
            f'{escape(s.name)} · {escape(_TYPES.get(s.security_type, s.security_type))}</span>{badge}')


def _price_cell(p: Position) -> str:
    if p.is_cash or not p.priced:
        return "—"
    day = p.price_date
    return (f'{escape(format_money(p.price))} <span class="muted small-print">{day:%b} {day.day} · '
            f'{escape(p.price_source)}</span>')


def _gain_cell(p: Position) -> str:
    if p.gain is None:
        return "—"
    percent = "" if p.gain_percent is None else f"{p.gain_percent}%"
    return f'{escape(format_money(p.gain))} <span class="small-print">{percent}</span>'


def _row(p: Position, url: str) -> str:
    stale = ' class="stale"' if p.stale else ""
    weight = "" if p.weight is None else f"{p.weight}%"
    return (
        f'<tr data-ticker="{escape(p.security.ticker)}"{stale}>'
        f"<td>{_security_cell(p, url)}</td><td>{escape(p.account.name)}</td>"
        f'<td class="amount">{escape(p.quantity_text)}</td><td class="amount">{_price_cell(p)}</td>'
        f'<td class="amount">{escape(format_money(p.value))}</td>'
        f'<td class="amount{_tone(p.day_change)}">{escape(format_money(p.day_change))}</td>'
        f'<td class="amount">{escape(format_money(p.holding.cost_basis) or "—")}</td>'
        f'<td class="amount{_tone(p.gain)}">{_gain_cell(p)}</td>'
        f'<td class="amount">{weight}</td></tr>'
    )


def holding_rows(portfolio: Portfolio) -> SafeString:
    """Every position's `<tr>`, in the portfolio's order, every value escaped."""
    url = reverse("holding_detail", args=[_PK])
    return mark_safe("\n".join(  # noqa: S308 - built above from escaped values only
        _row(p, url.replace(str(_PK), str(p.holding.pk))) for p in portfolio.positions))
