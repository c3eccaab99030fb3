"""The column-mapping wizard in a real browser: map once, then the same header skips it."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory
from conftest import screenshot
from transactions.models import ImportProfile, Transaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (b"Booked|Text|Value\n"
        b"03.05.2026|CORNER BAKERY|-4,50\n"
        b"04.05.2026|SALARY ACME|2500,00\n"
        b"06.05.2026|CITY PARKING|-3,20\n")


def _upload(page, name: str, data: bytes) -> None:
    page.goto("/import/")
    page.set_input_files("input[name=files]", {"name": name, "mimeType": "text/csv", "buffer": data})
    page.click("text=Preview")


def test_generic_csv_through_the_wizard_then_profile_skips_mapping(logged_in_page, live_server):
    page = logged_in_page
    AccountFactory(name="Credit Union")
    _upload(page, "union-may.csv", FILE)
    expect(page.get_by_text("Tell us what each column holds")).to_be_visible()
    page.select_option("select[name=role_0]", "date")
    page.select_option("select[name=role_1]", "description")
    page.select_option("select[name=role_2]", "amount")
    page.select_option("select[name=date_format]", "%d.%m.%Y")
    page.check("input[name=flip_sign]")
    page.check("input[name=decimal_comma]")
    page.fill("input[name=profile_name]", "Credit union")
    screenshot(page, "import-wizard")
    page.click("text=Preview with this mapping")
    expect(page.locator(".preview-counts")).to_contain_text("3 to add")
    page.click("button.confirm-import")
    expect(page.get_by_role("status").filter(has_text="Imported")).to_be_visible()
    assert Transaction.objects.count() == 3
    assert str(Transaction.objects.get(description="CORNER BAKERY").amount) == "4.50"
    assert ImportProfile.objects.get().name == "Credit union"

    _upload(page, "union-june.csv", FILE.replace(b".05.", b".06."))
    expect(page.get_by_text("saved column mapping used")).to_be_visible()
    expect(page.get_by_text("Tell us what each column holds")).to_have_count(0)
    expect(page.locator(".preview-counts")).to_contain_text("3 to add")
    page.click("button.confirm-import")
    expect(page.get_by_role("status").filter(has_text="Imported")).to_be_visible()
    assert Transaction.objects.count() == 6
    screenshot(page, "import-done")


def test_large_file_imports_in_the_background_with_a_progress_bar(logged_in_page, settings):
    settings.BUDGET_IMPORT_BACKGROUND_ROWS = 1  # every file counts as large here
    page = logged_in_page
    AccountFactory(name="Card")
    rows = b"".join(b"%02d.05.2026|SHOP %d|-%d,00\n" % (1 + i % 28, i, 1 + i) for i in range(40))
    _upload(page, "big.csv", b"Booked|Text|Value\n" + rows)
    page.select_option("select[name=role_0]", "date")
    page.select_option("select[name=role_1]", "description")
    page.select_option("select[name=role_2]", "amount")
    page.select_option("select[name=date_format]", "%d.%m.%Y")
    page.check("input[name=flip_sign]")
    page.check("input[name=decimal_comma]")
    page.fill("input[name=profile_name]", "Big bank")
    page.click("text=Preview with this mapping")
    page.click("button.confirm-import")
    expect(page.get_by_label("Import progress")).to_be_attached()  # the polled progress partial
    expect(page.get_by_role("status").filter(has_text="Imported")).to_be_visible()
    assert Transaction.objects.count() == 40
