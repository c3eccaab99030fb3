"""QIF (Quicken Interchange Format) bank files -> plain `ImportRow`s.

QIF is a line format: a `!Type:` header starts a section, each following
line is a one-letter field code and its value, and `^` ends a record. Files
from Quicken and converters may also hold `!Account` blocks (N name, T type)
naming the account whose transactions follow; rows then carry that name as
`account_ref`.

Decisions, since QIF has no spec worth the name:

* Amounts: T (or U, its newer twin) is from the account's side, negative =
  money out, so `amount = -T`. "1,234.56" and the European "1.234,56" /
  "12,34" (a comma followed by 1-2 digits) are both read.
* Dates carry no declared order. Every D/M versus M/D date of the file is
  looked at: a first part above 12 makes the whole file day-first, a second
  part above 12 month-first, both is an error, neither means month-first
  (Quicken's US default). `'` before the year (`1/ 5'24`) is Quicken's mark
  for 2000-2099; other two-digit years follow strptime's %y (69-99 -> 19xx).
  Spaces inside dates are ignored. YYYY-MM-DD is always year-month-day.
* A split transaction stays ONE row with the total T amount; its category
  is the main L when that names a category, else the first split's S.
* Categories: `Parent:Child` is kept as written, a `/Class` suffix is
  dropped, and a transfer to another account (`[Savings]`) becomes
  "Transfers", the app's category for money moving between own accounts.
* Description: payee P, plus memo M when it adds something (the same rule
  as OFX's NAME/MEMO, see `describe`); merchant_name = P.
* C (cleared/reconciled) is ignored: uncleared is not the same as pending.
* QIF has no transaction ids: external_id stays empty (dedupe fingerprints).
* Investment sections (`!Type:Invst`) are refused when they are all there
  is, else skipped and reported in `QifFile.skipped`, as are sections of an
  unknown type. List sections (categories, classes, memorized transactions,
  securities, prices) are skipped silently; `!Option:`/`!Clear:` lines
  (Quicken's import switches) are ignored.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from transactions.importers.base import ImportFileError, ImportRow
from transactions.importers.ofx import decode_text, describe, excerpt

__all__ = ["TRANSFERS", "QifFile", "parse_qif"]

TRANSFERS = "Transfers"

_BANK_TYPES = ("bank", "ccard", "cash", "oth a", "oth l")
_INVESTMENT = "invst"
_LIST_TYPES = ("cat", "class", "memorized", "security", "prices")
_ACCOUNT = "account"

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_PARTS_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})(['/.-])(\d{1,2}|\d{4})")
_US_AMOUNT = re.compile(r"[+-]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d{0,15})(?:\.\d{0,10})?")
_EU_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d{1,15}),\d{1,2}")


@dataclass(slots=True)
class QifFile:
    """The bank-type transactions of a QIF file, in file order.

    `account_type` is the first transaction section's type ("bank", "ccard",
    "cash", "oth a" or "oth l"); `accounts` maps each `!Account` name to its
    type as written, lower-cased ({} when the file names no account);
    `skipped` holds one sentence per part of the file that was not imported.
    """

    rows: list[ImportRow]
    account_type: str
    accounts: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Record:
    """The fields of one record, between two `^` lines."""

    section: str
    account: str
    fields: list[tuple[int, str, str]]  # (line, code, value)

    @property
    def line(self) -> int:
        return self.fields[0][0]

    def first(self, *codes: str) -> tuple[int, str] | None:
        """(line, value) of the first field with one of `codes`, in that preference."""
        for code in codes:
            for line, field_code, value in self.fields:
                if field_code == code:
                    return line, value
        return None

    def text(self, code: str) -> str:
        found = self.first(code)
        return "" if found is None else " ".join(found[1].split())


def parse_qif(data: bytes, *, filename: str) -> QifFile:
    """Read a bank, cash or credit-card QIF file; raise ImportFileError if it can't be imported."""
    sections, records, accounts = _read(decode_text(data, filename, kind="a QIF"), filename)
    bank = [record for record in records if record.section in _BANK_TYPES]
    investments = [record for record in records if record.section == _INVESTMENT]
    bank_sections = [section for section in sections if section in _BANK_TYPES]
    if not bank_sections:
        if investments:
            raise ImportFileError(
                "investment QIF is not supported for bank import",
                file=filename,
                line=investments[0].line,
            )
        raise ImportFileError(
            "this QIF file contains no bank, cash or credit-card transactions", file=filename
        )
    skipped = []
    if investments:
        names = ", ".join(sorted({r.account or "(unnamed)" for r in investments}))
        skipped.append(
            f"skipped {len(investments)} investment transaction(s) (account {names}): "
            "investment QIF is not supported for bank import"
        )
    for section in sorted({r.section for r in records} - {*_BANK_TYPES, _INVESTMENT}):
        count = sum(1 for r in records if r.section == section)
        skipped.append(f"skipped {count} record(s) of an unknown section ({section!r})")
    day_first = _day_first(bank, filename)
    return QifFile(
        rows=[_row(record, day_first, filename) for record in bank],
        account_type=bank_sections[0],
        accounts=accounts,
        skipped=skipped,
    )


