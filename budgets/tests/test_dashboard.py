"""The dashboard (budgetsite/dashboard.py) on the `household` fixture, figures by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AccountType, SyncLog, SyncStatus, SyncTrigger
from accounts.tests.factories import AccountFactory
from budgets.tests.conftest import TODAY
from budgetsite.dashboard import dashboard_context

pytestmark = pytest.mark.django_db
D = Decimal


def test_dashboard_context_this_month(household):
    context = dashboard_context(today=TODAY)
    month = context["month"]
    assert (month.spent, month.available, month.income, month.net) == (
        D("1225.00"), D("1250"), D("3000.00"), D("1775.00"))
    assert [line.category.name for line, _ in context["over_pace"]] == ["Rent", "Restaurants", "Groceries"]
    assert context["stats"] == {"pending_review": 1}
    assert len(context["recent"]) == 10 and context["recent"][0].date == datetime.date(2026, 11, 12)


@pytest.mark.django_db(databases=["default", "investments"])  # investment accounts are valued there
def test_dashboard_net_worth_and_last_sync(household):
    household["account"].balance_current = D("2500.00")
    household["account"].save()
    AccountFactory(name="Savings", account_type=AccountType.SAVINGS, balance_current=D("10000.00"))
    card = AccountFactory(name="Card", account_type=AccountType.CREDIT_CARD, balance_current=D("750.25"))
    AccountFactory(name="Brokerage", account_type=AccountType.INVESTMENT, balance_current=D("99999"))
    now = timezone.now()
    SyncLog.objects.create(account=card, trigger=SyncTrigger.SCHEDULED, status=SyncStatus.SUCCESS,
                           started_at=now - datetime.timedelta(hours=5))
    SyncLog.objects.create(account=card, trigger=SyncTrigger.MANUAL, status=SyncStatus.ERROR,
                           error_message="ITEM_LOGIN_REQUIRED", started_at=now)
    context = dashboard_context(today=TODAY)
    # The brokerage has no holdings in investments.db, so its balance is what it is worth.
    assert context["worth"] == {"cash": D("12500.00"), "investments": D("99999"), "owed": D("750.25"),
                                "total": D("111748.75")}
    synced = {a.name: (a.last_sync_status, a.sync_error) for a in context["accounts"]}
    assert synced["Card"] == ("error", "ITEM_LOGIN_REQUIRED") and synced["Savings"] == (None, None)


def test_dashboard_page_shows_figures_and_pending(owner_client, household):
    html = owner_client.get("/").content.decode()
    assert 'id="pending-count">1<' in html and 'href="/review/"' in html
    assert "Ahead of budget pace" in html and "Recent transactions" in html and "never" in html
    assert 'id="net-worth"' in html and "No transactions yet" not in html


def test_dashboard_empty_state_points_to_import(owner_client):
    html = owner_client.get("/").content.decode()
    assert "No transactions yet" in html and 'href="/import/"' in html


def test_dashboard_refuses_anonymous(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
