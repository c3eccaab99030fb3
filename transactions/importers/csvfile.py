"""Reading bank CSV exports: bytes to text, and a first look at the layout.

Banks disagree on everything a CSV file can vary: encoding (UTF-8, UTF-16,
cp1252, cp1250), delimiter, preamble lines before the header, no header at
all, date order, decimal commas, currency signs in amounts. This module
turns the bytes into text and works out those facts (`sniff`) so that the
preset and column-mapping code can read rows without guessing again. It
also holds the per-cell parsers (`parse_amount`, `parse_date`) that every
layout shares. Nothing here knows about particular banks.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

import charset_normalizer

from transactions.importers.base import ImportFileError

# A bank export never has a line this long; refusing early keeps a hostile or
# mistaken upload (a database dump, a minified file) from using memory.
MAX_LINE_CHARS = 1024 * 1024
# The csv module's own cap is per cell and defaults to 128 KB; cells may be as
# long as a line may be. The limit is process-wide, so only ever raise it.
if csv.field_size_limit() < MAX_LINE_CHARS:
    csv.field_size_limit(MAX_LINE_CHARS)

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_LINES = 200  # lines read to find the header and the date format
DELIMITER_LINES = 50  # lines used to compare delimiters
PREVIEW_ROWS = 20

# Candidate date formats, most likely first: where a cell parses under several
# (03/04/2024), the earlier one wins unless a preset prefers another.
DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y-%m-%d",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d-%m-%Y",
    "%Y.%m.%d",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199

# Legacy single-byte encodings bank exports actually use.
LEGACY_ENCODINGS = ["cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_FALLBACK_ERRORS = "budget-app-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode a byte that is not valid UTF-8 as cp1252 (latin-1 where cp1252 has a hole)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    try:
        return bad.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), exc.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)

# Control characters other than tab, newlines and form feeds do not occur in
# text exports; more than a few of them means the bytes are not text.
_CONTROL = frozenset(chr(c) for c in [*range(0, 9), *range(14, 32), 127])


def decode(data: bytes, *, filename: str) -> str:
    """Return the text of an uploaded file, whatever its encoding.

    Order: a byte-order mark decides; else strict UTF-8; else, when the file
    is mostly UTF-8 with stray legacy bytes (an export edited in a Windows
    tool), UTF-8 with those bytes read as cp1252; else charset-normalizer's
    best single-byte guess. Binary and empty files raise ImportFileError.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text = body.decode(codec, _FALLBACK_ERRORS if codec == "utf-8" else "strict")
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"the file starts with a {codec.upper()} marker but is not valid {codec.upper()}",
                    file=filename,
                ) from None
            return _checked_text(text, filename)
    if not data.strip():
        raise ImportFileError("the file is empty", file=filename)
    if b"\x00" in data:
        raise _binary(filename)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_not_utf8(data, filename)
    return _checked_text(text, filename)


def _decode_not_utf8(data: bytes, filename: str) -> str:
    if not data.decode("utf-8", "ignore").isascii():
        # Valid multi-byte UTF-8 sequences are present, so the file is UTF-8
        # with a few foreign bytes; a whole-file legacy guess would garble
        # every correct character to fix a handful of wrong ones.
        return data.decode("utf-8", _FALLBACK_ERRORS)
    ranked = list(charset_normalizer.from_bytes(data, cp_isolation=LEGACY_ENCODINGS))
    if not ranked:
        raise _binary(filename)
    # On short files charset-normalizer often cannot tell cp1252 from cp1250
    # (it reads Polish "Żabka" as "¯abka", French "à" as "ŕ"). Bank text is
    # words, so prefer the encoding under which the non-ASCII bytes decode to
    # letters, then charset-normalizer's own measures, then our preference.
    high_bytes = Counter(data.translate(None, bytes(range(128))))

    def non_letters(encoding: str) -> int:
        return sum(
            count
            for byte, count in high_bytes.items()
            if not bytes([byte]).decode(encoding, "replace").isalpha()
        )

    best = min(
        ranked,
        key=lambda m: (
            non_letters(m.encoding),
            m.chaos,
            -m.coherence,
            LEGACY_ENCODINGS.index(m.encoding) if m.encoding in LEGACY_ENCODINGS else 99,
        ),
    )
    return data.decode(best.encoding)


