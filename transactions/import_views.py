"""The Import page: upload, preview, map columns, confirm, watch progress, revert."""

from __future__ import annotations

import threading
from itertools import islice

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.models import Account
from transactions import uploads
from transactions.deletion import revert_import, undo_revert
from transactions.importers.base import ImportFileError
from transactions.importers.csvfile import DATE_FORMATS, decode, sniff
from transactions.importers.detect import read_file
from transactions.importers.generic import ColumnMapping, guess_mapping, header_signature
from transactions.imports import import_file, profile_mapping_for, save_profile
from transactions.models import ImportBatch

ROLES = [("", "ignore"), ("date", "Date"), ("description", "Description"), ("amount", "Amount"),
         ("debit", "Debit (money out)"), ("credit", "Credit (money in)"), ("memo", "Memo"),
         ("category", "Category"), ("merchant", "Merchant"), ("external_id", "Transaction id")]
SAMPLE_ROWS = 20
_jobs: dict[str, dict] = {}
_jobs_lock = threading.Lock()


def _page(request: HttpRequest, context: dict, partial: str | None = None) -> HttpResponse:
    """The full page, or for htmx one card (the first in `cards`) or another named partial."""
    template = "transactions/import.html"
    if partial and request.htmx:
        if partial == "card":
            context = {**context, "card": context["cards"][0]}
        return render(request, f"{template}#{partial}", context)
    if partial == "card" and context.get("cards"):
        query = "&".join(f"t={c['token']}" for c in context["cards"])
        return redirect(f"{reverse('import_page')}?{query}")
    return render(request, template, context)


def _base_context() -> dict:
    return {
        "accounts": Account.objects.all(),
        "batches": ImportBatch.objects.select_related("account", "created_by")[:25],
        "max_mb": settings.BUDGET_MAX_UPLOAD_MB,
    }


@login_required
@require_GET
def import_page(request: HttpRequest) -> HttpResponse:
    tokens = [t for t in request.GET.getlist("t") if uploads.load(t)]
    return _page(request, {**_base_context(), "cards": [_card(t) for t in tokens]})


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    files = request.FILES.getlist("files")
    account = Account.objects.filter(pk=request.POST.get("account") or 0).first()
    if not files:
        messages.error(request, "Choose at least one file to import.")
        return redirect("import_page")
    limit = settings.BUDGET_MAX_UPLOAD_MB * 1024 * 1024
    tokens = []
    for upload in files:
        if upload.size > limit:
            messages.error(request, f"{upload.name}: the file is {upload.size / 1048576:.0f} MB; "
                                    f"the limit is {settings.BUDGET_MAX_UPLOAD_MB} MB "
                                    "(BUDGET_MAX_UPLOAD_MB).")
            continue
        tokens.append(uploads.save(upload.read(), {
            "file_name": upload.name[:200], "account": account.pk if account else None,
            "archive": bool(request.POST.get("archive")),
            "create_categories": bool(request.POST.get("create_categories")),
        }))
    query = "&".join(f"t={t}" for t in tokens)
    return redirect(f"{reverse('import_page')}?{query}" if tokens else reverse("import_page"))


def _mapping_of(meta: dict) -> ColumnMapping | None:
    return ColumnMapping.from_dict(meta["mapping"]) if meta.get("mapping") else None


def _card(token: str) -> dict:
    """Everything the preview card of one upload shows (a dry run through the real import)."""
    data, meta = uploads.load(token)
    card = {"token": token, "meta": meta, "account": Account.objects.filter(pk=meta.get("account")).first()}
    if meta.get("done"):
        card["done"] = meta["done"]
        return card
    mapping = _mapping_of(meta)
    try:
        if mapping is None:
            mapping = profile_mapping_for(data, meta["file_name"])
        contents = read_file(data, file_name=meta["file_name"], mapping=mapping)
        card["format"] = contents.format_label
        card["sample"] = list(islice(contents.statements[0].rows, SAMPLE_ROWS)) if contents.statements else []
        card["result"] = import_file(
            data, file_name=meta["file_name"], account=card["account"], mapping=mapping,
            chosen=_chosen(meta), dry_run=True, archive=meta.get("archive", False),
        )
        card["profile_used"] = mapping is not None and not meta.get("mapping")
    except ImportFileError as exc:
        card["error"] = str(exc)
        if "column-mapping wizard" in exc.message or meta.get("mapping") is not None:
            card["wizard"] = _wizard(data, meta, mapping)
        if "choose which account" in exc.message:
            card["choose_accounts"] = _refs(data, meta)
    return card


