"""The Settings page: last backup, "Back up now", downloads, the full export."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from backups.archive import backup_name, list_backups

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def _fake_backup(folder, created_at: dt.datetime, payload: bytes = b"zip bytes") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = backup_name(created_at)
    (folder / name).write_bytes(payload)
    return name


@pytest.fixture
def member(db):
    """A second person of the household: signed in, not staff."""
    user = get_user_model().objects.create_user("member", "m@example.com", "pass-word-1-long")
    client = Client()
    client.force_login(user)
    return client


def test_settings_page_without_a_backup_says_so(owner_client, backup_folder):
    response = owner_client.get(reverse("settings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no backup yet." in html
    assert "Back up now" in html and reverse("export_download") in html
    assert f"Backups are kept in <code>{backup_folder}</code>" in html
    assert f'href="{reverse("settings")}"' in html  # the navigation entry


def test_settings_page_shows_the_last_backup_and_warns_when_it_is_old(owner_client, backup_folder):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=3, hours=1)
    name = _fake_backup(backup_folder, old, b"x" * 2048)
    html = owner_client.get(reverse("settings")).content.decode()
    assert old.strftime("%Y-%m-%d %H:%M") in html and "2.0\xa0KB" in html
    assert "The last backup is 3 days old." in html
    assert reverse("backup_download", args=[name]) in html

    _fake_backup(backup_folder, dt.datetime.now(dt.UTC) - dt.timedelta(hours=5))
    html = owner_client.get(reverse("settings")).content.decode()
    assert "days old" not in html and "no backup yet" not in html


def test_settings_fragment_for_htmx(htmx_client):
    response = htmx_client.get(reverse("settings"))
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="backups"')
    assert "<html" not in html


def test_back_up_now_writes_a_backup_and_shows_it(owner_client, htmx_client, backup_folder):
    response = owner_client.post(reverse("backup_now"))
    assert response.status_code == 302 and response.url == reverse("settings")
    (backup,) = list_backups()
    assert "Backup " + backup.name + " written." in owner_client.get(reverse("settings")).content.decode()

    response = htmx_client.post(reverse("backup_now"))
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section id="backups"')
    assert "written." in html and "Last backup:" in html
    newest = list_backups()[0]
    assert newest.name in html
    with zipfile.ZipFile(newest.path) as archive:
        assert json.loads(archive.read("manifest.json"))["databases"]["default"]["integrity"] == "ok"


def test_backup_download_streams_the_file(owner_client, backup_folder):
    name = _fake_backup(backup_folder, dt.datetime.now(dt.UTC), b"PK backup bytes")
    response = owner_client.get(reverse("backup_download", args=[name]))
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == b"PK backup bytes"
    assert f'attachment; filename="{name}"' == response["Content-Disposition"]


def test_backup_download_only_serves_finished_backups(owner_client, backup_folder):
    _fake_backup(backup_folder, dt.datetime.now(dt.UTC))
    (backup_folder / "secrets.json").write_text("{}")
    for name in ("secrets.json", "budget-backup-20260101T000000Z.zip", ".lock", "..%2Fsecrets.json"):
        assert owner_client.get(reverse("backup_download", args=[name])).status_code == 404


def test_backups_are_for_the_owner_the_export_for_everyone_signed_in(member, backup_folder):
    name = _fake_backup(backup_folder, dt.datetime.now(dt.UTC))
    html = member.get(reverse("settings")).content.decode()
    assert "Back up now" not in html and reverse("backup_download", args=[name]) not in html
    assert member.post(reverse("backup_now")).status_code == 302  # to the admin login
    assert member.get(reverse("backup_download", args=[name])).status_code == 302
    assert list_backups()[0].name == name and len(list_backups()) == 1
    assert member.get(reverse("export_download")).status_code == 200


def test_logged_out_requests_are_refused(client, backup_folder):
    name = _fake_backup(backup_folder, dt.datetime.now(dt.UTC))
    for method, url in (("get", reverse("settings")), ("post", reverse("backup_now")),
                        ("get", reverse("backup_download", args=[name])),
                        ("get", reverse("export_download"))):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response.url
    assert len(list_backups()) == 1


def test_export_download_is_a_zip_with_a_manifest(owner_client):
    response = owner_client.get(reverse("export_download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="budget-export-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["kind"] == "budget-app-export"
    users = next(t for t in manifest["tables"] if t["table"] == "auth_user")
    assert users["rows"] == 1 and "password" not in users["columns"]
    assert archive.read("auth_user.csv").decode().splitlines()[1].split(",")[3] == "owner"
