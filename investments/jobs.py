"""Scheduled investment work: the daily price fetch (after the US close), then tidying orphans."""

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings

from investments.consistency import remove_orphans
from investments.prices.fetch import fetch_prices


def fetch_prices_daily() -> None:
    """New securities get their history (backfill), the others their latest closes."""
    remove_orphans()
    fetch_prices()


def register(scheduler) -> None:
    trigger = CronTrigger(day_of_week="mon-fri", hour=settings.INVESTMENTS_FETCH_HOUR, minute="15")
    scheduler.add_job(fetch_prices_daily, trigger, id="investments_fetch_prices", max_instances=1,
                      replace_existing=True)
