"""Scheduled mail work: send what is queued (retrying failures), then read replies."""

from __future__ import annotations

import logging

from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import close_old_connections

from notifications.notify import is_configured, notify
from notifications.replies import ImapError, check_replies

log = logging.getLogger(__name__)


def mail_round() -> None:
    """The job: send pending notifications, then poll replies; failures are logged and
    retried on the next round."""
    close_old_connections()
    if not is_configured():
        return
    notify()
    if settings.IMAP_HOST:
        try:
            result = check_replies()
        except ImapError as exc:
            log.warning("replies not read: %s", exc)
            return
        if result.replies or result.errors:
            log.info("replies: %s", result)


def register(scheduler) -> None:
    scheduler.add_job(
        mail_round, trigger=IntervalTrigger(minutes=settings.BUDGET_NOTIFY_INTERVAL_MINUTES),
        id="notifications_mail_round", max_instances=1, coalesce=True, replace_existing=True,
    )
