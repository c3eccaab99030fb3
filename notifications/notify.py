"""Outgoing notifications: queue the transactions that need review, then mail them.

`notify()` is what imports, syncs and the scheduler call. It never raises and
never runs inside an import's database transaction (`notify_after_commit`),
so a mail server that is slow or down cannot block or break an import or a
sync: the failure is stored on the rows and the next run retries them.

The outbox is `NotificationLog` itself: a row is written (unique per
transaction) before its mail is sent, so a transaction is never mailed twice.
A sender claims rows with one conditional UPDATE (as healthchecks' sendalerts
does), stores the Message-ID before talking to the server and the sent time
after; should the process die in between, the retry re-sends under the same
Message-ID, which mail clients show once.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import compose
from notifications.models import NotificationLog
from transactions.models import Source, Status, Transaction

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_ROWS_PER_RUN = 200
# At most this many new transactions are mailed per import or sync; the rest
# are left for the review queue, and the mail says how many.
MAX_NEW_PER_RUN = compose.DIGEST_MAX_LINES
NOTIFY_SOURCES = (Source.CSV_IMPORT, Source.PLAID)


@dataclass
class NotifyResult:
    """What one run did; `str()` is the line commands and jobs print."""

    queued: int = 0
    skipped: int = 0
    sent_messages: int = 0
    sent_rows: int = 0
    failed_rows: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    configured: bool = True

    def __str__(self) -> str:
        if not self.configured:
            return "mail is off (set EMAIL_HOST and BUDGET_NOTIFY_TO)"
        text = (f"{self.queued} queued, {self.sent_messages} mails sent for {self.sent_rows} "
                f"transactions, {self.failed_rows} waiting to retry")
        if self.skipped:
            text += f", {self.skipped} more left for the review queue"
        return f"{text}: {self.errors[0]}" if self.errors else text


class MailError(Exception):
    """The mail server could not be reached or refused the mail; the message says which."""


def is_configured() -> bool:
    return bool(settings.EMAIL_HOST and settings.BUDGET_NOTIFY_TO)


def mail_settings() -> dict:
    """What the Notifications page shows about the configuration: never a password."""
    return {
        "configured": is_configured(), "host": settings.EMAIL_HOST, "port": settings.EMAIL_PORT,
        "security": "SSL" if settings.EMAIL_USE_SSL else "STARTTLS" if settings.EMAIL_USE_TLS else "none",
        "user": settings.EMAIL_HOST_USER, "sender": settings.DEFAULT_FROM_EMAIL,
        "to": settings.BUDGET_NOTIFY_TO, "mode": settings.BUDGET_NOTIFY_MODE,
        "threshold": settings.BUDGET_NOTIFY_THRESHOLD, "imap_host": settings.IMAP_HOST,
        "imap_port": settings.IMAP_PORT, "imap_user": settings.IMAP_USER,
        "imap_folder": settings.IMAP_FOLDER, "imap_ssl": settings.IMAP_SSL,
        "interval": settings.BUDGET_NOTIFY_INTERVAL_MINUTES,
    }


def describe_error(exc: BaseException) -> str:
    """A sentence a person can act on, naming the server, never a password."""
    server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"The mail server {server} refused the user name or password (EMAIL_HOST_USER)."
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"The mail server {server} refused the recipients {', '.join(exc.recipients)}."
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"The mail server {server} answered {exc.smtp_code}: {detail}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS with the mail server {server} failed ({exc.reason or exc}); check EMAIL_USE_TLS/SSL."
    if isinstance(exc, ConnectionRefusedError):
        return (f"Nothing accepts connections at {server} (connection refused); "
                "check EMAIL_HOST and EMAIL_PORT.")
    if isinstance(exc, TimeoutError):
        return f"The mail server {server} did not answer within {settings.EMAIL_TIMEOUT:g} s."
    if isinstance(exc, OSError):
        return f"Could not reach the mail server {server}: {exc.strerror or exc}."
    return f"Sending through {server} failed: {type(exc).__name__}: {exc}"


def send_messages(messages: Sequence) -> None:
    """Send over one SMTP connection; raises MailError with a sentence on any failure."""
    try:
        with get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT) as connection:
            connection.send_messages(list(messages))
    except Exception as exc:  # every transport error becomes one clear sentence
        raise MailError(describe_error(exc)) from exc


def queue_new(*, now=None) -> tuple[int, int]:
    """Write outbox rows for recent transactions that wait for review and were never
    mailed; returns (queued, skipped).

    Only imported or synced rows added within BUDGET_NOTIFY_LOOKBACK_HOURS:
    turning mail on must not mail an old backlog. In "each" mode only amounts
    (of either sign) at or above BUDGET_NOTIFY_THRESHOLD are mailed. Beyond
    MAX_NEW_PER_RUN at once, the newest are queued and the rest are recorded
    as skipped (never mailed later either).
    """
    now = now or timezone.now()
    candidates = Transaction.objects.filter(
        status=Status.PENDING_REVIEW, source__in=NOTIFY_SOURCES,
        created_at__gte=now - timedelta(hours=settings.BUDGET_NOTIFY_LOOKBACK_HOURS),
        notifications__isnull=True,
    )
    if settings.BUDGET_NOTIFY_MODE == "each":
        threshold = settings.BUDGET_NOTIFY_THRESHOLD
        candidates = candidates.filter(Q(amount__gte=threshold) | Q(amount__lte=-threshold))
    ids = list(candidates.order_by("-date", "-id").values_list("id", flat=True))
    mailed, skipped = ids[:MAX_NEW_PER_RUN], ids[MAX_NEW_PER_RUN:]
    note = f"Not mailed: {len(ids)} transactions arrived at once; review them in the app."
    NotificationLog.objects.bulk_create(
        [NotificationLog(transaction_id=pk, queued_at=now) for pk in mailed]
        + [NotificationLog(transaction_id=pk, queued_at=now, skipped_at=now, reply_note=note)
           for pk in skipped],
        batch_size=500, ignore_conflicts=True,
    )
    return len(mailed), len(skipped)


def _claim(now, *, only: Sequence[int] | None = None) -> tuple[str, list[NotificationLog]]:
    token = uuid.uuid4().hex
    rows = NotificationLog.objects.claimable(now - CLAIM_TIMEOUT)
    if only is not None:
        rows = rows.filter(pk__in=list(only))
    ids = list(rows.order_by("queued_at", "id").values_list("id", flat=True)[:MAX_ROWS_PER_RUN])
    NotificationLog.objects.claimable(now - CLAIM_TIMEOUT).filter(pk__in=ids).update(
        claim_token=token, claimed_at=now)
    claimed = list(NotificationLog.objects.filter(claim_token=token).select_related(
        "transaction__account", "transaction__predicted_category"))
    claimed.sort(key=lambda r: (r.transaction.date, r.transaction_id))
    return token, claimed


def _groups(rows: list[NotificationLog]) -> list[list[NotificationLog]]:
    if settings.BUDGET_NOTIFY_MODE == "each":
        return [[row] for row in rows]
    size = compose.DIGEST_MAX_LINES
    return [rows[start:start + size] for start in range(0, len(rows), size)]


def send_pending(*, only: Sequence[int] | None = None, more: int = 0) -> NotifyResult:
    """Mail every claimable outbox row (or those of `only`); failures stay queued with the error.

    `more` is how many new transactions were left unmailed; the first mail says so.
    """
    result = NotifyResult()
    now = timezone.now()
    token, rows = _claim(now, only=only)
    if not rows:
        return result
    open_rows = [r for r in rows if r.transaction.status == Status.PENDING_REVIEW]
    done = {r.pk for r in open_rows}
    # Reviewed before the mail went out: nothing left to ask.
    stale = [r.pk for r in rows if r.pk not in done]
    result.dropped = NotificationLog.objects.filter(pk__in=stale, claim_token=token).delete()[0]
    for group in _groups(open_rows):
        message_id = group[0].email_message_id or compose.new_message_id()
        digest = len(group) > 1
        for number, row in enumerate(group, start=1):
            NotificationLog.objects.filter(pk=row.pk, claim_token=token).update(
                email_message_id=message_id, line=number if digest else None)
        message = compose.notification([r.transaction for r in group], message_id=message_id,
                                       more=more if not result.sent_messages else 0)
        ids = [r.pk for r in group]
        try:
            send_messages([message])
        except MailError as exc:
            log.warning("notification mail not sent (will retry): %s", exc)
            NotificationLog.objects.filter(pk__in=ids, claim_token=token).update(
                attempts=F("attempts") + 1, last_error=str(exc)[:1000], claim_token="", claimed_at=None)
            result.failed_rows += len(ids)
            if str(exc) not in result.errors:
                result.errors.append(str(exc))
            continue
        NotificationLog.objects.filter(pk__in=ids, claim_token=token).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="", claim_token="",
            claimed_at=None)
        result.sent_messages += 1
        result.sent_rows += len(ids)
    return result


def notify() -> NotifyResult:
    """Queue new transactions that need review and send every unsent mail. Never raises."""
    if not is_configured():
        return NotifyResult(configured=False)
    try:
        queued, skipped = queue_new()
        result = send_pending(more=skipped)
        result.queued, result.skipped = queued, skipped
    except Exception as exc:  # mail must never break the import or sync that called us
        log.exception("notifications failed; the next run retries")
        return NotifyResult(errors=[f"{type(exc).__name__}: {exc}"])
    if result.sent_messages or result.failed_rows:
        log.info("notifications: %s", result)
    return result


def notify_after_commit() -> None:
    """Call `notify()` once the caller's database transaction has committed (at once
    outside one): the mail must describe rows that exist, and a slow mail server
    must not hold the import's write lock."""
    transaction.on_commit(notify)


