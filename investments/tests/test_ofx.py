import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from investments.models import Holding, InvestmentTransaction, Price, Security, SecurityType
from investments.ofx import import_investment_ofx, parse_investment_ofx
from investments.portfolio import build_portfolio
from investments.tests.factories import AccountFactory, HoldingFactory
from tests.shared import requires_shared_data, shared_files
from transactions.importers.base import ImportFileError

pytestmark = pytest.mark.django_db(databases=["default", "investments"])

FILES = Path(__file__).parent / "files"
# The real investment statements among ../shared/data/ofx: holdings (positions, plus cash when
# AVAILCASH is not zero; None: no position list) and transactions.
REAL = {
    "ofxparse_fidelity.ofx": {"holdings": 7, "activity": 17},
    "ofxparse_investment_401k.ofx": {"holdings": 3, "activity": 3},
    "ofxparse_investment_medium.ofx": {"holdings": None, "activity": 3},
    "ofxparse_fidelity-savings.ofx": {"holdings": None, "activity": 4},
    "ofxparse_td_ameritrade.ofx": {"holdings": 2, "activity": 0},
    "ofxparse_tiaacref.ofx": {"holdings": 6, "activity": 1},
    "ofxparse_vanguard.ofx": {"holdings": 1, "activity": 1},
    "ofxparse_vanguard401k.ofx": {"holdings": 1, "activity": 5},
    "ofxtools_invstmtrs.ofx": {"holdings": 3, "activity": 2},
}


def _brokerage():
    return AccountFactory(name="Brokerage", mask="4321")


def test_import_investment_ofx_own_fixture_exactly():
    account = _brokerage()
    result = import_investment_ofx((FILES / "brokerage.ofx").read_bytes(), filename="brokerage.ofx")
    assert str(result) == "Fidelity Brokerage: 3 holdings as of 2026-11-20; 4 transactions added."
    holdings = {h.security.ticker: h for h in Holding.objects.filter(account_id=account.pk)}
    assert {t: h.quantity for t, h in holdings.items()} == {
        "AAPL": Decimal("10"), "VTI": Decimal("3.5"), "CUR:USD": Decimal("1200.50")}
    vti = Security.objects.get(ticker="VTI")
    assert (vti.cusip, vti.security_type, vti.name) == ("922908769", SecurityType.ETF,
                                                         "Vanguard Total Stock Market ETF")
    assert Security.objects.get(ticker="CUR:USD").security_type == SecurityType.CASH
    assert Price.objects.get(security=vti).close == Decimal("252.30")
    activity = {t.external_id: t for t in InvestmentTransaction.objects.filter(account_id=account.pk)}
    rows = [activity[k] for k in ("T-1", "T-2", "T-3", "T-4")]
    assert [(t.kind, t.quantity, t.amount, t.fees) for t in rows] == [
        ("buy", Decimal("10"), Decimal("1804.95"), Decimal("4.95")),
        ("sell", Decimal("2"), Decimal("-500.00"), Decimal("0.00")),
        ("dividend", Decimal("0"), Decimal("-12.34"), Decimal("0.00")),
        ("fee", Decimal("0"), Decimal("2.50"), Decimal("0.00"))]
    assert activity["T-1"].date == datetime.date(2026, 11, 3) and activity["T-1"].security.ticker == "AAPL"
    # The statement's market values: 1855.00 + 883.05 + 1200.50 cash.
    assert build_portfolio(today=datetime.date(2026, 11, 20)).value == Decimal("3938.55")


def test_import_investment_ofx_again_adds_nothing():
    account = _brokerage()
    data = (FILES / "brokerage.ofx").read_bytes()
    import_investment_ofx(data, filename="brokerage.ofx")
    again = import_investment_ofx(data, filename="brokerage.ofx")
    assert (again.added, again.duplicates) == (0, 4)
    assert InvestmentTransaction.objects.filter(account_id=account.pk).count() == 4
    assert Holding.objects.filter(account_id=account.pk).count() == 3


