import stat

from budgetsite.home import load_secrets


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


def test_settings_home_holds_the_database_and_secrets(settings):
    home = settings.BUDGET_HOME
    assert (home / "secrets.json").exists()
    assert str(settings.DATABASES["default"]["NAME"]).startswith(str(home))
