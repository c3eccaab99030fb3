"""Import bank files (CSV, OFX/QFX, QIF) into an account from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from budgetsite.progress import ProgressBar
from transactions.importers.base import ImportFileError
from transactions.importers.generic import ColumnMapping
from transactions.imports import import_file
from transactions.models import ImportProfile


def find_account(name_or_id: str | None) -> Account | None:
    if not name_or_id:
        return None
    try:
        return Account.objects.find(name_or_id)
    except (Account.DoesNotExist, Account.MultipleObjectsReturned) as exc:
        raise CommandError(str(exc)) from exc


def read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc


def rough_rows(data: bytes) -> int:
    return data.count(b"\n")


class Command(BaseCommand):
    help = "Import bank export files into an account; a bad file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--account", help="Account name or id (needed unless an OFX file "
                            "names accounts already known by their last digits).")
        parser.add_argument("--format", default="auto",
                            help="auto (default), a preset name, or generic (with --profile).")
        parser.add_argument("--profile", help="A saved column-mapping profile (generic format).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would happen.")

    def handle(self, *args, files, account, format, profile, dry_run, **options):
        target = find_account(account)
        mapping = None
        if format == "generic" or profile:
            if not profile:
                raise CommandError("--format generic needs --profile NAME (save one on the Import page)")
            saved = ImportProfile.objects.filter(name=profile).first()
            if saved is None:
                names = ", ".join(ImportProfile.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"no import profile named {profile!r} (profiles: {names})")
            mapping = ColumnMapping.from_dict(saved.mapping)
        failed = 0
        for path in files:
            data = read_bytes(path)
            bar = ProgressBar(rough_rows(data), self.stdout, label=Path(path).name)
            try:
                result = import_file(data, file_name=path, account=target, preset=format,
                                     mapping=mapping, dry_run=dry_run, progress=bar.update)
            except ImportFileError as exc:
                bar.finish()
                self.stderr.write(str(exc))
                failed += 1
                continue
            bar.finish()
            self.stdout.write(str(result))
        if failed:
            raise CommandError(f"{failed} of {len(files)} files could not be imported (nothing "
                               "was written for them)")
