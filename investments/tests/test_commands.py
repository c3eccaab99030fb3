import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AccountType
from budgetsite.scheduler import build
from investments.models import Holding, Price
from investments.tests.factories import AccountFactory, HoldingFactory

pytestmark = pytest.mark.django_db(databases=["default", "investments"])

FILES = Path(__file__).parent / "files"


def test_fetch_prices_command_prints_each_ticker(fake_prices):
    holding = HoldingFactory(security__ticker="AAPL")
    week_ago = timezone.localdate() - datetime.timedelta(days=6)
    fake_prices.daily("AAPL", week_ago, [str(100 + n) for n in range(7)], weekdays_only=False)
    out = StringIO()
    call_command("fetch_prices", "--days", "3", stdout=out)
    assert out.getvalue().strip() == "AAPL: 4 closes from yahoo"
    assert Price.objects.filter(security=holding.security).count() == 4


def test_fetch_prices_command_fails_loudly_when_a_ticker_gets_nothing(fake_prices):
    HoldingFactory(security__ticker="NOPE")
    out = StringIO()
    with pytest.raises(CommandError, match="No prices for 1 of 1 securities"):
        call_command("fetch_prices", stdout=out)
    assert "NOPE: FAILED. Yahoo Finance has no prices for NOPE" in out.getvalue()


def test_fetch_prices_command_refuses_bad_days():
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        call_command("fetch_prices", "--days", "0")


def test_import_investments_command(tmp_path):
    account = AccountFactory(name="Brokerage", mask="4321")
    out = StringIO()
    call_command("import_investments", str(FILES / "brokerage.ofx"), stdout=out)
    assert "3 holdings as of 2026-11-20; 4 transactions added" in out.getvalue()
    assert Holding.objects.filter(account_id=account.pk).count() == 3


def test_import_investments_command_refuses_a_bank_account():
    checking = AccountFactory(name="Checking", account_type=AccountType.CHECKING)
    with pytest.raises(CommandError, match="is a checking account; investment statements go to an"):
        call_command("import_investments", str(FILES / "brokerage.ofx"), "--account", str(checking.pk))
    assert not Holding.objects.exists()


def test_import_investments_command_bad_file_changes_nothing():
    AccountFactory(mask="4321")
    with pytest.raises(CommandError, match=r"bad_units.ofx:37: UNITS '3,5x' is not a number"):
        call_command("import_investments", str(FILES / "bad_units.ofx"))
    assert not Holding.objects.exists()


def test_jobs_register_the_daily_price_fetch():
    job = build().get_job("investments_fetch_prices")
    assert job is not None and "hour='18'" in str(job.trigger) and "mon-fri" in str(job.trigger)