def _chosen(meta: dict) -> dict[str, Account]:
    ids = meta.get("chosen") or {}
    accounts = Account.objects.in_bulk([int(v) for v in ids.values() if v])
    return {ref: accounts[int(pk)] for ref, pk in ids.items() if pk and int(pk) in accounts}


def _refs(data: bytes, meta: dict) -> list[str]:
    from transactions.importers.ofx import parse_ofx

    try:
        return [a.account_ref for a in parse_ofx(data, filename=meta["file_name"]).accounts]
    except ImportFileError:
        return []


def _wizard(data: bytes, meta: dict, mapping: ColumnMapping | None) -> dict | None:
    try:
        sniffed = sniff(decode(data, filename=meta["file_name"]), filename=meta["file_name"])
    except ImportFileError:
        return None
    mapping = mapping or guess_mapping(sniffed)
    assigned = {column: role.split("_")[0] if role.startswith(("description", "memo")) else role
                for role, column in mapping.roles().items()}
    columns = [
        {"index": i, "name": (sniffed.header[i] if i < len(sniffed.header) else "") or f"Column {i + 1}",
         "role": assigned.get(i, ""), "examples": [r[i] for r in sniffed.rows[:3] if i < len(r)]}
        for i in range(sniffed.width)
    ]
    formats = list(dict.fromkeys([*sniffed.date_formats.get(mapping.date, ()), *DATE_FORMATS]))
    return {"columns": columns, "roles": ROLES, "rows": sniffed.rows[:5], "mapping": mapping,
            "date_formats": formats, "header": sniffed.header,
            "signature": header_signature(sniffed.header, width=sniffed.width),
            "delimiter": sniffed.delimiter, "header_row": sniffed.header_row}


def _mapping_from_post(post, wizard: dict) -> tuple[ColumnMapping | None, list[str]]:
    roles: dict[str, list[int]] = {}
    for column in wizard["columns"]:
        role = post.get(f"role_{column['index']}", "")
        if role:
            roles.setdefault(role, []).append(column["index"])
    one = {r: cols[0] for r, cols in roles.items() if r not in ("description", "memo")}
    if "date" not in one:
        return None, ["choose the date column"]
    try:
        mapping = ColumnMapping(
            date=one["date"], description=tuple(roles.get("description", ())),
            amount=one.get("amount"), debit=one.get("debit"), credit=one.get("credit"),
            memo=tuple(roles.get("memo", ())), category=one.get("category"),
            merchant=one.get("merchant"), external_id=one.get("external_id"),
            date_format=post.get("date_format") or wizard["date_formats"][0],
            decimal_comma=bool(post.get("decimal_comma")), flip_sign=bool(post.get("flip_sign")),
            header_row=wizard["header_row"], delimiter=wizard["delimiter"],
            header_signature=wizard["signature"],
        )
    except (TypeError, ValueError) as exc:
        return None, [str(exc)]
    return mapping, mapping.problems()


def _expired(request: HttpRequest) -> HttpResponse:
    messages.error(request, "That upload has expired; upload the file again.")
    return redirect("import_page")


@login_required
@require_POST
def import_map(request: HttpRequest, token: str) -> HttpResponse:
    found = uploads.load(token)
    if not found:
        return _expired(request)
    data, meta = found
    wizard = _wizard(data, meta, None)
    mapping, problems = _mapping_from_post(request.POST, wizard) if wizard else (None, ["unreadable"])
    if problems:
        card = _card(token)
        card["wizard_errors"] = problems
        return _page(request, {**_base_context(), "cards": [card]}, "card")
    uploads.update(token, mapping=mapping.to_dict(),
                   profile_name=(request.POST.get("profile_name") or "").strip()[:100])
    return _page(request, {**_base_context(), "cards": [_card(token)]}, "card")