def _read(text: str, filename: str) -> tuple[list[str], list[_Record], dict[str, str]]:
    """Section types in file order, transaction records, and `!Account` names -> types."""
    sections: list[str] = []
    records: list[_Record] = []
    accounts: dict[str, str] = {}
    section, account = "", ""
    fields: list[tuple[int, str, str]] = []

    def end_record() -> None:
        nonlocal account
        if not fields:
            return
        record = _Record(section, account, fields.copy())
        fields.clear()
        if section == _ACCOUNT:
            # An account block names the account whose transactions follow.
            account = record.text("N")
            accounts[account] = record.text("T").lower()
        elif section not in _LIST_TYPES:
            records.append(record)

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("!", "^")):
            end_record()
            if line.startswith("!") and (header := _header(line)) is not None:
                section = header
                sections.append(section)
            continue
        if not section:
            raise ImportFileError(
                "this is not a QIF file: it should start with a '!Type:' or '!Account' line",
                file=filename,
                line=number,
            )
        fields.append((number, line[0], line[1:].strip()))
    end_record()  # the last record's ^ is often missing
    return sections, records, accounts


def _header(line: str) -> str | None:
    """The section a `!` line starts ("bank", "account", ...), None for a switch."""
    name = " ".join(line[1:].split()).lower()
    if name.startswith(("option:", "clear:")):
        return None
    kind, _, value = name.partition(":")
    return value.strip() if kind == "type" else name


def _day_first(records: list[_Record], filename: str) -> bool:
    """Whether the file's D/M-or-M/D dates are day-first (see the module docstring)."""
    day_first_at = month_first_at = None
    for record in records:
        found = record.first("D")
        if found is None or not (match := _PARTS_DATE.fullmatch("".join(found[1].split()))):
            continue
        first, second = int(match.group(1)), int(match.group(2))
        # Both parts above 12 is no evidence either way, just a bad date.
        if first > 12 >= second and day_first_at is None:
            day_first_at = found[0]
        if second > 12 >= first and month_first_at is None:
            month_first_at = found[0]
    if day_first_at is not None and month_first_at is not None:
        raise ImportFileError(
            f"the dates mix day-first (line {day_first_at}) and month-first (line {month_first_at}) order",
            file=filename,
            line=month_first_at,
        )
    return day_first_at is not None


def _row(record: _Record, day_first: bool, filename: str) -> ImportRow:
    found = record.first("D")
    if found is None:
        raise ImportFileError("this transaction has no date (D line)", file=filename, line=record.line)
    date = _date(*found, day_first=day_first, filename=filename)
    found = record.first("T", "U")
    if found is None:
        raise ImportFileError("this transaction has no amount (T line)", file=filename, line=record.line)
    amount = _amount(*found, filename=filename)
    payee = record.text("P")
    splits = (_category(value) for _, code, value in record.fields if code == "S")
    return ImportRow(
        date=date,
        description=describe(payee, record.text("M")) or record.text("N") or "(no description)",
        # QIF amounts are from the account's side (money out is negative);
        # ImportRow wants money out positive. 0 - x avoids a "-0".
        amount=Decimal(0) - amount,
        merchant_name=payee,
        category_name=_category(record.text("L")) or next((c for c in splits if c), ""),
        line=record.line,
        account_ref=record.account,
    )


def _date(line: int, value: str, *, day_first: bool, filename: str) -> datetime.date:
    squeezed = "".join(value.split())
    if match := _ISO_DATE.fullmatch(squeezed):
        year, month, day = (int(part) for part in match.groups())
    elif match := _PARTS_DATE.fullmatch(squeezed):
        first, second, separator, year_text = match.groups()
        month, day = (int(second), int(first)) if day_first else (int(first), int(second))
        year = int(year_text)
        if len(year_text) <= 2:
            year += 2000 if separator == "'" or year < 69 else 1900
    else:
        raise ImportFileError(
            f"the date {excerpt(value)} is not in a format this importer understands "
            "(e.g. 12/31/2024, 31/12/2024, 12/31'24 or 2024-12-31)",
            file=filename,
            line=line,
        )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ImportFileError(f"the date {excerpt(value)} does not exist", file=filename, line=line) from None


def _amount(line: int, value: str, *, filename: str) -> Decimal:
    if _US_AMOUNT.fullmatch(value):
        return Decimal(value.replace(",", ""))
    if _EU_AMOUNT.fullmatch(value):
        return Decimal(value.replace(".", "").replace(",", "."))
    raise ImportFileError(f"the amount {excerpt(value)} is not a valid number", file=filename, line=line)


def _category(value: str) -> str:
    """A QIF L/S value as a category name (see the module docstring)."""
    value = " ".join(value.split())
    if value.startswith("[") and "]" in value:
        return TRANSFERS
    name = value.split("/", 1)[0].strip()
    return "" if name == "--Split--" else name
