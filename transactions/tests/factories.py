import datetime
from decimal import Decimal

import factory

from accounts.tests.factories import AccountFactory
from transactions.importers.base import ImportRow
from transactions.models import Source, Status, Transaction


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    account = factory.SubFactory(AccountFactory)
    date = datetime.date(2026, 10, 1)
    description = factory.Sequence(lambda n: f"MERCHANT {n}")
    merchant_name = factory.LazyAttribute(lambda o: o.description.title())
    merchant_key = factory.LazyAttribute(lambda o: o.description.lower())
    amount = Decimal("10.00")
    status = Status.PENDING_REVIEW
    source = Source.CSV_IMPORT


def row(day: int, description: str, amount: str, **extra) -> ImportRow:
    """A plain import row on day `day` of October 2026."""
    return ImportRow(date=datetime.date(2026, 10, day), description=description,
                     amount=Decimal(amount), **extra)