@login_required
@require_POST
def import_choose_accounts(request: HttpRequest, token: str) -> HttpResponse:
    chosen = {key[len("ref_"):]: value for key, value in request.POST.items() if key.startswith("ref_")}
    uploads.update(token, chosen=chosen)
    return _page(request, {**_base_context(), "cards": [_card(token)]}, "card")


def _run(token: str, user_id: int | None) -> None:
    """Import one upload for real; records the outcome in the upload's metadata."""
    from django.contrib.auth import get_user_model

    data, meta = uploads.load(token)
    mapping = _mapping_of(meta)

    def progress(done: int) -> None:
        with _jobs_lock:
            _jobs.setdefault(token, {})["done"] = done

    try:
        result = import_file(
            data, file_name=meta["file_name"],
            account=Account.objects.filter(pk=meta.get("account")).first(), mapping=mapping,
            chosen=_chosen(meta), user=get_user_model().objects.filter(pk=user_id).first(),
            archive=meta.get("archive", False), create_categories=meta.get("create_categories", False),
            progress=progress,
        )
        if mapping is not None and meta.get("profile_name"):
            save_profile(meta["profile_name"], mapping, mapping.header_signature)
        outcome = {"summary": str(result), "added": sum(r.added for _, r in result.results),
                   "batches": [r.batch_id for _, r in result.results]}
    except ImportFileError as exc:
        outcome = {"error": str(exc)}
    uploads.update(token, done=outcome)
    with _jobs_lock:
        _jobs.pop(token, None)


def _in_background(token: str, user_id: int | None) -> None:
    def work():
        try:
            _run(token, user_id)
        finally:
            close_old_connections()

    with _jobs_lock:
        _jobs[token] = {"done": 0}
    threading.Thread(target=work, daemon=True, name=f"import-{token[:6]}").start()


@login_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    found = uploads.load(token)
    if not found:
        return _expired(request)
    data, meta = found
    if meta.get("done"):
        return _page(request, {**_base_context(), "cards": [_card(token)]}, "card")
    lines = data.count(b"\n")
    if lines > settings.BUDGET_IMPORT_BACKGROUND_ROWS:
        _in_background(token, request.user.pk)
        context = {"token": token, "total": lines, "done": 0, "file_name": meta["file_name"]}
        if not request.htmx:
            return redirect(f"{reverse('import_page')}?t={token}")
        return render(request, "transactions/import.html#progress", context)
    _run(token, request.user.pk)
    response = _page(request, {**_base_context(), "cards": [_card(token)]}, "card")
    return trigger_client_event(response, "transactionsChanged")


@login_required
@require_GET
def import_progress(request: HttpRequest, token: str) -> HttpResponse:
    with _jobs_lock:
        job = dict(_jobs.get(token, {}))
    found = uploads.load(token)
    if job or not found:
        data = found[0] if found else b""
        context = {"token": token, "total": data.count(b"\n") or 1, "done": job.get("done", 0),
                   "file_name": found[1]["file_name"] if found else ""}
        return render(request, "transactions/import.html#progress", context)
    response = _page(request, {**_base_context(), "cards": [_card(token)]}, "card")
    return trigger_client_event(response, "transactionsChanged")


@login_required
@require_POST
def batch_revert(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.reverted_at is None:
        result = revert_import(batch, user=request.user)
        messages.success(request, f"Import #{pk} reverted: {result.removed} transactions removed.")
    return _history_response(request)


@login_required
@require_POST
def batch_restore(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.reverted_at is not None:
        restored = undo_revert(batch)
        messages.success(request, f"Import #{pk} restored: {len(restored)} transactions are back.")
    return _history_response(request)


def _history_response(request: HttpRequest) -> HttpResponse:
    if not request.htmx:
        return redirect("import_page")
    response = render(request, "transactions/import.html#history", _base_context())
    return trigger_client_event(response, "transactionsChanged")
