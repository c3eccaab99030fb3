"""Bank presets: the CSV layouts we know, recognised without asking the user.

A preset names the columns of one bank's (or app's) export and its sign
convention, and becomes a `ColumnMapping` for the file at hand; the generic
engine in generic.py then reads the rows. `parse` is the entry point for an
uploaded CSV file: it decodes, sniffs, picks the preset (or applies a saved
column mapping) and returns a `ParsedFile` whose rows are read lazily.

Layouts are recognised by header names (case, spacing and order do not
matter; the preset with the most matching names wins) or, for header-less
exports, by the shape of the rows. Investment-account exports are
recognised too, so they can be refused with a reason rather than imported
as spending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from transactions.importers.base import ImportFileError, ImportRow
from transactions.importers.csvfile import (
    Sniffed,
    decode,
    is_amount,
    normalize_header,
    sniff,
)
from transactions.importers.generic import (
    CREDIT_WORDS,
    DEBIT_WORDS,
    ColumnMapping,
    header_signature,
    iter_rows,
)

Column = str | int  # a header name, or a 0-based position for header-less layouts

US_DATES = ("%m/%d/%Y", "%m/%d/%y")


@dataclass(frozen=True)
class Preset:
    """One known export layout.

    Column roles mean what they mean in `ColumnMapping`; the first
    description column and the date/amount columns are required, the other
    roles are used when the file has them. `signature` lists further header
    names that must be present for the layout to be recognised; `exact`
    demands the header be exactly the required names (for layouts as bare
    as Amex's Date, Description, Amount). `shape` recognises header-less
    layouts. `categories` says whose categories the category column holds:
    "user" for budgeting-app exports (the user's own, worth keeping) or
    "bank" for a bank's automatic labels (a layout without a category column
    reports ""). A preset with `refuse` set
    recognises a file only to refuse it with that reason.
    """

    name: str
    label: str
    date: Column = ""
    description: tuple[Column, ...] = ()
    amount: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    direction: Column | None = None
    memo: tuple[Column, ...] = ()
    category: Column | None = None
    merchant: Column | None = None
    merchant_in: Column | None = None
    external_id: Column | None = None
    status: Column | None = None
    account: Column | None = None
    signature: tuple[str, ...] = ()
    exact: bool = False
    shape: Callable[[Sniffed], bool] | None = None
    date_formats: tuple[str, ...] = US_DATES
    decimal_comma: bool | None = None  # None: as sniffed
    flip_sign: bool = False
    categories: str = "bank"
    refuse: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        """Header names the layout cannot do without."""
        roles = (self.date, *self.description[:1], self.amount, self.debit, self.credit)
        named = [c for c in (*roles, self.direction) if isinstance(c, str) and c]
        return (*named, *self.signature)

    def mapping(self, sniffed: Sniffed, *, filename: str) -> ColumnMapping:
        """This layout's roles resolved against the sniffed file."""
        index: dict[str, int] = {}
        for i, name in enumerate(sniffed.header):
            index.setdefault(normalize_header(name), i)
        missing = [n for n in self.required if normalize_header(n) not in index]
        if missing:
            raise ImportFileError(
                f"this file lacks the column(s) a {self.label} export has: {', '.join(missing)}",
                file=filename,
                line=sniffed.header_line or None,
            )

        def col(ref: Column | None) -> int | None:
            if ref is None or isinstance(ref, int):
                return ref
            return index.get(normalize_header(ref))

        def cols(refs: tuple[Column, ...]) -> tuple[int, ...]:
            return tuple(c for c in map(col, refs) if c is not None)

        date = col(self.date)
        formats = sniffed.date_formats.get(date, ())
        preferred = [f for f in self.date_formats if f in formats]
        date_format = (preferred or list(formats) or list(self.date_formats))[0]
        decimal_comma = self.decimal_comma
        if decimal_comma is None:
            decimal_comma = sniffed.decimal_comma
        return ColumnMapping(
            date=date,
            description=cols(self.description),
            amount=col(self.amount),
            debit=col(self.debit),
            credit=col(self.credit),
            direction=col(self.direction),
            memo=cols(self.memo),
            category=col(self.category),
            merchant=col(self.merchant),
            merchant_in=col(self.merchant_in),
            external_id=col(self.external_id),
            status=col(self.status),
            account=col(self.account),
            date_format=date_format,
            decimal_comma=decimal_comma,
            flip_sign=self.flip_sign,
            header_row=sniffed.header_row,
            delimiter=sniffed.delimiter,
            header_signature=header_signature(sniffed.header, width=sniffed.width),
        )


# --- shapes of header-less layouts ------------------------------------------


def _wells_fargo_shape(s: Sniffed) -> bool:
    """The legacy download: "date","amount","*","","description"."""
    return (
        s.width == 5
        and 0 in s.date_formats
        and all(len(r) == 5 and r[2] in ("*", "") and is_amount(r[1]) for r in s.rows)
    )


def _raiffeisen_shape(s: Sniffed) -> bool:
    """TAB: booking date, text, value date, credit, debit; dd.mm.yyyy, decimal comma."""
    return (
        s.delimiter == "\t"
        and s.width == 5
        and "%d.%m.%Y" in s.date_formats.get(0, ())
        and 2 in s.date_formats
    )


def _mint_headerless_shape(s: Sniffed) -> bool:
    """Mint's columns without the header: date, name, original, amount, debit/credit, ..."""
    directions = {r[4].casefold() for r in s.rows if len(r) > 4}
    words = DEBIT_WORDS | CREDIT_WORDS
    return s.width >= 7 and 0 in s.date_formats and bool(directions) and directions <= words


_INVESTMENTS = (
    "this is an investment account export (trades, dividends or positions), "
    "not bank transactions; it cannot be imported as spending"
)
_VWZ = tuple(f"VWZ{n}" for n in range(1, 15))

# Written as a table, a few lines per preset; "fmt: skip" keeps a formatter
# from spreading each one over twenty lines.
PRESETS: tuple[Preset, ...] = (
    # --- US banks and cards -------------------------------------------------
    Preset(
        "chase_checking", "Chase checking",
        date="Posting Date", description=("Description",), amount="Amount",
        signature=("Details", "Type", "Balance"), flip_sign=True,
    ),
    Preset(
        "chase_card", "Chase credit card",
        date="Transaction Date", description=("Description",), amount="Amount", memo=("Memo",),
        category="Category", signature=("Post Date", "Type"), flip_sign=True,
    ),
    Preset(
        "discover", "Discover card",
        date="Trans. Date", description=("Description",), amount="Amount", category="Category",
    ),
    Preset(
        "amex", "American Express card",
        date="Date", description=("Description",), amount="Amount", exact=True,
    ),
    Preset(
        "amex_detailed", "American Express card",
        date="Date", description=("Description",), amount="Amount", category="Category",
        external_id="Reference", signature=("Appears On Your Statement As",),
    ),
    Preset(
        "amex_members", "American Express card",
        date="Date", description=("Description",), amount="Amount", category="Category",
        external_id="Reference", signature=("Card Member", "Account #"),
    ),
    Preset(
        "capital_one_card", "Capital One credit card",
        date="Transaction Date", description=("Description",), debit="Debit", credit="Credit",
        category="Category", signature=("Posted Date", "Card No."),
    ),
    Preset(
        "capital_one_bank", "Capital One 360 checking / savings",
        date="Transaction Date", description=("Transaction Description",),
        amount="Transaction Amount", direction="Transaction Type",
        signature=("Account Number", "Balance"), date_formats=("%m/%d/%y", "%m/%d/%Y"),
    ),
    Preset(
        "bofa_checking", "Bank of America checking",
        date="Date", description=("Description",), amount="Amount",
        signature=("Running Bal.",), flip_sign=True,
    ),
    Preset(
        "bofa_card", "Bank of America credit card",
        date="Posted Date", description=("Payee",), amount="Amount",
        external_id="Reference Number", signature=("Address",), flip_sign=True,
    ),
    Preset(
        "citi", "Citi credit card",
        date="Date", description=("Description",), debit="Debit", credit="Credit",
        status="Status", signature=("Status",),
    ),
    Preset(
        "wells_fargo", "Wells Fargo (header-less download)",
        date=0, amount=1, description=(4,), shape=_wells_fargo_shape, flip_sign=True,
    ),
    Preset(
        "wells_fargo_headered", "Wells Fargo",
        date="Date", amount="Amount", description=("Description",),
        signature=("*", "Check Number"), flip_sign=True,
    ),
    Preset(
        "sofi", "SoFi checking / savings",
        date="Date", description=("Description",), amount="Amount", status="Status",
        signature=("Type", "Current balance"), flip_sign=True,
    ),
    Preset(
        "schwab_checking", "Charles Schwab checking",
        date="Date", description=("Description",), debit="Withdrawal", credit="Deposit",
        status="Status", signature=("CheckNumber", "RunningBalance"),
    ),
    Preset(
        "dcu", "DCU (Digital Federal Credit Union)",
        date="DATE", description=("DESCRIPTION",), amount="AMOUNT", memo=("MEMO",),
        external_id="ID", signature=("TRANSACTION TYPE", "CURRENT BALANCE"), flip_sign=True,
    ),
    Preset(
        "mercury", "Mercury",
        date="Date (UTC)", description=("Description",), amount="Amount",
        memo=("Reference", "Note"), status="Status", category="Category",
        account="Source Account", signature=("Bank Description",),
        date_formats=("%m-%d-%Y",), flip_sign=True,
    ),
    Preset(
        "bilt", "Bilt Mastercard",
        date="Transaction Date", description=("Description",), amount="Amount",
        signature=("Posted Date",), exact=True,
    ),
    Preset(
        "optum_hsa", "Optum Financial HSA (cash transactions)",
        date="Date", description=("Description",), amount="Amount",
        signature=("AccountType",), flip_sign=True,
    ),
    Preset(
        "pc_mastercard", "PC Financial Mastercard",
        date="Date", description=("Merchant Name",), amount="Amount",
        signature=("Card Used For Transaction",),
    ),
    # --- payment apps ---------------------------------------------------------
    Preset(
        "paypal", "PayPal activity",
        date="Date", description=("Name", "Type"), amount="Net", external_id="Transaction ID",
        status="Status", signature=("Time", "Gross", "Fee", "Currency"), flip_sign=True,
    ),
    Preset(
        "venmo", "Venmo statement",
        date="Datetime", description=("Note", "Type"), amount="Amount (total)",
        external_id="ID", status="Status", merchant="To", merchant_in="From",
        signature=("From", "To"), date_formats=("%Y-%m-%d",), flip_sign=True,
    ),
    # --- budgeting-app exports (their categories are the user's own) -----------
    Preset(
        "mint", "Mint export",
        date="Date", description=("Original Description", "Description"), merchant="Description",
        amount="Amount", direction="Transaction Type", category="Category",
        account="Account Name", memo=("Notes",), categories="user",
    ),
    Preset(
        "mint_headerless", "Mint export (no header)",
        date=0, description=(2, 1), merchant=1, amount=3, direction=4, category=5, account=6,
        shape=_mint_headerless_shape, categories="user",
    ),
    Preset(
        "ynab", "YNAB register",
        date="Date", description=("Payee",), memo=("Memo",), debit="Outflow", credit="Inflow",
        category="Category", account="Account", signature=("Flag", "Cleared"),
        categories="user",
    ),
    Preset(
        "actual", "Actual Budget export",
        date="Date", description=("Payee",), memo=("Notes",), amount="Amount",
        category="Category", account="Account", signature=("Notes", "Category"),
        flip_sign=True, categories="user",
    ),
    Preset(
        "firefly", "Firefly III CSV",
        date="date", description=("description",), amount="amount", merchant="to-account",
        account="from-account", category="category", signature=("to-account",),
        date_formats=("%Y-%m-%d",), flip_sign=True, categories="user",
    ),
    Preset(
        "sure", "Maybe / Sure transactions CSV",
        date="Date", description=("Name",), memo=("Notes",), amount="Amount",
        category="Category", account="Account", signature=("Tags",), flip_sign=True,
        categories="user",
    ),
    Preset(
        "outbank", "Outbank export",
        date="Date", description=("Name", "Reason"), memo=("Reason",), amount="Amount",
        category="Category", account="Account", signature=("#", "Value Date", "Subcategory"),
        decimal_comma=True, flip_sign=True, categories="user",
    ),
    # --- European banks -------------------------------------------------------
    Preset(
        "monzo", "Monzo",
        date="Date", description=("Name", "Description"), amount="Amount",
        memo=("Notes and #tags",), category="Category", external_id="Transaction ID",
        signature=("Time", "Money Out", "Money In"), date_formats=("%d/%m/%Y",),
        flip_sign=True,
    ),
    Preset(
        "monzo_2018", "Monzo (2018 export)",
        date="created", description=("description",), amount="amount", memo=("notes",),
        category="category", external_id="id", signature=("local_amount", "currency"),
        date_formats=("%Y-%m-%d",), flip_sign=True,
    ),
    Preset(
        "n26", "N26",
        date="Booking Date", description=("Partner Name",), memo=("Payment Reference",),
        amount="Amount (EUR)", account="Account Name", signature=("Partner Iban",),
        date_formats=("%Y-%m-%d",), flip_sign=True,
    ),
    Preset(
        "n26_2017", "N26 (2017 export)",
        date="Date", description=("Payee",), memo=("Payment reference",), amount="Amount (EUR)",
        category="Category", signature=("Transaction type",), date_formats=("%Y-%m-%d",),
        flip_sign=True,
    ),
    Preset(
        "n26_de", "N26 (German)",
        date="Datum", description=("Empfänger",), memo=("Verwendungszweck",),
        amount="Betrag (EUR)", category="Kategorie", signature=("Transaktionstyp",),
        date_formats=("%Y-%m-%d",), flip_sign=True,
    ),
    Preset(
        "bunq", "bunq",
        date="Date", description=("Name", "Description"), memo=("Description",), amount="Amount",
        merchant="Name", signature=("Counterparty", "Account"), date_formats=("%Y-%m-%d",),
        decimal_comma=True, flip_sign=True,
    ),
    Preset(
        "bank_of_ireland", "Bank of Ireland",
        date="Date", description=("Details",), debit="Debit", credit="Credit",
        signature=("Balance",), date_formats=("%d/%m/%Y",),
    ),
    Preset(
        "gls", "GLS Bank",
        date="Buchungstag", description=("Auftraggeber/Empfänger",), memo=_VWZ, amount="Betrag",
        signature=("Wertstellung", "Buchungstext"), date_formats=("%d.%m.%Y",),
        decimal_comma=True, flip_sign=True,
    ),
    Preset(
        "ubs", "UBS (Switzerland)",
        date="Date de valeur", description=("Description 1",),
        memo=("Description 2", "Description 3"), debit="Débit", credit="Crédit",
        external_id="N° de transaction", signature=("Solde",), date_formats=("%d.%m.%Y",),
    ),
    Preset(
        "raiffeisen_at", "Raiffeisen (Austria, header-less TAB export)",
        date=0, description=(1,), credit=3, debit=4, shape=_raiffeisen_shape,
        date_formats=("%d.%m.%Y",), decimal_comma=True,
    ),
    # --- recognised only to be refused ----------------------------------------
    Preset("investments", "Investment account", signature=("Symbol", "Quantity"),
           refuse=_INVESTMENTS),
    Preset("investment_holdings", "Investment account", signature=("Symbol", "Shares"),
           refuse=_INVESTMENTS),
)  # fmt: skip

PRESETS_BY_NAME = {p.name: p for p in PRESETS}


def detect_preset(sniffed: Sniffed) -> Preset | None:
    """The preset matching this file; the one requiring most header names wins."""
    if not sniffed.has_header:
        return next((p for p in PRESETS if p.shape is not None and p.shape(sniffed)), None)
    names = {normalize_header(h) for h in sniffed.header} - {""}
    best, best_score = None, 0
    for preset in PRESETS:
        if preset.shape is not None:
            continue
        required = {normalize_header(n) for n in preset.required}
        if not required <= names or (preset.exact and names != required):
            continue
        if len(required) > best_score:
            best, best_score = preset, len(required)
    return best


@dataclass
class ParsedFile:
    """An uploaded CSV file, recognised and ready to read.

    `rows` is a one-shot lazy iterator: it reads the text as it goes and
    raises ImportFileError (with file, line and column) at the first bad
    record. `categories` tells the importer whose categories `category_name`
    holds: "user" (a budgeting app's, or a column the user mapped), "bank"
    (the bank's automatic labels) or "" (the layout has none).
    """

    preset_name: str
    preset_label: str
    header: list[str]
    sniffed: Sniffed
    mapping: ColumnMapping
    categories: str
    rows: Iterator[ImportRow]


# First characters of files that are not CSV but often get uploaded as such.
_OTHER_FORMATS = {
    "OFXHEADER": "an OFX/QFX file",
    "<OFX": "an OFX/QFX file",
    "<?xml": "an XML (OFX/CAMT) file",
    "!Type:": "a QIF file",
    "!Account": "a QIF file",
    "!Option": "a QIF file",
}


def parse(
    data: bytes,
    *,
    filename: str,
    preset: str = "auto",
    mapping: ColumnMapping | None = None,
) -> ParsedFile:
    """Decode and recognise an uploaded CSV file.

    `preset` is "auto" (recognise the layout) or a preset name to force;
    `mapping`, when given, is a column mapping from the wizard and takes
    precedence. Raises ImportFileError for files that cannot be read,
    layouts that are not recognised (pointing to the wizard), and
    investment exports; later problems surface while iterating `rows`.
    """
    text = decode(data, filename=filename)
    start = text.lstrip()[:16]
    for prefix, kind in _OTHER_FORMATS.items():
        if start.startswith(prefix):
            raise ImportFileError(f"this is {kind}, not CSV; import it as such", file=filename)
    sniffed = sniff(text, filename=filename)
    if mapping is not None:
        name, label = "generic", "Column mapping"
        categories = "" if mapping.category is None else "user"
    else:
        chosen = detect_preset(sniffed) if preset == "auto" else PRESETS_BY_NAME.get(preset)
        if chosen is None and preset != "auto":
            raise ValueError(f"unknown preset {preset!r}")
        if chosen is None:
            raise _unrecognised(sniffed, filename)
        if chosen.refuse:
            raise ImportFileError(chosen.refuse, file=filename, line=sniffed.header_line or None)
        mapping = chosen.mapping(sniffed, filename=filename)
        name, label = chosen.name, chosen.label
        categories = "" if chosen.category is None else chosen.categories
    return ParsedFile(
        preset_name=name,
        preset_label=label,
        header=sniffed.header,
        sniffed=sniffed,
        mapping=mapping,
        categories=categories,
        rows=iter_rows(text, mapping, filename=filename),
    )


def _unrecognised(sniffed: Sniffed, filename: str) -> ImportFileError:
    if sniffed.has_header:
        found = "columns found: " + ", ".join(h for h in sniffed.header if h)
    else:
        found = f"no header line; rows have {sniffed.width} columns"
    return ImportFileError(
        "could not recognise this bank's layout; use the column-mapping wizard "
        f"(generic import) - {found[:300]}",
        file=filename,
        line=sniffed.header_line or None,
    )
