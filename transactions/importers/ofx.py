"""OFX and QFX statements -> plain `ImportRow`s, one list per account.

ofxtools does the hard part, tokenizing OFX 1.x SGML (unclosed elements)
and OFX 2.x XML into an element tree with `ofxtools.Parser.TreeBuilder`. Two
other parts of ofxtools are deliberately not used, because each rejects or
distorts real bank files for reasons that do not matter to an import:

* its header reader (`OFXTree.parse`) refuses files with no header, a
  partial header (csv2ofx writes just DATA/ENCODING) or more than eight
  blank lines before it; the header only tells the character set, which we
  detect from the bytes instead (UTF-8, else Windows-1252).
* its model layer (`OFXTree.convert`) validates the whole response against
  the spec (a BANKID longer than 9 characters, a missing LEDGERBAL or
  aggregates out of order each fail the file) and converts DTPOSTED to UTC,
  which moves a late-evening or Australian transaction to another day.

So we read the fields we need straight from the tree and validate exactly
those: a transaction without a valid DTPOSTED or TRNAMT fails the file with
the line of the offending element; an unreadable balance is merely dropped.

Sloppy markup: ofxtools' tokenizer does not check that end tags match, so a
text-less, unclosed SGML element (`<MEMO>` with nothing after it) would
silently swallow its siblings. `_CheckedTreeBuilder` makes every mismatch an
error. On error we retry once, tolerantly: after `_drop_empty_elements`, and
letting an end tag close elements left open inside it (SGML's omitted end
tags: Nubank leaves out </BANKTRANLIST>). If the retry fails too, the first
error is reported. A file that ends early is refused without a retry: its
last transactions may be missing.

CDATA sections are inlined as escaped text before anything else: ofxtools'
pattern for them is greedy (on a one-line file it swallows the elements that
follow) and takes quadratic time on unterminated ones.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax import saxutils

import ofxtools.models
from ofxtools.models.base import Aggregate
from ofxtools.Parser import ParseError, TreeBuilder

from transactions.importers.base import ImportFileError, ImportRow

__all__ = ["OfxAccount", "OfxFile", "decode_text", "describe", "excerpt", "parse_ofx"]


@dataclass(slots=True)
class OfxAccount:
    """One bank or credit-card statement of the file.

    `balance` is the ledger balance as the bank states it (its sign, not
    `ImportRow`'s: a credit card owing money is usually negative), or None
    when the file gives none or an unreadable one.
    """

    account_ref: str
    kind: str  # ACCTTYPE lower-cased ("checking", "savings", ...), "credit" for cards
    bank_id: str = ""
    currency: str = ""
    balance: Decimal | None = None
    balance_date: datetime.date | None = None
    rows: list[ImportRow] = field(default_factory=list)


@dataclass(slots=True)
class OfxFile:
    """Every bank/card statement in the file, in file order, one per statement.

    `skipped` holds one sentence per part of the file that was not imported
    (an investment statement, a statement the bank reported an error for).
    """

    accounts: list[OfxAccount]
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[ImportRow]:
        return [row for account in self.accounts for row in account.rows]


def parse_ofx(data: bytes, *, filename: str) -> OfxFile:
    """Read an OFX 1.x/2.x or QFX file; raise ImportFileError if it can't be imported."""
    text = decode_text(data, filename, kind="an OFX or QFX")
    start = text.find("<OFX>")
    if start < 0:
        raise ImportFileError("this is not an OFX or QFX file: it has no <OFX> element", file=filename)
    end = text.rfind("</OFX>")
    # Whatever precedes <OFX> is the header (only its charset mattered) and
    # whatever follows </OFX> is trailing junk; a truncated file has no </OFX>.
    body = text[start : end + len("</OFX>") if end > start else len(text)]
    # Comments are legal in OFX 2 but not understood by the tokenizer; keep
    # their newlines so line numbers stay right.
    body = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), body)
    first_line = text.count("\n", 0, start) + 1
    body = _inline_cdata(body, filename, first_line)
    root, body = _build_tree(body, filename, first_line)
    return _Reader(root, body, first_line, filename).read()


