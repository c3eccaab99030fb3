"""SQLite databases copied with SQLite's online backup API, checked, and copied back.

The backup API reads a consistent snapshot while the app keeps running (WAL
readers never block the writer), and copying back into the live file happens
in one write transaction on it, so a restore interrupted midway leaves the
database as it was.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from backups import archive, schema

TIMEOUT_SECONDS = 30


def _connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    mode = "rwc" if create else "rw"
    return sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, timeout=TIMEOUT_SECONDS)


def copy_out(source: Path, target: Path) -> None:
    """Snapshot the live database `source` into the new file `target` (self-contained, fsynced)."""
    with closing(_connect(source)) as src, closing(_connect(target, create=True)) as dst:
        src.backup(dst)
        # The copy carries the source's WAL flag; a rollback journal keeps it one file.
        dst.execute("PRAGMA journal_mode=DELETE")
    archive.fsync(target)


def copy_in(source: Path, target: Path) -> None:
    """Replace the content of the database `target` with `source`, in one transaction."""
    with closing(_connect(source)) as src, closing(_connect(target, create=True)) as dst:
        dst.execute(f"PRAGMA busy_timeout={TIMEOUT_SECONDS * 1000}")
        src.backup(dst)


def integrity(path: Path) -> str:
    """"ok", or what PRAGMA integrity_check (or opening the file) found wrong."""
    try:
        with closing(_connect(path)) as conn:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def tables(path: Path) -> dict[str, int]:
    """Row count of every table, by name."""
    with closing(_connect(path)) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}


def applied_migrations(path: Path) -> dict[str, list[str]]:
    with closing(_connect(path)) as conn:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'").fetchone()
        rows = conn.execute("SELECT app, name FROM django_migrations").fetchall() if exists else []
    return schema.group(rows)
