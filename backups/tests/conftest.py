import pytest


@pytest.fixture(autouse=True)
def backup_folder(settings, tmp_path):
    """Each test keeps its backups in its own folder."""
    settings.BUDGET_BACKUP_DIR = tmp_path / "backups"
    return settings.BUDGET_BACKUP_DIR
