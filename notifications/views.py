"""The Notifications page: recent mails and their replies, resend, and the settings
check ("send a test mail"). Thin views over `notifications.notify` and `.replies`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from notifications.compose import describe
from notifications.models import NotificationLog
from notifications.notify import MailError, mail_settings, notify, resend, send_test_mail
from notifications.replies import ImapError, check_replies

PAGE = "notifications/page.html"


def _page(request: HttpRequest, *, outcome: str = "", level: str = "success") -> HttpResponse:
    """The page, or its `#notifications` partial for htmx, with the outcome of an action."""
    if not request.htmx:
        if outcome:
            getattr(messages, level)(request, outcome)
            return redirect("notification_list")
        context = {"rows": NotificationLog.objects.recent(), "mail": mail_settings()}
        return render(request, PAGE, context)
    context = {"rows": NotificationLog.objects.recent(), "mail": mail_settings(), "outcome": outcome,
               "level": level}
    return render(request, f"{PAGE}#notifications", context)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def notification_test(request: HttpRequest) -> HttpResponse:
    try:
        return _page(request, outcome=send_test_mail())
    except MailError as exc:
        return _page(request, outcome=f"The test mail was not sent. {exc}", level="error")


@login_required
@require_POST
def notification_send(request: HttpRequest) -> HttpResponse:
    result = notify()
    level = "error" if result.errors or not result.configured else "success"
    return _page(request, outcome=f"Sent now: {result}.", level=level)


@login_required
@require_POST
def notification_resend(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(NotificationLog, pk=pk)
    try:
        resend(row.pk)
    except MailError as exc:
        return _page(request, outcome=str(exc), level="error")
    return _page(request, outcome=f"Sent the mail about {describe(row.transaction)} again.")


@login_required
@require_POST
def notification_check(request: HttpRequest) -> HttpResponse:
    try:
        result = check_replies()
    except ImapError as exc:
        return _page(request, outcome=f"Replies were not read. {exc}", level="error")
    response = _page(request, outcome=f"Checked replies: {result}.",
                     level="warning" if result.errors else "success")
    return trigger_client_event(response, "transactionsChanged") if result.confirmed else response
