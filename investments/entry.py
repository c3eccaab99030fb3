"""Manual entry: a holding typed in, or a trade recorded by hand.

A manual buy or sell also moves the account's holding (quantity, and cost
basis: a buy adds what was paid, a sell removes the sold share of the cost),
so an account kept by hand stays right. Holdings that come from Plaid or a
file are the institution's snapshot and are never changed by trades.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import Account
from investments.models import Holding, InvestmentTransaction, Price, Security, Source, TransactionKind
from investments.routers import ALIAS
from investments.securities import SecurityInfo, clean_ticker, resolve_securities

CENT = Decimal("0.01")


class EntryError(ValueError):
    """A manual entry that cannot be applied; the message is for the person."""


def _security(ticker: str, name: str, security_type: str) -> Security:
    info = SecurityInfo(key="entry", name=name, ticker=clean_ticker(ticker), security_type=security_type)
    return resolve_securities([info])["entry"]


def record_holding(*, account: Account, ticker: str, name: str, security_type: str, quantity: Decimal,
                   cost_basis: Decimal | None, as_of: datetime.date, price: Decimal | None) -> Holding:
    """Set the account's holding of this security (creating the security if new)."""
    with transaction.atomic(using=ALIAS):
        security = _security(ticker, name, security_type)
        holding, _ = Holding.objects.update_or_create(
            account_id=account.pk, security=security,
            defaults={"quantity": quantity, "cost_basis": cost_basis, "as_of": as_of,
                      "source": Source.MANUAL})
        if price is not None:
            Price.objects.update_or_create(security=security, date=as_of, source=Source.MANUAL,
                                           defaults={"close": price})
    return holding


def record_transaction(*, account: Account, ticker: str, name: str, security_type: str,
                       date: datetime.date, kind: str, quantity: Decimal, price: Decimal | None,
                       amount: Decimal, fees: Decimal, description: str) -> InvestmentTransaction:
    """Store one trade or cash event; a buy or sell also moves the holding (see the module)."""
    with transaction.atomic(using=ALIAS):
        security = _security(ticker, name, security_type) if ticker else None
        if kind in (TransactionKind.BUY, TransactionKind.SELL):
            if security is None:
                raise EntryError("A buy or sell needs the security's ticker.")
            _move_holding(account, security, kind, quantity, amount, fees, date)
        return InvestmentTransaction.objects.create(
            account_id=account.pk, security=security, date=date, kind=kind, quantity=quantity,
            price=price, amount=amount, fees=fees, description=description[:255], source=Source.MANUAL)


def _move_holding(account, security, kind, quantity, amount, fees, date) -> None:
    holding = Holding.objects.select_for_update().filter(account_id=account.pk, security=security).first()
    if holding is not None and holding.source != Source.MANUAL:
        return  # the institution's snapshot: its next statement or sync is the truth
    if kind == TransactionKind.BUY:
        if holding is None:
            holding = Holding(account_id=account.pk, security=security, quantity=Decimal(0),
                              cost_basis=Decimal(0), as_of=date, source=Source.MANUAL)
        holding.quantity += quantity
        if holding.cost_basis is not None:
            holding.cost_basis += abs(amount) + fees
    else:
        if holding is None or holding.quantity < quantity:
            held = Decimal(0) if holding is None else holding.quantity
            raise EntryError(f"Cannot sell {quantity.normalize():f} {security}: "
                             f"the account holds {held.normalize():f}.")
        if holding.cost_basis is not None and holding.quantity:
            holding.cost_basis -= (holding.cost_basis * quantity / holding.quantity).quantize(CENT)
        holding.quantity -= quantity
    holding.as_of = max(holding.as_of, date)
    holding.save()
