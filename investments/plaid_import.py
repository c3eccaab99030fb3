"""Holdings and investment activity from Plaid, applied to investments.db in one transaction.

`accounts.sync` fetches them (through the gateway) in the same run as an
item's bank transactions, for items with the investments product, and
hands them here. The holdings are Plaid's complete snapshot of each
investment account: positions that are gone are deleted. The price Plaid
reports with each position (and each security's close) is kept as a Price
from source "plaid", so a holding is valued even before any provider has
quoted it. Activity is keyed by Plaid's id, so overlapping windows add
nothing twice. Any failure rolls the whole item back: never half a snapshot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from accounts import plaid_gateway as gateway
from accounts.models import Account, AccountType
from investments.models import Holding, InvestmentTransaction, Price, SecurityType, Source, TransactionKind
from investments.routers import ALIAS
from investments.securities import SecurityInfo, clean_ticker, resolve_securities

_TYPES = {"equity": SecurityType.EQUITY, "etf": SecurityType.ETF, "mutual fund": SecurityType.MUTUAL_FUND,
          "fixed income": SecurityType.BOND, "cash": SecurityType.CASH, "derivative": SecurityType.OPTION,
          "cryptocurrency": SecurityType.CRYPTO}
_KINDS = {"buy": TransactionKind.BUY, "sell": TransactionKind.SELL, "fee": TransactionKind.FEE,
          "transfer": TransactionKind.TRANSFER, "cancel": TransactionKind.OTHER}
_INCOME = {"dividend", "qualified dividend", "non-qualified dividend", "interest", "interest receivable",
           "long-term capital gain", "short-term capital gain", "distribution"}
# A first sync asks for Plaid's full two years of activity; later ones for the recent weeks.
FIRST_WINDOW_DAYS = 730
WINDOW_DAYS = 30


@dataclass
class PlaidInvestmentsResult:
    holdings: int = 0
    added: int = 0

    def __str__(self) -> str:
        return f"{self.holdings} holdings, {self.added} investment transactions added"


def activity_start(accounts: list[Account], today: datetime.date) -> datetime.date:
    """How far back to ask for activity: two years until the accounts have some, then a month."""
    seen = InvestmentTransaction.objects.filter(account_id__in=[a.pk for a in accounts],
                                                source=Source.PLAID).exists()
    return today - datetime.timedelta(days=WINDOW_DAYS if seen else FIRST_WINDOW_DAYS)


def wants_investments(accounts: list[Account], products: tuple[str, ...] | None) -> bool:
    """Whether an item has the investments product (by Plaid's word, else by its account types)."""
    if products is not None:
        return "investments" in products
    return any(a.account_type == AccountType.INVESTMENT for a in accounts)


def apply_plaid_investments(*, accounts: list[Account], holdings: gateway.Holdings,
                            activity: gateway.InvestmentActivity,
                            today: datetime.date) -> PlaidInvestmentsResult:
    """Replace the item's holdings with Plaid's and add its new activity, all or nothing."""
    by_plaid_id = {a.plaid_account_id: a for a in accounts if a.plaid_account_id}
    described = {s.security_id: s for s in (*activity.securities, *holdings.securities)}
    result = PlaidInvestmentsResult()
    with transaction.atomic(using=ALIAS):
        securities = resolve_securities([_info(s) for s in described.values()])
        snapshot_accounts = {by_plaid_id[h.account_id].pk for h in holdings.holdings
                             if h.account_id in by_plaid_id}
        snapshot_accounts |= {a.pk for a in accounts if a.account_type == AccountType.INVESTMENT}
        kept = []
        for h in holdings.holdings:
            account, security = by_plaid_id.get(h.account_id), securities.get(h.security_id)
            if account is None or security is None:
                continue
            holding, _ = Holding.objects.update_or_create(
                account_id=account.pk, security=security,
                defaults={"quantity": h.quantity, "cost_basis": h.cost_basis, "source": Source.PLAID,
                          "as_of": h.institution_price_as_of or today})
            kept.append(holding.pk)
            _price(security, h.institution_price_as_of or today, h.institution_price)
        Holding.objects.filter(account_id__in=snapshot_accounts).exclude(pk__in=kept).delete()
        for s in described.values():
            if s.close_price is not None and s.close_price_as_of is not None:
                _price(securities[s.security_id], s.close_price_as_of, s.close_price)
        result.holdings = len(kept)
        result.added = _add_activity(activity, by_plaid_id, securities)
    return result


def _info(s: gateway.PlaidSecurity) -> SecurityInfo:
    return SecurityInfo(key=s.security_id, name=s.name, ticker=clean_ticker(s.ticker),
                        security_type=_TYPES.get(s.type, SecurityType.OTHER), currency=s.currency[:3],
                        cusip=s.cusip[:9], isin=s.isin[:12], plaid_security_id=s.security_id)


def _price(security, day: datetime.date, close) -> None:
    if security.security_type == SecurityType.CASH or close is None or close <= 0:
        return
    Price.objects.update_or_create(security=security, date=day, source=Source.PLAID,
                                   defaults={"close": close})


def _add_activity(activity: gateway.InvestmentActivity, by_plaid_id: dict, securities: dict) -> int:
    rows = [t for t in activity.transactions if t.account_id in by_plaid_id]
    known = set(InvestmentTransaction.objects.filter(
        account_id__in=[a.pk for a in by_plaid_id.values()],
        external_id__in=[t.investment_transaction_id for t in rows]).values_list("account_id", "external_id"))
    fresh = [t for t in rows if (by_plaid_id[t.account_id].pk, t.investment_transaction_id) not in known]
    InvestmentTransaction.objects.bulk_create([
        InvestmentTransaction(
            account_id=by_plaid_id[t.account_id].pk, security=securities.get(t.security_id), date=t.date,
            kind=_kind(t), quantity=abs(t.quantity), price=t.price, amount=t.amount, fees=t.fees,
            description=(t.name or t.subtype or t.type)[:255], external_id=t.investment_transaction_id[:100],
            source=Source.PLAID)
        for t in fresh])
    return len(fresh)


def _kind(t: gateway.PlaidInvestmentTransaction) -> str:
    if t.type == "cash":
        return TransactionKind.DIVIDEND if t.subtype in _INCOME else TransactionKind.TRANSFER
    return _KINDS.get(t.type, TransactionKind.OTHER)
