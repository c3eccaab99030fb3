"""The review queue: accept, change, save, delete and undo, by keyboard or button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from categories.engine.explain import explain
from categories.engine.transfers import reject_transfer_pair
from categories.models import Category
from transactions import listing, review
from transactions.deletion import delete_transactions, restore
from transactions.models import Status, Transaction

TEMPLATE = "transactions/review.html"
UNDO_KEY = "review_undo"
UNDO_DEPTH = 20


def _category_rows() -> list[Category]:
    """Parents by name, then each parent's children by name; one query, parents linked in Python."""
    groups = listing.category_groups()
    return [g.parent for g in groups] + [c for g in groups for c in g.children]


def _categories(rows: list[Category] | None = None) -> list[tuple[int, str]]:
    """(id, "Parent › Child") for the picker, parents first then children by name."""
    return [(c.pk, str(c)) for c in (_category_rows() if rows is None else rows)]


def _category_from(value: str, options: list[tuple[int, str]]) -> int | None:
    value = (value or "").strip()
    if value.isdigit():
        return int(value) if any(pk == int(value) for pk, _ in options) else None
    lowered = value.lower()
    exact = [pk for pk, label in options if label.lower() == lowered]
    if exact:
        return exact[0]
    loose = [pk for pk, label in options if label.lower().split(" › ")[-1] == lowered]
    return loose[0] if len(loose) == 1 else None


def _push_undo(request: HttpRequest, action: dict) -> None:
    stack = request.session.get(UNDO_KEY, [])
    request.session[UNDO_KEY] = [*stack, action][-UNDO_DEPTH:]


def _queue_context(before: tuple | None = None) -> dict:
    categories = _category_rows()
    page = review.queue_page(before, categories=categories)
    stats = Transaction.objects.pending_counts()
    return {"days": review.by_day(page.rows), "more": page.more, "categories": _categories(categories),
            "staged": stats["pending_save"], "stats": stats, "threshold": 90}


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, "transactionsChanged")


def _row(request: HttpRequest, pk: int, **extra) -> HttpResponse:
    t = Transaction.objects.select_related(
        "account", "predicted_category", "predicted_category__parent", "category", "category__parent",
        "possible_duplicate_of", "possible_duplicate_of__account").filter(pk=pk).first()
    if not request.htmx:
        return redirect("review")
    counts = _counts()
    if t is None or t.status not in (Status.PENDING_REVIEW, Status.PENDING_SAVE):
        return _changed(render(request, f"{TEMPLATE}#counts", counts))
    return _changed(render(request, f"{TEMPLATE}#row", {"t": t, **counts, **extra}))


def _counts() -> dict:
    """What a row action's answer carries out of band: the save button's and the toolbar's counts."""
    stats = Transaction.objects.pending_counts()
    return {"stats": stats, "staged": stats["pending_save"], "oob": True}


def _queue(request: HttpRequest) -> HttpResponse:
    if not request.htmx:
        return redirect("review")
    return _changed(render(request, f"{TEMPLATE}#queue", _queue_context()))


@login_required
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    """The queue. `?before=<cursor>` ("Load more") appends the next rows for htmx, and
    without JavaScript shows the queue from there as a page of its own."""
    before = None
    if "before" in request.GET:
        before = review.parse_cursor(request.GET["before"])
        if before is None:
            return HttpResponseBadRequest("That is not a place in the queue; reload the page.")
        if request.htmx:
            return _more(request, before)
    context = _queue_context(before)
    return render(request, f"{TEMPLATE}#queue" if request.htmx else TEMPLATE, context)


def _more(request: HttpRequest, before: tuple) -> HttpResponse:
    page = review.queue_page(before)
    days = review.by_day(page.rows)
    # The first day may carry on the last day already shown: no second heading for it.
    continued = bool(days) and days[0][0] == before[0]
    return render(request, f"{TEMPLATE}#more", {"days": days, "more": page.more, "continued": continued})


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    staged = review.stage([pk])
    if staged.ids:
        _push_undo(request, {"kind": "stage", "previous": staged.previous})
    return _row(request, pk)


@login_required
@require_POST
def review_category(request: HttpRequest, pk: int) -> HttpResponse:
    category_id = _category_from(request.POST.get("category", ""), _categories())
    if category_id is None:
        if request.htmx:
            return _row(request, pk, picker_error="Pick a category from the list.")
        messages.error(request, "Pick a category from the list.")
        return redirect("review")
    staged = review.stage([pk], category_id=category_id)
    if staged.ids:
        _push_undo(request, {"kind": "stage", "previous": staged.previous})
    return _row(request, pk)


@login_required
@require_POST
def review_save(request: HttpRequest) -> HttpResponse:
    result = review.save_staged(user=request.user)
    request.session[UNDO_KEY] = []
    text = f"Saved {len(result.confirmed)} transactions."
    if result.repredicted:
        text += f" {len(result.repredicted)} waiting rows of the same merchants were re-predicted."
    messages.success(request, text)
    return _queue(request)


@login_required
def review_accept_above(request: HttpRequest) -> HttpResponse:
    try:
        percent = min(max(int(request.GET.get("threshold") or request.POST.get("threshold") or 90), 1), 100)
    except ValueError:
        percent = 90
    if request.method == "POST":
        staged = review.accept_above(percent / 100)
        if staged.ids:
            _push_undo(request, {"kind": "stage", "previous": staged.previous})
        messages.success(request, f"Staged {len(staged.ids)} predictions at or above {percent}%.")
        return _queue(request)
    count = review.accept_above_count(percent / 100)
    if not request.htmx:
        return redirect("review")
    return render(request, f"{TEMPLATE}#accept-above-count", {"count": count, "threshold": percent})


@login_required
@require_POST
def review_delete(request: HttpRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(Transaction, pk=pk)
    deleted = delete_transactions([t], user=request.user)
    _push_undo(request, {"kind": "delete", "deleted": deleted})
    if not request.htmx:
        messages.success(request, "Deleted. Undo from the Trash page.")
        return redirect("review")
    return _changed(render(request, f"{TEMPLATE}#deleted", {"t": t, **_counts()}))


@login_required
@require_POST
def review_undo(request: HttpRequest) -> HttpResponse:
    stack = request.session.get(UNDO_KEY, [])
    if not stack:
        messages.info(request, "Nothing to undo.")
        return _queue(request)
    action = stack.pop()
    request.session[UNDO_KEY] = stack
    if action["kind"] == "stage":
        review.unstage(action["previous"])
        messages.info(request, "Undone.")
    else:
        restore(action["deleted"])
        messages.info(request, "Restored.")
    return _queue(request)


@login_required
@require_GET
def review_why(request: HttpRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(Transaction, pk=pk)
    return render(request, f"{TEMPLATE}#why", {"why": explain(t), "t": t})


@login_required
@require_POST
def review_keep_both(request: HttpRequest, pk: int) -> HttpResponse:
    review.keep_both(pk)
    return _row(request, pk)


@login_required
@require_POST
def review_not_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    reject_transfer_pair(get_object_or_404(Transaction, pk=pk))
    return _row(request, pk)
