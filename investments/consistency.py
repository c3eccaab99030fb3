"""Keeping investment rows tied to Accounts that exist, across two databases.

Holdings and investment transactions name an `accounts.Account` by id, with
no foreign key (the rows live in another SQLite file). Two things keep the
link true:

* deleting an Account deletes its holdings and investment transactions
  (`post_delete`, connected when the app loads: the accounts app cannot
  know about investments, and every way of deleting an Account, the admin
  included, goes through the signal). The rows go once the deletion is
  committed, so a deletion that rolls back leaves the holdings too;
* `manage.py check --database investments` reports rows whose Account is
  gone anyway (deleted with raw SQL, or a database restored from an older
  backup), and `remove_orphans()` (run by the daily job) deletes them.
  Pages only ever show holdings of Accounts that exist.
"""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import Account
from investments.models import Holding, InvestmentTransaction
from investments.routers import ALIAS


def remove_account_rows(account_ids: list[int]) -> int:
    """Delete the holdings and investment transactions of these accounts; returns rows deleted."""
    with transaction.atomic(using=ALIAS):
        holdings, _ = Holding.objects.filter(account_id__in=account_ids).delete()
        activity, _ = InvestmentTransaction.objects.filter(account_id__in=account_ids).delete()
    return holdings + activity


@receiver(post_delete, sender=Account, dispatch_uid="investments_account_deleted")
def _account_deleted(sender, instance: Account, using: str, **kwargs) -> None:
    pk = instance.pk
    transaction.on_commit(lambda: remove_account_rows([pk]), using=using)


def orphaned_account_ids() -> set[int]:
    """Account ids that investment rows name but the main database no longer has."""
    named = set(Holding.objects.values_list("account_id", flat=True).distinct())
    named |= set(InvestmentTransaction.objects.values_list("account_id", flat=True).distinct())
    return named - set(Account.objects.filter(pk__in=named).values_list("pk", flat=True))


def remove_orphans() -> int:
    orphans = orphaned_account_ids()
    return remove_account_rows(sorted(orphans)) if orphans else 0


@checks.register(checks.Tags.database)
def check_orphans(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Runs with `manage.py check --database investments` (database checks need a database)."""
    if not databases or ALIAS not in databases:
        return []
    try:
        orphans = orphaned_account_ids()
    except DatabaseError:  # not migrated yet: `migrate --database investments` runs checks first
        return []
    if not orphans:
        return []
    return [checks.Warning(
        f"Investment holdings or transactions name accounts that no longer exist: "
        f"{', '.join(map(str, sorted(orphans)))}.",
        hint="They are hidden from every page; the daily price job deletes them.",
        id="investments.W001",
    )]
