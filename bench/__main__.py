"""Run every benchmark module in a fresh process with a throw-away BUDGET_HOME.

Each module prints one JSON object per line; this runner passes them through
and adds nothing, so the output stays machine-readable. `python -m bench NAME`
runs the benches whose module name contains NAME.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = sys.argv[1:]
    failures = 0
    for module in sorted(HERE.glob("bench_*.py")):
        if wanted and not any(w in module.stem for w in wanted):
            continue
        with tempfile.TemporaryDirectory(prefix="budget-bench-") as home:
            env = {**os.environ, "BUDGET_HOME": home, "DJANGO_SETTINGS_MODULE": "budgetsite.settings",
                   "BUDGET_RUN_SCHEDULER": "false"}
            done = subprocess.run([sys.executable, "-m", f"bench.{module.stem}"], env=env,
                                  cwd=HERE.parent)
            if done.returncode:
                print(f'{{"bench": "{module.stem}", "error": "exit {done.returncode}"}}', flush=True)
                failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
