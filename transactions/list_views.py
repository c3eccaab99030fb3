"""The Transactions page (filter, sort, edit inline, bulk actions, export), the Trash
and manual entry.

Every change a person makes to a category goes through `transactions.confirm`,
so the engine learns from this page exactly as from the review queue; every
new row goes through `transactions.ingest`, so a manual entry is deduplicated
and categorized like an imported one; deletions go through
`transactions.deletion`, so they can be undone and are never re-imported.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from categories.models import Category
from transactions import listing
from transactions.confirm import confirm
from transactions.deletion import delete_transactions, restore
from transactions.importers.base import ImportFileError
from transactions.manual import ManualEntryForm, enter_manually
from transactions.models import DeletedTransaction, DeleteReason, Source, Status, Transaction

LIST = "transactions/list.html"
TRASH = "transactions/trash.html"
ADD = "transactions/add.html"
CHANGED = "transactionsChanged"
UNDO_SESSION_KEY = "transactions_undo_delete"
TOAST_SECONDS = 8


# ---------------------------------------------------------------- the list page


def _list_context(request: HttpRequest, filters: listing.TransactionFilters) -> dict:
    groups, accounts = listing.category_groups(), list(listing.accounts())
    page = listing.page_of(filters.apply(), filters.page,
                           load=lambda ids: listing.rows_by_id(ids, groups, accounts))
    empty_ledger = not page.rows and not filters.is_filtered and page.number == 1
    return {
        "filters": filters,
        "params": filters.params,
        # Forms post this back, so an action redraws the same page under the same filters.
        "state": filters.url_query(page.number).urlencode(),
        "page": page,
        "accounts": accounts,
        "category_groups": groups,
        "statuses": Status.choices,
        "sources": Source.choices,
        "kinds": listing.KINDS.items(),
        "uncategorized": listing.UNCATEGORIZED,
        "empty_ledger": empty_ledger,
        "toast_seconds": TOAST_SECONDS,
    }


def _filters_from_post(request: HttpRequest) -> listing.TransactionFilters:
    """The filters a POST was made under (forms carry them in a `query` field)."""
    return listing.TransactionFilters.from_query(QueryDict(request.POST.get("query", "")))


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Non-htmx POSTs land on the list with the filters they were made under."""
    filters = _filters_from_post(request)
    query = filters.url_query(filters.page).urlencode()
    return redirect(f"{reverse('transaction_list')}?{query}" if query else reverse("transaction_list"))


@login_required
@require_GET
def transaction_list(request: HttpRequest) -> HttpResponse:
    """The ledger, filtered by the URL; htmx navigation gets the `region` partial.

    A history-restore request (back button after the cache expired) needs the
    whole page, and `Vary: HX-Request` keeps the browser cache from handing a
    fragment to a normal load of the same URL.
    """
    filters = listing.TransactionFilters.from_query(request.GET)
    context = _list_context(request, filters)
    fragment = request.htmx and not request.htmx.history_restore_request
    # A delete made without JavaScript offers its Undo on the next full page.
    undo = None if fragment else request.session.pop(UNDO_SESSION_KEY, None)
    if undo:
        context["toast"] = {"message": undo["message"], "undo_ids": undo["ids"]}
    response = render(request, f"{LIST}#region" if fragment else LIST, context)
    patch_vary_headers(response, ["HX-Request"])
    if fragment:
        # The address bar shows the canonical query, without the empty fields a GET form sends.
        query = filters.url_query(filters.page).urlencode()
        response["HX-Push-Url"] = f"{request.path}?{query}" if query else request.path
    return response


@login_required
@require_GET
def transaction_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every row the filters match (not one page), streamed as CSV."""
    filters = listing.TransactionFilters.from_query(request.GET)
    response = StreamingHttpResponse(listing.csv_lines(filters.apply()),
                                     content_type="text/csv; charset=utf-8")
    name = f"transactions-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------- rows


def _row_response(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        txn = listing.row(pk)
    except Transaction.DoesNotExist as exc:
        raise Http404("No such transaction.") from exc
    filters = _filters_from_post(request)
    context = {"t": txn, "state": filters.url_query(filters.page).urlencode()}
    return trigger_client_event(render(request, f"{LIST}#row", context), CHANGED)


def _confirm_as(txns: Sequence[Transaction], category: Category, user) -> int:
    """Confirm rows with the category a person chose, correcting confirmed ones too."""
    for txn in txns:
        txn.category = category
    return len(confirm(txns, user=user, correcting=True).confirmed)


def _chosen_category(request: HttpRequest) -> Category | None:
    text = request.POST.get("category", "").strip()
    return Category.objects.filter(pk=int(text)).first() if text.isdigit() else None


@login_required
@require_POST
def transaction_category(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a row's category from the list: a person's decision, so it confirms and teaches."""
    txn = get_object_or_404(Transaction, pk=pk)
    category = _chosen_category(request)
    if category is None and request.POST.get("category", "").strip():
        return HttpResponseBadRequest("That category does not exist (any more); reload the page.")
    if category is not None:
        _confirm_as([txn], category, request.user)
    if not request.htmx:
        if category is not None:
            messages.success(request, f"{txn.merchant_name or txn.description}: {category}, confirmed.")
        return _back_to_list(request)
    return _row_response(request, pk)


