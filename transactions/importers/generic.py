"""The column-mapping engine: read any bank CSV once told which column is which.

Bank presets (presets.py) and the column-mapping wizard both end here. A
preset becomes a `ColumnMapping` for the file at hand; the wizard starts from
`guess_mapping`, lets the user correct it, and saves it (`to_dict`) as a
named profile that is found again by `header_signature` when the same export
comes back. `iter_rows` applies a mapping lazily, one record at a time, so a
million-row file never exists as a list of rows.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from transactions.importers.base import ImportFileError, ImportRow
from transactions.importers.csvfile import (
    DATE_FORMATS,
    DELIMITERS,
    Sniffed,
    check_line_lengths,
    is_amount,
    lines_of,
    looks_like_formula,
    normalize_header,
    parse_amount,
    parse_date,
)

# Status words (case-insensitive) of a status column. Failed and cancelled
# transactions never moved money, so they are not imported at all.
PENDING_STATUSES = frozenset({"pending", "authorized", "authorised"})
SKIPPED_STATUSES = frozenset({"failed", "cancelled", "canceled", "declined", "denied"})
# Words of a debit/credit "type" column (Mint's "Transaction Type").
DEBIT_WORDS = frozenset({"debit", "dr"})
CREDIT_WORDS = frozenset({"credit", "cr"})

# Distinct date cells remembered while reading; a bound so a file of
# timestamps (all distinct) cannot grow the cache without limit.
_DATE_CACHE_LIMIT = 50_000

_SINGLE_ROLES = (
    "date",
    "amount",
    "debit",
    "credit",
    "direction",
    "category",
    "merchant",
    "merchant_in",
    "external_id",
    "status",
    "account",
)


def header_signature(header: Sequence[str], *, width: int = 0) -> str:
    """A stable key for a file layout: equal for the same header, whatever its case/spacing.

    Header-less files are keyed by their column count.
    """
    if any(h.strip() for h in header):
        key = "\x1f".join(normalize_header(h) for h in header)
    else:
        key = f"(no header, {width} columns)"
    return hashlib.sha1(key.encode()).hexdigest()


@dataclass
class ColumnMapping:
    """Which column plays which role, and how to read the cells.

    Column numbers are 0-based. Amounts come from exactly one of:

    * `amount`: one signed column. Ours = -file if `flip_sign` else file;
      set `flip_sign` when the file's negative numbers are expenses (most
      checking exports), leave it off when positive numbers are expenses
      (most card exports). With `direction` set, the amount's size is used
      and the direction cell (debit / credit) gives the sign instead.
    * `debit` + `credit`: debit is an expense (positive), credit is income
      (negative), whatever sign the file writes them with.

    `description` lists columns tried in order (the first non-empty wins);
    `memo` cells are appended when they add something. `merchant_in`, when
    set, names the counterparty of incoming money (Venmo's From column;
    `merchant` is then the To column). `header_row` is the record index of
    the header (records counted from 0 as `csv.reader` yields them, blank
    lines included); None for header-less files.
    """

    date: int
    description: tuple[int, ...]
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    direction: int | None = None
    memo: tuple[int, ...] = ()
    category: int | None = None
    merchant: int | None = None
    merchant_in: int | None = None
    external_id: int | None = None
    status: int | None = None
    account: int | None = None
    date_format: str = DATE_FORMATS[0]
    decimal_comma: bool = False
    flip_sign: bool = False
    header_row: int | None = 0
    delimiter: str = ","
    header_signature: str = ""

    @property
    def has_header(self) -> bool:
        return self.header_row is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (saved as a named import profile)."""
        data = asdict(self)
        data["description"] = list(self.description)
        data["memo"] = list(self.memo)
        data["has_header"] = self.has_header
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnMapping:
        """Rebuild a mapping saved by `to_dict`; ValueError when it is malformed."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if data.get("has_header") is False:
            values["header_row"] = None
        try:
            for name in ("description", "memo"):
                value = values.get(name, ())
                values[name] = (value,) if isinstance(value, int) else tuple(value)
            mapping = cls(**values)
        except TypeError as exc:
            raise ValueError(f"not a column mapping: {exc}") from None
        problems = mapping.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return mapping

    def roles(self) -> dict[str, int]:
        """Every role that is set, with its column ("description" may repeat as description_2...)."""
        found = {r: getattr(self, r) for r in _SINGLE_ROLES if getattr(self, r) is not None}
        for name in ("description", "memo"):
            for n, column in enumerate(getattr(self, name), 1):
                found[name if n == 1 else f"{name}_{n}"] = column
        return found

    def problems(self) -> list[str]:
        """What keeps this mapping from reading a file (empty when usable)."""
        problems = []
        columns = self.roles().values()
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in columns):
            problems.append("column numbers must be whole numbers from 0")
        if not self.description:
            problems.append("choose the description column")
        if (self.amount is None) == (self.debit is None and self.credit is None):
            problems.append("choose either an amount column or debit and credit columns")
        elif self.amount is None and (self.debit is None or self.credit is None):
            problems.append("choose both the debit and the credit column")
        if self.direction is not None and self.amount is None:
            problems.append("a debit/credit type column needs an amount column")
        if self.delimiter not in DELIMITERS:
            problems.append(f"the delimiter must be one of {', '.join(map(repr, DELIMITERS))}")
        if self.header_row is not None and (
            not isinstance(self.header_row, int) or self.header_row < 0
        ):
            problems.append("the header row must be a number from 0")
        # A usable format reads back the date it writes ("nonsense" would
        # parse, as 1900-01-01).
        sample = datetime.date(2024, 12, 31)
        try:
            usable = parse_date(sample.strftime(self.date_format), self.date_format) == sample
        except (ValueError, TypeError):
            usable = False
        if not usable:
            problems.append(f"{self.date_format!r} is not a usable date format")
        return problems


def iter_rows(text: str, mapping: ColumnMapping, *, filename: str) -> Iterator[ImportRow]:
    """Yield an ImportRow per transaction record of `text`, lazily.

    Records before the data (preamble, header) are passed over; records
    without any amount (blank lines, balance lines, footers) and repeated
    header lines are skipped, as are records whose status says the
    transaction failed. Everything else must read cleanly: a bad date,
    amount or formula-looking cell raises ImportFileError naming the line
    and column when the generator reaches it. Problems with the mapping
    itself, and over-long lines, are raised at once.
    """
    problems = mapping.problems()
    if problems:
        raise ImportFileError("; ".join(problems), file=filename)
    check_line_lengths(text, filename=filename)
    return _iter_rows(text, mapping, filename)


def _iter_rows(text: str, m: ColumnMapping, filename: str) -> Iterator[ImportRow]:
    # Roles are copied to locals: this loop runs once per record of files
    # with up to millions of them.
    date_col, amount_col, direction_col = m.date, m.amount, m.direction
    debit_col, credit_col, status_col = m.debit, m.credit, m.status
    description_cols, memo_cols = m.description, m.memo
    category_col, merchant_col, merchant_in_col = m.category, m.merchant, m.merchant_in
    external_id_col, account_col = m.external_id, m.account
    required = [date_col, description_cols[0], amount_col, debit_col, credit_col, direction_col]
    need = max(c for c in required if c is not None) + 1
    first = 0 if m.header_row is None else m.header_row + 1
    fmt, decimal_comma, flip = m.date_format, m.decimal_comma, m.flip_sign
    example = datetime.date(2024, 12, 31).strftime(fmt)
    header: list[str] = []
    dates: dict[str, datetime.date] = {}
    cells: list[str] = []
    line = 0

    def column(i: int) -> str | int:
        name = header[i].strip() if i < len(header) else ""
        return name or i + 1

    def fail(message: str, i: int | None = None) -> ImportFileError:
        return ImportFileError(
            message, file=filename, line=line, column=None if i is None else column(i)
        )

    def text_cell(i: int | None) -> str:
        if i is None or i >= len(cells):
            return ""
        value = " ".join(cells[i].split())  # trimmed, whitespace runs collapsed
        if value and value[0] in "=+-@" and looks_like_formula(value):
            raise fail(
                f"cell looks like a spreadsheet formula ({value[:30]!r}); "
                "refusing the file so it cannot run in a spreadsheet later",
                i,
            )
        return value

    def bad_amount(i: int) -> ImportFileError:
        return fail(f"cannot read the amount {cells[i].strip()[:40]!r}", i)

    def money(i: int) -> Decimal | None:
        try:
            return parse_amount(cells[i], decimal_comma=decimal_comma)
        except ValueError:
            raise bad_amount(i) from None

    reader = csv.reader(lines_of(text), delimiter=m.delimiter)
    index, end = -1, 0
    try:
        for cells in reader:
            index += 1
            line, end = end + 1, reader.line_num
            if index < first:
                if index == m.header_row:
                    header = cells
                continue
            if len(cells) < need:
                if _is_dated(cells, date_col, fmt):
                    raise fail(f"this row has {len(cells)} columns; the layout needs {need}")
                continue  # a short comment, footer or blank line
            if cells == header:
                continue

            if amount_col is not None:
                try:
                    amount = parse_amount(cells[amount_col], decimal_comma=decimal_comma)
                except ValueError:
                    raise bad_amount(amount_col) from None
                if amount is None:
                    continue
                if direction_col is not None:
                    word = cells[direction_col].strip().casefold()
                    if word in DEBIT_WORDS:
                        amount = abs(amount)
                    elif word in CREDIT_WORDS:
                        amount = -abs(amount)
                    else:
                        raise fail(f"expected debit or credit, found {word[:20]!r}", direction_col)
                elif flip:
                    amount = -amount
            else:
                debit, credit = money(debit_col), money(credit_col)
                if debit is None and credit is None:
                    continue
                amount = abs(debit or 0) - abs(credit or 0)

            pending = False
            if status_col is not None:
                state = text_cell(status_col).casefold()
                if state in SKIPPED_STATUSES:
                    continue
                pending = state in PENDING_STATUSES

            raw_date = cells[date_col]
            date = dates.get(raw_date)
            if date is None:
                if not raw_date.strip():
                    raise fail("this row has an amount but no date", date_col)
                try:
                    date = parse_date(raw_date, fmt)
                except ValueError:
                    raise fail(
                        f"cannot read the date {raw_date.strip()[:40]!r} (expected like {example})",
                        date_col,
                    ) from None
                if len(dates) >= _DATE_CACHE_LIMIT:
                    dates.clear()
                dates[raw_date] = date

            description = ""
            for i in description_cols:
                description = text_cell(i)
                if description:
                    break
            if memo_cols:
                memo = " ".join(filter(None, map(text_cell, memo_cols)))
                description = _with_memo(description, memo)
            if merchant_in_col is not None and amount < 0:
                merchant = text_cell(merchant_in_col)
            else:
                merchant = text_cell(merchant_col) if merchant_col is not None else ""
            # Positional: ImportRow is a frozen dataclass, and keyword calls
            # cost noticeably more per row.
            yield ImportRow(
                date,
                description or merchant,
                amount,
                text_cell(external_id_col).strip("'") if external_id_col is not None else "",
                merchant,
                pending,
                text_cell(category_col) if category_col is not None else "",
                line,
                text_cell(account_col) if account_col is not None else "",
            )
    except csv.Error as exc:
        raise ImportFileError(
            f"cannot read this line as CSV ({exc}); is a quote left open?",
            file=filename,
            line=end + 1,
        ) from None


def _is_dated(cells: Sequence[str], column: int, fmt: str) -> bool:
    """Whether a record's date cell holds a date (i.e. it is a transaction)."""
    if column >= len(cells) or not cells[column].strip():
        return False
    try:
        parse_date(cells[column], fmt)
    except ValueError:
        return False
    return True


