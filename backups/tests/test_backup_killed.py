"""A backup killed with SIGKILL midway: earlier backups intact, no half file named like a good one.

Runs the real `manage.py backup` in a subprocess against its own BUDGET_HOME
holding a sizable database, stops it at a step through the test hook
(BUDGET_BACKUP_TEST_PAUSE_AT), and kills it there.
"""

from __future__ import annotations

import hashlib
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from backups.archive import NAME_PATTERN

ROOT = Path(__file__).resolve().parents[2]
GROW_TIMES = 8  # 544 demo rows doubled 8 times: ~140k transactions
UNIQUE = {"id", "fingerprint", "external_id", "plaid_transaction_id"}


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "INVESTMENTS_DATABASE_URL", "BUDGET_BACKUP_DIR")}
    return {**env, "BUDGET_HOME": str(home), "DJANGO_SETTINGS_MODULE": "budgetsite.settings",
            "BUDGET_RUN_SCHEDULER": "false", **extra}


def _manage(home: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(home),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _grow(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(transactions)") if row[1] not in UNIQUE]
        listed = ", ".join(columns)
        for _ in range(GROW_TIMES):
            conn.execute(f"INSERT INTO transactions ({listed}) SELECT {listed} FROM transactions")
        return conn.execute("SELECT COUNT(*) FROM transactions").fetchone()[0]


def _good_names(folder: Path) -> list[str]:
    """Every file anywhere under the folder whose name looks like a finished backup."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if NAME_PATTERN.match(p.name))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_until(home: Path, step: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "manage.py", "backup"], cwd=ROOT,
                            env=_env(home, BUDGET_BACKUP_TEST_PAUSE_AT=step),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=300)
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            pytest.fail(f"backup never paused at {step}: {''.join(seen)}")
        seen.append(line)
        if line.strip() == f"paused at {step}":
            return proc


@pytest.mark.slow
def test_backup_killed_midway_leaves_earlier_backups_and_no_half_backup(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    _manage(home, "migrate", "--noinput")
    _manage(home, "load_demo")
    assert _grow(home / "budget.db") > 100_000
    folder = home / "backups"
    _manage(home, "backup")
    (earlier,) = _good_names(folder)
    earlier_digest = _digest(folder / earlier)

    for step in ("copied", "archiving"):
        proc = _run_until(home, step)
        if step == "archiving":  # really midway through writing the zip
            (partial,) = folder.glob(".incomplete-*/*.part")
            assert partial.stat().st_size > 0
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
        assert _good_names(folder) == [earlier], f"killed at {step}"
        assert _digest(folder / earlier) == earlier_digest
        with zipfile.ZipFile(folder / earlier) as archive:
            assert archive.testzip() is None

    # The next run cleans up after the dead ones and succeeds.
    out = _manage(home, "backup")
    assert "Backup written:" in out
    assert not list(folder.glob(".incomplete-*"))
    (latest,) = _good_names(folder)  # same day: rotation keeps the newest of the day
    with zipfile.ZipFile(folder / latest) as archive:
        assert archive.testzip() is None and "manifest.json" in archive.namelist()
