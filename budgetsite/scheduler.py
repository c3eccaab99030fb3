"""The in-process job scheduler (APScheduler with jobs stored by django-apscheduler).

Each app that has periodic work exposes `register(scheduler)` in `<app>/jobs.py`;
`start()` collects them. Only one scheduler may run per data home: a lock file
in BUDGET_HOME is held for the scheduler's lifetime, so a second `serve` or
`runscheduler` on the same data politely runs without one.
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.apps import apps
from django.conf import settings
from django_apscheduler.jobstores import DjangoJobStore
from django_apscheduler.models import DjangoJobExecution

log = logging.getLogger(__name__)

_lock_handle = None


def delete_old_job_executions(max_age: int = 7 * 24 * 3600) -> None:
    """Keep the admin's job history short: drop runs older than a week."""
    DjangoJobExecution.objects.delete_old_job_executions(max_age)


def _acquire_lock() -> bool:
    global _lock_handle
    path = Path(settings.BUDGET_HOME) / "scheduler.lock"
    handle = open(path, "a+")  # noqa: SIM115 - held open for the process lifetime
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # not POSIX: fall back to trusting the operator
        pass
    except OSError:
        handle.close()
        return False
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _lock_handle = handle
    return True


def build(blocking: bool = False):
    """A scheduler with every app's jobs registered (not started)."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=settings.TIME_ZONE
    )
    scheduler.add_jobstore(DjangoJobStore(), "default")
    scheduler.add_job(
        delete_old_job_executions, trigger=CronTrigger(day_of_week="mon", hour="03", minute="00"),
        id="delete_old_job_executions", max_instances=1, replace_existing=True,
    )
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.jobs":
                raise
            continue
        module.register(scheduler)
    return scheduler


def start(blocking: bool = False):
    """Start the scheduler unless another process already runs one; return it or None."""
    if not _acquire_lock():
        log.info("another process runs the scheduler for this data home; not starting one")
        return None
    scheduler = build(blocking=blocking)
    log.info("scheduler starting with jobs: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    scheduler.start()
    return scheduler
