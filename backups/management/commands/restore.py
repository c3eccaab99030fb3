"""Restore a backup made by `manage.py backup` (stop the app first)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.archive import backup_dir, find_backup
from backups.restore import RestoreError, restore_backup


class Command(BaseCommand):
    help = ("Check a backup (integrity, schema) and replace the databases with it, after a safety "
            "backup of the current state. Stop `serve` and the scheduler first.")

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE",
                            help="a backup zip, or the name of one in the backup folder")
        parser.add_argument("--keep-secrets", action="store_true",
                            help="keep the current secrets.json instead of the backup's")

    def handle(self, *args, file, keep_secrets, **options):
        path = Path(file)
        if not path.exists() and (known := find_backup(file)):
            path = known.path
        self.stdout.write("Stop the app (serve, runscheduler) before restoring: running processes keep "
                          "using the old data.")

        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            result = restore_backup(path, restore_secrets=not keep_secrets, say=say)
        except RestoreError as exc:
            raise CommandError(f"Restore refused, nothing was changed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored {', '.join(result.databases)} from {path.name}. The state before the restore is "
            f"saved as {result.safety_backup.name} in {backup_dir()}."))
        if result.secrets_restored:
            self.stdout.write("secrets.json was restored from the backup too.")
        if result.migrate_needed:
            self.stdout.write(f"The backup is from an older version: run `manage.py migrate` "
                              f"({len(result.migrate_needed)} migration(s) to apply).")
        self.stdout.write("Start the app again.")
