"""The ledger token moves with every change to counted money, and answers cached on it follow."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from insights import revision
from insights.anomalies import unusual_transactions
from insights.tests.conftest import TODAY
from transactions.deletion import delete_transactions, restore
from transactions.models import Status, Transaction

pytestmark = pytest.mark.django_db


def test_the_token_moves_with_counted_money_only(charge):
    start = revision.current()
    cafe = charge("coffee", datetime.date(2026, 11, 1), "4.50", "Cafe")
    after_insert = revision.current()
    assert after_insert != start
    charge("coffee", datetime.date(2026, 11, 2), "9.00", "Cafe", status=Status.PENDING_REVIEW)
    assert revision.current() == after_insert  # waiting for review: not counted money
    Transaction.objects.filter(pk=cafe.pk).update(notes="a note")
    assert revision.current() == after_insert  # not a watched column
    Transaction.objects.filter(pk=cafe.pk).update(amount=Decimal("5.00"))
    after_update = revision.current()
    assert after_update != after_insert
    memories = delete_transactions([cafe])
    after_delete = revision.current()
    assert after_delete != after_update
    restore(memories)
    assert revision.current() != after_delete


def test_a_rolled_back_change_brings_back_the_earlier_token(charge):
    charge("coffee", datetime.date(2026, 11, 1), "4.50", "Cafe")
    before = revision.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        Transaction.objects.update(amount=Decimal("1.00"))
        assert revision.current() != before
        raise RuntimeError("roll back")
    assert revision.current() == before


def test_unusual_spending_follows_changes_to_the_ledger(charge):
    """The statistics are kept per token: a change shows at the next request."""
    for week in range(10):
        charge("coffee", datetime.date(2026, 8, 20) + datetime.timedelta(days=7 * week), "5.00", "Cafe")
    latest = charge("coffee", datetime.date(2026, 11, 10), "5.20", "Cafe")
    assert unusual_transactions(TODAY) == []
    assert unusual_transactions(TODAY) == []  # answered from the cache
    latest.amount = Decimal("60.00")
    latest.save()
    assert [u.transaction.pk for u in unusual_transactions(TODAY)] == [latest.pk]
    delete_transactions([latest])
    assert unusual_transactions(TODAY) == []
