"""OFX/QFX investment statements (INVSTMTRS): positions, trades and the security list.

ofxtools tokenizes the file (SGML 1.x or XML 2.x) into an element tree; as
for bank files (`transactions.importers.ofx`), the fields needed are read
straight from the tree and validated here, because ofxtools' model layer
rejects real brokers' files over details that do not matter to us.

* Securities come from SECLIST (STOCKINFO, MFINFO, DEBTINFO, OPTINFO,
  OTHERINFO), identified by SECID (a CUSIP, an ISIN, or the broker's own
  id). Positions of the same security in one account are added together
  (Vanguard lists share classes of one fund separately).
* Bonds are quoted in percent of par (OFX's UNITPRICE 100 for a unit worth
  its face value), so their price is stored divided by 100.
* Positions (INVPOSLIST) are the statement's complete holdings on DTASOF:
  they replace the account's holdings, unless the account already has
  newer ones (importing an old statement never rolls holdings back). A
  statement without INVPOSLIST leaves holdings alone. The available cash
  (INVBAL/AVAILCASH) is a cash holding ("CUR:USD", as Plaid names it).
* Activity (INVTRANLIST) becomes InvestmentTransactions keyed by FITID, so
  re-importing adds nothing. Amounts take the app's sign: cash out > 0.

A file with a problem is refused whole, with the line of the element at fault.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.sax import saxutils

from django.db import transaction
from ofxtools.Parser import TreeBuilder

from accounts.models import Account, AccountType
from investments.models import Holding, InvestmentTransaction, Price, SecurityType, Source, TransactionKind
from investments.routers import ALIAS
from investments.securities import SecurityInfo, clean_ticker, resolve_securities
from transactions.importers.base import ImportFileError
from transactions.importers.ofx import decode_text, excerpt

_INFO_TYPES = {"STOCKINFO": SecurityType.EQUITY, "MFINFO": SecurityType.MUTUAL_FUND,
               "DEBTINFO": SecurityType.BOND, "OPTINFO": SecurityType.OPTION, "OTHERINFO": SecurityType.OTHER}
_POSITIONS = ("POSSTOCK", "POSMF", "POSDEBT", "POSOPT", "POSOTHER")
_KINDS = {"INCOME": TransactionKind.DIVIDEND, "REINVEST": TransactionKind.BUY,
          "TRANSFER": TransactionKind.TRANSFER, "INVEXPENSE": TransactionKind.FEE,
          "MARGININTEREST": TransactionKind.FEE}
_BANK_KINDS = {"INT": TransactionKind.DIVIDEND, "DIV": TransactionKind.DIVIDEND,
               "FEE": TransactionKind.FEE, "SRVCHG": TransactionKind.FEE}
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
CASH_KEY = "CUR:{currency}"


@dataclass
class OfxPosition:
    security_key: str
    quantity: Decimal
    price: Decimal | None
    price_date: datetime.date | None


@dataclass
class OfxActivity:
    external_id: str
    date: datetime.date
    kind: str
    security_key: str | None
    quantity: Decimal
    price: Decimal | None
    amount: Decimal
    fees: Decimal
    description: str


@dataclass
class OfxInvestmentStatement:
    account_ref: str
    broker: str
    currency: str
    as_of: datetime.date
    positions: list[OfxPosition] | None  # None: the statement has no position list
    activity: list[OfxActivity] = field(default_factory=list)


@dataclass
class OfxInvestmentFile:
    statements: list[OfxInvestmentStatement]
    securities: dict[str, SecurityInfo]


def _text(parent: ET.Element, path: str) -> str:
    found = parent.find(path)
    if found is None or not found.text:
        return ""
    return " ".join(saxutils.unescape(found.text, {"&nbsp;": " "}).split())


class _Reader:
    def __init__(self, root: ET.Element, body: str, first_line: int, filename: str) -> None:
        self.root, self.body, self.first_line, self.filename = root, body, first_line, filename

    def line(self, element: ET.Element) -> int | None:
        """The n-th <TAG> element of the tree is the n-th "<TAG>" of the text."""
        for index, candidate in enumerate(self.root.iter(element.tag)):
            if candidate is element:
                starts = [m.start() for m in re.finditer(re.escape(f"<{element.tag}>"), self.body)]
                if index >= len(starts):
                    return None
                return self.first_line + self.body.count("\n", 0, starts[index])
        return None

    def error(self, message: str, element: ET.Element) -> ImportFileError:
        return ImportFileError(message, file=self.filename, line=self.line(element))

    def date(self, parent: ET.Element, path: str, *, required: bool = True) -> datetime.date | None:
        text = _text(parent, path)
        match = _DATE.match(text)
        if not match:
            if required or text:
                raise self.error(f"{path.split('/')[-1]} {excerpt(text)} is not a date (YYYYMMDD...)", parent)
            return None
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise self.error(f"{path.split('/')[-1]} {excerpt(text)} is not a real date", parent) from None

    def number(self, parent: ET.Element, path: str, *, required: bool = False) -> Decimal | None:
        text = _text(parent, path)
        if not text:
            if required:
                raise self.error(f"{path.split('/')[-1]} is missing", parent)
            return None
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise self.error(f"{path.split('/')[-1]} {excerpt(text)} is not a number", parent) from None
        if not value.is_finite():
            raise self.error(f"{path.split('/')[-1]} {excerpt(text)} is not a number", parent)
        return value

    def security_key(self, parent: ET.Element) -> str | None:
        secid = parent.find(".//SECID")
        if secid is None:
            return None
        unique = _text(secid, "UNIQUEID")
        if not unique:
            raise self.error("a SECID has no UNIQUEID", secid)
        return f"{_text(secid, 'UNIQUEIDTYPE').upper() or 'ID'}:{unique}"

    def read(self) -> OfxInvestmentFile:
        statements = [self.statement(s) for s in self.root.iter("INVSTMTRS")]
        if not statements:
            raise ImportFileError("this file has no investment statement (INVSTMTRS); bank and card "
                                  "statements are imported on the Import page", file=self.filename)
        securities = self.securities()
        for statement in statements:
            cash_key = CASH_KEY.format(currency=statement.currency)
            securities.setdefault(cash_key, SecurityInfo(
                key=cash_key, name=f"Cash ({statement.currency})", ticker=cash_key,
                security_type=SecurityType.CASH, currency=statement.currency))
            for key in {p.security_key for p in statement.positions or []} | {
                    a.security_key for a in statement.activity if a.security_key}:
                securities.setdefault(key, _unlisted(key))
        return OfxInvestmentFile(statements=statements, securities=securities)

    def securities(self) -> dict[str, SecurityInfo]:
        found: dict[str, SecurityInfo] = {}
        for info_element in self.root.iter():
            kind = _INFO_TYPES.get(info_element.tag)
            if kind is None:
                continue
            key = self.security_key(info_element)
            if key is None:
                raise self.error(f"a {info_element.tag} has no SECID", info_element)
            id_type, unique = key.split(":", 1)
            fund_type = _text(info_element, "MFTYPE")
            found.setdefault(key, SecurityInfo(
                key=key, name=_text(info_element, ".//SECNAME") or unique,
                ticker=clean_ticker(_text(info_element, ".//TICKER")),
                security_type=SecurityType.ETF if fund_type == "ETF" else kind,
                currency=_text(info_element, ".//CURRENCY/CURSYM") or "USD",
                cusip=unique if id_type == "CUSIP" and len(unique) <= 9 else "",
                isin=unique if id_type == "ISIN" and len(unique) <= 12 else ""))
        return found

    def statement(self, element: ET.Element) -> OfxInvestmentStatement:
        account_ref = _text(element, "INVACCTFROM/ACCTID")
        if not account_ref:
            raise self.error("an investment statement has no account number (INVACCTFROM/ACCTID)", element)
        as_of = self.date(element, "DTASOF")
        currency = (_text(element, "CURDEF") or "USD").upper()
        position_list = element.find("INVPOSLIST")
        positions = None
        if position_list is not None:
            totals: dict[str, OfxPosition] = {}
            for pos in position_list:
                if pos.tag not in _POSITIONS:
                    continue
                position = self.position(pos)
                if position.security_key in totals:
                    totals[position.security_key].quantity += position.quantity
                else:
                    totals[position.security_key] = position
            cash = self.number(element, "INVBAL/AVAILCASH")
            if cash:
                key = CASH_KEY.format(currency=currency)
                totals[key] = OfxPosition(key, cash, Decimal(1), as_of)
            positions = list(totals.values())
        activity_list = element.find("INVTRANLIST")
        activity = [] if activity_list is None else [
            self.activity(trn) for trn in activity_list if trn.tag not in ("DTSTART", "DTEND")]
        return OfxInvestmentStatement(account_ref=account_ref, broker=_text(element, "INVACCTFROM/BROKERID"),
                                      currency=currency, as_of=as_of, positions=positions, activity=activity)

    def position(self, element: ET.Element) -> OfxPosition:
        invpos = element.find("INVPOS")
        if invpos is None:
            raise self.error(f"a {element.tag} has no INVPOS", element)
        key = self.security_key(invpos)
        if key is None:
            raise self.error("a position names no security (SECID)", invpos)
        units = self.number(invpos, "UNITS", required=True)
        if _text(invpos, "POSTYPE").upper() == "SHORT" and units > 0:
            units = -units
        price = self.number(invpos, "UNITPRICE")
        if element.tag == "POSDEBT" and price is not None:
            price /= 100  # bonds are quoted in percent of par: 100 is one unit at face value
        return OfxPosition(key, units, price, self.date(invpos, "DTPRICEASOF", required=False))

    def activity(self, element: ET.Element) -> OfxActivity:
        head = element.find(".//INVTRAN")
        if head is None:
            head = element.find(".//STMTTRN")
        if head is None:
            raise self.error(f"a {element.tag} has neither INVTRAN nor STMTTRN", element)
        fitid = _text(head, "FITID")
        if not fitid:
            raise self.error(f"a {element.tag} has no FITID", head)
        bank = head.tag == "STMTTRN"
        date = self.date(head, "DTPOSTED" if bank else "DTTRADE")
        total = self.number(head if bank else element, "TRNAMT" if bank else ".//TOTAL")
        if bank:
            kind = _BANK_KINDS.get(_text(head, "TRNTYPE").upper(), TransactionKind.TRANSFER)
        elif element.tag.startswith("BUY"):
            kind = TransactionKind.BUY
        elif element.tag.startswith("SELL"):
            kind = TransactionKind.SELL
        else:
            kind = _KINDS.get(element.tag, TransactionKind.OTHER)
        fees = sum((self.number(element, f".//{tag}") or Decimal(0) for tag in ("COMMISSION", "FEES")),
                   Decimal(0))
        units = self.number(element, ".//UNITS") or Decimal(0)
        description = " ".join(part for part in (_text(head, "NAME"), _text(head, "MEMO")) if part)
        if element.tag == "REINVEST":
            description = description or "Reinvested income"
        return OfxActivity(
            external_id=fitid[:100], date=date, kind=kind, security_key=self.security_key(element),
            quantity=abs(units), price=self.number(element, ".//UNITPRICE"),
            # OFX totals are from the account's side (cash out is negative); ours is the opposite.
            amount=(Decimal(0) - (total or Decimal(0))).quantize(Decimal("0.01")),
            fees=fees.quantize(Decimal("0.01")),
            description=description or element.tag.title())


def _unlisted(key: str) -> SecurityInfo:
    """A security the statement names but its SECLIST leaves out: known by its id only."""
    id_type, unique = key.split(":", 1)
    return SecurityInfo(key=key, name=f"{id_type} {unique}", cusip=unique if id_type == "CUSIP" else "",
                        isin=unique if id_type == "ISIN" else "")


def parse_investment_ofx(data: bytes, *, filename: str) -> OfxInvestmentFile:
    """Read an OFX/QFX investment statement; ImportFileError (located) when it cannot be used."""
    text = decode_text(data, filename, kind="an OFX or QFX")
    start, end = text.find("<OFX>"), text.rfind("</OFX>")
    if start < 0:
        raise ImportFileError("this is not an OFX or QFX file: it has no <OFX> element", file=filename)
    if end < start:
        raise ImportFileError("the file ends before </OFX> (is it truncated?)", file=filename)
    body = text[start:end + len("</OFX>")]
    first_line = text.count("\n", 0, start) + 1
    builder = TreeBuilder()
    try:
        builder.feed(body)
        root = builder.close()
    except SyntaxError as exc:
        message = str(exc).split(" - position=")[0][:200]
        raise ImportFileError(f"this OFX file is malformed: {message}", file=filename) from None
    return _Reader(root, body, first_line, filename).read()


@dataclass
class OfxImportResult:
    """What importing one file did, per statement; `str()` is what the page and command print."""

    lines: list[str] = field(default_factory=list)
    holdings: int = 0
    added: int = 0
    duplicates: int = 0

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _account_for(statement: OfxInvestmentStatement, account: Account | None, filename: str) -> Account:
    if account is not None:
        if account.account_type != AccountType.INVESTMENT:
            raise ImportFileError(f"{account} is a {account.get_account_type_display().lower()} account; "
                                  "investment statements go to an investment account", file=filename)
        return account
    candidates = Account.objects.filter(account_type=AccountType.INVESTMENT)
    matches = [a for a in candidates if a.mask and statement.account_ref.endswith(a.mask)]
    if len(matches) == 1:
        return matches[0]
    found = "several investment accounts" if matches else "no investment account"
    raise ImportFileError(
        f"{found} ends in the digits of {statement.account_ref}; choose the account "
        f"(or set its last digits on the Accounts page)", file=filename)


def import_investment_ofx(data: bytes, *, filename: str, account: Account | None = None) -> OfxImportResult:
    """Import a statement file into investments.db, all or nothing.

    `account` may be given for a file with one statement; otherwise each
    statement goes to the investment account whose last digits end its ACCTID.
    """
    parsed = parse_investment_ofx(data, filename=filename)
    if account is not None and len(parsed.statements) > 1:
        raise ImportFileError(f"the file holds {len(parsed.statements)} statements; leave the account "
                              "unset so each goes to the account whose number it names", file=filename)
    targets = [(s, _account_for(s, account, filename)) for s in parsed.statements]
    result = OfxImportResult()
    with transaction.atomic(using=ALIAS):
        securities = resolve_securities(list(parsed.securities.values()))
        for statement, target in targets:
            _apply(statement, target, securities, result)
    return result


def _apply(statement: OfxInvestmentStatement, account: Account, securities, result: OfxImportResult) -> None:
    line = f"{account}: "
    if statement.positions is not None:
        existing = Holding.objects.filter(account_id=account.pk)
        if existing.filter(as_of__gt=statement.as_of).exists():
            line += f"positions of {statement.as_of} are older than the stored ones and were not applied; "
        else:
            existing.exclude(security__in=[securities[p.security_key] for p in statement.positions]).delete()
            for position in statement.positions:
                security = securities[position.security_key]
                Holding.objects.update_or_create(
                    account_id=account.pk, security=security,
                    defaults={"quantity": position.quantity, "as_of": statement.as_of, "source": Source.OFX})
                if position.price is not None and security.security_type != SecurityType.CASH:
                    Price.objects.update_or_create(
                        security=security, date=position.price_date or statement.as_of, source=Source.OFX,
                        defaults={"close": position.price})
            result.holdings += len(statement.positions)
            line += f"{len(statement.positions)} holdings as of {statement.as_of}; "
    known = set(InvestmentTransaction.objects.filter(
        account_id=account.pk, external_id__in=[a.external_id for a in statement.activity])
        .values_list("external_id", flat=True))
    fresh = {a.external_id: a for a in statement.activity if a.external_id not in known}
    InvestmentTransaction.objects.bulk_create([
        InvestmentTransaction(
            account_id=account.pk, security=securities[a.security_key] if a.security_key else None,
            date=a.date, kind=a.kind, quantity=a.quantity, price=a.price, amount=a.amount, fees=a.fees,
            description=a.description[:255], external_id=a.external_id, source=Source.OFX)
        for a in fresh.values()])
    duplicates = len(statement.activity) - len(fresh)
    result.added += len(fresh)
    result.duplicates += duplicates
    line += f"{len(fresh)} transactions added"
    result.lines.append(line + (f", {duplicates} already there." if duplicates else "."))
