"""Mail the transactions that wait for review now (the scheduler does it every few
minutes, and imports and syncs right after they commit)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notifications.notify import MailError, notify, send_test_mail


class Command(BaseCommand):
    help = ("Queue new transactions that wait for review and send every unsent notification; "
            "--test sends a test mail to BUDGET_NOTIFY_TO instead.")

    def add_arguments(self, parser):
        parser.add_argument("--test", action="store_true", help="Only send a test mail.")

    def handle(self, *args, test: bool, **options):
        if test:
            try:
                self.stdout.write(send_test_mail())
            except MailError as exc:
                raise CommandError(str(exc)) from exc
            return
        result = notify()
        self.stdout.write(str(result))
        if result.errors:
            raise CommandError(f"some mail was not sent and will be retried: {result.errors[0]}")
