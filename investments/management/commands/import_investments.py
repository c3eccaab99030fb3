"""`manage.py import_investments FILE... [--account ID_OR_NAME]`: OFX/QFX investment statements."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from investments.ofx import import_investment_ofx
from transactions.importers.base import ImportFileError


class Command(BaseCommand):
    help = ("Import OFX/QFX investment statements (holdings and activity). Each statement goes to the "
            "investment account whose last digits end its account number, or to --account.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--account", help="Account id or name, for files with one statement.")

    def handle(self, *args, files: list[Path], account: str | None, **options) -> None:
        target = None
        if account:
            try:
                target = Account.objects.find(account)
            except (Account.DoesNotExist, Account.MultipleObjectsReturned) as exc:
                raise CommandError(str(exc)) from exc
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: cannot read the file ({exc.strerror}).") from exc
            try:
                result = import_investment_ofx(data, filename=str(path), account=target)
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{path}: {result}")
