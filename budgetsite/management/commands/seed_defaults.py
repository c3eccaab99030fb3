from django.core.management.base import BaseCommand

from budgetsite.seed import seed_defaults


class Command(BaseCommand):
    help = "Create the default categories, accounts, merchant mappings and amount rules (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts", action="store_true", help="Do not create the default accounts."
        )

    def handle(self, *args, **options):
        result = seed_defaults(with_accounts=not options["no_accounts"])
        if options["verbosity"]:
            self.stdout.write(f"Seed: {result}.")
