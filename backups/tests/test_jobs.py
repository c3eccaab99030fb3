"""The daily backup job: registered with the scheduler, and it writes a rotated backup."""

import json
import zipfile

import pytest

from backups.archive import list_backups
from backups.jobs import backup_daily
from budgetsite.scheduler import build

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_daily_backup_is_scheduled_at_the_configured_hour(settings):
    settings.BUDGET_BACKUP_HOUR = 4
    job = next(j for j in build().get_jobs() if j.id == "backup_daily")
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("4", "15", "*")


def test_daily_backup_job_writes_a_backup():
    backup_daily()
    (backup,) = list_backups()
    with zipfile.ZipFile(backup.path) as archive:
        assert json.loads(archive.read("manifest.json"))["databases"]["default"]["integrity"] == "ok"
