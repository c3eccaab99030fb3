"""`manage.py fetch_prices [--days N]`: closes for every held security, from the configured providers."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from investments.prices.fetch import fetch_prices


class Command(BaseCommand):
    help = ("Fetch daily closes for every held security (new ones get INVESTMENTS_BACKFILL_DAYS of "
            "history), trying the providers in INVESTMENTS_PRICE_PROVIDERS order.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help="Fetch this many days back for every security "
                                 "(default: since each one's last close).")

    def handle(self, *args, days: int | None, **options) -> None:
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        try:
            result = fetch_prices(days=days)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
        if result.failed:
            raise CommandError(f"No prices for {len(result.failed)} of "
                               f"{len(result.failed) + len(result.saved)} securities (see above).")
