"""The PostgreSQL path (pg_dump / pg_restore) on a throw-away cluster, whatever the suite runs on.

`make test-postgres` runs every backup test on PostgreSQL in-process; this
one keeps the path tested in the plain SQLite run too, through the real
commands in a subprocess. Skips where Debian's postgresql is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from tests import pgcluster

ROOT = Path(__file__).resolve().parents[2]
APPS = ["auth.user", "categories", "accounts", "transactions", "budgets", "insights"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not pgcluster.available(), reason="PostgreSQL server binaries are not installed"),
    pytest.mark.skipif("postgresql" in settings.DATABASES["default"]["ENGINE"],
                       reason="on PostgreSQL every backup test already takes this path"),
]


def test_backup_and_restore_on_postgresql(tmp_path):
    with pgcluster.throwaway_cluster() as urls:
        env = {**os.environ, **urls, "BUDGET_HOME": str(tmp_path), "BUDGET_RUN_SCHEDULER": "false",
               "DJANGO_SETTINGS_MODULE": "budgetsite.settings"}
        env.pop("BUDGET_BACKUP_DIR", None)

        def manage(*args: str) -> str:
            done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        manage("migrate", "--noinput")
        manage("seed_defaults")
        manage("shell", "-c", "from django.contrib.auth.models import User; "
                              "User.objects.create_superuser('owner', 'o@example.com', 'pass-word-1-long')")
        before = manage("dumpdata", *APPS, "--indent", "1")
        out = manage("backup")
        assert "integrity ok" in out
        (backup,) = (tmp_path / "backups").glob("budget-backup-*.zip")
        with zipfile.ZipFile(backup) as archive:
            assert "databases/default.pgdump" in archive.namelist()

        manage("shell", "-c", "from categories.models import MerchantMapping, Category; "
                              "MerchantMapping.objects.all().delete(); "
                              "Category.objects.filter(parent__isnull=False).update(color='#000000')")
        assert manage("dumpdata", *APPS, "--indent", "1") != before

        out = manage("restore", str(backup))
        assert "pre-restore" in out
        assert manage("dumpdata", *APPS, "--indent", "1") == before
