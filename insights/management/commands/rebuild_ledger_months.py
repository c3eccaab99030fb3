"""Recompute the monthly summary from the ledger (after restoring a database edited elsewhere)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from insights import summary


class Command(BaseCommand):
    help = "Recompute ledger_months from confirmed transactions and reinstall its triggers."

    def handle(self, *args, **options):
        summary.install_triggers()
        rows = summary.rebuild()
        self.stdout.write(f"ledger_months rebuilt: {rows} summary rows.")
