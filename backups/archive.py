"""Backup files on disk: how they are named, found, and which ones rotation keeps.

A finished backup is one zip named `budget-backup-<UTC time>[-label].zip` in
BUDGET_BACKUP_DIR. Only a complete, fsynced archive is ever given that name
(see `backups.snapshot`): anything else in the folder (`.incomplete-*` work
folders left by a killed run) does not match the pattern and is never listed,
offered for download or restored by name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

NAME_PATTERN = re.compile(r"^budget-backup-(\d{8}T\d{6}Z)(?:-([a-z][a-z-]*))?\.zip$")
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    created_at: dt.datetime
    label: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def backup_dir() -> Path:
    return Path(settings.BUDGET_BACKUP_DIR)


def backup_name(created_at: dt.datetime, label: str = "") -> str:
    stamp = created_at.astimezone(dt.UTC).strftime(STAMP_FORMAT)
    return f"budget-backup-{stamp}{f'-{label}' if label else ''}.zip"


def parse_name(name: str) -> tuple[dt.datetime, str] | None:
    """(created at, label) of a finished backup's file name, or None for any other name."""
    match = NAME_PATTERN.match(name)
    if not match:
        return None
    created = dt.datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=dt.UTC)
    return created, match.group(2) or ""


def list_backups(directory: Path | None = None) -> list[BackupFile]:
    """Finished backups, newest first."""
    directory = directory or backup_dir()
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        parsed = parse_name(path.name)
        if parsed and path.is_file():
            found.append(BackupFile(path=path, created_at=parsed[0], label=parsed[1],
                                    size=path.stat().st_size))
    return sorted(found, key=lambda b: (b.created_at, b.name), reverse=True)


def find_backup(name: str, directory: Path | None = None) -> BackupFile | None:
    """The finished backup with exactly this file name (never a path), or None."""
    return next((b for b in list_backups(directory) if b.name == name), None)


def backups_to_keep(backups: list[BackupFile], *, daily: int, monthly: int) -> set[Path]:
    """The newest backup of each of the last `daily` days and of each of the last `monthly`
    months that have backups (days and months in the local time zone). The newest backup is
    always kept, whatever the settings say, and so is every labeled one (the safety backups a
    restore makes): those are for a person to delete."""
    keep: set[Path] = {b.path for b in backups if b.label}
    ordered = sorted((b for b in backups if not b.label), key=lambda b: (b.created_at, b.name), reverse=True)
    keep |= {ordered[0].path} if ordered else set()
    for count, period in ((daily, "%Y-%m-%d"), (monthly, "%Y-%m")):
        seen: set[str] = set()
        for backup in ordered:
            key = timezone.localtime(backup.created_at).strftime(period)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(backup.path)
    return keep


def rotate(directory: Path | None = None, *, daily: int | None = None,
           monthly: int | None = None) -> list[Path]:
    """Delete the backups rotation does not keep; return what was deleted."""
    daily = settings.BUDGET_BACKUP_KEEP_DAILY if daily is None else daily
    monthly = settings.BUDGET_BACKUP_KEEP_MONTHLY if monthly is None else monthly
    backups = list_backups(directory)
    keep = backups_to_keep(backups, daily=daily, monthly=monthly)
    removed = [b.path for b in backups if b.path not in keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def age_warning(backup: BackupFile | None, *, now: dt.datetime | None = None) -> str:
    """A sentence when the newest backup is missing or older than two days, else ""."""
    if backup is None:
        return "There is no backup yet."
    age = (now or timezone.now()) - backup.created_at
    if age > dt.timedelta(days=2):
        return f"The last backup is {age.days} days old."
    return ""
