"""Import a historical file with a category column as confirmed history."""

from django.core.management.base import BaseCommand, CommandError

from budgetsite.progress import ProgressBar
from transactions.importers.base import ImportFileError
from transactions.imports import import_file
from transactions.management.commands.import_transactions import find_account, read_bytes, rough_rows


class Command(BaseCommand):
    help = ("Import a history file (Mint or spreadsheet export with a category column): rows are "
            "stored confirmed and teach the engine.")

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--account", required=True, help="Account name or id.")
        parser.add_argument("--format", default="auto", help="auto (default) or a preset name.")
        parser.add_argument("--create-categories", action="store_true",
                            help='Create unknown categories under an "Imported" parent.')
        parser.add_argument("--dry-run", action="store_true", help="Show what would happen.")

    def handle(self, *args, file, account, format, create_categories, dry_run, **options):
        target = find_account(account)
        data = read_bytes(file)
        bar = ProgressBar(rough_rows(data), self.stdout, label="archive")
        try:
            result = import_file(data, file_name=file, account=target, preset=format, archive=True,
                                 create_categories=create_categories, dry_run=dry_run,
                                 progress=bar.update)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.finish()
        self.stdout.write(str(result))
        if result.unknown_categories and not create_categories:
            self.stdout.write("Run again with --create-categories to create the unknown ones.")
