"""Insights pages: one read-only report each; htmx requests get the page's `#report` partial."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from insights import recurring
from insights.anomalies import spending_pace, unusual_transactions
from insights.merchants import top_merchants
from insights.models import RecurringDismissal
from insights.months import PERIODS, Month, period
from insights.spending import spending_by_category
from insights.trends import month_over_month, monthly_trend

TREND_LENGTHS = (12, 24)


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    chosen = f"{template}#report" if request.htmx else template
    return render(request, chosen, {"periods": PERIODS, **context})


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
def spending(request: HttpRequest) -> HttpResponse:
    """Spending by category for a period; `?parent=<id>` drills into one parent's children."""
    chosen = period(request.GET.get("period"), timezone.localdate())
    try:
        report = spending_by_category(chosen, parent_id=_int(request.GET.get("parent")))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    return _page(request, "insights/spending.html", {"period": chosen, "report": report})


@login_required
@require_GET
def trends(request: HttpRequest) -> HttpResponse:
    """12 or 24 months of spending and income, and the month's biggest movers by category."""
    today = timezone.localdate()
    count = _int(request.GET.get("months"))
    count = count if count in TREND_LENGTHS else TREND_LENGTHS[0]
    try:
        asked = request.GET.get("month")
        compared = Month.parse(asked) if asked else Month.of(today).shift(-1)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    return _page(request, "insights/trends.html", {
        "trend": monthly_trend(Month.of(today), count), "count": count, "lengths": TREND_LENGTHS,
        "compared": compared, "compared_previous": compared.shift(-1), "compared_next": compared.shift(1),
        "movers": month_over_month(compared)[:12],
    })


@login_required
@require_GET
def merchants(request: HttpRequest) -> HttpResponse:
    chosen = period(request.GET.get("period"), timezone.localdate())
    return _page(request, "insights/merchants.html", {"period": chosen, "merchants": top_merchants(chosen)})


def _recurring_context() -> dict:
    found = recurring.recurring_charges(timezone.localdate())
    return {
        "subscriptions": found, "dismissed": RecurringDismissal.objects.all(),
        "annual_total": sum((s.annual_cost for s in found), 0),
    }


@login_required
@require_GET
def recurring_page(request: HttpRequest) -> HttpResponse:
    return _page(request, "insights/recurring.html", _recurring_context())


def _recurring_changed(request: HttpRequest, notice: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, notice)
        return redirect("insights_recurring")
    response = render(request, "insights/recurring.html#report", {**_recurring_context(), "notice": notice})
    return trigger_client_event(response, "recurringChanged")


@login_required
@require_POST
def recurring_dismiss(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("merchant_key", "").strip()
    if not key:
        raise Http404("no merchant")
    recurring.dismiss(key)
    return _recurring_changed(request, f"{key} is no longer watched.")


@login_required
@require_POST
def recurring_restore(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("merchant_key", "").strip()
    recurring.undismiss(key)
    return _recurring_changed(request, f"{key} is watched again.")


@login_required
@require_GET
def anomalies(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _page(request, "insights/anomalies.html", {
        "unusual": unusual_transactions(today), "pace": spending_pace(today), "today": today,
    })