def _checked_text(text: str, filename: str) -> str:
    if not text.strip():
        raise ImportFileError("the file is empty", file=filename)
    head = text[:10_000]
    if sum(ch in _CONTROL for ch in head) > max(2, len(head) // 100):
        raise _binary(filename)
    return text


def _binary(filename: str) -> ImportFileError:
    return ImportFileError(
        "this is not a text file (binary content); export the statement as CSV",
        file=filename,
    )


def check_line_lengths(text: str, *, filename: str) -> None:
    """Refuse text with a line longer than MAX_LINE_CHARS, naming the line.

    Rather than measuring every line, look for a line break in each block of
    half the limit: a line over the limit must span a block without one, so a
    million-row file costs a few hundred `find` calls.
    """
    block = MAX_LINE_CHARS // 2
    for start in range(0, len(text), block):
        end = start + block
        if text.find("\n", start, end) >= 0 or text.find("\r", start, end) >= 0:
            continue
        first = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
        breaks = [i for i in (text.find("\n", end), text.find("\r", end)) if i >= 0]
        last = min(breaks, default=len(text))
        if last - first > MAX_LINE_CHARS:
            number = _line_number(text, first)
            raise ImportFileError(
                f"line {number} is longer than 1 MB; this does not look like a bank export",
                file=filename,
                line=number,
            )


def _line_number(text: str, offset: int) -> int:
    """1-based number of the line starting at `offset` (\n, \r and \r\n all end lines)."""
    return (
        text.count("\n", 0, offset)
        + text.count("\r", 0, offset)
        - text.count("\r\n", 0, offset)
        + 1
    )


def lines_of(text: str) -> Iterator[str]:
    """The lines of `text`, endings kept, for the csv module (any line ending).

    StringIO with newline="" splits on \n, \r and \r\n and leaves the
    endings in place, as the csv module needs for quoted multi-line cells;
    but it copies its text (four bytes a character), so a large file is fed
    to it a megabyte at a time, cut at line breaks.
    """
    size = len(text)
    start = 0
    while start < size:
        end = start + MAX_LINE_CHARS
        if end >= size:
            cut = size
        else:
            breaks = [i for i in (text.find("\n", end), text.find("\r", end)) if i >= 0]
            cut = min(breaks, default=size - 1) + 1
            if text[cut - 1] == "\r" and text[cut : cut + 1] == "\n":
                cut += 1
        yield from io.StringIO(text[start:cut], newline="")
        start = cut


def normalize_header(name: str) -> str:
    """Header name as presets compare it: case-folded, trimmed, single-spaced.

    Exports decorate names with stray quotes, backticks, BOMs and leading
    spaces (PayPal's ' Time', Venmo's ' ID'); none of that is meaningful.
    """
    return " ".join(name.strip(" \t\r\n\ufeff`'\"").split()).casefold()


def looks_like_formula(cell: str) -> bool:
    """True for text a spreadsheet would run as a formula (CSV injection).

    `=` followed by anything, or `+ - @` followed by a letter or `(`, or any
    of them starting a DDE call (`cmd|...`). Plain signed numbers such as
    -12.34 and text like '- SWEEP ACCOUNT' are not formulas.
    """
    if len(cell) < 2 or cell[0] not in "=+-@":
        return False
    if cell[0] == "=":
        return cell[1] not in "= "
    return cell[1].isalpha() or cell[1] == "(" or "|" in cell


# --- amounts -----------------------------------------------------------------

_AMOUNT_DROP = str.maketrans(
    dict.fromkeys("$£€¥₹ \xa0\u202f\u2009'’") | {"\u2212": "-"}
)


def parse_amount(text: str, *, decimal_comma: bool) -> Decimal | None:
    """Parse a money cell into a Decimal exactly as written; None when empty.

    Handles currency signs and codes ("$1,234.56", "USD 12.00", "€ 12,00"),
    leading or trailing signs ("+12.00", "12.00-", "- $220.00"), accounting
    parentheses ("(12.34)"), and thousands separators (",", ".", spaces,
    Swiss apostrophes). When a single separator could be either
    ("1,234" / "1.234") `decimal_comma` decides; otherwise the layout of the
    number does ("12,34" is always 12.34). The value keeps the places it was
    written with: quantizing is the caller's business. Anything else raises
    ValueError for the caller to locate.
    """
    s = text.strip()
    if not s:
        return None
    # Fast paths, for the plain "-12.34" most exports use and for US dollar
    # formatting ("-$7,971.39"); this runs once per row.
    if s.isascii():
        body = s[1:] if s[0] == "-" else s
        whole, dot, frac = body.partition(".")
        if whole.isdigit() and (not dot or (frac.isdigit() and not (decimal_comma and len(frac) == 3))):
            return Decimal(s)
        if not decimal_comma and (us := _US_AMOUNT.fullmatch(s)) and not (us[1] and us[2]):
            value = Decimal(us[3].replace(",", "") + (us[4] or ""))
            return -value if "-" in (us[1], us[2]) else value
    return _parse_amount_slow(s, decimal_comma)


_US_AMOUNT = re.compile(r"([-+]?) ?\$? ?([-+]?)([1-9]\d{0,2}(?:,\d{3})+|\d+)(\.\d+)?")


def _parse_amount_slow(s: str, decimal_comma: bool) -> Decimal:
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-"):
        if negative:
            raise ValueError(f"not an amount: {s!r}")
        negative, s = True, s[:-1].rstrip()
    # ISO currency code before or after the number, set apart by a space
    # ("USD 12.00", "12,00 EUR"); "VWZ1" is a name, not an amount.
    if len(s) > 4 and s[3].isspace() and _is_currency_code(s[:3]):
        s = s[4:].lstrip()
    if len(s) > 4 and s[-4].isspace() and _is_currency_code(s[-3:]):
        s = s[:-4].rstrip()
    s = s.translate(_AMOUNT_DROP)
    if s[:1] in ("-", "+"):
        if negative:
            raise ValueError(f"not an amount: {_shown(s)}")
        negative, s = s[0] == "-", s[1:]
    if not s or not s.isascii():
        raise ValueError(f"not an amount: {_shown(s)}")
    whole, frac = _split_decimal(s, decimal_comma)
    if not (whole.isdigit() or (not whole and frac)) or (frac and not frac.isdigit()):
        raise ValueError(f"not an amount: {_shown(s)}")
    value = Decimal(f"{whole or '0'}.{frac}" if frac else whole)
    return -value if negative else value


def _is_currency_code(s: str) -> bool:
    return s.isascii() and s.isalpha() and s.isupper()


def _shown(s: str) -> str:
    return repr(s[:40])


def _split_decimal(s: str, decimal_comma: bool) -> tuple[str, str]:
    """Split digits-with-separators into (whole digits, fraction digits)."""
    comma, dot = s.rfind(","), s.rfind(".")
    if comma < 0 and dot < 0:
        return s, ""
    if comma >= 0 and dot >= 0:
        decimal, thousands = (",", ".") if comma > dot else (".", ",")
    else:
        sep = "," if comma >= 0 else "."
        other = "." if sep == "," else ","
        head, _, tail = s.rpartition(sep)
        if s.count(sep) > 1:
            decimal, thousands = other, sep
        elif len(tail) == 3 and head not in ("", "0"):
            # "1,234" / "1.234": thousands unless the file's convention says
            # this separator is the decimal one.
            is_decimal = (sep == ",") == decimal_comma
            decimal, thousands = (sep, other) if is_decimal else (other, sep)
        else:
            decimal, thousands = sep, other
    whole, _, frac = s.partition(decimal)
    if decimal in frac:
        raise ValueError(f"not an amount: {_shown(s)}")
    if thousands in whole:
        groups = whole.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise ValueError(f"not an amount: {_shown(s)}")
        whole = "".join(groups)
    if thousands in frac:
        raise ValueError(f"not an amount: {_shown(s)}")
    return whole, frac


def is_amount(cell: str) -> bool:
    """True when `cell` is a non-empty amount under either decimal convention."""
    try:
        return parse_amount(cell, decimal_comma=False) is not None
    except ValueError:
        return False


# --- dates -------------------------------------------------------------------


def parse_date(text: str, fmt: str) -> datetime.date:
    """Parse a date cell with a strptime format; ValueError when it does not fit.

    For numeric formats a trailing time is ignored ("2017-04-25T03:15:53",
    "2018-02-25 12:34:56 +0000", "01/10/2019 06:50 PM"): statements carry
    dates, and the time only breaks the match.
    """
    s = text.strip()
    if " " not in fmt and "%b" not in fmt and "%B" not in fmt:
        for sep in (" ", "T"):
            head, found, tail = s.partition(sep)
            if found and tail[:1].isdigit():
                s = head
                break
    value = datetime.datetime.strptime(s, fmt).date()
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"implausible year {value.year}")
    return value


