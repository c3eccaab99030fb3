"""Bank CSV parsing (csvfile, presets, generic): bytes in, ImportRows out, no database.

fixtures/ holds small hand-written files modeled on each bank's layout (fake
merchants and amounts). The walk over SHARED_DATA/bank-csv reads every real
sample in place and checks the outcome recorded for it below.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shared import SHARED_DATA, requires_shared_data, shared_files
from transactions.importers.base import ImportFileError
from transactions.importers.csvfile import decode, parse_amount, parse_date, sniff
from transactions.importers.generic import (
    ColumnMapping,
    guess_mapping,
    header_signature,
    iter_rows,
)
from transactions.importers.presets import PRESETS, detect_preset, parse

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rows_of(data: bytes, name: str = "test.csv", **kwargs):
    return list(parse(data, filename=name, **kwargs).rows)


def summary(rows) -> list[tuple[str, str, str]]:
    return [(r.date.isoformat(), str(r.amount), r.description) for r in rows]


# --- every preset, on its own fixture ------------------------------------------

# file -> (preset, [(date, amount, description)]); amount > 0 is an expense.
PRESET_CASES = {
    "discover.csv": ("discover", [
        ("2025-03-02", "54.20", "MAPLE GROCER #12 SPRINGFIELD IL"),
        ("2025-03-04", "-300.00", "INTERNET PAYMENT - THANK YOU"),
        ("2025-03-15", "38.75", "HARBOR FUEL 0042"),
    ]),
    "sofi.csv": ("sofi", [
        ("2025-02-03", "6.45", "Lantern Cafe"),
        ("2025-02-01", "-1000", "Acme Corp Payroll"),
        ("2025-02-04", "18.20", "Pinecone Books"),
    ]),
    "wells_fargo_legacy.csv": ("wells_fargo", [
        ("2025-01-15", "42.10", "PURCHASE AUTHORIZED ON 01/14 BLUE HERON MARKET"),
        ("2025-01-14", "-1500.00", "ACME CORP PAYROLL DIR DEP"),
        ("2025-01-10", "9.99", "RECURRING PAYMENT STREAMFLIX"),
    ]),
    "wells_fargo.csv": ("wells_fargo_headered", [
        ("2025-01-20", "120.00", "CHECK # 1043"),
        ("2025-01-18", "-250.00", "MOBILE DEPOSIT"),
    ]),
    "chase_checking.csv": ("chase_checking", [
        ("2025-04-02", "23.17", "CORNER HARDWARE 0187 SPRINGFIELD"),
        ("2025-04-01", "-2000.00", "ACME CORP PAYROLL PPD ID: 999"),
        ("2025-04-03", "75.00", "CHECK 212"),
    ]),
    "chase_card.csv": ("chase_card", [
        ("2025-05-03", "31.40", "FERNWOOD BISTRO"),
        ("2025-05-05", "-250.00", "Payment Thank You-Mobile"),
        ("2025-05-06", "-12.00", "RIVERSIDE OUTFITTERS - Returned item"),
    ]),
    "capital_one_card.csv": ("capital_one_card", [
        ("2025-06-01", "14.25", "SUNNYSIDE DELI"),
        ("2025-06-03", "-200.00", "CAPITAL ONE MOBILE PYMT"),
    ]),
    "capital_one_360.csv": ("capital_one_bank", [
        ("2025-07-01", "45.00", "Debit Card Purchase - QUARRY GYM"),
        ("2025-07-02", "-1200.00", "Deposit from ACME CORP PAYROLL"),
    ]),
    "amex.csv": ("amex", [
        ("2025-08-02", "4.85", "TIDEWATER COFFEE ROASTERS"),
        ("2025-08-05", "-150.00", "ONLINE PAYMENT - THANK YOU"),
        ("2025-08-09", "35.00", "AIRLINE SEAT FEE"),
    ]),
    "amex_detailed.csv": ("amex_members", [
        ("2025-08-12", "22.50", "MOONLIGHT CINEMA"),
        ("2025-08-14", "-80.00", "AUTOPAY PAYMENT - THANK YOU"),
    ]),
    "bofa_checking.csv": ("bofa_checking", [
        ("2025-09-03", "20.00", "WILLOW PHARMACY"),
        ("2025-09-15", "-800.00", "ACME CORP DES:PAYROLL"),
        ("2025-09-20", "100.00", "ELECTRIC COOP"),
    ]),
    "bofa_card.csv": ("bofa_card", [
        ("2025-10-02", "64.00", "GARDEN CENTER 12"),
        ("2025-10-10", "-300.00", "PAYMENT - THANK YOU"),
    ]),
    "citi.csv": ("citi", [
        ("2025-11-01", "18.40", "NORTHSIDE PIZZA"),
        ("2025-11-03", "-250.00", "ONLINE PAYMENT, THANK YOU"),
        ("2025-11-05", "6.00", "CITY PARKING"),
    ]),
    "schwab_checking.csv": ("schwab_checking", [
        ("2025-12-02", "60.00", "ATM WITHDRAWAL"),
        ("2025-12-01", "-1000.00", "ACME PAYROLL"),
        ("2025-12-03", "85.10", "UTILITY AUTOPAY"),
    ]),
    "dcu.csv": ("dcu", [
        ("2026-01-05", "45.10", "POS PURCHASE SUMMIT FOODS"),
        ("2026-01-04", "-1000.00", "ELECTRONIC DEPOSIT ACME - PAYROLL"),
    ]),
    "mercury.csv": ("mercury", [
        ("2026-02-03", "120.00", "Cloud Host Co"),
        ("2026-02-02", "-5000.00", "Client Payment - Invoice 7"),
        ("2026-02-04", "310.00", "Office Chairs Inc"),
    ]),
    "bilt.csv": ("bilt", [
        ("2025-03-01", "1800.00", "Rent Portal"),
        ("2025-03-04", "-1800.00", "Payment received"),
    ]),
    "optum_hsa.csv": ("optum_hsa", [
        ("2025-03-01", "-50.00", "Employer Contribution HSA"),
        ("2025-03-02", "12.34", "PHARMACY Mar 02"),
    ]),
    "pc_mastercard.csv": ("pc_mastercard", [
        ("2025-03-01", "36.33", "Maple Gas"),
        ("2025-03-05", "-100.00", "PAYMENT"),
    ]),
    "paypal.csv": ("paypal", [
        ("2025-03-01", "25.00", "Online Knitting Shop"),
        ("2025-03-02", "-38.54", "Friend Name"),
        ("2025-03-03", "9.00", "Slow Store"),
    ]),
    "venmo.csv": ("venmo", [
        ("2025-03-01", "15.00", "pizza night"),
        ("2025-03-02", "-600.00", "rent share"),
        ("2025-03-03", "585.00", "Standard Transfer"),
    ]),
    "mint.csv": ("mint", [
        ("2023-03-01", "8.50", "CORNER BAKERY #55"),
        ("2023-03-02", "-2000.00", "ACME CORP PAYROLL"),
        ("2023-03-03", "42.00", "HARDWARE BARN 0021 - new shelf"),
    ]),
    "mint_headerless.csv": ("mint_headerless", [
        ("2023-03-01", "8.50", "CORNER BAKERY #55"),
        ("2023-03-02", "-2000.00", "ACME CORP PAYROLL"),
    ]),
    "ynab.csv": ("ynab", [
        ("2025-03-01", "64.30", "Green Grocer - weekly shop"),
        ("2025-03-02", "-1800.00", "Acme Corp"),
    ]),
    "actual.csv": ("actual", [
        ("2025-03-01", "64.30", "Green Grocer - weekly shop"),
        ("2025-03-02", "-1800.00", "Acme Corp"),
    ]),
    "firefly.csv": ("firefly", [
        ("2025-03-01", "12.50", "Snacks"),
        ("2025-03-02", "-2000.00", "Salary March"),
    ]),
    "sure.csv": ("sure", [
        ("2025-03-01", "12.50", "Sklep Żabka - Przekąski"),
        ("2025-03-02", "-2000.00", "Acme Sp. z o.o."),
    ]),
    "outbank.csv": ("outbank", [
        ("2025-03-01", "19.99", "Stream Co - Monthly plan"),
        ("2025-03-02", "-1500.00", "Acme GmbH - Gehalt Maerz"),
    ]),
    "monzo.csv": ("monzo", [
        ("2025-03-01", "3.20", "Tea Corner"),
        ("2025-02-28", "-2100.00", "Acme Ltd - Salary"),
    ]),
    "monzo_2018.csv": ("monzo_2018", [("2025-03-01", "4.50", "Sandwich Bar")]),
    "n26.csv": ("n26", [
        ("2025-03-01", "4.80", "Bakery Sonne"),
        ("2025-03-02", "-2500.00", "Acme GmbH - Gehalt"),
    ]),
    "n26_2017.csv": ("n26_2017", [("2025-03-01", "15.90", "Book Shop")]),
    "n26_de.csv": ("n26_de", [
        ("2025-03-01", "15.90", "Buchladen Mitte"),
        ("2025-03-02", "-2500.00", "Acme GmbH - Gehalt Maerz"),
    ]),
    "bunq.csv": ("bunq", [
        ("2025-03-01", "9.95", "CLOUDY HOSTING 123, US 10.95 USD"),
        ("2025-03-02", "-1250.00", "ACME BV - Salaris maart"),
    ]),
    "bank_of_ireland.csv": ("bank_of_ireland", [
        ("2025-03-02", "12.50", "POS01MAR CORNER SHOP"),
        ("2025-02-25", "-2000.0", "ACME SALARY"),
    ]),
    "gls.csv": ("gls", [
        ("2025-03-03", "58.40", "Stadtwerke Süd - Strom März Kunde 42"),
        ("2025-03-01", "-1500.00", "Acme GmbH - Gehalt"),
    ]),
    "ubs.csv": ("ubs", [
        ("2025-03-05", "12.40", "Paiement carte - BOULANGERIE DU LAC GENEVE"),
        ("2025-03-01", "-2000.00", "Virement - ACME SA Salaire"),
    ]),
    "raiffeisen_at.csv": ("raiffeisen_at", [
        ("2025-03-03", "23.45", "SPAR DANKT 0001 K1 03.03. 10:00"),
        ("2025-03-04", "-1200.00", "Überweisung Acme"),
    ]),
}  # fmt: skip

# file -> {ImportRow field: value per row}, for the fields beyond the summary.
PRESET_FIELDS = {
    "sofi.csv": {"is_pending": [False, False, True]},
    "citi.csv": {"is_pending": [False, False, True]},
    "schwab_checking.csv": {"is_pending": [False, False, True]},
    "mercury.csv": {
        "is_pending": [False, False, True],
        "account_ref": ["Mercury Checking xx0000", "Mercury Checking xx0000", "Mercury Credit"],
        "category_name": ["Software", "", "Office"],
    },
    "paypal.csv": {
        "external_id": ["TXN0001", "TXN0002", "TXN0003"],
        "is_pending": [False, False, True],
    },
    "venmo.csv": {
        "external_id": ["1000000000000000001", "1000000000000000002", "1000000000000000003"],
        "merchant_name": ["Sam Roe", "Alex Poe", ""],
        "line": [5, 6, 7],
    },
    "dcu.csv": {"external_id": ["AbC123xyz", "DeF456uvw"], "line": [3, 4]},
    "amex_detailed.csv": {
        "external_id": ["320250000000001", "320250000000002"],
        "category_name": ["Entertainment-Theatre Events", ""],
        "line": [2, 5],  # the first record spans lines 2-4 (quoted line breaks)
    },
    "bofa_card.csv": {"external_id": ["24000000000000000000001", "24000000000000000000002"]},
    "bofa_checking.csv": {"line": [9, 10, 11]},
    "monzo.csv": {"external_id": ["tx_0001", "tx_0002"], "category_name": ["Eating out", "Income"]},
    "ubs.csv": {"external_id": ["TX0000000001", "TX0000000002"]},
    "chase_card.csv": {"category_name": ["Food & Drink", "", "Shopping"]},
    "mint.csv": {
        "merchant_name": ["Corner Bakery", "Paycheck", "Hardware Barn"],
        "category_name": ["Coffee Shops", "Paycheck", "Home Improvement"],
        "account_ref": ["Visa Card", "Checking", "Visa Card"],
    },
    "mint_headerless.csv": {"line": [1, 2], "category_name": ["Coffee Shops", "Paycheck"]},
    "ynab.csv": {"category_name": ["Groceries", "Paycheck"], "account_ref": ["Checking"] * 2},
    "actual.csv": {"category_name": ["Groceries", "Paycheck"], "account_ref": ["Checking"] * 2},
    "firefly.csv": {
        "merchant_name": ["Corner Shop", "Acme Corp"],
        "category_name": ["Groceries", "Salary"],
        "account_ref": ["NL00TEST0000000000"] * 2,
    },
    "sure.csv": {"category_name": ["Żywność", "Pensja"], "account_ref": ["Konto główne"] * 2},
    "bunq.csv": {"merchant_name": ["CLOUDY HOSTING", "ACME BV"]},
    "wells_fargo_legacy.csv": {"line": [1, 2, 3]},
    "raiffeisen_at.csv": {"line": [1, 2]},
}


@pytest.mark.parametrize("name", sorted(PRESET_CASES))
def test_presets_fixture_parses_to_expected_rows(name):
    preset, expected = PRESET_CASES[name]
    parsed = parse(fixture(name), filename=name)
    assert parsed.preset_name == preset
    rows = list(parsed.rows)
    assert summary(rows) == expected
    assert all(isinstance(r.amount, Decimal) for r in rows)


@pytest.mark.parametrize("name", sorted(PRESET_FIELDS))
def test_presets_fixture_fills_extra_fields(name):
    rows = rows_of(fixture(name), name)
    for field, values in PRESET_FIELDS[name].items():
        assert [getattr(r, field) for r in rows] == values, field


def test_presets_every_preset_is_exercised():
    covered = {preset for preset, _ in PRESET_CASES.values()}
    covered |= {"amex_detailed", "investments", "investment_holdings"}  # tested below
    assert {p.name for p in PRESETS} == covered


def test_presets_amex_detailed_layout_without_card_member():
    data = (
        b"Date,Description,Amount,Extended Details,Appears On Your Statement As,Address,"
        b"City/State,Zip Code,Country,Reference,Category\n"
        b"08/12/2025,HILLTOP DINER,18.20,,HILLTOP DINER,,,,,'320250000000009',Restaurant\n"
    )
    parsed = parse(data, filename="amex.csv")
    assert parsed.preset_name == "amex_detailed"
    (row,) = parsed.rows
    assert (row.amount, row.external_id, row.category_name) == (
        Decimal("18.20"),
        "320250000000009",
        "Restaurant",
    )


@pytest.mark.parametrize(
    ("name", "categories"),
    [("mint.csv", "user"), ("ynab.csv", "user"), ("chase_card.csv", "bank"), ("amex.csv", "")],
)
def test_parse_reports_whose_categories_the_file_holds(name, categories):
    assert parse(fixture(name), filename=name).categories == categories


def test_parse_refuses_investment_history_export():
    with pytest.raises(ImportFileError, match="investment account export") as caught:
        parse(fixture("investments.csv"), filename="investments.csv")
    assert (caught.value.file, caught.value.line) == ("investments.csv", 1)


def test_parse_refuses_investment_holdings_export():
    data = b"Fund,Symbol,Shares,Price,Market Value\nIndex Fund,IDXF,10.5,100.00,1050.00\n"
    with pytest.raises(ImportFileError, match="investment account export"):
        parse(data, filename="holdings.csv")


def test_parse_unrecognised_layout_points_to_the_wizard():
    with pytest.raises(ImportFileError) as caught:
        parse(fixture("semicolon_generic.csv"), filename="bank.csv")
    error = caught.value
    assert "column-mapping wizard" in error.message
    assert "date, description, payee, amount, memo" in error.message
    assert (error.file, error.line) == ("bank.csv", 5)


def test_parse_unknown_preset_name_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown preset"):
        parse(fixture("amex.csv"), filename="amex.csv", preset="no_such_bank")


def test_parse_forced_preset_names_missing_columns():
    with pytest.raises(ImportFileError, match="Post Date, Type") as caught:
        parse(fixture("amex.csv"), filename="amex.csv", preset="chase_card")
    assert caught.value.line == 1


def test_parse_forced_preset_reads_matching_file():
    parsed = parse(fixture("amex.csv"), filename="amex.csv", preset="amex")
    assert len(list(parsed.rows)) == 3


def test_parse_ambiguous_dates_follow_the_preset_convention():
    data = b"Date,Details,Debit,Credit,Balance\n02/03/2025,SHOP,1.00,,9.00\n"
    (row,) = rows_of(data)
    assert row.date == datetime.date(2025, 3, 2)  # Bank of Ireland writes day first


def test_parse_header_only_file_has_no_rows():
    assert rows_of(b"Date,Description,Amount\n") == []


def test_parse_skips_repeated_header_lines():
    data = b"Date,Description,Amount\n01/02/2025,A,1.00\nDate,Description,Amount\n01/03/2025,B,2\n"
    assert [r.description for r in rows_of(data)] == ["A", "B"]


def test_parse_rows_are_read_lazily():
    data = b"Date,Description,Amount\n01/02/2025,A,1.00\n01/03/2025,B,oops\n"
    rows = parse(data, filename="lazy.csv").rows  # no error yet
    assert next(rows).description == "A"
    with pytest.raises(ImportFileError, match="amount"):
        next(rows)


def test_parse_mercury_skips_failed_transactions():
    descriptions = [r.description for r in rows_of(fixture("mercury.csv"))]
    assert "Bad Vendor" not in descriptions


# --- bad input -----------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_parse_empty_file_is_refused(data):
    with pytest.raises(ImportFileError, match="the file is empty") as caught:
        parse(data, filename="empty.csv")
    assert caught.value.file == "empty.csv"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        bytes(range(1, 32)) * 40,
    ],
)
def test_parse_binary_file_is_refused(data):
    with pytest.raises(ImportFileError, match="not a text file") as caught:
        parse(data, filename="statement.xlsx")
    assert caught.value.file == "statement.xlsx"


def test_parse_semicolons_instead_of_commas_still_read():
    data = fixture("chase_card.csv").replace(b",", b";")
    parsed = parse(data, filename="chase.csv")
    assert parsed.preset_name == "chase_card"
    assert parsed.sniffed.delimiter == ";"
    assert summary(parsed.rows) == PRESET_CASES["chase_card.csv"][1]


def test_parse_tab_delimited_known_header_still_reads():
    data = fixture("discover.csv").replace(b",", b"\t")
    assert summary(rows_of(data)) == PRESET_CASES["discover.csv"][1]


def test_parse_unparseable_date_is_located():
    data = b"Date,Description,Amount\n08/02/2025,A,1.00\n13/45/2025,B,2.00\n"
    with pytest.raises(ImportFileError, match="cannot read the date '13/45/2025'") as caught:
        rows_of(data, "amex.csv")
    error = caught.value
    assert (error.file, error.line, error.column) == ("amex.csv", 3, "Date")
    assert str(error).startswith("amex.csv:3, column Date: ")


def test_parse_unparseable_amount_is_located():
    data = fixture("chase_card.csv").replace(b"-31.40", b"31..40")
    with pytest.raises(ImportFileError, match="cannot read the amount '31..40'") as caught:
        rows_of(data, "chase.csv")
    assert (caught.value.line, caught.value.column) == (2, "Amount")


def test_parse_amount_without_date_is_located():
    data = b"Date,Description,Amount\n,A,1.00\n"
    with pytest.raises(ImportFileError, match="no date") as caught:
        rows_of(data)
    assert (caught.value.line, caught.value.column) == (2, "Date")


def test_parse_truncated_transaction_row_is_located():
    data = b"Date,Description,Amount\n08/02/2025,A,1.00\n08/03/2025,B\n"
    with pytest.raises(ImportFileError, match="2 columns") as caught:
        rows_of(data)
    assert caught.value.line == 3


def test_parse_bad_debit_credit_word_is_located():
    data = fixture("mint.csv").replace(b",debit,Coffee", b",refund,Coffee")
    with pytest.raises(ImportFileError, match="expected debit or credit") as caught:
        rows_of(data)
    assert (caught.value.line, caught.value.column) == (2, "Transaction Type")


def test_parse_ten_megabyte_line_is_refused():
    data = b"Date,Description,Amount\n01/02/2025,A,1.00\n" + b"x" * 10_000_000 + b"\n"
    with pytest.raises(ImportFileError, match="line 3 is longer than 1 MB") as caught:
        parse(data, filename="huge.csv")
    assert (caught.value.file, caught.value.line) == ("huge.csv", 3)


def test_parse_unclosed_quote_running_past_the_cell_limit_is_located():
    data = b'Date,Description,Amount\n01/02/2025,"never closed,1.00\n' + b"y" * 70 * 20_000
    data = data.replace(b"y" * 70, b"y" * 69 + b"\n")
    with pytest.raises(ImportFileError, match="quote") as caught:
        rows_of(data)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://example.com","click")',
        "=1+2",
        "@SUM(A1:A2)",
        "+cmd|' /C calc'!A0",
        "-cmd|' /C calc'!A0",
        "=cmd|' /C notepad'!'A1'",
    ],
)
def test_parse_formula_cells_are_refused_with_location(cell):
    quoted = '"' + cell.replace('"', '""') + '"'
    data = f"Date,Description,Amount\n08/02/2025,SHOP,1.00\n08/03/2025,{quoted},2.00\n".encode()
    with pytest.raises(ImportFileError, match="spreadsheet formula") as caught:
        rows_of(data, "amex.csv")
    error = caught.value
    assert (error.file, error.line, error.column) == ("amex.csv", 3, "Description")


@pytest.mark.parametrize("cell", ["-12.34", "- SWEEP ACCOUNT", "+ 5 bonus", "@ Home Store", "== Transfer =="])
def test_parse_formula_lookalikes_are_kept(cell):
    data = f"Date,Description,Amount\n08/02/2025,{cell},-12.34\n".encode()
    (row,) = rows_of(data)
    assert row.description == cell


@pytest.mark.parametrize("prefix", [b"OFXHEADER:100\n", b"<OFX>\n", b"!Type:Bank\n"])
def test_parse_refuses_ofx_and_qif_with_a_pointer(prefix):
    with pytest.raises(ImportFileError, match="not CSV"):
        parse(prefix + b"D01/02/2025\n", filename="statement.csv")


# --- decoding --------------------------------------------------------------------


def test_decode_mixed_utf8_with_stray_cp1252_byte_keeps_both_right():
    data = "Date,Description,Amount\n01/02/2025,Café Crème,4.50\n".encode() + (
        b"01/03/2025,Shop \x96 Outlet,2.00\n"  # cp1252 en dash in a UTF-8 file
    )
    text = decode(data, filename="mixed.csv")
    assert "Café Crème" in text
    assert "Shop – Outlet" in text


def test_decode_cp1252_french_text():
    data = "Date,Description,Amount\n01/02/2025,Crêperie à côté,4.50\n".encode("cp1252")
    assert "Crêperie à côté" in decode(data, filename="fr.csv")


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_decode_byte_order_marks(codec):
    text = "Date,Description,Amount\n01/02/2025,Ümlaut Café,1.00\n"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    assert decode(data, filename="bom.csv") == text


def test_decode_utf16_file_parses():
    data = fixture("amex.csv").decode().encode("utf-16")
    assert summary(rows_of(data)) == PRESET_CASES["amex.csv"][1]


def test_decode_invalid_utf16_after_marker_is_refused():
    with pytest.raises(ImportFileError, match="UTF-16"):
        decode(b"\xff\xfe\x00\xd8a\x00", filename="bad.csv")


# --- amounts and dates -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("$1,234.56", False, "1234.56"),
        ("-1,234.56", False, "-1234.56"),
        ("(12.34)", False, "-12.34"),
        ("1.234,56", True, "1234.56"),
        ("1.234,56", False, "1234.56"),
        ("12,34", False, "12.34"),
        ("1 234,56", True, "1234.56"),
        ("+12.00", False, "12.00"),
        ("12.00-", False, "-12.00"),
        ("USD 12.00", False, "12.00"),
        ("12,00 EUR", True, "12.00"),
        ("£12.00", False, "12.00"),
        ("€ 12,00", True, "12.00"),
        ("- $220.00", False, "-220.00"),
        ("+ $1,150.00", False, "1150.00"),
        ("$-11.29", False, "-11.29"),
        ("-$7,971.39", False, "-7971.39"),
        ("11'373.94", False, "11373.94"),
        ("1,000", False, "1000"),
        ("1,000", True, "1.000"),
        ("1.000", True, "1000"),
        ("0,500", False, "0.500"),
        ("1,234,567", False, "1234567"),
        ("\u22125.00", False, "-5.00"),
        ("7", False, "7"),
        (".5", False, "0.5"),
    ],
)
def test_parse_amount_formats(text, decimal_comma, expected):
    value = parse_amount(text, decimal_comma=decimal_comma)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize("text", ["", "   "])
def test_parse_amount_empty_is_none(text):
    assert parse_amount(text, decimal_comma=False) is None


@pytest.mark.parametrize(
    "text",
    ["abc", "XX.XX", "12.34.56", "1,2,3", "--5", "1e5", "NaN", "Infinity", "$", "(12.00)-",
     "١٢", "12..5", "1,23.45", "VWZ1", "12 CR"],
)  # fmt: skip
def test_parse_amount_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_amount(text, decimal_comma=False)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2017-04-25T03:15:53", "%Y-%m-%d", datetime.date(2017, 4, 25)),
        ("2018-02-25 12:34:56 +0000", "%Y-%m-%d", datetime.date(2018, 2, 25)),
        (" 01/31/2024", "%m/%d/%Y", datetime.date(2024, 1, 31)),
        ("05 Mar 2025", "%d %b %Y", datetime.date(2025, 3, 5)),
    ],
)
def test_parse_date_ignores_times_and_padding(text, fmt, expected):
    assert parse_date(text, fmt) == expected


def test_parse_date_rejects_implausible_years():
    with pytest.raises(ValueError):
        parse_date("01/01/1066", "%m/%d/%Y")


# --- sniffing --------------------------------------------------------------------


def test_sniff_finds_header_after_summary_preamble():
    sniffed = sniff(decode(fixture("bofa_checking.csv"), filename="b"), filename="b")
    assert (sniffed.header_row, sniffed.header_line) == (6, 7)
    assert sniffed.header == ["Date", "Description", "Amount", "Running Bal."]


def test_sniff_header_less_file():
    sniffed = sniff(decode(fixture("wells_fargo_legacy.csv"), filename="w"), filename="w")
    assert not sniffed.has_header
    assert (sniffed.width, sniffed.header, sniffed.date_format) == (5, [], "%m/%d/%Y")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniff_delimiters(delimiter):
    text = "Date,Description,Amount\n01/02/2025,Shop one,1.00\n01/03/2025,Shop two,2.50\n"
    sniffed = sniff(text.replace(",", delimiter), filename="d")
    assert (sniffed.delimiter, sniffed.header_row) == (delimiter, 0)


def test_sniff_day_first_when_a_day_exceeds_twelve():
    text = "Date,Description,Amount\n02/03/2025,A,1.00\n25/03/2025,B,1.00\n"
    assert sniff(text, filename="d").date_format == "%d/%m/%Y"


def test_sniff_prefers_month_first_when_ambiguous():
    text = "Date,Description,Amount\n02/03/2025,A,1.00\n04/03/2025,B,1.00\n"
    assert sniff(text, filename="d").date_formats[0] == ("%m/%d/%Y", "%d/%m/%Y")


def test_sniff_decimal_comma():
    text = fixture("bunq.csv").decode()
    assert sniff(text, filename="b").decimal_comma
    assert not sniff(fixture("dcu.csv").decode(), filename="d").decimal_comma


def test_detect_preset_most_specific_match_wins():
    text = fixture("amex_detailed.csv").decode()
    assert detect_preset(sniff(text, filename="a")).name == "amex_members"


# --- the column-mapping wizard's engine ------------------------------------------


def _sniffed(name: str):
    return sniff(decode(fixture(name), filename=name), filename=name)


def test_guess_mapping_reads_an_unknown_layout():
    sniffed = _sniffed("semicolon_generic.csv")
    mapping = guess_mapping(sniffed)
    assert mapping.problems() == []
    assert (mapping.date, mapping.description, mapping.amount, mapping.memo) == (0, (1,), 3, (4,))
    assert (mapping.delimiter, mapping.header_row, mapping.date_format) == (";", 4, "%Y/%m/%d")
    assert mapping.flip_sign
    parsed = parse(fixture("semicolon_generic.csv"), filename="g.csv", mapping=mapping)
    assert (parsed.preset_name, parsed.categories) == ("generic", "")
    assert summary(parsed.rows) == [
        ("2025-03-07", "12.30", "Card purchase - snacks"),
        ("2025-03-06", "-800.00", "Transfer in - salary"),
    ]


def test_guess_mapping_debit_credit_columns():
    mapping = guess_mapping(_sniffed("schwab_checking.csv"))
    assert (mapping.amount, mapping.debit, mapping.credit, mapping.status) == (None, 5, 6, 1)


def test_guess_mapping_direction_column():
    mapping = guess_mapping(_sniffed("mint.csv"))
    assert (mapping.amount, mapping.direction, mapping.flip_sign) == (3, 4, False)


def test_guess_mapping_header_less_file_by_content():
    mapping = guess_mapping(_sniffed("wells_fargo_legacy.csv"))
    assert (mapping.date, mapping.amount, mapping.description) == (0, 1, (4,))
    assert mapping.header_row is None


def test_column_mapping_json_round_trip():
    mapping = guess_mapping(_sniffed("mercury.csv"))
    saved = json.loads(json.dumps(mapping.to_dict()))
    assert saved["has_header"] is True
    assert ColumnMapping.from_dict(saved) == mapping


def test_column_mapping_round_trip_header_less():
    mapping = guess_mapping(_sniffed("wells_fargo_legacy.csv"))
    assert ColumnMapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping


@pytest.mark.parametrize(
    "data",
    [
        {"date": 0},
        {"date": 0, "description": [1]},
        {"date": 0, "description": [1], "amount": 2, "debit": 3, "credit": 4},
        {"date": 0, "description": [1], "debit": 3},
        {"date": 0, "description": [1], "amount": 2, "delimiter": "x"},
        {"date": 0, "description": [1], "amount": -2},
        {"date": 0, "description": [1], "amount": 2, "date_format": "nonsense"},
        {"date": 0, "description": [1], "amount": 2, "no_such_role": 3, "header_row": "x"},
        {"date": 0, "description": None, "amount": 2},
        {"date": "0", "description": "12", "amount": 2},
    ],
)
def test_column_mapping_from_dict_rejects_malformed(data):
    with pytest.raises(ValueError):
        ColumnMapping.from_dict(data)


def test_header_signature_ignores_case_spacing_and_quotes():
    assert header_signature([" Date", "AMOUNT ", "`Memo"]) == header_signature(
        ["date", "amount", "memo"]
    )
    assert header_signature(["date", "amount"]) != header_signature(["amount", "date"])
    assert header_signature([], width=5) != header_signature([], width=7)


@pytest.mark.parametrize(("flip_sign", "expected"), [(False, "-12.50"), (True, "12.50")])
def test_iter_rows_flip_sign_negates_file_amounts(flip_sign, expected):
    mapping = ColumnMapping(date=0, description=(1,), amount=2, flip_sign=flip_sign)
    (row,) = iter_rows("Date,Text,Value\n01/02/2025,Shop,-12.50\n", mapping, filename="f")
    assert str(row.amount) == expected


def test_iter_rows_debit_credit_ignore_file_signs():
    mapping = ColumnMapping(date=0, description=(1,), debit=2, credit=3, flip_sign=True)
    text = "D,T,Out,In\n01/02/2025,a,-5.00,\n01/02/2025,b,,-7.00\n01/02/2025,c,,7.00\n"
    assert [str(r.amount) for r in iter_rows(text, mapping, filename="f")] == [
        "5.00",
        "-7.00",
        "-7.00",
    ]


def test_iter_rows_rejects_unusable_mapping_at_once():
    with pytest.raises(ImportFileError, match="amount column"):
        iter_rows("a,b\n", ColumnMapping(date=0, description=(1,)), filename="f")


def test_parse_mapping_column_beyond_the_rows_is_located():
    mapping = ColumnMapping(date=0, description=(1,), amount=9)
    with pytest.raises(ImportFileError, match="3 columns") as caught:
        rows_of(fixture("amex.csv"), "amex.csv", mapping=mapping)
    assert caught.value.line == 2


# --- every real sample -------------------------------------------------------------

# file -> (preset, rows) for files that parse; (None, message part) for refused ones.
SHARED_EXPECTED = {
    "bank2ynab_MonzoDataExport_February2018.csv": ("monzo_2018", 1),
    "bank2ynab_bunq-statement.csv": ("bunq", 7),
    "bank2ynab_n26_de_20171001-20171106.csv": ("n26_de", 1),
    "bank2ynab_test_BOI_TransactionExport.csv": ("bank_of_ireland", 27),
    "bank2ynab_test_delimiter_tab.csv": ("raiffeisen_at", 73),  # 74 lines, one is a comment
    "beancount-import_generic_statement.csv": ("amex", 6),  # bare Date,Description,Amount
    "beancount-import_venmo_transactions.csv": ("venmo", 11),
    "beanhub_chase_credit_card.csv": ("chase_card", 5),
    "beanhub_mercury.csv": ("mercury", 4),
    "csv2ofx_capitalone.csv": ("capital_one_card", 2),
    "csv2ofx_creditunion.csv": (None, "column-mapping wizard"),
    "csv2ofx_gls.csv": ("gls", 1),
    "csv2ofx_mint.csv": ("mint", 4),
    "csv2ofx_mint_headerless.csv": ("mint_headerless", 4),
    "csv2ofx_n26-fr.csv": ("n26", 2),
    "csv2ofx_outbank.csv": ("outbank", 4),
    "csv2ofx_pcmastercard.csv": ("pc_mastercard", 2),
    "csv2ofx_schwab-checking.csv": ("schwab_checking", 4),
    "csv2ofx_ubs-ch-fr_trimmed.csv": ("ubs", 3),
    "diegosol127_AmericanExpress_Credit_2024_01.csv": ("amex", 9),
    "diegosol127_Bilt_Obsidian_2024_01.csv": ("bilt", 3),
    "diegosol127_Chase_SapphirePreferred_2024_01.csv": ("chase_card", 10),
    "diegosol127_Fidelity_ROTH_IRA_2024_01.csv": (None, "investment account export"),
    "diegosol127_OptumHSA_2024_01.csv": ("optum_hsa", 11),
    "diegosol127_SoFi_Checking_2024_01.csv": ("sofi", 2),
    "diegosol127_WellsFargo_Checking_2023_11.csv": ("wells_fargo", 13),
    "diegosol127_WellsFargo_Credit_2023_11.csv": ("wells_fargo", 3),
    "firefly_demo-import.csv": ("firefly", 23),
    "ksalman_bofa_stmt.csv": ("bofa_checking", 3),  # the opening-balance line has no amount
    "ledger-autosync_paypal.csv": ("paypal", 2),
    "llmbudget_Checking1.csv": ("capital_one_bank", 303),
    "llmbudget_capitalone_CC1.csv": ("capital_one_card", 667),
    "reds_dcu_Main_Checking_Account_Transactions.csv": ("dcu", 10),
    "reds_schwab_XXX234_Checking_Transactions_20220203.csv": ("schwab_checking", 2),
    "reds_semicolon_delimited.csv": (None, "column-mapping wizard"),
    "sure_actual.csv": ("actual", 5),
    "sure_mint.csv": ("mint", 10),
    "sure_windows1250.csv": ("sure", 3),
    "sure_ynab.csv": ("ynab", 5),
    "weinfurtmatthew_discover.csv": ("discover", 6),
}

# Rows whose sign the description gives away: income must come out negative,
# spending positive. (file -> [(description part, expected sign)])
SHARED_SIGNS = {
    "bank2ynab_MonzoDataExport_February2018.csv": [("Tesco", 1)],
    "bank2ynab_bunq-statement.csv": [("Refund:", -1), ("NETFLIX", 1)],
    "bank2ynab_n26_de_20171001-20171106.csv": [("NINTENDO", 1)],
    "bank2ynab_test_BOI_TransactionExport.csv": [("NETFLIX", 1), ("CTO", -1)],
    "bank2ynab_test_delimiter_tab.csv": [("HOFER", 1), ("LIDL", 1)],
    "beancount-import_venmo_transactions.csv": [("Rent", -1), ("Bagels", 1)],
    "beanhub_chase_credit_card.csv": [("AUTOMATIC PAYMENT", -1), ("COSTCO", 1)],
    "beanhub_mercury.csv": [("GUSTO", 1), ("Adobe", 1)],
    "csv2ofx_capitalone.csv": [("AUTOPAY", -1), ("Airplanes", 1)],
    "csv2ofx_gls.csv": [("Drillisch", 1)],
    "csv2ofx_outbank.csv": [("Jane Doe", -1), ("Shell", 1), ("Vattenfall", 1)],
    "csv2ofx_pcmastercard.csv": [("Mobil", 1)],
    "csv2ofx_schwab-checking.csv": [("Deposit Mobile", -1), ("Check Paid", 1)],
    "csv2ofx_ubs-ch-fr_trimmed.csv": [("Virement postal", -1), ("Solde prix", 1)],
    "diegosol127_AmericanExpress_Credit_2024_01.csv": [("Cash back", -1), ("Groceries", 1)],
    "diegosol127_Bilt_Obsidian_2024_01.csv": [("Market", 1)],
    "diegosol127_Chase_SapphirePreferred_2024_01.csv": [("Pay Credit Card", -1), ("Burrito", 1)],
    "diegosol127_OptumHSA_2024_01.csv": [("Contribution", -1), ("PHARMACY", 1)],
    "diegosol127_SoFi_Checking_2024_01.csv": [("Bank Deposit", -1), ("To Savings", 1)],
    "diegosol127_WellsFargo_Checking_2023_11.csv": [("DIR DEP", -1), ("MONTHLY RENT", 1)],
    "diegosol127_WellsFargo_Credit_2023_11.csv": [("FRESH FRUIT", 1)],
    "firefly_demo-import.csv": [("Money back", -1), ("groceries", 1)],
    "ksalman_bofa_stmt.csv": [("paycheck", -1), ("Merchant1", 1)],
    "ledger-autosync_paypal.csv": [("Jane Doe", 1)],
    "llmbudget_Checking1.csv": [("DIRECT DEP", -1), ("LANDLORD", 1)],
    "llmbudget_capitalone_CC1.csv": [("MOBILE PYMT", -1), ("HARRIS TEETER", 1)],
    "reds_dcu_Main_Checking_Account_Transactions.csv": [("DEPOSIT", -1), ("TRANSFER TO", 1)],
    "reds_schwab_XXX234_Checking_Transactions_20220203.csv": [("Interest Paid", -1)],
    "sure_actual.csv": [("salary", -1), ("rent", 1)],
    "sure_mint.csv": [("PAYROLL", -1), ("SAFEWAY", 1)],
    "sure_windows1250.csv": [("Kawiarnia", 1)],
    "sure_ynab.csv": [("Employer", -1), ("Landlord", 1)],
    "weinfurtmatthew_discover.csv": [("DIRECTPAY", -1), ("NETFLIX", 1)],
}

# Salary and deposits are income in any language: never an expense.
INCOME = re.compile(r"payroll|paycheck|dir dep|direct dep|gehalt|salary|salaire|salaris", re.I)
SHARED_FILES = shared_files("bank-csv", "*.csv")


@requires_shared_data
def test_shared_samples_all_have_recorded_outcomes():
    assert {p.name for p in SHARED_FILES} == set(SHARED_EXPECTED)


@requires_shared_data
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name)
def test_shared_sample_outcome(path):
    preset, expected = SHARED_EXPECTED[path.name]
    data = path.read_bytes()
    if preset is None:
        with pytest.raises(ImportFileError, match=expected) as caught:
            parse(data, filename=path.name)
        assert caught.value.file == path.name
        return
    parsed = parse(data, filename=path.name)
    rows = list(parsed.rows)
    assert parsed.preset_name == preset
    assert len(rows) == expected
    assert all(isinstance(r.amount, Decimal) for r in rows)
    assert all(datetime.date(1990, 1, 1) <= r.date <= datetime.date(2030, 12, 31) for r in rows)
    assert any(r.amount > 0 for r in rows)
    assert all(r.amount < 0 for r in rows if INCOME.search(r.description))
    assert all(r.line > (parsed.sniffed.header_line or 0) for r in rows)
    for part, sign in SHARED_SIGNS.get(path.name, []):
        matching = [r for r in rows if part in r.description]
        assert matching, part
        assert all((r.amount > 0) == (sign > 0) for r in matching), part


@requires_shared_data
@pytest.mark.parametrize(
    ("name", "rows"), [("reds_semicolon_delimited.csv", 2), ("csv2ofx_creditunion.csv", 8)]
)
def test_shared_unrecognised_samples_read_with_guessed_mapping(name, rows):
    data = (SHARED_DATA / "bank-csv" / name).read_bytes()
    mapping = guess_mapping(sniff(decode(data, filename=name), filename=name))
    assert mapping.problems() == []
    assert len(rows_of(data, name, mapping=mapping)) == rows


# --- nothing but ImportFileError, whatever comes in ------------------------------


def consume(data: bytes) -> None:
    try:
        for _ in parse(data, filename="fuzz.csv").rows:
            pass
    except ImportFileError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_arbitrary_bytes_only_raise_import_file_error(data):
    consume(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_parse_arbitrary_text_only_raises_import_file_error(text):
    consume(text.encode("utf-8", "surrogatepass"))


CSV_PIECES = st.sampled_from(
    [",", ";", "\t", "|", '"', '""', "\n", "\r\n", "\r", " ", "", "=", "-", "+", "@", "*",
     "0", "1", "12", "-12.34", "1,234.56", "(5.00)", "1.234,56", "$3", "- $2.00", "abc",
     "Date", "Amount", "Description", "Debit", "Credit", "Status", "Pending", "debit",
     "credit", "01/02/2024", "13/13/2024", "2024-02-30", "31.12.2024", "2024-01-05T10:00:00",
     "Mar 5, 2024", "=cmd|x", "\ufeff", "é", "\x00"]
)  # fmt: skip
HEADERS = st.sampled_from(
    ["" if p.shape else ",".join(p.required) + "\n" for p in PRESETS]
    + ["Date,Description,Amount\n", "Description,,Summary Amt.\n\n"]
)


@settings(max_examples=200, deadline=None)
@given(HEADERS, st.lists(st.lists(CSV_PIECES, max_size=12).map("".join), max_size=30))
def test_parse_csv_like_text_only_raises_import_file_error(header, lines):
    consume((header + "\n".join(lines)).encode("utf-8"))