def describe(name: str, memo: str) -> str:
    """One description from a payee name and a memo (both whitespace-collapsed).

    The memo is dropped when it repeats (part of) the name, replaces the name
    when it contains it (OFX 1 caps NAME at 32 characters, so banks put the
    full text in MEMO, often behind a prefix like "POS MERCHANDISE;"), and is
    appended after " - " when it adds something else.
    """
    if not name or not memo:
        return name or memo
    folded_name, folded_memo = name.casefold(), memo.casefold()
    if folded_memo in folded_name:
        return name
    if folded_name in folded_memo:
        return memo
    return f"{name} - {memo}"


def excerpt(value: str, limit: int = 40) -> str:
    """`value` quoted for an error message, cut short so a huge field stays readable."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def decode_text(data: bytes, filename: str, *, kind: str) -> str:
    """Bytes -> text with "\\n" line ends; UTF-8 when valid, else Windows-1252.

    Declared charsets are unreliable in practice (USASCII files carrying
    accented names), and valid UTF-8 is almost never an accident.
    """
    if not data.strip():
        raise ImportFileError("the file is empty", file=filename)
    if b"\x00" in data:
        raise ImportFileError(f"this is a binary file, not {kind} file", file=filename)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_POSITION = re.compile(r" - position=\[(\d+):\d+\]$")
_TAIL_TEXT = re.compile(r"Tail text '(.*?)' (?:in|after) ", re.DOTALL)


def _inline_cdata(body: str, filename: str, first_line: int) -> str:
    """Each `<![CDATA[...]]>` replaced by its text, escaped (newlines kept)."""
    parts, position = [], 0
    while (start := body.find("<![CDATA[", position)) >= 0:
        end = body.find("]]>", start)
        if end < 0:
            raise ImportFileError(
                "this OFX file is malformed: a CDATA section is never closed",
                file=filename,
                line=first_line + body.count("\n", 0, start),
            )
        parts += [body[position:start], saxutils.escape(body[start + len("<![CDATA[") : end])]
        position = end + len("]]>")
    return "".join(parts) + body[position:]


class _Malformed(Exception):
    """Why the markup could not be read, the offset in the body where, and
    whether the tolerant retry may help (it can't when the file ends early)."""

    def __init__(self, message: str, position: int | None, *, retry: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.retry = retry


class _CheckedTreeBuilder(TreeBuilder):
    """ofxtools' tokenizer, plus the end-tag checks ElementTree's C builder skips.

    `implied_ends`: an end tag also closes the elements still open inside it.
    """

    def __init__(self, *, implied_ends: bool) -> None:
        super().__init__()
        self._open: list[str] = []
        self._implied_ends = implied_ends

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self._open.append(tag)
        return super().start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        if not self._open:
            raise ParseError(f"</{tag}> closes an element that was never opened")
        if self._open[-1] != tag and not (self._implied_ends and tag in self._open):
            raise ParseError(f"found </{tag}> where </{self._open[-1]}> was expected")
        while self._open[-1] != tag:
            super().end(self._open.pop())
        self._open.pop()
        return super().end(tag)

    def close(self) -> ET.Element:
        if self._open:
            raise ParseError(f"the file ends before </{self._open[-1]}> (is it truncated?)")
        return super().close()


def _feed(body: str, *, tolerant: bool = False) -> ET.Element:
    builder = _CheckedTreeBuilder(implied_ends=tolerant)
    try:
        builder.feed(body)
    except SyntaxError as err:  # ofxtools' ParseError and ElementTree's both derive from it
        message = str(err)
        position = _POSITION.search(message)
        message = message[: position.start()] if position else message
        tail = _TAIL_TEXT.match(message)
        if tail:  # ofxtools' own message quotes the whole document
            message = f"unexpected text {excerpt(tail.group(1))} outside any element"
        raise _Malformed(message, int(position.group(1)) if position else None) from err
    try:
        return builder.close()
    except SyntaxError as err:
        raise _Malformed(str(err), len(body), retry=False) from err


def _build_tree(body: str, filename: str, first_line: int) -> tuple[ET.Element, str]:
    """The element tree and the exact text it was built from (for locating elements)."""
    try:
        return _feed(body), body
    except _Malformed as first:
        if first.retry:
            cleaned = _drop_empty_elements(body)
            try:
                return _feed(cleaned, tolerant=True), cleaned
            except _Malformed:
                pass
        line = None if first.position is None else first_line + body.count("\n", 0, first.position)
        raise ImportFileError(
            f"this OFX file is malformed: {first.message}", file=filename, line=line
        ) from None


_EMPTY_START = re.compile(r"<([A-Z0-9._]+)>(?=\s*<)(?!\s*</\1>)")


def _drop_empty_elements(body: str) -> str:
    """Remove SGML empty elements: start tags with no text and no end tag.

    The tokenizer would take one for an aggregate that its siblings belong
    to; dropping it loses nothing. A text-less tag is taken for an empty
    element unless ofxtools knows it as an aggregate, or it is never given
    text and is closed somewhere (an unknown or private aggregate). Tags are
    removed, not their whitespace, so line numbers are kept.
    """
    closed = set(re.findall(r"</([A-Z0-9._]+)>", body))
    with_text = set(re.findall(r"<([A-Z0-9._]+)>\s*[^<\s]", body))

    def drop(match: re.Match[str]) -> str:
        tag = match.group(1)
        if _is_aggregate(tag) or (tag in closed and tag not in with_text):
            return match.group()
        return ""

    return _EMPTY_START.sub(drop, body)


def _is_aggregate(tag: str) -> bool:
    model = getattr(ofxtools.models, tag, None)
    return isinstance(model, type) and issubclass(model, Aggregate)


_STATEMENTS = ("STMTRS", "CCSTMTRS")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})[\d.:]*\s*(?:\[[^\]]*\])?")
_AMOUNT = re.compile(r"[+-]?(?=[.,]?\d)\d{0,20}(?:[.,]\d{0,12})?")


