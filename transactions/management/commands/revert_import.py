"""Revert (or restore) one import batch."""

from django.core.management.base import BaseCommand, CommandError

from transactions.deletion import revert_import, undo_revert
from transactions.models import ImportBatch


class Command(BaseCommand):
    help = "Remove exactly the rows an import added (they can be brought back with --undo)."

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int, metavar="BATCH_ID")
        parser.add_argument("--undo", action="store_true", help="Restore a reverted import.")

    def handle(self, *args, batch_id, undo, **options):
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"no import #{batch_id}")
        if undo:
            if batch.reverted_at is None:
                raise CommandError(f"import #{batch_id} is not reverted")
            restored = undo_revert(batch)
            self.stdout.write(f"Import #{batch_id} ({batch.file_name}): restored {len(restored)} rows.")
            return
        if batch.reverted_at is not None:
            raise CommandError(
                f"import #{batch_id} was already reverted on {batch.reverted_at:%Y-%m-%d %H:%M}")
        result = revert_import(batch)
        self.stdout.write(f"Import #{batch_id} ({batch.file_name}): removed {result.removed} rows; "
                          f"undo with --undo.")
