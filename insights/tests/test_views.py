import datetime

import pytest
from django.utils import timezone

from insights.models import RecurringDismissal

pytestmark = pytest.mark.django_db

PAGES = ["/insights/", "/insights/trends/", "/insights/merchants/", "/insights/recurring/",
         "/insights/anomalies/"]


@pytest.fixture
def recent(charge):
    """This month's and last month's spending, relative to the real today."""
    today = timezone.localdate()
    first = today.replace(day=1)
    charge("rent", first, "1000.00", "Landlord")
    charge("groceries", first, "80.00", "Safeway")
    charge("credit_card_payment", first, "900.00", "Card Payment")
    for months_back in (1, 2, 3):
        day = (first - datetime.timedelta(days=28 * months_back)).replace(day=1)
        charge("streaming", day.replace(day=min(today.day, 28)), "15.49", "Netflix")


@pytest.mark.parametrize("path", PAGES)
def test_insights_page_full_and_fragment(owner_client, htmx_client, recent, path):
    page = owner_client.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and "Insights" in html
    assert 'aria-current="page"' in html and "Card Payment" not in html
    fragment = htmx_client.get(path).content.decode()
    assert "<html" not in fragment and 'id="report"' in fragment


def test_insights_spending_page_has_chart_data_and_table(owner_client, recent):
    html = owner_client.get("/insights/").content.decode()
    assert 'id="spending-data"' in html and '"1000.00"' in html and "vendor/chart.umd.min.js" in html
    assert 'id="spending-table"' in html and "$1,000.00" in html and "Transfers" not in html


def test_insights_spending_drill_down_and_bad_parent(owner_client, htmx_client, recent, cat):
    html = htmx_client.get("/insights/", {"parent": cat("food").pk}).content.decode()
    assert "All categories" in html and "Groceries" in html and "$80.00" in html
    assert owner_client.get("/insights/", {"parent": cat("paycheck").pk}).status_code == 404


def test_insights_trends_24_months_and_bad_month(owner_client, recent):
    html = owner_client.get("/insights/trends/", {"months": "24"}).content.decode()
    assert html.count("<th class=\"amount\">") >= 24 and 'id="income-data"' in html
    assert owner_client.get("/insights/trends/", {"month": "2026-13"}).status_code == 404


def test_recurring_dismiss_sticks_and_triggers(htmx_client, owner_client, recent):
    assert "Netflix" in owner_client.get("/insights/recurring/").content.decode()
    response = htmx_client.post("/insights/recurring/dismiss", {"merchant_key": "netflix"})
    assert RecurringDismissal.objects.filter(merchant_key="netflix").exists()
    assert "recurringChanged" in response["HX-Trigger"] and "no longer watched" in response.content.decode()
    html = owner_client.get("/insights/recurring/").content.decode()
    assert "Dismissed (1)" in html and "Watch again" in html
    response = owner_client.post("/insights/recurring/restore", {"merchant_key": "netflix"})
    assert response.status_code == 302 and not RecurringDismissal.objects.exists()


@pytest.mark.parametrize("path", PAGES)
def test_insights_pages_refuse_anonymous(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_recurring_dismiss_refuses_anonymous(client, db):
    response = client.post("/insights/recurring/dismiss", {"merchant_key": "netflix"})
    assert response.status_code == 302 and not RecurringDismissal.objects.exists()
