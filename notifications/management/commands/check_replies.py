"""Read replies to notification mails and confirm the categories they name (what the
scheduler runs every few minutes, on demand)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notifications.replies import ImapError, check_replies


class Command(BaseCommand):
    help = ("Read unseen replies in the IMAP mailbox (IMAP_* settings), confirm the categories "
            "they name, answer unclear ones, and print a summary line.")

    def handle(self, *args, **options):
        try:
            result = check_replies()
        except ImapError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
