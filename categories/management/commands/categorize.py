"""Re-run the engine over stored transactions."""

from django.core.management.base import BaseCommand
from django.db import transaction

from budgetsite.progress import ProgressBar
from categories.engine.pipeline import categorize
from transactions.confirm import save_predictions
from transactions.models import Status, Transaction

CHUNK = 5000


class Command(BaseCommand):
    help = "Predict categories for transactions waiting for review (or re-predict all of them)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--pending", action="store_true", help="Rows waiting for review (default).")
        group.add_argument("--all", action="store_true",
                           help="Also clear and redo predictions of rows waiting for review that "
                                "already have one.")
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")

    def handle(self, *args, all: bool, dry_run: bool, **options):
        queryset = Transaction.objects.filter(status=Status.PENDING_REVIEW)
        if not all:
            queryset = queryset.filter(predicted_category__isnull=True)
        ids = list(queryset.order_by("id").values_list("id", flat=True))
        totals = {"predicted": 0, "auto_confirmed": 0, "abstained": 0}
        bar = ProgressBar(len(ids), self.stdout, label="categorize")
        with transaction.atomic():
            for start in range(0, len(ids), CHUNK):
                rows = list(Transaction.objects.filter(id__in=ids[start:start + CHUNK]))
                result = categorize(rows)
                for key in totals:
                    totals[key] += getattr(result, key)
                if not dry_run:
                    save_predictions(rows)
                bar.update(start + len(rows))
        bar.finish()
        verb = "would predict" if dry_run else "predicted"
        self.stdout.write(
            f"{len(ids)} transactions: {verb} {totals['predicted']}, {totals['auto_confirmed']} "
            f"auto-confirmed, {totals['abstained']} without a prediction."
        )
