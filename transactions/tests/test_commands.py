import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import AccountFactory
from categories.models import Category
from transactions.models import ImportBatch, Status, Transaction

pytestmark = pytest.mark.django_db

CHASE = ("Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
         "05/03/2026,05/04/2026,LANTERN NOODLE HOUSE,Food & Drink,Sale,-31.40,\n"
         "05/05/2026,05/05/2026,Payment Thank You-Mobile,,Payment,250.00,\n")
MINT = ('"Date","Description","Original Description","Amount","Transaction Type","Category",'
        '"Account Name","Labels","Notes"\n'
        '"5/01/2026","Safeway","SAFEWAY #12","54.10","debit","Groceries","Card","",""\n'
        '"5/02/2026","Acme","ACME PAYROLL","2500.00","credit","Paycheck","Card","",""\n'
        '"5/03/2026","Odd Shop","ODD SHOP","9.99","debit","Knitting Supplies","Card","",""\n')
OFX_FOR_1234 = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260501
<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0
<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000248<ACCTID>99991234
<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20260501<DTEND>20260531
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260502<TRNAMT>-12.00<FITID>F1<NAME>CORNER STORE</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>100.00<DTASOF>20260531</LEDGERBAL></STMTRS></STMTTRNRS>
</BANKMSGSRSV1></OFX>
"""


@pytest.fixture
def chase_file(tmp_path):
    path = tmp_path / "chase.csv"
    path.write_text(CHASE)
    return path


def test_import_transactions_imports_and_prints_a_summary(chase_file, capsys):
    account = AccountFactory(name="Sapphire")
    call_command("import_transactions", str(chase_file), "--account", "Sapphire")
    out = capsys.readouterr().out
    assert "added 2" in out and "Chase" in out
    assert Transaction.objects.filter(account=account).count() == 2
    call_command("import_transactions", str(chase_file), "--account", str(account.pk))
    assert "added 0, 2 duplicates skipped" in capsys.readouterr().out


def test_import_transactions_dry_run_writes_nothing(chase_file, capsys):
    AccountFactory(name="Sapphire")
    call_command("import_transactions", str(chase_file), "--account", "Sapphire", "--dry-run")
    assert "would add 2" in capsys.readouterr().out
    assert not Transaction.objects.exists()


def test_import_transactions_bad_file_fails_with_location_and_writes_nothing(tmp_path, capsys):
    AccountFactory(name="Sapphire")
    bad = tmp_path / "bad.csv"
    bad.write_text(CHASE.replace("-31.40", "12x3"))
    with pytest.raises(CommandError, match="1 of 1 files could not be imported"):
        call_command("import_transactions", str(bad), "--account", "Sapphire")
    err = capsys.readouterr().err
    assert "bad.csv:2" in err
    assert not Transaction.objects.exists()


def test_import_transactions_unknown_account_lists_accounts(chase_file):
    AccountFactory(name="Sapphire")
    with pytest.raises(CommandError, match="no account 'Nope'.*Sapphire"):
        call_command("import_transactions", str(chase_file), "--account", "Nope")


def test_import_refuses_a_file_for_another_account_number(tmp_path):
    path = tmp_path / "stmt.ofx"
    path.write_text(OFX_FOR_1234)
    AccountFactory(name="Checking", mask="5678")
    with pytest.raises(CommandError):
        call_command("import_transactions", str(path), "--account", "Checking")
    assert not Transaction.objects.exists()
    right = AccountFactory(name="Other", mask="")
    call_command("import_transactions", str(path), "--account", "Other")
    right.refresh_from_db()
    assert right.mask == "1234" and Transaction.objects.get().amount == 12


def test_import_archive_confirms_and_creates_categories(tmp_path, seeded, capsys):
    path = tmp_path / "mint.csv"
    path.write_text(MINT)
    AccountFactory(name="Card")
    call_command("import_archive", str(path), "--account", "Card")
    out = capsys.readouterr().out
    assert "Knitting Supplies (1)" in out and "--create-categories" in out
    assert Transaction.objects.filter(status=Status.CONFIRMED, source="archive").count() == 2
    revert = ImportBatch.objects.get()
    call_command("revert_import", str(revert.pk))
    call_command("import_archive", str(path), "--account", "Card", "--create-categories")
    knitting = Category.objects.get(display_name="Knitting Supplies")
    assert knitting.parent.short_desc == "imported"
    assert Transaction.objects.filter(status=Status.CONFIRMED).count() == 3


def test_revert_import_and_undo(chase_file, capsys):
    AccountFactory(name="Sapphire")
    call_command("import_transactions", str(chase_file), "--account", "Sapphire")
    batch = ImportBatch.objects.get()
    call_command("revert_import", str(batch.pk))
    assert not Transaction.objects.exists()
    with pytest.raises(CommandError, match="already reverted"):
        call_command("revert_import", str(batch.pk))
    call_command("revert_import", str(batch.pk), "--undo")
    assert Transaction.objects.count() == 2
    with pytest.raises(CommandError, match="no import #999"):
        call_command("revert_import", "999")


def test_load_demo_fills_an_empty_database_and_refuses_twice(capsys):
    call_command("load_demo")
    assert Transaction.objects.filter(source="archive").count() > 300
    assert Transaction.objects.filter(status=Status.PENDING_REVIEW).exists()
    assert Transaction.objects.filter(categorization_tier="transfer").exists() or \
        Transaction.objects.filter(category__short_desc="credit_card_payment").exists()
    with pytest.raises(CommandError, match="already has transactions"):
        call_command("load_demo")
