import stat

from budgetsite.home import load_secrets
from tests.shared import sqlite_only


def test_secrets_file_is_generated_with_mode_0600(tmp_path):
    secrets = load_secrets(tmp_path)
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secrets["SECRET_KEY"]) >= 50
    assert secrets["FERNET_KEYS"]


def test_secrets_are_stable_across_runs_and_permissions_repaired(tmp_path):
    first = load_secrets(tmp_path)
    (tmp_path / "secrets.json").chmod(0o644)
    second = load_secrets(tmp_path)
    assert first == second
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_settings_home_holds_the_secrets(settings):
    assert (settings.BUDGET_HOME / "secrets.json").exists()


@sqlite_only("a PostgreSQL database lives in its server, not in BUDGET_HOME")
def test_settings_home_holds_the_database(settings):
    assert str(settings.DATABASES["default"]["NAME"]).startswith(str(settings.BUDGET_HOME))
