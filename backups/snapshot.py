"""Make one backup: every database, the secrets file and a manifest, in one zip.

Crash safety: everything is written inside a work folder whose name does not
look like a backup (`.incomplete-*`); only when the zip is complete and
fsynced is it renamed (atomically, same folder) to its final name, and the
folder entry fsynced. A run killed at any point leaves earlier backups
untouched and no file named like a good one; the next run removes the
leftovers. One run at a time: a lock file serializes the scheduler, the
Settings page and the command.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

import budgetsite
from backups import postgres, sqlite_files
from backups.archive import BackupFile, backup_dir, backup_name, fsync, rotate, sha256
from budgetsite.home import SECRETS_FILE

MANIFEST = "manifest.json"
MANIFEST_KIND = "budget-app-backup"
SECRETS_WARNING = ("This backup holds secrets.json: the SECRET_KEY and the keys that decrypt your bank "
                   "access tokens. Keep it as private as the data folder itself.")
# Test hook: the SIGKILL test sets this to a step name ("copied", "archiving") and kills the
# process while it waits there (backups/tests/test_backup_killed.py).
PAUSE_ENV = "BUDGET_BACKUP_TEST_PAUSE_AT"


class BackupError(Exception):
    """A backup could not be made; the message says why. Earlier backups are untouched."""


@dataclass
class BackupResult:
    backup: BackupFile
    manifest: dict
    rotated: list[Path] = field(default_factory=list)
    secrets_included: bool = False


def database_aliases() -> list[str]:
    """Every configured database that exists: SQLite files present on disk, and PostgreSQL."""
    aliases = []
    for alias in connections:
        connection = connections[alias]
        if connection.vendor == "sqlite":
            if Path(connection.settings_dict["NAME"]).is_file():
                aliases.append(alias)
        elif connection.vendor == "postgresql":
            aliases.append(alias)
        else:
            raise BackupError(f"database {alias!r} uses {connection.vendor}, which backups do not support.")
    return aliases


@contextlib.contextmanager
def backup_lock(directory: Path) -> Iterator[None]:
    """Hold the folder's lock; leftovers of killed runs are removed once it is held."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            for leftover in directory.glob(".incomplete-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _pause_for_tests(step: str, say: Callable[[str], None]) -> None:
    if os.environ.get(PAUSE_ENV) == step:
        say(f"paused at {step}")
        threading.Event().wait()


def _copy_database(alias: str, work: Path) -> tuple[Path, dict]:
    connection = connections[alias]
    if connection.vendor == "postgresql":
        target = work / f"{alias}.pgdump"
        counts = postgres.tables(alias)
        postgres.dump(alias, target)
        info = {"engine": "postgresql", "source": connection.settings_dict["NAME"],
                "integrity": postgres.check(target), "tables": counts,
                "migrations": postgres.applied_migrations(target)}
    else:
        source = Path(connection.settings_dict["NAME"])
        target = work / f"{alias}.sqlite3"
        sqlite_files.copy_out(source, target)
        info = {"engine": "sqlite", "source": source.name, "integrity": sqlite_files.integrity(target),
                "tables": sqlite_files.tables(target), "migrations": sqlite_files.applied_migrations(target)}
    if info["integrity"] != "ok":
        raise BackupError(f"the copy of database {alias!r} failed its integrity check: {info['integrity']}")
    info.update(file=f"databases/{target.name}", bytes=target.stat().st_size, sha256=sha256(target))
    return target, info


def create_backup(*, label: str = "", directory: Path | None = None,
                  say: Callable[[str], None] = lambda line: None) -> BackupResult:
    """Back up every database and the secrets file into one new zip, then rotate old backups."""
    directory = directory or backup_dir()
    with backup_lock(directory):
        created_at = timezone.now().replace(microsecond=0)
        name = backup_name(created_at, label)
        work = directory / f".incomplete-{name}-{os.getpid()}"
        work.mkdir(mode=0o700)
        try:
            final = directory / name
            manifest = _write_backup(work, final, created_at, label, say)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rotated = rotate(directory)
    backup = BackupFile(path=final, created_at=created_at, label=label, size=final.stat().st_size)
    return BackupResult(backup=backup, manifest=manifest, rotated=rotated,
                        secrets_included=manifest["secrets"] is not None)


def _write_backup(work: Path, final: Path, created_at: dt.datetime, label: str,
                  say: Callable[[str], None]) -> dict:
    """Copy, archive under a temporary name, fsync, and only then rename to `final`."""
    manifest: dict = {
        "kind": MANIFEST_KIND, "format": 1, "app_version": budgetsite.__version__,
        "created_at": created_at.isoformat(), "label": label, "databases": {}, "secrets": None,
    }
    files: list[tuple[Path, str]] = []
    for alias in database_aliases():
        say(f"Copying database {alias}…")
        try:
            path, info = _copy_database(alias, work)
        except postgres.PostgresToolError as exc:
            raise BackupError(str(exc)) from exc
        manifest["databases"][alias] = info
        files.append((path, info["file"]))
    if not manifest["databases"]:
        raise BackupError("there is no database to back up yet: run `manage.py migrate` first.")
    secrets = Path(settings.BUDGET_HOME) / SECRETS_FILE
    if secrets.is_file():
        files.append((secrets, SECRETS_FILE))
        manifest["secrets"] = {"file": SECRETS_FILE, "warning": SECRETS_WARNING}
    _pause_for_tests("copied", say)

    say("Writing the archive…")
    partial = work / f"{final.name}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (path, arcname) in enumerate(files):
            archive.write(path, arcname)
            if index == 0:
                raw.flush()
                _pause_for_tests("archiving", say)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    fsync(partial)
    os.replace(partial, final)
    fsync(final.parent)
    return manifest
