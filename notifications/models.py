"""The log of notification mails, one row per transaction a mail mentions."""

from __future__ import annotations

from django.db import models


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

    class Meta:
        db_table = "notification_log"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.email_message_id}"
