"""What the dashboard shows, read with a fixed handful of aggregate queries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from accounts.models import Account
from transactions.models import Transaction


def dashboard_context() -> dict:
    accounts = list(Account.objects.all())
    return {
        "stats": Transaction.objects.stats(),
        "accounts": accounts,
        "balance_total": sum(
            (a.balance_current for a in accounts if a.balance_current is not None and not a.is_credit),
            start=Decimal("0"),
        ),
        "recent": Transaction.objects.select_related("account", "category", "predicted_category")[:10],
        "expense_total": Transaction.objects.confirmed().filter(amount__gt=0).aggregate(
            total=Sum("amount")
        )["total"],
    }
