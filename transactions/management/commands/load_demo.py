from django.core.management.base import BaseCommand, CommandError

from budgetsite.seed import seed_defaults
from transactions.demo import load_demo


class Command(BaseCommand):
    help = "Fill an empty database with a generated year of household transactions."

    def handle(self, *args, **options):
        seed_defaults()
        try:
            counts = load_demo()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo loaded: {counts['history']} confirmed history rows and {counts['pending']} recent "
            "rows (some auto-confirmed, the rest waiting for review)."
        )