def _with_memo(description: str, memo: str) -> str:
    """Description plus memo, unless one already contains the other."""
    if not memo:
        return description
    if not description:
        return memo
    d, m = description.casefold(), memo.casefold()
    if m in d:
        return description
    if d in m:
        return memo
    return f"{description} - {memo}"


# --- the wizard's first guess ------------------------------------------------

_DATE_NAMES = (
    "transaction date", "trans. date", "trans date", "date", "posting date", "posted date",
    "post date", "booking date", "buchungstag", "datum", "date (utc)", "value date",
    "created", "datetime",
)
_AMOUNT_NAMES = (
    "amount", "transaction amount", "amount (eur)", "amount (usd)", "betrag", "betrag (eur)",
    "montant", "amount (total)", "net", "value",
)
_DEBIT_NAMES = (
    "debit", "withdrawal", "withdrawals", "outflow", "money out", "paid out", "debit amount",
    "débit", "soll",
)
_CREDIT_NAMES = (
    "credit", "deposit", "deposits", "inflow", "money in", "paid in", "credit amount",
    "crédit", "haben",
)
_DESCRIPTION_NAMES = (
    "description", "transaction description", "payee", "name", "details", "merchant name",
    "merchant", "narrative", "particulars", "empfänger", "auftraggeber/empfänger",
    "buchungstext", "libellé", "text", "memo", "verwendungszweck", "note",
)
_MEMO_NAMES = (
    "memo", "notes", "note", "comments", "payment reference", "verwendungszweck",
)
_CATEGORY_NAMES = ("category", "kategorie", "catégorie")
_EXTERNAL_ID_NAMES = (
    "transaction id", "id", "reference number", "transaction reference", "reference",
    "n° de transaction",
)
_STATUS_NAMES = ("status", "state")
_ACCOUNT_NAMES = ("account name", "account")
_DIRECTION_NAMES = ("transaction type", "type", "debit/credit", "credit/debit", "cr/dr", "dr/cr")