@login_required
@require_POST
def transaction_merchant(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a row's merchant as shown; the raw description stays as the bank sent it."""
    txn = get_object_or_404(Transaction, pk=pk)
    txn.rename_merchant(request.POST.get("merchant_name", ""), user=request.user)
    if not request.htmx:
        messages.success(request, f"Merchant renamed to {txn.merchant_name or '(none)'}.")
        return _back_to_list(request)
    return _row_response(request, pk)


def _deleted_message(count: int) -> str:
    return f"Deleted {count} transaction{'s' if count != 1 else ''}."


def _toast(request: HttpRequest, message: str, undo_ids: Sequence[int] = (), *, state: str = "") -> str:
    """The toast as an out-of-band swap into `#toast`."""
    context = {"toast": {"message": message, "undo_ids": list(undo_ids)}, "oob": True, "state": state,
               "toast_seconds": TOAST_SECONDS}
    return render_to_string(f"{LIST}#toast", context, request=request)


def _region_response(request: HttpRequest, message: str, undo_ids: Sequence[int] = ()) -> HttpResponse:
    """The list region under the posted filters, with the toast swapped in out of band."""
    filters = _filters_from_post(request)
    region = render_to_string(f"{LIST}#region", _list_context(request, filters), request=request)
    toast = _toast(request, message, undo_ids, state=filters.url_query(filters.page).urlencode())
    return trigger_client_event(HttpResponse(region + toast), CHANGED)


@login_required
@require_POST
def transaction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one row (to the Trash); the list is redrawn (the next page's first row moves up)
    and a toast offers Undo."""
    txn = get_object_or_404(Transaction, pk=pk)
    ids = delete_transactions([txn], user=request.user)
    if not request.htmx:
        request.session[UNDO_SESSION_KEY] = {"ids": ids, "message": _deleted_message(1)}
        return _back_to_list(request)
    return _region_response(request, _deleted_message(1), ids)


# ---------------------------------------------------------------- bulk and undo


@login_required
@require_POST
def transaction_bulk(request: HttpRequest) -> HttpResponse:
    """Set a category on, confirm, or delete the ticked rows."""
    action = request.POST.get("action", "")
    rows = list(listing.selected(request.POST.getlist("ids")))
    undo_ids: list[int] = []
    if not rows:
        message = "Tick at least one transaction first."
    elif action == "category":
        category = _chosen_category(request)
        if category is None:
            message = "Choose the category to set."
        else:
            count = _confirm_as(rows, category, request.user)
            message = f"{count} set to {category} and confirmed."
    elif action == "confirm":
        result = confirm(rows, user=request.user)
        message = f"Confirmed {len(result.confirmed)}."
        if result.skipped:
            message += f" {result.skipped} skipped: no category or prediction yet."
    elif action == "delete":
        undo_ids = delete_transactions(rows, user=request.user)
        message = _deleted_message(len(undo_ids))
    else:
        message = "Choose what to do with the ticked transactions."
    if not request.htmx:
        if undo_ids:
            request.session[UNDO_SESSION_KEY] = {"ids": undo_ids, "message": message}
        else:
            messages.info(request, message)
        return _back_to_list(request)
    return _region_response(request, message, undo_ids)


@login_required
@require_POST
def transaction_undo_delete(request: HttpRequest) -> HttpResponse:
    """Undo a delete: the rows come back exactly as they were."""
    restored = restore(listing.undoable(request.POST.getlist("deleted")))
    message = f"Restored {len(restored)} transaction{'s' if len(restored) != 1 else ''}."
    if not request.htmx:
        messages.success(request, message)
        return _back_to_list(request)
    return _region_response(request, message)


# ---------------------------------------------------------------- trash


def _trash_context(query: QueryDict) -> dict:
    return {"page": listing.page_of(listing.trash(), listing.page_number(query), load=listing.deleted_by_id)}


@login_required
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    """What people deleted, newest first; restore it or forget it for good."""
    context = _trash_context(request.GET)
    fragment = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{TRASH}#region" if fragment else TRASH, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _trash_done(request: HttpRequest, message: str, *, changed: bool) -> HttpResponse:
    """Redraw the page of the Trash the action was taken on, with a toast saying what happened."""
    if not request.htmx:
        messages.success(request, message)
        number = listing.page_number(request.POST)
        return redirect(f"{reverse('trash')}?page={number}" if number > 1 else reverse("trash"))
    region = render_to_string(f"{TRASH}#region", _trash_context(request.POST), request=request)
    response = HttpResponse(region + _toast(request, message))
    return trigger_client_event(response, CHANGED) if changed else response


@login_required
@require_POST
def trash_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a deleted row back exactly as it was (same id when free, same category and status)."""
    memory = get_object_or_404(DeletedTransaction, pk=pk, reason=DeleteReason.USER)
    if memory.snapshot is None:
        message = ("This row was deleted before full copies were kept, so it cannot be restored; "
                   "you can delete it forever.")
        return _trash_done(request, message, changed=False)
    restored = restore([memory.pk])
    if restored:
        message = f"Restored: {memory.description[:60]}."
    else:
        message = "That transaction was already back (imported again), so it was only removed from the Trash."
    return _trash_done(request, message, changed=bool(restored))


@login_required
@require_POST
def trash_purge(request: HttpRequest, pk: int) -> HttpResponse:
    """Forget a deleted row for good; a re-import may then bring it back."""
    memory = get_object_or_404(DeletedTransaction, pk=pk, reason=DeleteReason.USER)
    memory.delete()
    return _trash_done(request, f"Deleted forever: {memory.description[:60]}.", changed=False)


# ---------------------------------------------------------------- manual entry


@login_required
@require_http_methods(["GET", "POST"])
def transaction_add(request: HttpRequest) -> HttpResponse:
    """Type a transaction in (cash, a missing bank line); it then lives like an imported one."""
    form = ManualEntryForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            txn = enter_manually(form, user=request.user)
        except ImportFileError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Added {txn.description} on {txn.date:%Y-%m-%d}.")
            return redirect("transaction_list")
    context = {"form": form, "category_groups": listing.category_groups(),
               "accounts": listing.accounts()}
    return render(request, ADD, context, status=400 if form.errors else 200)