def _clean(text: str | None) -> str:
    """Element text unescaped as ofxtools does (banks mix escaped and raw `&`),
    with whitespace runs collapsed."""
    if not text:
        return ""
    text = saxutils.unescape(text, {"&nbsp;": " ", "&apos;": "'", "&quot;": '"'})
    return " ".join(text.split())


def _child_text(parent: ET.Element, path: str) -> str:
    found = parent.find(path)
    return "" if found is None else _clean(found.text)


def _ofx_date(text: str) -> datetime.date | None:
    """The local calendar date an OFX datetime starts with (time and zone ignored)."""
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _ofx_amount(text: str) -> Decimal | None:
    """An OFX amount: "." or "," as the decimal point (both are allowed), no grouping."""
    if not _AMOUNT.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


class _Reader:
    """Statements out of the element tree, with line numbers found in `body`."""

    def __init__(self, root: ET.Element, body: str, first_line: int, filename: str) -> None:
        self.root = root
        self.body = body
        self.first_line = first_line
        self.filename = filename
        self._lines: dict[str, dict[ET.Element, int]] = {}

    def line(self, element: ET.Element) -> int | None:
        """The line of `element`'s start tag: the n-th <TAG> of the tree is the
        n-th "<TAG>" of the text, since the tokenizer reads tags in order."""
        tag = element.tag
        if tag not in self._lines:
            elements = list(self.root.iter(tag))
            starts = [m.start() for m in re.finditer(re.escape(f"<{tag}>"), self.body)]
            lines: dict[ET.Element, int] = {}
            if len(starts) == len(elements):
                line, previous = self.first_line, 0
                for element_, start in zip(elements, starts, strict=True):
                    line += self.body.count("\n", previous, start)
                    lines[element_], previous = line, start
            self._lines[tag] = lines
        return self._lines[tag].get(element)

    def error(self, message: str, element: ET.Element) -> ImportFileError:
        return ImportFileError(message, file=self.filename, line=self.line(element))

    def read(self) -> OfxFile:
        for sonrs in self.root.iter("SONRS"):
            self._raise_on_error_status(sonrs)
        accounts = [self._statement(element) for element in self.root.iter() if element.tag in _STATEMENTS]
        skipped = []
        for trnrs in self.root.iter():
            if trnrs.tag.endswith("TRNRS") and not any(child.tag in _STATEMENTS for child in trnrs):
                if not accounts:
                    self._raise_on_error_status(trnrs)
                elif (message := _error_status(trnrs)) is not None:
                    skipped.append(f"the bank reported an error for one statement: {message}")
        investments = list(self.root.iter("INVSTMTRS"))
        if investments and not accounts:
            raise ImportFileError(
                "this is an investment statement (holdings/trades), not a bank or "
                "credit-card statement; import it on the Investments page",
                file=self.filename,
            )
        for statement in investments:
            ref = _child_text(statement, "INVACCTFROM/ACCTID") or "without a number"
            skipped.append(
                f"skipped the investment statement for account {ref} (holdings/trades); "
                "import it on the Investments page"
            )
        if not accounts:
            raise self._no_statement()
        return OfxFile(accounts=accounts, skipped=skipped)

    def _raise_on_error_status(self, element: ET.Element) -> None:
        message = _error_status(element)
        if message is not None:
            raise ImportFileError(
                f"the bank reported an error in this file: {message}",
                file=self.filename,
                line=self.line(element),
            )

    def _no_statement(self) -> ImportFileError:
        if next(self.root.iter("ACCTINFORS"), None) is not None:
            detail = " (it is an account list, ACCTINFORS; download a statement with transactions instead)"
        elif transfers := list(self.root.iter("INTRARS")):
            detail = (
                f" (it holds {len(transfers)} transfer confirmation(s), INTRARS, "
                "which are not statement transactions)"
            )
        else:
            detail = ""
        return ImportFileError(
            f"this file contains no bank or credit-card statement{detail}", file=self.filename
        )

    # Fields are looked up at any depth (".//"), not as direct children: in a
    # file repaired with implied end tags, LEDGERBAL may end up inside the
    # BANKTRANLIST whose end tag was missing. Each field's tag is unique
    # within its statement or transaction (NAME: either direct or in PAYEE).
    def _statement(self, statement: ET.Element) -> OfxAccount:
        account = statement.find(".//BANKACCTFROM")
        if account is None:
            account = statement.find(".//CCACCTFROM")
        if account is None:
            raise self.error("a statement names no account (BANKACCTFROM/CCACCTFROM)", statement)
        account_ref = _child_text(account, "ACCTID")
        if not account_ref:
            raise self.error("a statement has no account number (ACCTID)", account)
        balance = statement.find(".//LEDGERBAL")
        is_card = account.tag == "CCACCTFROM"
        result = OfxAccount(
            account_ref=account_ref,
            kind="credit" if is_card else _child_text(account, "ACCTTYPE").lower(),
            bank_id=_child_text(account, "BANKID"),
            currency=_child_text(statement, ".//CURDEF").upper(),
            balance=None if balance is None else _ofx_amount(_child_text(balance, "BALAMT")),
            balance_date=None if balance is None else _ofx_date(_child_text(balance, "DTASOF")),
        )
        result.rows = [self._row(trn, account_ref) for trn in statement.iter("STMTTRN")]
        return result

    def _row(self, trn: ET.Element, account_ref: str) -> ImportRow:
        posted = trn.find(".//DTPOSTED")
        posted_text = "" if posted is None else _clean(posted.text)
        if not posted_text:
            raise self.error("a transaction has no posting date (DTPOSTED)", trn)
        date = _ofx_date(posted_text)
        if date is None:
            raise self.error(
                f"DTPOSTED {excerpt(posted_text)} is not a valid date (expected YYYYMMDD...)",
                posted,
            )
        amount_element = trn.find(".//TRNAMT")
        amount_text = "" if amount_element is None else _clean(amount_element.text)
        if not amount_text:
            raise self.error("a transaction has no amount (TRNAMT)", trn)
        amount = _ofx_amount(amount_text)
        if amount is None:
            raise self.error(f"TRNAMT {excerpt(amount_text)} is not a valid amount", amount_element)
        name = _child_text(trn, ".//NAME")
        checknum = _child_text(trn, ".//CHECKNUM")
        # With neither name nor memo (it happens: ATM withdrawals, checks)
        # the type and check number are all the bank tells us.
        fallback = " ".join(
            part for part in (_child_text(trn, ".//TRNTYPE"), checknum and f"#{checknum}") if part
        )
        return ImportRow(
            date=date,
            description=describe(name, _child_text(trn, ".//MEMO")) or fallback or "(no description)",
            # OFX amounts are from the account's side (a debit is negative);
            # ImportRow wants money out positive. 0 - x avoids a "-0".
            amount=Decimal(0) - amount,
            external_id=_child_text(trn, ".//FITID"),
            merchant_name=name,
            line=self.line(trn) or 0,
            account_ref=account_ref,
        )


def _error_status(element: ET.Element) -> str | None:
    """The bank's message when `element`'s STATUS has SEVERITY ERROR, else None."""
    status = element.find("STATUS")
    if status is None or _child_text(status, "SEVERITY").upper() != "ERROR":
        return None
    code = _child_text(status, "CODE")
    message = _child_text(status, "MESSAGE")
    if message:
        return f"{message} (code {code})" if code else message
    return f"error code {code or 'unknown'}"
