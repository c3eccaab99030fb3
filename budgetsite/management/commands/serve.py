"""Serve the app with waitress (pure Python, any OS), plus the scheduler."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Budget App at http://HOST:PORT with waitress, running the scheduler in-process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-scheduler", action="store_true", help="Serve pages only.")

    def handle(self, *args, host: str, port: int, threads: int, no_scheduler: bool, **options):
        from waitress import serve

        from budgetsite import scheduler
        from budgetsite.wsgi import application

        if host not in ("127.0.0.1", "localhost", "::1") and not settings.ALLOWED_HOSTS:
            raise CommandError("Serving beyond this computer needs BUDGET_ALLOWED_HOSTS.")
        running = None
        if settings.BUDGET_RUN_SCHEDULER and not no_scheduler:
            running = scheduler.start()
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.stdout.write(f"Budget App at http://{shown}:{port}/  (data in {settings.BUDGET_HOME})")
        try:
            serve(application, host=host, port=port, threads=threads, ident="budget-app")
        finally:
            if running:
                running.shutdown(wait=False)