def guess_mapping(sniffed: Sniffed) -> ColumnMapping:
    """Propose roles for the column-mapping wizard from header names and contents.

    The result may still have `problems()` (say, no amount column found);
    the wizard shows it for the user to complete.
    """
    names = [normalize_header(h) for h in sniffed.header]
    taken: set[int] = set()

    def by_name(candidates: Sequence[str]) -> int | None:
        for candidate in candidates:
            for i, name in enumerate(names):
                if name == candidate and i not in taken:
                    taken.add(i)
                    return i
        return None

    date = by_name(_DATE_NAMES)
    if date is None:
        date = sniffed.date_column if sniffed.date_column is not None else 0
        taken.add(date)
    amount = by_name(_AMOUNT_NAMES)
    debit = credit = direction = None
    if amount is None:
        debit, credit = by_name(_DEBIT_NAMES), by_name(_CREDIT_NAMES)
    else:
        direction = _direction_column(sniffed, names, taken)
    if amount is None and (debit is None or credit is None):
        amount, debit, credit = _amount_by_content(sniffed, taken), None, None
    description = by_name(_DESCRIPTION_NAMES)
    if description is None:
        description = _text_column_by_content(sniffed, taken)
    memo = by_name(_MEMO_NAMES)
    formats = sniffed.date_formats.get(date, ())
    return ColumnMapping(
        date=date,
        description=() if description is None else (description,),
        amount=amount,
        debit=debit,
        credit=credit,
        direction=direction,
        memo=() if memo is None else (memo,),
        category=by_name(_CATEGORY_NAMES),
        external_id=by_name(_EXTERNAL_ID_NAMES),
        status=by_name(_STATUS_NAMES),
        account=by_name(_ACCOUNT_NAMES),
        date_format=formats[0] if formats else DATE_FORMATS[0],
        decimal_comma=sniffed.decimal_comma,
        # Negative = money out is the commonest convention of single-column
        # exports; the wizard's preview lets the user flip it.
        flip_sign=amount is not None and direction is None,
        header_row=sniffed.header_row,
        delimiter=sniffed.delimiter,
        header_signature=header_signature(sniffed.header, width=sniffed.width),
    )


