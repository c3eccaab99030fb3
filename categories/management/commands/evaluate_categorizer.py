"""Evaluate the engine on a labeled file in a throw-away data home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from categories.engine.evaluation import Columns, EvaluationError, evaluate


class Command(BaseCommand):
    help = (
        "Replay a labeled CSV chronologically (first part as confirmed history, the rest as new "
        "rows) through the real engine in a temporary database; print one JSON object."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--date-col", required=True)
        parser.add_argument("--desc-col", required=True)
        parser.add_argument("--amount-col", required=True)
        parser.add_argument("--label-col", required=True)
        parser.add_argument("--type-col", help="A debit/credit column that gives the sign.")
        parser.add_argument("--amount-sign", choices=["expense-positive", "expense-negative"],
                            default="expense-positive")
        parser.add_argument("--dayfirst", action="store_true", help="Dates are day-first.")
        parser.add_argument("--train-fraction", type=float, default=0.8)
        parser.add_argument("--in-temporary-home", action="store_true", help="(internal)")

    def handle(self, *args, **o):
        path = Path(o["file"]).resolve()
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if not 0.1 <= o["train_fraction"] <= 0.95:
            raise CommandError("--train-fraction must be between 0.1 and 0.95")
        if not o["in_temporary_home"]:
            self._rerun_in_temporary_home(path, o)
            return
        call_command("migrate", verbosity=0, interactive=False)
        cols = Columns(o["date_col"], o["desc_col"], o["amount_col"], o["label_col"], o["type_col"],
                       o["amount_sign"], o["dayfirst"])
        try:
            figures = evaluate(path, cols, train_fraction=o["train_fraction"])
        except EvaluationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(figures))

    def _rerun_in_temporary_home(self, path: Path, o: dict) -> None:
        """Run again in a new process whose BUDGET_HOME is a temporary folder."""
        argv = [sys.executable, str(settings.BASE_DIR / "manage.py"), "evaluate_categorizer",
                str(path), "--in-temporary-home", "--amount-sign", o["amount_sign"],
                "--train-fraction", str(o["train_fraction"])]
        for name in ("date_col", "desc_col", "amount_col", "label_col", "type_col"):
            if o[name]:
                argv += [f"--{name.replace('_', '-')}", o[name]]
        if o["dayfirst"]:
            argv.append("--dayfirst")
        with tempfile.TemporaryDirectory(prefix="budget-eval-") as home:
            env = {**os.environ, "BUDGET_HOME": home, "DATABASE_URL": "",
                   "DJANGO_SETTINGS_MODULE": "budgetsite.settings", "BUDGET_RUN_SCHEDULER": "false"}
            done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode:
            lines = done.stderr.strip().splitlines()
            raise CommandError(lines[-1] if lines else f"evaluation failed (exit {done.returncode})")
        self.stdout.write(done.stdout.strip().splitlines()[-1])
