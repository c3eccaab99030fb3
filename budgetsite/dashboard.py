"""What the dashboard shows, each figure from one aggregate query or the budgets month.

This month's spending, budget, income and pace come from `budgets.month`
(the confirmed ledger's monthly summary, Transfers left out). Counts use the
status index (waiting rows are few), never a scan of the whole ledger.

Net worth is cash accounts + investments - what is owed on cards and loans.
Investments are the portfolio's value (investments.db) plus the balance of
any investment account that has no holdings there; investments.db is only
read when an investment account exists. Its history line walks balances
back from today: a past month-end balance is today's balance undone by the
transactions after it (one aggregate query), and investments are today's
holdings at that day's closes (`investments.portfolio.value_on`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Account, AccountType, SyncLog
from budgets.month import budget_month
from insights.ledger import ZERO
from insights.months import Month
from investments.models import Holding
from investments.portfolio import build_portfolio, value_on
from transactions.models import Status, Transaction

CASH_TYPES = (AccountType.CHECKING, AccountType.SAVINGS, AccountType.CASH)
CREDIT_TYPES = (AccountType.CREDIT_CARD, AccountType.LOAN)
HISTORY_MONTHS = 12


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


def _investment_accounts() -> dict[int, Account]:
    return Account.objects.filter(account_type=AccountType.INVESTMENT).in_bulk()


def _unheld_balances(accounts: dict[int, Account]) -> Decimal:
    """Balances of investment accounts with no holdings (a linked account without the
    investments product, a brokerage tracked by its balance only)."""
    held = set(Holding.objects.of_accounts(accounts).values_list("account_id", flat=True).distinct())
    return sum((a.balance_current or ZERO for pk, a in accounts.items() if pk not in held), ZERO)


def net_worth(today: datetime.date | None = None) -> dict:
    """Cash accounts + investments - what is owed on cards and loans."""
    sums = Account.objects.aggregate(
        cash=Sum("balance_current", filter=Q(account_type__in=CASH_TYPES)),
        owed=Sum("balance_current", filter=Q(account_type__in=CREDIT_TYPES)),
    )
    cash, owed = sums["cash"] or ZERO, sums["owed"] or ZERO
    investments = ZERO
    accounts = _investment_accounts()
    if accounts:
        held = build_portfolio(today=today, account_ids=list(accounts)).value
        investments = held + _unheld_balances(accounts)
    return {"cash": cash, "investments": investments, "owed": owed, "total": cash + investments - owed}


def net_worth_history(worth: dict, today: datetime.date) -> dict | None:
    """Line-chart data: net worth at the last HISTORY_MONTHS month ends and today (strings)."""
    days = [Month.of(today).shift(-n).last for n in range(HISTORY_MONTHS, 0, -1)] + [today]
    later = {f"cash_{i}": Sum("amount", filter=Q(date__gt=d, account__account_type__in=CASH_TYPES))
             for i, d in enumerate(days)}
    later |= {f"owed_{i}": Sum("amount", filter=Q(date__gt=d, account__account_type__in=CREDIT_TYPES))
              for i, d in enumerate(days)}
    sums = Transaction.objects.filter(date__gt=days[0], account__balance_current__isnull=False) \
        .aggregate(**later)
    accounts = _investment_accounts()
    invested = dict.fromkeys(days, ZERO)
    if accounts:
        unheld = _unheld_balances(accounts)
        invested = {d: v + unheld for d, v in value_on(days).items()}
    points = []
    for i, day in enumerate(days):
        # Money out (amount > 0) after `day` lowered cash and raised what is owed since then.
        cash = worth["cash"] + (sums[f"cash_{i}"] or ZERO)
        owed = worth["owed"] - (sums[f"owed_{i}"] or ZERO)
        points.append(cash + invested[day] - owed)
    return {"labels": [d.isoformat() for d in days],
            "datasets": [{"label": "Net worth", "data": [str(p) for p in points], "colors": ["#2e7d32"]}]}


def dashboard_context(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    pending_review = Transaction.objects.filter(status=Status.PENDING_REVIEW).count()
    context = {
        "has_transactions": Transaction.objects.exists(),
        "stats": {"pending_review": pending_review},
        "accounts": accounts_with_last_sync(),
        "worth": net_worth(today),
        "accounts_url": _accounts_url(),
    }
    if context["accounts"]:
        context["worth_history"] = net_worth_history(context["worth"], today)
    if context["has_transactions"]:
        month = budget_month(Month.of(today), today=today)
        context.update(
            month=month, over_pace=month.over_pace(5),
            staged=Transaction.objects.filter(status=Status.PENDING_SAVE).count(),
            recent=Transaction.objects.select_related("account", "category", "predicted_category")[:10],
        )
    return context
