"""Serve the app with waitress (pure Python, any OS), plus the scheduler."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _proxy_options() -> dict:
    """Behind the TLS proxy, waitress takes the client's address and scheme from the
    proxy's X-Forwarded-For and X-Forwarded-Proto; from anyone else it drops them."""
    if not settings.BUDGET_BEHIND_TLS_PROXY:
        return {}
    return {"trusted_proxy": settings.BUDGET_TRUSTED_PROXY, "trusted_proxy_count": 1,
            "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto"}


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

        if host not in LOOPBACK:
            self.stderr.write(self.style.WARNING(
                f"Warning: --host {host} makes Budget App reachable from other computers. "
                "Serve it behind a TLS reverse proxy (see \"Run it on a home server\" in the README)."))
            if not settings.BUDGET_ALLOWED_HOSTS_SET:
                raise CommandError(
                    "Refusing to serve beyond this computer until BUDGET_ALLOWED_HOSTS names the host "
                    "names people will use (e.g. BUDGET_ALLOWED_HOSTS=budget.example.home).")
        running = None
        if settings.BUDGET_RUN_SCHEDULER and not no_scheduler:
            running = scheduler.start()
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.stdout.write(f"Budget App at http://{shown}:{port}/  (data in {settings.BUDGET_HOME})")
        try:
            serve(application, host=host, port=port, threads=threads, ident="budget-app", **_proxy_options())
        finally:
            if running:
                running.shutdown(wait=False)
