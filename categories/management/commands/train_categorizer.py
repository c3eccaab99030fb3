import time

from django.core.management.base import BaseCommand

from categories.engine.training import train_from_ledger


class Command(BaseCommand):
    help = "Train the categorizer's model on confirmed transactions and install it."

    def handle(self, *args, **options):
        start = time.perf_counter()
        model = train_from_ledger()
        if model is None:
            self.stdout.write("Not enough confirmed transactions to train yet; the model tier abstains.")
            return
        self.stdout.write(
            f"Trained {model.version} on {model.n_examples} transactions, {len(model.classes)} "
            f"categories, in {time.perf_counter() - start:.1f} s."
        )
