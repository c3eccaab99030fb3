"""Scheduled engine work: retrain nightly, and soon after enough new confirmations."""

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from categories.engine.training import retrain_if_due, train_from_ledger


def retrain_nightly() -> None:
    train_from_ledger()


def retrain_when_due() -> None:
    retrain_if_due()


def register(scheduler) -> None:
    scheduler.add_job(retrain_nightly, CronTrigger(hour="02", minute="30"), id="retrain_nightly",
                      max_instances=1, replace_existing=True)
    scheduler.add_job(retrain_when_due, IntervalTrigger(minutes=10), id="retrain_when_due",
                      max_instances=1, replace_existing=True)
