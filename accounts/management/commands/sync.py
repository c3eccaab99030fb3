"""Sync linked banks from the command line (what the scheduler runs, on demand)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, SyncStatus, SyncTrigger
from accounts.sync import sync_item, sync_items


class Command(BaseCommand):
    help = ("Sync transactions and balances of linked banks, one summary line per bank. "
            "Without options: every bank that does not wait for you to reconnect it.")

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--account", help="Sync the bank of this account (name or id).")
        which.add_argument("--item", help="Sync this Plaid item id.")
        parser.add_argument("--all", action="store_true",
                            help="Also try banks marked as needing you to reconnect them.")

    def handle(self, *args, account: str | None, item: str | None, all: bool, **options):
        if account:
            try:
                found = Account.objects.find(account)
            except (Account.DoesNotExist, Account.MultipleObjectsReturned) as exc:
                raise CommandError(str(exc)) from exc
            if not found.plaid_item_id:
                raise CommandError(f"{found} is a manual account: it is not linked to a bank.")
            results = [sync_item(found.plaid_item_id, trigger=SyncTrigger.MANUAL)]
        elif item:
            if not Account.objects.of_item(item).exists():
                known = ", ".join(Account.objects.item_ids()) or "none"
                raise CommandError(f"no linked bank has item id {item!r} (items: {known})")
            results = [sync_item(item, trigger=SyncTrigger.MANUAL)]
        else:
            results = sync_items(trigger=SyncTrigger.MANUAL, include_needing_user=all)
            if not results:
                self.stdout.write("No linked banks: connect one on the Accounts page or with "
                                  "`manage.py plaid_connect`.")
        for result in results:
            self.stdout.write(f"{str(result)} [item {result.item_id}]")
        failed = [r for r in results if r.status == SyncStatus.ERROR]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} banks failed to sync (see above); "
                               "what was synced before stays saved.")
