"""The portfolio, one holding's price history, manual entry and OFX statement upload.

Views stay thin: figures come from `portfolio`, writes from `entry` and
`ofx`. Fetching prices reaches the internet, so "Fetch prices now" runs it
in a background thread and answers at once.
"""

from __future__ import annotations

import threading

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import close_old_connections, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account
from budgetsite.dashboard import net_worth, net_worth_history
from investments.display import holding_rows
from investments.entry import EntryError, record_holding, record_transaction
from investments.forms import HoldingForm, OfxUploadForm, TransactionForm, investment_accounts
from investments.models import Holding, InvestmentTransaction
from investments.ofx import import_investment_ofx
from investments.portfolio import build_portfolio, price_history
from investments.prices.fetch import fetch_prices
from transactions.importers.base import ImportFileError

PORTFOLIO = "investments/portfolio.html"
HOLDING = "investments/holding.html"
ENTRY = "investments/entry.html"
NET_WORTH = "investments/net_worth.html"


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    figures = build_portfolio()
    context = {"portfolio": figures, "rows": holding_rows(figures),
               "has_accounts": investment_accounts().exists()}
    return render(request, f"{PORTFOLIO}#holdings" if request.htmx else PORTFOLIO, context)


def _fetch_in_background() -> threading.Thread:
    def work() -> None:
        close_old_connections()
        try:
            fetch_prices()
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="fetch-prices", daemon=True)
    thread.start()
    return thread


@login_required
@require_POST
def prices_fetch(request: HttpRequest) -> HttpResponse:
    _fetch_in_background()
    messages.info(request, "Fetching prices in the background; reload the page in a minute to see them.")
    return redirect("portfolio")


@login_required
@require_GET
def holding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    holding = get_object_or_404(Holding.objects.select_related("security"), pk=pk)
    position = next((p for p in build_portfolio(account_ids=[holding.account_id]).positions
                     if p.holding.pk == holding.pk), None)
    if position is None:  # its account is gone (see investments.consistency)
        return redirect("portfolio")
    activity = InvestmentTransaction.objects.filter(account_id=holding.account_id, security=holding.security)
    context = {"position": position, "chart": price_history(holding.security), "activity": activity[:50]}
    return render(request, HOLDING, context)


@login_required
@require_GET
def net_worth_line(request: HttpRequest) -> HttpResponse:
    """The dashboard's net worth history (loaded after the page: it reads a year of transactions)."""
    today = timezone.localdate()
    context = {"worth_history": net_worth_history(net_worth(today), today)}
    return render(request, f"{NET_WORTH}#line" if request.htmx else NET_WORTH, context)


def _entry_context(**forms) -> dict:
    return {"holding_form": forms.get("holding_form") or HoldingForm(prefix="holding"),
            "transaction_form": forms.get("transaction_form") or TransactionForm(prefix="txn"),
            "ofx_form": forms.get("ofx_form") or OfxUploadForm(prefix="ofx"),
            "has_accounts": investment_accounts().exists()}


def _saved(request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("investments_entry")


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest) -> HttpResponse:
    """Manual holdings and trades, and OFX statement upload: three forms, one page."""
    if request.method == "GET":
        return render(request, ENTRY, _entry_context())
    which = request.POST.get("form")
    if which == "holding":
        form = HoldingForm(request.POST, prefix="holding")
        if form.is_valid():
            holding = record_holding(**_security_fields(form), **{
                k: form.cleaned_data[k] for k in ("quantity", "cost_basis", "as_of", "price")})
            return _saved(request, f"Saved the holding: {holding.quantity.normalize():f} {holding.security}.")
        return render(request, ENTRY, _entry_context(holding_form=form), status=400)
    if which == "transaction":
        form = TransactionForm(request.POST, prefix="txn")
        if form.is_valid():
            try:
                txn = record_transaction(**_security_fields(form), **{
                    k: form.cleaned_data[k]
                    for k in ("date", "kind", "quantity", "price", "amount", "fees", "description")})
            except EntryError as exc:
                form.add_error(None, str(exc))
            else:
                return _saved(request, f"Recorded: {txn.get_kind_display().lower()} on {txn.date}.")
        return render(request, ENTRY, _entry_context(transaction_form=form), status=400)
    form = OfxUploadForm(request.POST, request.FILES, prefix="ofx")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_investment_ofx(upload.read(), filename=upload.name,
                                           account=form.cleaned_data["account"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return _saved(request, f"Imported {upload.name}. {result}")
    return render(request, ENTRY, _entry_context(ofx_form=form), status=400)


def _security_fields(form) -> dict:
    data = form.cleaned_data
    account: Account = data["account"]
    return {"account": account, "ticker": data["ticker"], "name": data["name"],
            "security_type": data["security_type"]}
