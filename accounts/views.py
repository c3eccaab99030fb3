"""The Accounts page (banks, balances, sync), manual accounts, connecting banks, webhooks.

Plaid Link's script loads only on the Connect page; every other page stays
offline. Access tokens never reach a view: `accounts.sync` handles them.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts import plaid_gateway
from accounts.forms import AccountForm
from accounts.models import Account, SyncStatus, SyncTrigger
from accounts.plaid_gateway import PlaidError
from accounts.sync import (
    bank_of,
    banks,
    handle_webhook,
    link_item,
    link_token,
    repair_item,
    sync_in_background,
    sync_item,
)

log = logging.getLogger(__name__)
LIST = "accounts/list.html"
CONNECT = "accounts/connect.html"
UPDATE_MODES = ("reconnect", "add")


def _list_context(form: AccountForm | None = None, editing: Account | None = None) -> dict:
    return {
        "banks": banks(), "manual_accounts": Account.objects.manual(),
        "form": form or AccountForm(instance=editing), "editing": editing,
        "plaid_configured": plaid_gateway.is_configured(),
    }


def _changed(response: HttpResponse, *, transactions: bool = False) -> HttpResponse:
    response = trigger_client_event(response, "accountsChanged")
    return trigger_client_event(response, "transactionsChanged") if transactions else response


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    context = _list_context()
    return render(request, f"{LIST}#accounts" if request.htmx else LIST, context)


def _save_form(request: HttpRequest, editing: Account | None) -> HttpResponse:
    form = AccountForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        account = form.save()
        verb = "Saved" if editing else "Added"
        if not request.htmx:
            messages.success(request, f"{verb} {account}.")
            return redirect("account_list")
        context = {**_list_context(), "saved": f"{verb} {account}."}
        return _changed(render(request, f"{LIST}#accounts", context))
    context = _list_context(form=form, editing=editing)
    return render(request, f"{LIST}#accounts" if request.htmx else LIST, context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    return _save_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_form(request, get_object_or_404(Account, pk=pk))


@login_required
@require_POST
def account_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Sync now: the account's whole bank (its item), right here; the card shows the outcome."""
    account = get_object_or_404(Account.objects.linked(), pk=pk)
    result = sync_item(account.plaid_item_id, trigger=SyncTrigger.MANUAL)
    if not request.htmx:
        level = messages.success if result.status == SyncStatus.SUCCESS else messages.error
        level(request, str(result))
        return redirect("account_list")
    response = render(request, f"{LIST}#bank", {"bank": bank_of(account), "result": result})
    return _changed(response, transactions=result.changed)


def _link_target(params) -> tuple[str, Account | None]:
    """Link mode ("new", or an update mode) and the linked account it updates."""
    mode = params.get("mode", "new")
    if mode not in UPDATE_MODES:
        return "new", None
    return mode, get_object_or_404(Account.objects.linked(), pk=params.get("account") or 0)


@login_required
@require_GET
def account_connect(request: HttpRequest) -> HttpResponse:
    """The one page that loads Plaid Link: a new bank, or update mode for a linked one."""
    mode, account = _link_target(request.GET)
    return render(request, CONNECT, {
        "mode": mode, "account": account, "banks": banks(history=0),
        "plaid_configured": plaid_gateway.is_configured(), "plaid_env": settings.PLAID_ENV,
    })


@login_required
@require_POST
def plaid_link_token(request: HttpRequest) -> JsonResponse:
    mode, account = _link_target(request.POST)
    try:
        token = link_token(user_id=request.user.pk, account=account, add_accounts=mode == "add")
    except PlaidError as exc:
        return JsonResponse({"error": f"Plaid could not start Link: {exc}"}, status=502)
    return JsonResponse({"link_token": token})


def _link_outcome(request: HttpRequest, context: dict, *, accounts_changed: bool = False,
                  transactions_changed: bool = False) -> HttpResponse:
    if not request.htmx:
        if "error" in context:
            messages.error(request, context["error"])
        else:
            messages.success(request, "The bank connection was updated.")
        return redirect("account_list")
    response = render(request, f"{CONNECT}#link-result", context)
    if accounts_changed:
        response = _changed(response, transactions=transactions_changed)
    return response


@login_required
@require_POST
def plaid_link_exchange(request: HttpRequest) -> HttpResponse:
    """Link's onSuccess for a new bank: refuse a bank already linked, else exchange and sync."""
    public_token = request.POST.get("public_token", "").strip()
    if not public_token:
        return _link_outcome(request, {"error": "Link did not return a public token."})
    try:
        result = link_item(public_token=public_token,
                           institution_id=request.POST.get("institution_id", "").strip(),
                           institution_name=request.POST.get("institution_name", "").strip())
    except PlaidError as exc:
        return _link_outcome(request, {"error": f"Plaid refused to link the bank: {exc}"})
    return _link_outcome(request, {"linked": result}, accounts_changed=not result.already_linked,
                         transactions_changed=bool(result.sync and result.sync.changed))


@login_required
@require_POST
def plaid_link_repaired(request: HttpRequest, pk: int) -> HttpResponse:
    """Link's onSuccess in update mode: nothing to exchange; the item works again."""
    account = get_object_or_404(Account.objects.linked(), pk=pk)
    try:
        result = repair_item(account, add_accounts=request.POST.get("mode") == "add")
    except PlaidError as exc:
        return _link_outcome(request, {"error": f"Plaid could not list the accounts: {exc}"})
    return _link_outcome(request, {"repaired": result, "account": account}, accounts_changed=True,
                         transactions_changed=result.sync.changed)


@csrf_exempt
@login_not_required
@require_POST
def plaid_webhook(request: HttpRequest) -> HttpResponse:
    """Plaid's webhook (off unless PLAID_WEBHOOK_URL is set): verified, answered fast,
    the sync runs in a background thread."""
    if not settings.PLAID_WEBHOOK_URL:
        raise Http404("webhooks are off")
    verified = plaid_gateway.verify_webhook(
        body=request.body, verification_header=request.headers.get("Plaid-Verification", ""))
    if not verified:
        return HttpResponse("unverified", status=401)
    try:
        payload = json.loads(request.body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return HttpResponse("not a JSON object", status=400)
    outcome = handle_webhook(
        payload, start_sync=lambda item_id: sync_in_background(item_id, trigger=SyncTrigger.WEBHOOK))
    log.info("Plaid webhook %s/%s: %s", payload.get("webhook_type"), payload.get("webhook_code"), outcome)
    return JsonResponse({"result": outcome})
