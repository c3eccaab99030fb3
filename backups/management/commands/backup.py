"""Back up every database and the secrets file into BUDGET_BACKUP_DIR, then rotate."""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from backups.snapshot import SECRETS_WARNING, BackupError, create_backup


class Command(BaseCommand):
    help = "Make a backup now (SQLite online backup or pg_dump), keeping the newest per day and month."

    def handle(self, *args, **options):
        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            result = create_backup(say=say)
        except BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        backup = result.backup
        self.stdout.write(f"Backup written: {backup.path} ({filesizeformat(backup.size)}).")
        for alias, info in result.manifest["databases"].items():
            rows = sum(info["tables"].values())
            self.stdout.write(f"  database {alias}: {len(info['tables'])} tables, {rows} rows, "
                              f"integrity {info['integrity']}")
        if result.secrets_included:
            self.stderr.write(self.style.WARNING(f"Warning: {SECRETS_WARNING}"))
        if result.rotated:
            self.stdout.write(f"Rotation removed {len(result.rotated)} older backup(s): "
                              + ", ".join(p.name for p in result.rotated))
