"""Settings in a real browser: "Back up now", then download the backup and the full export."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from backups.archive import list_backups
from conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_back_up_now_then_download_it_and_the_export(logged_in_page, settings, tmp_path, seeded):
    settings.BUDGET_BACKUP_DIR = tmp_path / "backups"
    page = logged_in_page
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Backups")).to_be_visible()
    expect(page.locator("#backup-age-warning")).to_contain_text("There is no backup yet.")

    page.get_by_role("button", name="Back up now").click()
    expect(page.locator("#backups .message.success")).to_contain_text("written.")
    expect(page.locator("#last-backup")).to_contain_text("Last backup:")
    expect(page.locator("#backup-age-warning")).to_have_count(0)
    (backup,) = list_backups()
    expect(page.locator("#last-backup")).to_contain_text(backup.created_at.strftime("%Y-%m-%d"))
    screenshot(page, "settings-backup")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == backup.name and saved.read_bytes() == backup.path.read_bytes()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the export").click()
    export = tmp_path / "export.zip"
    download.value.save_as(export)
    with zipfile.ZipFile(export) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["kind"] == "budget-app-export"
    assert next(t for t in manifest["tables"] if t["table"] == "categories")["rows"] > 0
    assert not [line for line in console if "Content Security Policy" in line], console
