"""OFX/QFX and QIF parsing: bytes in, ImportRows out, no database.

fixtures/ofx_* and fixtures/qif_* are small hand-written files (fake
institutions and amounts). The walk over SHARED_DATA/ofx reads every real
sample in place and checks the outcome recorded for it below; the counts
there were taken from the files themselves (STMTTRN elements, ^ records),
not from the parser.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shared import requires_shared_data, shared_files
from transactions.importers.base import ImportFileError
from transactions.importers.ofx import describe, parse_ofx
from transactions.importers.qif import TRANSFERS, parse_qif

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("ofx_*")) + sorted(FIXTURES.glob("qif_*"))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_any(data: bytes, name: str):
    parser = parse_qif if name.lower().endswith(".qif") else parse_ofx
    return parser(data, filename=name)


def summary(rows) -> list[tuple[str, str, str, str]]:
    return [(r.date.isoformat(), str(r.amount), r.description, r.external_id) for r in rows]


def refusal(parser, data: bytes, name: str = "bad.ofx") -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parser(data, filename=name)
    assert caught.value.file == name
    return caught.value


def lines_of(data: bytes, pattern: str) -> list[int]:
    """1-based numbers of the lines where the regex `pattern` is found."""
    text = data.decode().replace("\r\n", "\n")
    return [n for n, line in enumerate(text.split("\n"), start=1) if re.search(pattern, line)]


def ofx_statement(transactions: str, *, header: str = "OFXHEADER:100\nDATA:OFXSGML\n\n") -> bytes:
    """A minimal SGML bank statement around the given STMTTRN markup."""
    return (
        f"{header}<OFX>\n<BANKMSGSRSV1><STMTTRNRS><TRNUID>1\n<STMTRS><CURDEF>USD\n"
        "<BANKACCTFROM><BANKID>1<ACCTID>A-1<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
        f"<BANKTRANLIST>\n{transactions}\n</BANKTRANLIST>\n"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    ).encode()


GOOD_TRN = "<STMTTRN><TRNTYPE>DEBIT\n<DTPOSTED>20240102\n<TRNAMT>-5.00\n<FITID>X1\n<NAME>SHOP\n</STMTTRN>"


# --- OFX: the fixtures ------------------------------------------------------------


def test_parse_ofx_reads_sgml_bank_statement():
    data = fixture("ofx_bank_sgml.ofx")
    result = parse_ofx(data, filename="ofx_bank_sgml.ofx")
    assert result.skipped == []
    [account] = result.accounts
    assert (account.account_ref, account.kind, account.bank_id, account.currency) == (
        "11112222", "checking", "000000000", "USD",
    )
    assert (account.balance, account.balance_date) == (
        Decimal("2345.67"), datetime.date(2024, 1, 31),
    )
    assert summary(account.rows) == [
        ("2024-01-05", "12.34", "MAPLE GROCER #12 SPRINGFIELD", "ECU-0001"),
        ("2024-01-10", "-1500.00", "ACME CORP PAYROLL", "ECU-0002"),
        ("2024-01-15", "80.00", "CHECK #1042", "ECU-0003"),
        ("2024-01-20", "45.10", "CITY WATER DEPT - Account 7788", "ECU-0004"),
    ]
    assert [r.merchant_name for r in account.rows] == [
        "MAPLE GROCER #12", "ACME CORP PAYROLL", "", "CITY WATER DEPT",
    ]
    assert {r.account_ref for r in account.rows} == {"11112222"}
    assert [r.line for r in account.rows] == lines_of(data, "<STMTTRN>")
    assert result.rows == account.rows


def test_parse_ofx_takes_the_local_date_not_utc():
    # 23:30 EST on Jan 5 is Jan 6 in UTC; midnight AEST on Feb 3 is Feb 2 in UTC.
    sgml = parse_ofx(fixture("ofx_bank_sgml.ofx"), filename="a.ofx").rows[0]
    card = parse_ofx(fixture("ofx_cc_v2.ofx"), filename="b.ofx").rows[0]
    assert (sgml.date, card.date) == (datetime.date(2024, 1, 5), datetime.date(2024, 2, 3))


def test_parse_ofx_reads_xml_credit_card_statement():
    data = fixture("ofx_cc_v2.ofx")
    [account] = parse_ofx(data, filename="ofx_cc_v2.ofx").accounts
    assert (account.account_ref, account.kind, account.bank_id, account.currency) == (
        "4000000000000002", "credit", "", "AUD",
    )
    assert account.balance == Decimal("-764.19")
    assert summary(account.rows) == [
        ("2024-02-03", "54.20", "HARBOR FUEL <0042>", "CC-1001"),
        ("2024-02-11", "9.99", "PINE & CONE BOOKS - Online order 5521", "CC-1002"),
        ("2024-02-20", "-300.00", "PAYMENT - THANK YOU", "CC-1003"),
    ]
    assert [r.line for r in account.rows] == lines_of(data, "<STMTTRN>")


def test_parse_ofx_reads_qfx_with_intuit_tags_and_comma_decimals():
    [account] = parse_ofx(fixture("ofx_quicken.qfx"), filename="ofx_quicken.qfx").accounts
    assert (account.account_ref, account.kind, account.balance) == (
        "SAV-3300", "savings", Decimal("5003.21"),
    )
    assert summary(account.rows) == [
        ("2024-03-31", "-3.21", "INTEREST PAID", "Q-77"),
        ("2024-03-15", "250.00", "TRANSFER TO CHECKING - Online transfer", "Q-78"),
    ]


def test_parse_ofx_splits_rows_by_account():
    result = parse_ofx(fixture("ofx_multi_account.ofx"), filename="m.ofx")
    assert [(a.account_ref, a.kind, len(a.rows)) for a in result.accounts] == [
        ("CHK-1", "checking", 2), ("CARD-9", "credit", 1),
    ]
    assert [(r.account_ref, r.external_id, str(r.amount)) for r in result.rows] == [
        ("CHK-1", "M-1", "4.50"), ("CHK-1", "M-2", "23.00"), ("CARD-9", "M-3", "61.75"),
    ]


def test_parse_ofx_imports_bank_part_and_reports_skipped_investment():
    result = parse_ofx(fixture("ofx_bank_and_investment.ofx"), filename="bi.ofx")
    [account] = result.accounts
    assert (account.account_ref, account.kind, account.balance) == ("CASH-55", "moneymrkt", None)
    # The investment account's cash transaction (FITID I-1) is not imported.
    assert summary(account.rows) == [
        ("2024-05-02", "-200.00", "DEPOSIT", "B-1"),
        ("2024-05-31", "2.00", "MONTHLY FEE", "B-2"),
    ]
    [skipped] = result.skipped
    assert "investment statement for account BRK-8" in skipped
    assert "Investments page" in skipped


@pytest.mark.parametrize(
    ("name", "memo", "expected"),
    [
        ("SHOP", "", "SHOP"),
        ("", "MEMO ONLY", "MEMO ONLY"),
        ("SHOP", "shop", "SHOP"),
        ("CORNER SHOP", "Shop", "CORNER SHOP"),
        ("SHOP #1", "SHOP #1 SPRINGFIELD IL", "SHOP #1 SPRINGFIELD IL"),
        ("SHOP #1", "POS PURCHASE;SHOP #1", "POS PURCHASE;SHOP #1"),
        ("SHOP", "Order 55", "SHOP - Order 55"),
    ],
)
def test_describe_keeps_memo_only_when_it_adds_information(name, memo, expected):
    assert describe(name, memo) == expected


# --- OFX: sloppy files that must still import ----------------------------------


def test_parse_ofx_drops_empty_unclosed_sgml_elements():
    data = fixture("ofx_bank_sgml.ofx").replace(b"<MEMO>Account 7788", b"<MEMO>")
    data = data.replace(b"<NAME>ACME CORP PAYROLL", b"<NAME>")
    rows = parse_ofx(data, filename="e.ofx").rows
    assert [r.description for r in rows] == [
        "MAPLE GROCER #12 SPRINGFIELD", "CREDIT", "CHECK #1042", "CITY WATER DEPT",
    ]
    assert [r.external_id for r in rows] == ["ECU-0001", "ECU-0002", "ECU-0003", "ECU-0004"]


def test_parse_ofx_accepts_a_missing_aggregate_end_tag():
    data = fixture("ofx_bank_sgml.ofx").replace(b"</BANKTRANLIST>\r\n", b"")
    [account] = parse_ofx(data, filename="n.ofx").accounts
    assert len(account.rows) == 4
    assert account.balance == Decimal("2345.67")


@pytest.mark.parametrize(
    "header",
    [
        "",  # no header at all
        "DATA:OFXSGML\nENCODING:UTF-8\n",  # partial header
        "\n" * 12 + "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n",  # blank lines first
    ],
    ids=["none", "partial", "blank-lines"],
)
def test_parse_ofx_does_not_need_a_valid_header(header):
    [row] = parse_ofx(ofx_statement(GOOD_TRN, header=header), filename="h.ofx").rows
    assert (row.date, row.amount, row.description) == (datetime.date(2024, 1, 2), 5, "SHOP")
    assert row.line == header.count("\n") + 6  # the line after <BANKTRANLIST>


def test_parse_ofx_reads_windows_1252_text_and_ignores_trailing_junk():
    data = ofx_statement(GOOD_TRN.replace("SHOP", "CAF\xc9 ROSE")).replace(b"\xc3\x89", b"\xc9")
    [row] = parse_ofx(data + b"\x1a trailing junk", filename="w.ofx").rows
    assert row.description == "CAF\xc9 ROSE"


def test_parse_ofx_accepts_an_empty_statement():
    [account] = parse_ofx(ofx_statement(""), filename="z.ofx").accounts
    assert (account.account_ref, account.rows) == ("A-1", [])


# --- OFX: files that are refused ----------------------------------------------------


def wrap(messages: str) -> bytes:
    return f"OFXHEADER:100\n\n<OFX>\n{messages}\n</OFX>\n".encode()


SIGNON_OK = "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS></SONRS></SIGNONMSGSRSV1>"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            wrap(
                "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR"
                "<MESSAGE>Wrong password</STATUS></SONRS></SIGNONMSGSRSV1>"
            ),
            "the bank reported an error in this file: Wrong password (code 15500)",
        ),
        (
            wrap(
                SIGNON_OK + "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>2000"
                "<SEVERITY>ERROR</STATUS></STMTTRNRS></BANKMSGSRSV1>"
            ),
            "the bank reported an error in this file: error code 2000",
        ),
        (wrap(SIGNON_OK), "this file contains no bank or credit-card statement"),
        (wrap(""), "this file contains no bank or credit-card statement"),
        (
            wrap(
                SIGNON_OK + "<SIGNUPMSGSRSV1><ACCTINFOTRNRS><TRNUID>1<ACCTINFORS>"
                "<DTACCTUP>20240101</ACCTINFORS></ACCTINFOTRNRS></SIGNUPMSGSRSV1>"
            ),
            "account list, ACCTINFORS",
        ),
        (
            wrap(
                "<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1<INVSTMTRS><DTASOF>20240101"
                "<CURDEF>USD</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1>"
            ),
            "this is an investment statement (holdings/trades), not a bank or credit-card "
            "statement; import it on the Investments page",
        ),
        (
            wrap(
                "<BANKMSGSRSV1><INTRATRNRS><TRNUID>1<INTRARS><CURDEF>USD<SRVRTID>1"
                "</INTRARS></INTRATRNRS></BANKMSGSRSV1>"
            ),
            "1 transfer confirmation(s), INTRARS",
        ),
    ],
    ids=["signon-error", "statement-error", "signon-only", "empty", "account-list",
         "investment-only", "transfers-only"],
)
def test_parse_ofx_refuses_files_without_a_bank_statement(data, expected):
    assert expected in refusal(parse_ofx, data).message


def test_parse_ofx_locates_a_transaction_without_date():
    data = ofx_statement(GOOD_TRN + "\n" + GOOD_TRN.replace("<DTPOSTED>20240102\n", ""))
    error = refusal(parse_ofx, data)
    assert error.message == "a transaction has no posting date (DTPOSTED)"
    assert error.line == lines_of(data, "<STMTTRN>")[1]


@pytest.mark.parametrize(
    ("good", "bad", "expected", "located_at"),
    [
        (
            "<DTPOSTED>20240102", "<DTPOSTED>20241302",
            "DTPOSTED '20241302' is not a valid date", "<DTPOSTED>2024",
        ),
        ("<DTPOSTED>20240102", "<DTPOSTED>", "no posting date (DTPOSTED)", "<STMTTRN>"),
        ("<TRNAMT>-5.00", "<TRNAMT>$5", "TRNAMT '$5' is not a valid amount", "<TRNAMT>"),
        (
            "<TRNAMT>-5.00", "<TRNAMT>1,234.00",
            "TRNAMT '1,234.00' is not a valid amount", "<TRNAMT>",
        ),
        ("<TRNAMT>-5.00\n", "", "a transaction has no amount (TRNAMT)", "<STMTTRN>"),
    ],
)
def test_parse_ofx_locates_a_bad_field(good, bad, expected, located_at):
    # The second transaction is the bad one: the error names its line.
    data = ofx_statement(GOOD_TRN + "\n" + GOOD_TRN.replace(good, bad))
    error = refusal(parse_ofx, data)
    assert expected in error.message
    assert error.line == lines_of(data, located_at)[-1]


def test_parse_ofx_refuses_a_statement_without_account_number():
    data = ofx_statement(GOOD_TRN).replace(b"<ACCTID>A-1", b"")
    assert "no account number (ACCTID)" in refusal(parse_ofx, data).message


GOOD_OFX = fixture("ofx_bank_sgml.ofx")
TRUNCATED_OFX = GOOD_OFX[: GOOD_OFX.index(b"<ADDR1>")]  # ends on line 73, inside <PAYEE>


@pytest.mark.parametrize(
    ("data", "expected", "line"),
    [
        (b"", "the file is empty", None),
        (b" \r\n\t\n", "the file is empty", None),
        (bytes(range(256)) * 4, "this is a binary file, not an OFX or QFX file", None),
        (b"Date,Amount\n2024-01-01,5\n", "it has no <OFX> element", None),
        (TRUNCATED_OFX, "the file ends before </PAYEE> (is it truncated?)", 73),
        (wrap("</FOO>"), "found </FOO> where </OFX> was expected", 4),
        (wrap("<A>x</A> stray text"), "unexpected text 'stray text' outside any element", 4),
        (wrap("<NAME><![CDATA[never closed"), "a CDATA section is never closed", 4),
        (b"A" * 10_000_000, "it has no <OFX> element", None),
        (b"<OFX>" + b"A" * 10_000_000, "contains no bank or credit-card statement", None),
        (b"<OFX>" + b"<" * 10_000_000, "the file ends before </OFX>", 1),
    ],
    ids=["empty", "blank", "binary", "csv", "truncated", "stray-end-tag", "tail-text",
         "open-cdata", "10mb-no-ofx", "10mb-text", "10mb-brackets"],
)
def test_parse_ofx_refuses_bad_input_with_a_located_error(data, expected, line):
    error = refusal(parse_ofx, data)
    assert expected in error.message
    assert error.line == line


# --- QIF ----------------------------------------------------------------------------


def qif_summary(rows) -> list[tuple[str, str, str, str]]:
    return [(r.date.isoformat(), str(r.amount), r.description, r.category_name) for r in rows]


def test_parse_qif_reads_bank_file():
    data = fixture("qif_bank.qif")
    result = parse_qif(data, filename="qif_bank.qif")
    assert (result.account_type, result.accounts, result.skipped) == ("bank", {}, [])
    assert qif_summary(result.rows) == [
        ("2024-01-05", "1234.56", "LANDLORD PROPERTIES - January rent", "Housing:Rent"),
        ("2024-01-10", "-2500.00", "ACME CORP PAYROLL", "Income:Salary"),
        ("2024-01-12", "75.00", "Transfer to savings", TRANSFERS),
        ("2024-01-15", "8.4", "Coffee beans", ""),
    ]
    assert [r.merchant_name for r in result.rows] == [
        "LANDLORD PROPERTIES", "ACME CORP PAYROLL", "Transfer to savings", "",
    ]
    assert {(r.external_id, r.account_ref, r.is_pending) for r in result.rows} == {("", "", False)}
    assert [r.line for r in result.rows] == lines_of(data, "^D")


def test_parse_qif_keeps_a_split_transaction_as_one_row():
    data = fixture("qif_splits.qif")
    result = parse_qif(data, filename="qif_splits.qif")
    assert (result.account_type, result.accounts) == ("ccard", {"Household Visa": "ccard"})
    assert qif_summary(result.rows) == [
        ("2024-02-03", "120.00", "SUPERSTORE 118", "Groceries"),
        ("2024-02-04", "15.00", "BOOK NOOK", "Books"),
        ("2024-02-09", "-300.00", "PAYMENT THANK YOU", ""),
    ]
    assert {r.account_ref for r in result.rows} == {"Household Visa"}
    assert [r.line for r in result.rows] == lines_of(data, "^D")


def test_parse_qif_reads_a_day_first_file():
    rows = parse_qif(fixture("qif_day_first.qif"), filename="d.qif").rows
    assert qif_summary(rows) == [
        ("2024-02-05", "19.90", "BAKERY LUNE", ""),
        ("2024-02-25", "42.00", "PHARMACIE CENTRALE", ""),
        ("2024-03-01", "-1234.56", "REMBOURSEMENT", ""),
    ]


def one_record(*lines: str, header: str = "!Type:Bank") -> bytes:
    return "\n".join([header, *lines, "^", ""]).encode()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("12/31/2024", "2024-12-31"),
        ("1/5/24", "2024-01-05"),
        ("1/ 5'24", "2024-01-05"),
        ("12/31' 4", "2004-12-31"),
        ("12/31/99", "1999-12-31"),
        (" 2024-02-29 ", "2024-02-29"),
        ("12-31-2024", "2024-12-31"),
    ],
)
def test_parse_qif_reads_date_spellings(written, expected):
    [row] = parse_qif(one_record(f"D{written}", "T-1.00"), filename="d.qif").rows
    assert row.date.isoformat() == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("-1,234.56", "1234.56"),
        ("1234.5", "-1234.5"),
        ("+12", "-12"),
        ("-.5", "0.5"),
        ("-1.234,56", "1234.56"),
        ("-12,3", "12.3"),
        ("1,234", "-1234"),
        ("0.00", "0.00"),
        ("-0.00", "0.00"),
    ],
)
def test_parse_qif_reads_amount_spellings(written, expected):
    [row] = parse_qif(one_record("D1/1/2024", f"T{written}"), filename="a.qif").rows
    assert str(row.amount) == expected


def test_parse_qif_uses_u_when_t_is_missing():
    [row] = parse_qif(one_record("D1/1/2024", "U-3.50"), filename="u.qif").rows
    assert row.amount == Decimal("3.50")


@pytest.mark.parametrize(
    ("lines", "expected", "line"),
    [
        (["D13/13/2024", "T-1"], "the date '13/13/2024' does not exist", 2),
        (["D2/30/2024", "T-1"], "the date '2/30/2024' does not exist", 2),
        (["DJan 5 2024", "T-1"], "the date 'Jan 5 2024' is not in a format", 2),
        (["D1/1/2024", "T-1", "^", "D1/2/2024", "T12.3.4"], "the amount '12.3.4' is not", 6),
        (["D1/1/2024", "T"], "the amount '' is not a valid number", 3),
        (["D1/1/2024", "T-1", "^", "PNO DATE", "T-1"], "this transaction has no date (D line)", 5),
        (["PNO AMOUNT", "D1/1/2024", "MNote"], "this transaction has no amount (T line)", 2),
        (["D13/1/2024", "T-1", "^", "D1/13/2024", "T-1"], "the dates mix day-first (line 2)", 5),
    ],
    ids=["bad-day-month", "no-such-day", "words", "bad-amount", "empty-amount", "no-date",
         "no-amount", "mixed-order"],
)
def test_parse_qif_locates_bad_records(lines, expected, line):
    error = refusal(parse_qif, one_record(*lines), "bad.qif")
    assert expected in error.message
    assert error.line == line


@pytest.mark.parametrize(
    ("data", "expected", "line"),
    [
        (b"", "the file is empty", None),
        (b"\x00\x01QIF", "this is a binary file, not a QIF file", None),
        (b"D1/1/2024\nT-1\n^\n", "this is not a QIF file", 1),
        (GOOD_OFX, "this is not a QIF file", 1),
        (b"x" * 10_000_000, "this is not a QIF file", 1),
        (b"!Type:Bank\nD" + b"9" * 10_000_000, "is not in a format", 2),
        (b"!Type:Cat\nNFood\n^\n", "contains no bank, cash or credit-card transactions", None),
        (b"!Account\nNBroker\nTInvst\n^\n!Type:Invst\nD1/1/24\nNBuy\nT100\n^\n",
         "investment QIF is not supported for bank import", 6),
    ],
    ids=["empty", "binary", "no-header", "ofx", "10mb-line", "10mb-date", "category-list",
         "investment"],
)
def test_parse_qif_refuses_bad_files(data, expected, line):
    error = refusal(parse_qif, data, "bad.qif")
    assert expected in error.message
    assert error.line == line


def test_parse_qif_skips_and_reports_investment_and_unknown_sections():
    data = (
        b"!Option:AutoSwitch\n!Account\nNBroker\nTInvst\n^\nNChecking\nTBank\n^\n"
        b"!Clear:AutoSwitch\n!Account\nNBroker\nTInvst\n^\n!Type:Invst\nD1/1/24\nNBuy\nT100\n^\n"
        b"!Type:Cat\nNFood\n^\n!Type:Budget\nNFood\n^\n"
        b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD1/2/24\nT-1\nPSHOP\n^\n"
    )
    result = parse_qif(data, filename="mixed.qif")
    assert [(r.account_ref, r.description) for r in result.rows] == [("Checking", "SHOP")]
    assert result.accounts == {"Broker": "invst", "Checking": "bank"}
    assert result.skipped == [
        "skipped 1 investment transaction(s) (account Broker): "
        "investment QIF is not supported for bank import",
        "skipped 1 record(s) of an unknown section ('budget')",
    ]


def test_parse_qif_reads_windows_1252_and_crlf():
    data = b"!Type:Bank\r\nD1/2/2024\r\nT-4.00\r\nPCAF\xc9 ROSE\r\n^\r\n"
    [row] = parse_qif(data, filename="w.qif").rows
    assert (row.description, row.line) == ("CAF\xc9 ROSE", 2)


def test_parse_qif_accepts_an_empty_bank_section():
    result = parse_qif(b"!Type:CCard\n", filename="e.qif")
    assert (result.rows, result.account_type) == ([], "ccard")


# --- every real sample ------------------------------------------------------------

# file -> ("ok", {account_ref: rows}, (field, value, amount)) or ("refused", message part,
# line). The (field, value, amount) names one known transaction and the amount it must
# come out with: the sign check (a debit positive, a credit negative).
SHARED_EXPECTED = {
    "csv2ofx_converted_default.qif": (
        "ok", {"Cash": 2, "Checking": 6}, ("merchant_name", "Sadrick Mtel", "-70000.00"),
    ),
    "csv2ofx_converted_default_w_splits.qif": (
        "ok", {"Cash": 2, "Checking": 6}, ("merchant_name", "Sadrick Mtel", "-70000.00"),
    ),
    "csv2ofx_converted_mint.ofx": ("refused", "4 transfer confirmation(s), INTRARS", None),
    "csv2ofx_converted_mint.qif": (
        "ok", {"Checking": 3, "Savings": 1}, ("merchant_name", "Transfer from Checking", "1000.00"),
    ),
    "csv2ofx_converted_schwab-checking-msmoney.ofx": (
        "ok", {"12345": 4}, ("external_id", "c38117af9e65d7f8b751956b1f1e4173", "103.00"),
    ),
    "csv2ofx_converted_ubs-ch-fr.qif": (
        "ok", {"0123 45678901.23A": 3}, ("description", "Solde prix prestations", "10.00"),
    ),
    "csv2ofx_converted_xero.qif": (
        "ok", {"Income": 1, "Cash": 3, "Checking": 1}, ("merchant_name", "Baisikeli", "113000.00"),
    ),
    "csv2ofx_example_investment_example.qif": (
        "refused", "investment QIF is not supported for bank import", 6,
    ),
    "csv2ofx_example_transaction_example.ofx": (
        "ok", {"123456": 1}, ("external_id", "219378", "80"),
    ),
    "csv2ofx_example_transfer_example.ofx": (
        "refused", "1 transfer confirmation(s), INTRARS", None,
    ),
    "ofxparse_account_listing_aggregation.ofx": ("refused", "account list, ACCTINFORS", None),
    "ofxparse_anzcc.ofx": (
        "ok", {"1234123412341234": 1}, ("external_id", "201705080001", "5.50"),
    ),
    "ofxparse_bank_medium.ofx": (
        "ok", {"12300 000012345678": 3},
        ("external_id", "0000123456782009040100001", "6.60"),
    ),
    "ofxparse_bank_small.ofx": (
        "refused", "this file contains no bank or credit-card statement", None,
    ),
    "ofxparse_checking.ofx": ("ok", {"1452687~7": 3}, ("external_id", "0000487", "34.51")),
    "ofxparse_error_message.ofx": (
        "refused", "the bank reported an error in this file: General Server Error", 20,
    ),
    "ofxparse_fail_nice_date_missing.ofx": (
        "refused", "a transaction has no posting date (DTPOSTED)", 33,
    ),
    "ofxparse_fail_nice_decimal_error.ofx": (
        "refused", "DTPOSTED '201120000000' is not a valid date", 36,
    ),
    "ofxparse_fail_nice_empty_balance.ofx": (
        "ok", {"192639749": 1}, ("external_id", "2000957249", "-120"),
    ),
    "ofxparse_fidelity-savings.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_fidelity.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_investment_401k.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_investment_medium.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_multiple_accounts.ofx": ("ok", {"9100": 0, "9200": 0}, None),
    "ofxparse_ofx-v102-empty-tags.ofx": (
        "ok", {"12345678": 1}, ("description", "CBA:Transfer", "-12.34"),
    ),
    "ofxparse_signon_fail.ofx": (
        "refused", "the bank reported an error in this file: Your request could not be", 11,
    ),
    "ofxparse_signon_success.ofx": (
        "refused", "this file contains no bank or credit-card statement", None,
    ),
    "ofxparse_signon_success_no_message.ofx": (
        "refused", "this file contains no bank or credit-card statement", None,
    ),
    "ofxparse_suncorp.ofx": ("ok", {"123456789": 1}, ("external_id", "1", "16.85")),
    "ofxparse_td_ameritrade.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_tiaacref.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_vanguard.ofx": ("refused", "this is an investment statement", None),
    "ofxparse_vanguard401k.ofx": ("refused", "this is an investment statement", None),
    "ofxtools_br_nubank_cc.ofx": (
        "ok", {"11111111-UUID-UUID-UUID-111111111111": 6},
        ("external_id", "11111111-UUID-427c-8fc0-111111111111", "959.00"),
    ),
    "ofxtools_invstmtrs.ofx": ("refused", "this is an investment statement", None),
    "ofxtools_profrs.ofx": (
        "refused", "the bank reported an error in this file: Signon invalid", 145,
    ),
    "ofxtools_stmtrs.ofx": ("ok", {"999988": 2}, ("external_id", "00002", "200.00")),
    "ofxtools_stmtrs_euro.ofx": ("ok", {"999988": 2}, ("external_id", "00003", "300.00")),
}

SHARED_FILES = shared_files("ofx", "*.ofx", "*.qfx", "*.qif")


@requires_shared_data
def test_shared_ofx_expectations_cover_every_file():
    assert sorted(p.name for p in SHARED_FILES) == sorted(SHARED_EXPECTED)


@requires_shared_data
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name)
def test_shared_ofx_file_outcome(path):
    outcome, detail, extra = SHARED_EXPECTED[path.name]
    data = path.read_bytes()
    if outcome == "refused":
        with pytest.raises(ImportFileError) as caught:
            parse_any(data, path.name)
        assert detail in caught.value.message
        assert (caught.value.file, caught.value.line) == (path.name, extra)
        return
    result = parse_any(data, path.name)
    if path.suffix == ".qif":
        assert dict(Counter(r.account_ref for r in result.rows)) == detail
    else:
        assert {a.account_ref: len(a.rows) for a in result.accounts} == detail
    if extra is not None:
        field, value, amount = extra
        known = next(r for r in result.rows if getattr(r, field) == value)
        assert str(known.amount) == amount
    assert all(r.description and r.line > 0 for r in result.rows)


# --- nothing but ImportFileError, whatever the bytes ---------------------------------

OFX_TOKENS = [
    "<OFX>", "</OFX>", "<STMTRS>", "</STMTRS>", "<CCSTMTRS>", "</CCSTMTRS>", "<BANKACCTFROM>",
    "</BANKACCTFROM>", "<ACCTID>1", "<BANKTRANLIST>", "</BANKTRANLIST>", "<STMTTRN>",
    "</STMTTRN>", "<DTPOSTED>20240101", "<DTPOSTED>", "<TRNAMT>-1.5", "<TRNAMT>x", "<NAME>",
    "<MEMO>m", "<![CDATA[a]]>", "<!-- c -->", "<STATUS>", "</STATUS>", "<SEVERITY>ERROR",
    "<INVSTMTRS>", "</INVSTMTRS>", "<SONRS>", "</SONRS>", "<LEDGERBAL>", "<BALAMT>1",
    "</LEDGERBAL>", "<", ">", "&amp;", "\n", "\r", " ", "text",
]
QIF_TOKENS = [
    "!Type:Bank\n", "!Type:Invst\n", "!Account\n", "!Type:Cat\n", "!Option:AutoSwitch\n",
    "^\n", "D1/2/2024\n", "D31/12'24\n", "D2024-13-01\n", "T-1,234.56\n", "T1.234,5\n", "Tx\n",
    "U3\n", "PShop\n", "MMemo\n", "L[Savings]\n", "LFood/Class\n", "SGroceries\n", "$-1\n",
    "NName\n", "TBank\n", "\r\n", " ",
]


def fixture_mutations(prefix: str):
    """A fixture cut short and/or with some bytes replaced."""
    names = [p.name for p in FIXTURE_FILES if p.name.startswith(prefix)]
    return st.tuples(
        st.sampled_from(names),
        st.floats(min_value=0, max_value=1),
        st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.binary(max_size=3)), max_size=6),
    ).map(_mutate)


def _mutate(args) -> bytes:
    # `keep` >= 0.9 (one draw in ten) keeps the whole file, so flips are also tried alone.
    name, keep, flips = args
    data = bytearray(fixture(name))
    for where, replacement in flips:
        at = int(where * (len(data) - 1))
        data[at : at + len(replacement)] = replacement
    return bytes(data[: max(1, int(keep * len(data)))] if keep < 0.9 else data)


def only_import_file_errors(parser, data: bytes) -> None:
    try:
        parser(data, filename="fuzz")
    except ImportFileError as error:
        assert error.message and error.file == "fuzz"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_parsers_raise_only_import_file_error_on_arbitrary_bytes(data):
    only_import_file_errors(parse_ofx, data)
    only_import_file_errors(parse_qif, data)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(OFX_TOKENS), max_size=60).map("".join))
def test_parse_ofx_raises_only_import_file_error_on_tag_soup(text):
    only_import_file_errors(parse_ofx, text.encode())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(QIF_TOKENS), max_size=40).map("".join))
def test_parse_qif_raises_only_import_file_error_on_field_soup(text):
    only_import_file_errors(parse_qif, text.encode())


@settings(max_examples=150, deadline=None)
@given(fixture_mutations("ofx_"))
def test_parse_ofx_raises_only_import_file_error_on_mutated_fixtures(data):
    only_import_file_errors(parse_ofx, data)


@settings(max_examples=150, deadline=None)
@given(fixture_mutations("qif_"))
def test_parse_qif_raises_only_import_file_error_on_mutated_fixtures(data):
    only_import_file_errors(parse_qif, data)


def test_fixture_mutations_really_mutate():
    # Guards the strategy above: a cut leaves a prefix, a flip changes bytes.
    original = fixture("ofx_bank_sgml.ofx")
    cut = _mutate(("ofx_bank_sgml.ofx", 0.5, []))
    flipped = _mutate(("ofx_bank_sgml.ofx", 1.0, [(0.5, b"\xff")]))
    assert original.startswith(cut) and len(cut) < len(original)
    assert len(flipped) == len(original) and b"\xff" in flipped
