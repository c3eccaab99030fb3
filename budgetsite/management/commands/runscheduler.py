"""Run the job scheduler on its own, for deployments that serve pages elsewhere."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the scheduled jobs (sync, training, cleanup) in the foreground."

    def handle(self, *args, **options):
        from budgetsite import scheduler

        self.stdout.write("Scheduler running; Ctrl+C stops it.")
        try:
            if scheduler.start(blocking=True) is None:
                raise CommandError("Another process already runs the scheduler for this data home.")
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")
