"""Settings for the test suite: the real settings in a throw-away BUDGET_HOME.

The home is chosen before the real settings import, so a test run never
touches ~/BudgetApp; each pytest-xdist worker gets its own folder.
"""

import os
import tempfile

os.environ["BUDGET_HOME"] = os.environ.get("BUDGET_TEST_HOME") or tempfile.mkdtemp(
    prefix="budget-test-"
)
os.environ.setdefault("BUDGET_RUN_SCHEDULER", "false")

from budgetsite.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
