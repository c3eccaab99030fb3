"""Link a bank without a browser: Plaid Sandbox's public token instead of Link."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import plaid_gateway as gateway
from accounts.plaid_gateway import PlaidError
from accounts.sync import link_item


class Command(BaseCommand):
    help = ("Link a Plaid Sandbox test bank (no browser needed), create its accounts and run "
            "the first sync. Real banks are linked on the Accounts page.")

    def add_arguments(self, parser):
        parser.add_argument("--sandbox", action="store_true", required=True,
                            help="Use /sandbox/public_token/create (required: Sandbox only).")
        parser.add_argument("--institution", default="ins_109508",
                            help="Sandbox institution id (default ins_109508, First Platypus Bank).")
        parser.add_argument("--name", default="", help="Institution name to show (default: Plaid's).")

    def handle(self, *args, sandbox: bool, institution: str, name: str, **options):
        if not gateway.is_configured():
            raise CommandError("Set PLAID_CLIENT_ID and PLAID_SECRET (your Sandbox keys) first.")
        if not settings.PLAID_API_HOST and settings.PLAID_ENV != "sandbox":
            raise CommandError("--sandbox needs PLAID_ENV=sandbox.")
        try:
            public_token = gateway.sandbox_public_token(institution_id=institution)
            result = link_item(public_token=public_token, institution_id=institution,
                               institution_name=name)
        except PlaidError as exc:
            raise CommandError(f"Plaid refused: {exc}") from exc
        if result.already_linked:
            raise CommandError(f"{result.institution} is already linked (account "
                               f"{result.already_linked.pk}); add accounts from the Accounts page.")
        for account in result.accounts:
            self.stdout.write(f"Linked {account} (id {account.pk}, …{account.mask or '----'})")
        for account in result.adopted:
            self.stdout.write(f"Linked your existing account {account} (id {account.pk})")
        self.stdout.write(f"First sync: {result.sync}")