def _direction_column(sniffed: Sniffed, names: Sequence[str], taken: set[int]) -> int | None:
    """A type column whose preview values are all debit/credit words, if any."""
    words = DEBIT_WORDS | CREDIT_WORDS
    for candidate in _DIRECTION_NAMES:
        for i, name in enumerate(names):
            values = {r[i].casefold() for r in sniffed.rows if i < len(r) and r[i]}
            if name == candidate and i not in taken and values and values <= words:
                taken.add(i)
                return i
    return None


def _amount_by_content(sniffed: Sniffed, taken: set[int]) -> int | None:
    """The first free column whose preview cells are all amounts."""
    for i in range(sniffed.width):
        values = [r[i] for r in sniffed.rows if i < len(r) and r[i]]
        if i not in taken and values and all(is_amount(v) for v in values):
            taken.add(i)
            return i
    return None


def _text_column_by_content(sniffed: Sniffed, taken: set[int]) -> int | None:
    """The free column with the longest text on average (descriptions are wordy)."""
    best, best_length = None, 0.0
    for i in range(sniffed.width):
        values = [r[i] for r in sniffed.rows if i < len(r) and r[i]]
        if i in taken or not values or all(is_amount(v) for v in values):
            continue
        length = sum(map(len, values)) / len(sniffed.rows)
        if length > best_length:
            best, best_length = i, length
    if best is not None:
        taken.add(best)
    return best
