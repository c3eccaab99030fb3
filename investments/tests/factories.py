"""Factories for investment rows (in investments.db) and the Accounts they name (in budget.db)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from accounts.models import Account, AccountType
from investments.models import Holding, Price, Security, SecurityType, Source


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Brokerage {n}")
    institution = "Fidelity"
    account_type = AccountType.INVESTMENT


class SecurityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Security

    ticker = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.LazyAttribute(lambda s: f"{s.ticker} Inc.")
    security_type = SecurityType.EQUITY


class HoldingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holding

    account_id = factory.LazyFunction(lambda: AccountFactory().pk)
    security = factory.SubFactory(SecurityFactory)
    quantity = Decimal("10")
    cost_basis = Decimal("1000.00")
    as_of = datetime.date(2026, 11, 20)
    source = Source.MANUAL


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    security = factory.SubFactory(SecurityFactory)
    date = datetime.date(2026, 11, 20)
    close = Decimal("100")
    source = "yahoo"
