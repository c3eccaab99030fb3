"""The log of notification mails, one row per transaction a mail mentions.

The table is the original app's `notification_log`, adopted in place. Added
columns (migration 0002), each for a reason:
- `line`: a digest lists several transactions under one Message-ID; the line
  number tells which row a reply such as "2 Groceries" means;
- `queued_at`, `attempts`, `last_error`, `claim_token`, `claimed_at`: the row
  is written before the mail goes out (an outbox), so a mail server that is
  down costs nothing but a retry on the next run, and two senders never
  claim the same row;
- `reply_note`: what became of the last reply, shown on the Notifications page;
- `skipped_at` (migration 0003): a row left unmailed because too many
  transactions arrived at once (a year of history in one file must not become
  hundreds of mails); the mail that went says how many more wait in the app.
A unique constraint on `transaction` makes "never mail a transaction twice" a
database guarantee.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationLogQuerySet(models.QuerySet):
    def unsent(self) -> NotificationLogQuerySet:
        return self.filter(sent_at__isnull=True)

    def for_message_ids(self, message_ids: list[str]) -> NotificationLogQuerySet:
        return self.filter(email_message_id__in=message_ids)

    def recent(self, limit: int = 100) -> NotificationLogQuerySet:
        """The newest rows for the Notifications page, with what each row shows."""
        return self.select_related(
            "transaction__account", "transaction__category", "transaction__predicted_category"
        ).order_by("-queued_at", "-id")[:limit]

    def claimable(self, stale_before) -> NotificationLogQuerySet:
        """Unsent rows no live sender holds (a claim older than `stale_before` is abandoned)."""
        return self.unsent().filter(skipped_at__isnull=True).filter(
            Q(claim_token="") | Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale_before)
        )


class NotificationLog(models.Model):
    """A mail about one transaction; `email_message_id` is how replies find it."""

    transaction = models.ForeignKey(
        "transactions.Transaction", on_delete=models.CASCADE, related_name="notifications",
        db_index=False,
    )
    email_message_id = models.CharField(max_length=200, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_category = models.CharField(max_length=100, null=True, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    claim_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply_note = models.CharField(max_length=300, blank=True, default="")
    skipped_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationLogQuerySet.as_manager()

    class Meta:
        db_table = "notification_log"
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["email_message_id"], name="idx_notification_message_id"),
            models.Index(fields=["sent_at"], name="idx_notification_sent_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["transaction"], name="uq_notification_transaction"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.email_message_id}"

    @property
    def state(self) -> str:
        """One word for the page: replied, sent, skipped, failed or queued."""
        if self.replied_at:
            return "replied"
        if self.sent_at:
            return "sent"
        if self.skipped_at:
            return "skipped"
        return "failed" if self.last_error else "queued"
