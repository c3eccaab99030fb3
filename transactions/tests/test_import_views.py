import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import AccountFactory
from transactions.models import ImportBatch, ImportProfile, Transaction

pytestmark = pytest.mark.django_db

CHASE = (b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
         b"05/03/2026,05/04/2026,LANTERN NOODLE HOUSE,Food & Drink,Sale,-31.40,\n"
         b"05/05/2026,05/05/2026,Payment Thank You-Mobile,,Payment,250.00,\n")
ODD = (b"When;What;How much;Ref\n"
       b"2026-05-01;CORNER BAKERY;-4,50;A1\n"
       b"2026-05-02;SALARY ACME;2500,00;A2\n")


def _upload(client, name: str, data: bytes, account) -> str:
    response = client.post("/import/upload", {
        "account": account.pk, "files": SimpleUploadedFile(name, data, content_type="text/csv"),
    })
    assert response.status_code == 302
    return re.search(r"t=([\w-]+)", response["Location"]).group(1)


def test_import_page_lists_accounts_and_history(owner_client):
    AccountFactory(name="Everyday")
    html = owner_client.get("/import/").content.decode()
    assert "Everyday" in html and "No imports yet" in html


def test_import_preview_then_confirm_adds_rows(owner_client, htmx_client):
    account = AccountFactory()
    token = _upload(owner_client, "chase.csv", CHASE, account)
    preview = owner_client.get(f"/import/?t={token}").content.decode()
    assert "Chase" in preview and "<strong>2</strong> to add" in preview
    assert not Transaction.objects.exists()
    response = htmx_client.post(f"/import/{token}/confirm")
    assert "transactionsChanged" in response["HX-Trigger"]
    assert "<html" not in response.content.decode() and "Imported" in response.content.decode()
    assert Transaction.objects.filter(account=account).count() == 2
    noodle = Transaction.objects.get(description="LANTERN NOODLE HOUSE")
    assert str(noodle.amount) == "31.40"
    again = _upload(owner_client, "chase.csv", CHASE, account)
    page = owner_client.get(f"/import/?t={again}").content.decode()
    assert "<strong>0</strong> to add · 2 already here" in page


def test_import_unknown_layout_goes_through_the_wizard_and_saves_a_profile(owner_client,
                                                                           htmx_client):
    account = AccountFactory()
    token = _upload(owner_client, "odd.csv", ODD, account)
    page = owner_client.get(f"/import/?t={token}").content.decode()
    assert "Tell us what each column holds" in page and 'name="role_0"' in page
    response = htmx_client.post(f"/import/{token}/map", {
        "role_0": "date", "role_1": "description", "role_2": "amount", "role_3": "external_id",
        "date_format": "%Y-%m-%d", "flip_sign": "1", "decimal_comma": "1", "profile_name": "My union",
    })
    html = response.content.decode()
    assert "<strong>2</strong> to add" in html
    htmx_client.post(f"/import/{token}/confirm")
    bakery = Transaction.objects.get(description="CORNER BAKERY")
    assert str(bakery.amount) == "4.50" and bakery.external_id == "A1"
    assert str(Transaction.objects.get(description="SALARY ACME").amount) == "-2500.00"
    assert ImportProfile.objects.get().name == "My union"
    june = ODD.replace(b"2026-05", b"2026-06").replace(b";A", b";B")
    second = _upload(owner_client, "odd-june.csv", june, account)
    page = owner_client.get(f"/import/?t={second}").content.decode()
    assert "saved column mapping used" in page and "<strong>2</strong> to add" in page


def test_import_wizard_reports_missing_roles(owner_client, htmx_client):
    token = _upload(owner_client, "odd.csv", ODD, AccountFactory())
    html = htmx_client.post(f"/import/{token}/map", {"role_1": "description"}).content.decode()
    assert "choose the date column" in html
    assert not ImportProfile.objects.exists()


def test_import_bad_file_shows_a_located_message_and_writes_nothing(owner_client, htmx_client):
    token = _upload(owner_client, "bad.csv", b"\x00\x01\x02binary\x00junk", AccountFactory())
    html = owner_client.get(f"/import/?t={token}").content.decode()
    assert "bad.csv" in html and "binary" in html
    htmx_client.post(f"/import/{token}/confirm")
    assert not Transaction.objects.exists() and not ImportBatch.objects.exists()


def test_import_upload_over_the_limit_is_refused(owner_client, settings):
    settings.BUDGET_MAX_UPLOAD_MB = 0
    response = owner_client.post("/import/upload", {
        "account": AccountFactory().pk, "files": SimpleUploadedFile("big.csv", CHASE)}, follow=True)
    assert "the limit is 0 MB" in response.content.decode()


def test_import_revert_and_restore_batch(owner_client, htmx_client):
    account = AccountFactory()
    token = _upload(owner_client, "chase.csv", CHASE, account)
    htmx_client.post(f"/import/{token}/confirm")
    batch = ImportBatch.objects.get()
    response = htmx_client.post(f"/import/batches/{batch.pk}/revert")
    assert "transactionsChanged" in response["HX-Trigger"] and 'id="history"' in response.content.decode()
    assert not Transaction.objects.exists()
    htmx_client.post(f"/import/batches/{batch.pk}/restore")
    assert Transaction.objects.count() == 2


@pytest.mark.parametrize("path", ["/import/", "/import/x/progress"])
def test_import_get_refuses_anonymous(client, path):
    assert client.get(path)["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/import/upload", "/import/x/confirm", "/import/x/map",
                                  "/import/batches/1/revert"])
def test_import_post_refuses_anonymous(client, path):
    assert client.post(path)["Location"].startswith("/login/")
