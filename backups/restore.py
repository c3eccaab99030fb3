"""Restore a backup made by `backups.snapshot`: check everything first, then replace.

Nothing is touched until the whole backup has been checked: the zip and its
manifest, every database file's checksum and integrity, and its schema (a
backup from a newer version of the app is refused). Then a safety backup of
the current state is made, and each database is replaced in one transaction
(SQLite's backup API into the live file; on PostgreSQL, the whole schema in
one psql transaction). The app should be stopped while this runs.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections

from backups import postgres, schema, sqlite_files
from backups.archive import BackupFile, backup_dir, sha256
from backups.snapshot import MANIFEST, MANIFEST_KIND, create_backup
from budgetsite.home import SECRETS_FILE, write_secrets


class RestoreError(Exception):
    """The backup cannot be restored; the message says why. Nothing was changed."""


@dataclass
class RestoreResult:
    safety_backup: BackupFile
    databases: list[str]
    secrets_restored: bool
    migrate_needed: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    manifest: dict
    files: dict[str, Path]
    secrets: dict | None


def _read_manifest(archive: zipfile.ZipFile, label: str) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise RestoreError(f"{label} is not a Budget App backup: it has no {MANIFEST}.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RestoreError(f"{label}: {MANIFEST} is not valid JSON ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != MANIFEST_KIND:
        raise RestoreError(f"{label}: {MANIFEST} does not describe a Budget App backup.")
    databases = manifest.get("databases")
    if not isinstance(databases, dict) or not databases or not all(
            isinstance(info, dict) and isinstance(info.get("file"), str) for info in databases.values()):
        raise RestoreError(f"{label}: {MANIFEST} has no valid list of databases.")
    secrets = manifest.get("secrets")
    if secrets is not None and not (isinstance(secrets, dict) and isinstance(secrets.get("file"), str)):
        raise RestoreError(f"{label}: {MANIFEST} describes the secrets file wrongly.")
    return manifest


def _check_target(label: str, alias: str, info: dict) -> None:
    """The installation has this database, on the same engine."""
    if alias not in settings.DATABASES:
        raise RestoreError(f"{label} holds a database {alias!r} that this installation does not configure.")
    engine, here = info.get("engine"), connections[alias].vendor
    if engine not in ("sqlite", "postgresql"):
        raise RestoreError(f"{label}: {MANIFEST} gives database {alias!r} an unknown engine {engine!r}.")
    if here != engine:
        raise RestoreError(f"{label} holds a {engine} database {alias!r} but this installation uses {here} "
                           "for it; move between engines with export_data and import_data instead.")


def _check_database(label: str, alias: str, info: dict, path: Path) -> None:
    if info.get("sha256") != sha256(path):
        raise RestoreError(f"{label}: {info['file']} does not match its checksum in {MANIFEST}.")
    engine = info["engine"]
    problem = sqlite_files.integrity(path) if engine == "sqlite" else postgres.check(path)
    if problem != "ok":
        raise RestoreError(f"{label}: {info['file']} failed its integrity check: {problem}")
    applied = (sqlite_files.applied_migrations(path) if engine == "sqlite"
               else postgres.applied_migrations(path))
    if unknown := schema.unknown(applied):
        raise RestoreError(schema.newer_schema_message(f"{label} (database {alias})", unknown))


def check_backup(path: Path, work: Path) -> _Checked:
    """Extract `path` into `work` and check it all; raise RestoreError with the first problem."""
    label = path.name
    if not path.is_file():
        raise RestoreError(f"{path} does not exist.")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _read_manifest(archive, label)
            if damaged := archive.testzip():
                raise RestoreError(f"{label}: {damaged} is damaged (its checksum does not match).")
            files = {}
            for alias, info in manifest["databases"].items():
                _check_target(label, alias, info)
                member = info["file"]
                if member not in archive.namelist():
                    raise RestoreError(f"{label}: {MANIFEST} names {member!r}, which is not in the archive.")
                target = work / f"{alias}.{info.get('engine')}"
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                files[alias] = target
            secrets = None
            if manifest.get("secrets"):
                secrets = json.loads(archive.read(manifest["secrets"]["file"]))
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise RestoreError(f"{label} is not a readable backup archive ({exc}).") from None
    except (KeyError, ValueError) as exc:
        raise RestoreError(f"{label}: its secrets file is missing or damaged ({exc}).") from None
    for alias, info in manifest["databases"].items():
        _check_database(label, alias, info, files[alias])
    return _Checked(manifest=manifest, files=files, secrets=secrets)


def _refuse_while_the_scheduler_runs() -> None:
    """A running scheduler (in `serve` or `runscheduler`) holds BUDGET_HOME/scheduler.lock."""
    lock = Path(settings.BUDGET_HOME) / "scheduler.lock"
    if not lock.exists():
        return
    with open(lock) as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RestoreError("the app is running (its scheduler holds scheduler.lock): stop `serve` "
                               "and `runscheduler`, then restore.") from None
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def restore_backup(path: Path, *, restore_secrets: bool = True,
                   say: Callable[[str], None] = lambda line: None) -> RestoreResult:
    """Check the backup, make a safety backup of the current state, then replace the databases."""
    directory = backup_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=directory) as tmp:
        work = Path(tmp)
        say(f"Checking {path.name}…")
        checked = check_backup(Path(path), work)
        _refuse_while_the_scheduler_runs()
        say("Making a safety backup of the current state first…")
        safety = create_backup(label="pre-restore", say=say).backup
        connections.close_all()
        migrate_needed: list[str] = []
        for alias, source in checked.files.items():
            say(f"Restoring database {alias}…")
            if connections[alias].vendor == "postgresql":
                postgres.restore(alias, source, work)
                migrate_needed += schema.missing(postgres.applied_migrations(source))
            else:
                sqlite_files.copy_in(source, Path(connections[alias].settings_dict["NAME"]))
                migrate_needed += schema.missing(sqlite_files.applied_migrations(source))
        secrets_restored = False
        if restore_secrets and checked.secrets:
            home = Path(settings.BUDGET_HOME)
            current = home / SECRETS_FILE
            if not current.is_file() or json.loads(current.read_text()) != checked.secrets:
                write_secrets(home, checked.secrets)
                secrets_restored = True
    return RestoreResult(safety_backup=safety, databases=list(checked.files),
                         secrets_restored=secrets_restored, migrate_needed=sorted(set(migrate_needed)))
