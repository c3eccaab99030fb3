"""The daily backup at BUDGET_BACKUP_HOUR (local time), rotated like the command's."""

from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.db import close_old_connections

from backups.snapshot import create_backup

log = logging.getLogger(__name__)


def backup_daily() -> None:
    close_old_connections()
    result = create_backup()
    log.info("daily backup %s (%d bytes); rotation removed %d", result.backup.name, result.backup.size,
             len(result.rotated))


def register(scheduler) -> None:
    scheduler.add_job(
        backup_daily, CronTrigger(hour=settings.BUDGET_BACKUP_HOUR, minute="15"), id="backup_daily",
        max_instances=1, coalesce=True, replace_existing=True,
    )
