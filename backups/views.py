"""The Settings page: backups (status, back up now, download) and the full export.

Backups hold secrets.json, so making and downloading them is for staff
(the owner); every signed-in person may download the full export, which
holds no secrets. Other parts of the app add their own sections to the page
as named partials of the same template.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from backups.archive import age_warning, backup_dir, find_backup, list_backups
from backups.export import export_file_name, write_export
from backups.snapshot import SECRETS_WARNING, BackupError, create_backup

PAGE = "settings/settings.html"
RECENT = 10


def _backups_context() -> dict:
    backups = list_backups()
    latest = backups[0] if backups else None
    return {"backups": backups[:RECENT], "latest": latest, "age_warning": age_warning(latest),
            "secrets_warning": SECRETS_WARNING, "backup_folder": backup_dir()}


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, f"{PAGE}#backups" if request.htmx else PAGE, _backups_context())


@staff_member_required
@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    try:
        result = create_backup()
        outcome, text = "success", f"Backup {result.backup.name} written."
    except BackupError as exc:
        outcome, text = "error", f"Backup failed: {exc}"
    if not request.htmx:
        getattr(messages, outcome)(request, text)
        return redirect("settings")
    context = {**_backups_context(), "outcome": outcome, "outcome_text": text}
    return render(request, f"{PAGE}#backups", context)


@staff_member_required
@require_GET
def backup_download(request: HttpRequest, name: str) -> FileResponse:
    backup = find_backup(name)
    if backup is None:
        raise Http404("No such backup.")
    return FileResponse(open(backup.path, "rb"), as_attachment=True, filename=backup.name,  # noqa: SIM115
                        content_type="application/zip")


@login_required
@require_GET
def export_download(request: HttpRequest) -> FileResponse:
    """Build the export into a temporary file (gone once sent) and stream it."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    write_export(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=export_file_name(timezone.now()),
                        content_type="application/zip")
