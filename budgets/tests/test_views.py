from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import Budget
from insights.months import Month

pytestmark = pytest.mark.django_db

URL = "/budgets/2026-11/"


def _changed(response) -> bool:
    return "budgetsChanged" in response.get("HX-Trigger", "")


def test_budget_month_full_page_and_fragment(owner_client, htmx_client, household):
    html = owner_client.get(URL).content.decode()
    assert "<html" in html and "Budgets · November 2026" in html
    assert "Groceries" in html and "Restaurants" in html and "Transfers" not in html
    assert "+ $25.00 awaiting review" in html and "−$70.00" in html and "$1,225.00" in html
    assert 'aria-valuenow="69"' in html and "js/budgets.js" in html
    fragment = htmx_client.get(URL).content.decode()
    assert "<html" not in fragment and 'id="budget-month"' in fragment and "Groceries" in fragment


def test_budget_month_defaults_to_this_month(owner_client, household):
    now = Month.of(timezone.localdate())
    html = owner_client.get("/budgets/").content.decode()
    assert f"Budgets · {now.label}" in html and f'href="/budgets/{now.shift(-1)}/"' in html


def test_budget_month_rejects_a_bad_month(owner_client):
    assert owner_client.get("/budgets/2026-13/").status_code == 404


def test_budget_month_edit_opens_the_inline_form(htmx_client, household):
    pk = household["rent"].pk
    html = htmx_client.get(f"{URL}?edit={pk}").content.decode()
    assert 'name="amount" value="1000.00"' in html and "autofocus" in html and "Cancel" in html


def test_budget_amount_saves_and_refreshes_the_month(htmx_client, household):
    response = htmx_client.post(f"{URL}amount", {"category": household["rent"].pk, "amount": "$1,250.5"})
    assert Budget.objects.get(month="2026-11", category=household["rent"]).amount == Decimal("1250.50")
    assert _changed(response) and "$1,250.50" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_budget_amount_refuses_garbage_and_keeps_the_editor(htmx_client, household):
    response = htmx_client.post(f"{URL}amount", {"category": household["rent"].pk, "amount": "lots"})
    html = response.content.decode()
    assert "is not an amount" in html and 'aria-invalid="true"' in html and not _changed(response)
    assert Budget.objects.get(month="2026-11", category=household["rent"]).amount == Decimal("1000")


def test_budget_amount_without_htmx_redirects(owner_client, household):
    response = owner_client.post(f"{URL}amount", {"category": household["rent"].pk, "amount": ""})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Budget.objects.filter(month="2026-11", category=household["rent"]).exists()


def test_budget_amount_for_income_is_not_found(htmx_client, household):
    response = htmx_client.post(f"{URL}amount", {"category": household["paycheck"].pk, "amount": "5"})
    assert response.status_code == 404


def test_budget_copy_copies_last_month(htmx_client, household):
    response = htmx_client.post("/budgets/2026-12/copy")
    assert Budget.objects.filter(month="2026-12").count() == 3
    assert "Copied 3 budgets from November 2026." in response.content.decode() and _changed(response)


def test_budget_average_one_and_all(htmx_client, owner_client, household):
    response = htmx_client.post(f"{URL}average", {"category": household["groceries"].pk})
    assert Budget.objects.get(month="2026-11", category=household["groceries"]).amount == Decimal("120")
    assert _changed(response)
    response = owner_client.post("/budgets/2026-12/average")
    assert response.status_code == 302 and Budget.objects.filter(month="2026-12").count() == 4


def test_budget_rollover_toggles(htmx_client, household):
    response = htmx_client.post(f"{URL}rollover", {"category": household["rent"].pk})
    assert Budget.objects.get(month="2026-11", category=household["rent"]).rollover
    assert _changed(response) and 'aria-pressed="true"' in response.content.decode()


@pytest.mark.parametrize("path", [URL, "/budgets/"])
def test_budget_pages_refuse_anonymous(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_budget_changes_refuse_anonymous(client, household):
    response = client.post(f"{URL}amount", {"category": household["rent"].pk, "amount": "1"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Budget.objects.get(month="2026-11", category=household["rent"]).amount == Decimal("1000")