def date_formats_for(cells: Iterable[str]) -> tuple[str, ...]:
    """The candidate formats (in preference order) under which every cell parses."""
    distinct = {c.strip() for c in cells if c.strip()}
    if not distinct:
        return ()
    found = []
    for fmt in DATE_FORMATS:
        try:
            for cell in distinct:
                parse_date(cell, fmt)
        except ValueError:
            continue
        found.append(fmt)
    return tuple(found)


# Cheap shape test used while sniffing; the strptime check follows.
_DATE_SHAPE = re.compile(
    r"(\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{2,4}"
    r"|[A-Za-z]{3,9}\.? \d{1,2}, \d{4})([ T]\d.*)?"
)


def is_date(cell: str) -> bool:
    """True when `cell` parses under some candidate date format."""
    s = cell.strip()
    return bool(_DATE_SHAPE.fullmatch(s)) and bool(date_formats_for([s]))


# --- sniffing ----------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    """What a first look at a file found; presets and the wizard start here.

    Row indexes count CSV records from 0, blank lines included, the same
    way `csv.reader` yields them, so `header_row` can be handed to the row
    reader unchanged.
    """

    delimiter: str
    header_row: int | None  # record index of the header; None for header-less files
    header_line: int  # 1-based physical line of the header (0 when none)
    header: list[str]  # header names as written (trimmed); [] when none
    rows: list[list[str]]  # first data rows, trimmed, for previews and shape checks
    width: int  # usual number of columns of a data row
    date_formats: dict[int, tuple[str, ...]] = field(default_factory=dict)
    decimal_comma: bool = False

    @property
    def has_header(self) -> bool:
        return self.header_row is not None

    @property
    def date_column(self) -> int | None:
        """The first column holding dates, if any."""
        return min(self.date_formats, default=None)

    @property
    def date_format(self) -> str | None:
        """Preferred format of the first date column."""
        column = self.date_column
        return None if column is None else self.date_formats[column][0]


def sniff(text: str, *, filename: str) -> Sniffed:
    """Work out delimiter, header, date formats and decimal style of `text`."""
    check_line_lengths(text, filename=filename)
    lines = list(islice(lines_of(text), SAMPLE_LINES))
    delimiter = _pick_delimiter(lines[:DELIMITER_LINES])
    records, ends = _read_records(lines, delimiter)
    first_data = next((i for i, r in enumerate(records) if _looks_like_data(r)), None)
    header_row = _find_header(records, first_data)
    start = 0 if header_row is None else header_row + 1
    data = [r for r in records[start:] if any(r)]
    widths = Counter(len(r) for r in data)
    header = records[header_row] if header_row is not None else []
    width = widths.most_common(1)[0][0] if widths else len(header)
    header_line = 0
    if header_row is not None:
        header_line = ends[header_row - 1] + 1 if header_row else 1
    return Sniffed(
        delimiter=delimiter,
        header_row=header_row,
        header_line=header_line,
        header=header,
        rows=data[:PREVIEW_ROWS],
        width=width,
        date_formats=_column_date_formats(data, width),
        decimal_comma=_uses_decimal_comma(data),
    )


def _pick_delimiter(lines: Sequence[str]) -> str:
    """The delimiter giving the most records of one consistent width (>= 2)."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        records, _ = _read_records(lines, delimiter)
        widths = Counter(len(r) for r in records if len(r) >= 2)
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda wc: (wc[1], wc[0]))
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def _read_records(lines: Sequence[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    """Parse sample lines into trimmed records and the line each record ends on."""
    reader = csv.reader(lines, delimiter=delimiter)
    records: list[list[str]] = []
    ends: list[int] = []
    try:
        for record in reader:
            records.append([c.strip() for c in record])
            ends.append(reader.line_num)
    except csv.Error:
        pass  # a broken record ends the sample; reading rows reports it with its line
    return records, ends


def _looks_like_data(record: Sequence[str]) -> bool:
    dates = [i for i, c in enumerate(record) if c and is_date(c)]
    return bool(dates) and any(
        c and i not in dates and is_amount(c) for i, c in enumerate(record)
    )


def _looks_like_header(record: Sequence[str]) -> bool:
    filled = [c for c in record if c]
    if len(filled) < 2 or any(is_date(c) for c in filled):
        return False
    return sum(is_amount(c) for c in filled) * 3 <= len(filled)


def _find_header(records: Sequence[Sequence[str]], first_data: int | None) -> int | None:
    """The header is the last substantial record before the first data record.

    Preamble and summary lines (Bank of America's "Description,,Summary
    Amt." block) come before it and are skipped. Between it and the data,
    blank or single-cell records (Venmo's opening-balance line) and dated
    records whose amount did not read (a malformed first transaction, which
    the row reader reports) are passed over. A file whose first record is
    already data has no header.
    """
    if first_data is None:
        for i, record in enumerate(records):
            if any(record):
                return i if _looks_like_header(record) else None
        return None
    for i in range(first_data - 1, -1, -1):
        record = records[i]
        if sum(1 for c in record if c) < 2 or any(c and is_date(c) for c in record):
            continue
        similar = abs(len(record) - len(records[first_data])) <= 2
        return i if similar and _looks_like_header(record) else None
    return None


def _column_date_formats(data: Sequence[Sequence[str]], width: int) -> dict[int, tuple[str, ...]]:
    """For each column that mostly holds dates, the formats all its dates fit."""
    found = {}
    for column in range(width):
        cells = [r[column] for r in data if column < len(r) and r[column]]
        dated = [c for c in cells if _DATE_SHAPE.fullmatch(c)]
        if dated and len(dated) * 2 >= len(cells):
            formats = date_formats_for(dated)
            if formats:
                found[column] = formats
    return found


def _uses_decimal_comma(data: Sequence[Sequence[str]]) -> bool:
    """Whether the amounts are written 12,34 rather than 12.34 (majority vote)."""
    votes = Counter()
    for record in data:
        for cell in record:
            if not cell or not any(ch.isdigit() for ch in cell) or _DATE_SHAPE.fullmatch(cell):
                continue
            if not is_amount(cell):
                continue
            comma, dot = cell.rfind(","), cell.rfind(".")
            last = max(comma, dot)
            if last < 0:
                continue
            digits_after = len(cell[last + 1 :].rstrip(" -)€$£"))
            if comma >= 0 and dot >= 0 or digits_after != 3:
                votes[comma > dot] += 1
    return votes[True] > votes[False]
