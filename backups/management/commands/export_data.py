"""Write every table as CSV plus a JSON manifest into one zip (no secrets, no bank tokens)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backups.export import export_file_name, write_export


class Command(BaseCommand):
    help = "Export all of the data in open formats: a zip of CSV files and manifest.json."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE",
                            help="where to write the zip (default: budget-export-<time>.zip here)")

    def handle(self, *args, output, **options):
        path = Path(output or export_file_name(timezone.now()))
        if path.exists():
            raise CommandError(f"{path} already exists; choose another --output.")
        partial = path.with_name(f".{path.name}.part")
        try:
            with open(partial, "wb") as fh:
                manifest = write_export(fh)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(f"Exported {len(manifest['tables'])} tables, {rows} rows, to {path}.")
        self.stdout.write("Not included: secrets, bank access tokens and passwords (see manifest.json).")