def resend(log_id: int) -> NotifyResult:
    """Send one transaction's mail again, alone, under a new Message-ID.

    A person asked for it (the Notifications page), so it goes even if it was
    sent before; it is refused for a transaction that no longer waits for review.
    """
    row = NotificationLog.objects.select_related("transaction").get(pk=log_id)
    if row.transaction.status != Status.PENDING_REVIEW:
        raise MailError("This transaction no longer waits for review; nothing was sent.")
    if not is_configured():
        raise MailError("Mail is off: set EMAIL_HOST and BUDGET_NOTIFY_TO.")
    NotificationLog.objects.filter(pk=row.pk).update(
        sent_at=None, email_message_id=None, line=None, last_error="", claim_token="", claimed_at=None,
        skipped_at=None)
    result = send_pending(only=[row.pk])
    if result.errors:
        raise MailError(result.errors[0])
    return result


def send_test_mail() -> str:
    """Send the settings check to BUDGET_NOTIFY_TO; returns a sentence, raises MailError."""
    if not settings.EMAIL_HOST:
        raise MailError("EMAIL_HOST is not set, so no mail can be sent.")
    if not settings.BUDGET_NOTIFY_TO:
        raise MailError("BUDGET_NOTIFY_TO is not set: there is nobody to send to.")
    send_messages([compose.test_mail(settings.BUDGET_NOTIFY_TO)])
    return (f"A test mail went to {', '.join(settings.BUDGET_NOTIFY_TO)} through "
            f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}.")
