"""Load a full export (from export_data or the Settings page) into an empty installation."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.load_export import ImportDataError, load_export


class Command(BaseCommand):
    help = ("Load an export zip into this installation, which must be empty (run `manage.py migrate` "
            "in a new BUDGET_HOME first). All or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("zip", metavar="ZIP")

    def handle(self, *args, zip, **options):
        try:
            result = load_export(Path(zip))
        except ImportDataError as exc:
            raise CommandError(f"Import refused, nothing was imported: {exc}") from exc
        total = sum(result.rows.values())
        self.stdout.write(self.style.SUCCESS(f"Imported {total} rows into {len(result.rows)} tables."))
        if result.users:
            self.stdout.write(f"Users {', '.join(result.users)} were imported without passwords: "
                              "set one with `manage.py changepassword USERNAME`.")
        if result.reconnect:
            self.stdout.write(f"{result.reconnect} linked bank account(s) need Reconnect on the Accounts "
                              "page (bank access tokens are never exported).")