def test_import_investment_ofx_replaces_holdings_but_not_with_older_ones():
    account = _brokerage()
    sold = HoldingFactory(account_id=account.pk, security__ticker="GONE", as_of=datetime.date(2026, 11, 1))
    import_investment_ofx((FILES / "brokerage.ofx").read_bytes(), filename="brokerage.ofx")
    assert not Holding.objects.filter(pk=sold.pk).exists()  # no longer in the statement
    Holding.objects.filter(account_id=account.pk).update(as_of=datetime.date(2026, 12, 1))
    result = import_investment_ofx((FILES / "brokerage.ofx").read_bytes(), filename="brokerage.ofx")
    assert "older than the stored ones" in str(result)


def test_import_investment_ofx_bad_number_is_located_and_changes_nothing():
    _brokerage()
    with pytest.raises(ImportFileError) as caught:
        import_investment_ofx((FILES / "bad_units.ofx").read_bytes(), filename="bad_units.ofx")
    assert str(caught.value) == "bad_units.ofx:37: UNITS '3,5x' is not a number"
    assert not Holding.objects.exists() and not Security.objects.exists()


def test_import_investment_ofx_needs_an_account_it_can_match():
    AccountFactory(mask="9999")
    with pytest.raises(ImportFileError, match="no investment account ends in the digits of X00004321"):
        import_investment_ofx((FILES / "brokerage.ofx").read_bytes(), filename="brokerage.ofx")


def test_import_investment_ofx_refuses_a_bank_statement():
    with pytest.raises(ImportFileError, match="has no investment statement"):
        parse_investment_ofx(b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>",
                             filename="bank.ofx")


@requires_shared_data
@pytest.mark.parametrize("name", sorted(REAL))
def test_import_investment_ofx_real_statements(name):
    path = next((p for p in shared_files("ofx", name)), None)
    if path is None:
        pytest.skip(f"{name} is not in the shared data")
    data = path.read_bytes()
    statement = parse_investment_ofx(data, filename=name).statements[0]
    account = AccountFactory(mask=statement.account_ref[-4:])
    result = import_investment_ofx(data, filename=name, account=account)
    expected = REAL[name]
    held = Holding.objects.filter(account_id=account.pk).count()
    assert held == (expected["holdings"] or 0)
    assert result.added == expected["activity"] == InvestmentTransaction.objects.count()
    assert import_investment_ofx(data, filename=name, account=account).added == 0


@requires_shared_data
def test_import_investment_ofx_real_vanguard_adds_share_classes_of_one_fund():
    path = next(iter(shared_files("ofx", "ofxparse_vanguard.ofx")), None)
    if path is None:
        pytest.skip("ofxparse_vanguard.ofx is not in the shared data")
    account = AccountFactory()
    import_investment_ofx(path.read_bytes(), filename=path.name, account=account)
    fund = Holding.objects.get(account_id=account.pk, security__cusip="012345678")
    assert fund.quantity == Decimal("244.2")  # 102.0 + 142.2, listed under one CUSIP
    sale = InvestmentTransaction.objects.get()
    assert (sale.kind, sale.quantity, sale.amount) == ("sell", Decimal("42.123"), Decimal("-4212.30"))


@requires_shared_data
def test_import_investment_ofx_real_td_ameritrade_values_bonds_at_par():
    path = next(iter(shared_files("ofx", "ofxparse_td_ameritrade.ofx")), None)
    if path is None:
        pytest.skip("ofxparse_td_ameritrade.ofx is not in the shared data")
    account = AccountFactory()
    import_investment_ofx(path.read_bytes(), filename=path.name, account=account)
    portfolio = build_portfolio(today=datetime.date(2017, 12, 4))
    positions = {p.security.security_type: p for p in portfolio.positions}
    assert positions[SecurityType.BOND].value == Decimal("1000.00")  # MKTVAL in the file
    assert positions[SecurityType.EQUITY].value == Decimal("1000.00")
