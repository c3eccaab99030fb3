"""Scheduled bank sync: every linked bank every BUDGET_SYNC_INTERVAL_HOURS."""

from __future__ import annotations

import logging

from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import close_old_connections

from accounts.models import SyncTrigger
from accounts.sync import sync_items

log = logging.getLogger(__name__)


def sync_all_banks() -> None:
    """The job: sync each bank in turn; banks waiting for a person to reconnect are skipped."""
    close_old_connections()
    for result in sync_items(trigger=SyncTrigger.SCHEDULED):
        log.info("scheduled sync: %s", result)


def register(scheduler) -> None:
    scheduler.add_job(
        sync_all_banks, trigger=IntervalTrigger(hours=settings.BUDGET_SYNC_INTERVAL_HOURS),
        id="plaid_sync_all", max_instances=1, coalesce=True, replace_existing=True,
    )
