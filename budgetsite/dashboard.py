"""What the dashboard shows, each figure from one aggregate query or the budgets month.

This month's spending, budget, income and pace come from `budgets.month`
(the confirmed ledger's monthly summary, Transfers left out). Counts use the
status index (waiting rows are few), never a scan of the whole ledger.
"""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Q, Subquery, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Account, AccountType, SyncLog
from budgets.month import budget_month
from insights.ledger import ZERO
from insights.months import Month
from transactions.models import Status, Transaction

CASH_TYPES = (AccountType.CHECKING, AccountType.SAVINGS, AccountType.CASH)
CREDIT_TYPES = (AccountType.CREDIT_CARD, AccountType.LOAN)


def _accounts_url() -> str:
    try:
        return reverse("account_list")
    except NoReverseMatch:
        return "/admin/accounts/account/"


def accounts_with_last_sync() -> list[Account]:
    """Every account, annotated with its latest sync's status, time and error (None: never synced)."""
    latest = SyncLog.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-id")
    return list(Account.objects.annotate(
        last_sync_status=Subquery(latest.values("status")[:1]),
        last_sync_at=Subquery(latest.values("started_at")[:1]),
        sync_error=Subquery(latest.values("error_message")[:1]),
    ))


def net_worth() -> dict:
    """Cash accounts minus what is owed on cards and loans (investments come later)."""
    sums = Account.objects.aggregate(
        cash=Sum("balance_current", filter=Q(account_type__in=CASH_TYPES)),
        owed=Sum("balance_current", filter=Q(account_type__in=CREDIT_TYPES)),
    )
    cash, owed = sums["cash"] or ZERO, sums["owed"] or ZERO
    return {"cash": cash, "owed": owed, "total": cash - owed}


def dashboard_context(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    pending_review = Transaction.objects.filter(status=Status.PENDING_REVIEW).count()
    context = {
        "has_transactions": Transaction.objects.exists(),
        "stats": {"pending_review": pending_review},
        "accounts": accounts_with_last_sync(),
        "worth": net_worth(),
        "accounts_url": _accounts_url(),
    }
    if context["has_transactions"]:
        month = budget_month(Month.of(today), today=today)
        context.update(
            month=month, over_pace=month.over_pace(5),
            staged=Transaction.objects.filter(status=Status.PENDING_SAVE).count(),
            recent=Transaction.objects.select_related("account", "category", "predicted_category")[:10],
        )
    return context
