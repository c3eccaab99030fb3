"""The budgets month view and its inline changes (htmx, each with a plain form fallback)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from budgets import month as budgets
from budgets.forms import BudgetAmountForm
from insights.months import Month

TEMPLATE = "budgets/month.html"


def _month(text: str | None) -> Month:
    if text is None:
        return Month.of(timezone.localdate())
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def _category(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _urls(month: Month) -> dict[str, str]:
    """The month's links and form actions, reversed once (the table repeats them per row)."""
    here = str(month)
    return {
        "here": reverse("budget_month_for", args=[here]),
        "previous_url": reverse("budget_month_for", args=[str(month.shift(-1))]),
        "next_url": reverse("budget_month_for", args=[str(month.shift(1))]),
        **{f"{action}_url": reverse(f"budget_{action}", args=[here])
           for action in ("amount", "copy", "average", "rollover")},
    }


def _render(request: HttpRequest, month: Month, **extra) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "data": budgets.budget_month(month, today=today), "month": month,
        "previous": month.shift(-1), "next": month.shift(1), "this_month": Month.of(today),
        **_urls(month), **extra,
    }
    return render(request, f"{TEMPLATE}#month" if request.htmx else TEMPLATE, context)


def _changed(request: HttpRequest, month: Month, notice: str = "") -> HttpResponse:
    """htmx gets the refreshed month and `budgetsChanged`; a plain form post is redirected."""
    if not request.htmx:
        if notice:
            messages.success(request, notice)
        return redirect("budget_month_for", month=str(month))
    return trigger_client_event(_render(request, month, notice=notice), "budgetsChanged")


@login_required
@require_GET
def budget_month(request: HttpRequest, month: str | None = None) -> HttpResponse:
    """The month (this month at /budgets/); `?edit=<category id>` opens that budget for editing."""
    return _render(request, _month(month), editing=_category(request.GET.get("edit")))


@login_required
@require_POST
def budget_amount(request: HttpRequest, month: str) -> HttpResponse:
    chosen = _month(month)
    form = BudgetAmountForm(request.POST)
    if not form.is_valid():
        error = (form.errors.get("amount") or ["Pick a category."])[0]
        if request.htmx:
            return _render(request, chosen, editing=_category(request.POST.get("category")), error=error,
                           typed=request.POST.get("amount", ""))
        messages.error(request, error)
        return redirect("budget_month_for", month=str(chosen))
    try:
        budgets.set_budget(month=chosen, category_id=form.cleaned_data["category"],
                           amount=form.cleaned_data["amount"])
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    return _changed(request, chosen)


@login_required
@require_POST
def budget_copy(request: HttpRequest, month: str) -> HttpResponse:
    chosen = _month(month)
    result = budgets.copy_previous(month=chosen)
    plural = "s" if result.copied != 1 else ""
    notice = f"Copied {result.copied} budget{plural} from {chosen.shift(-1).label}."
    if result.kept:
        notice += f" Kept {result.kept} already set this month."
    return _changed(request, chosen, notice)


@login_required
@require_POST
def budget_average(request: HttpRequest, month: str) -> HttpResponse:
    """Set one category (`category`) or every category to its 3-month average."""
    chosen = _month(month)
    try:
        count = budgets.set_to_average(month=chosen, category_id=_category(request.POST.get("category")))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    return _changed(request, chosen, f"Set {count} budget{'s' if count != 1 else ''} to the 3-month average.")


@login_required
@require_POST
def budget_rollover(request: HttpRequest, month: str) -> HttpResponse:
    chosen = _month(month)
    category = _category(request.POST.get("category"))
    if category is None:
        raise Http404("no category")
    try:
        budgets.toggle_rollover(month=chosen, category_id=category)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    return _changed(request, chosen)
