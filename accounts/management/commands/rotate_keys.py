"""Rotate the Fernet key that encrypts Plaid access tokens at rest."""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from budgetsite.home import SECRETS_FILE, load_secrets, write_secrets

ENV_VAR = "BUDGET_FERNET_KEYS"


def reencrypt_tokens(keys: list[str]) -> tuple[int, int]:
    """Re-encrypt every stored access token with `keys[0]`, in one transaction.

    Raw SQL on purpose: the model field would decrypt with the keys this
    process started with. Tokens no key opens are left as they are.
    Returns (re-encrypted, unreadable).
    """
    fernet = MultiFernet([Fernet(key.encode()) for key in keys])
    done = unreadable = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, plaid_access_token FROM accounts "
                       "WHERE plaid_access_token IS NOT NULL AND plaid_access_token <> ''")
        for account_id, token in cursor.fetchall():
            try:
                rotated = fernet.rotate(token.encode()).decode()
            except InvalidToken:
                unreadable += 1
                continue
            cursor.execute("UPDATE accounts SET plaid_access_token = %s WHERE id = %s",
                           [rotated, account_id])
            done += 1
    return done, unreadable


class Command(BaseCommand):
    help = ("Generate a new Fernet key, put it first in FERNET_KEYS and re-encrypt every Plaid "
            "access token with it (older keys stay, so backups remain readable).")

    def add_arguments(self, parser):
        parser.add_argument("--reencrypt-only", action="store_true",
                            help=f"No new key: re-encrypt with the first key already configured "
                                 f"(after updating {ENV_VAR}).")

    def handle(self, *args, reencrypt_only: bool, **options):
        if reencrypt_only:
            self._reencrypt(list(settings.FERNET_KEYS))
            return
        new_key = Fernet.generate_key().decode()
        keys = [new_key, *settings.FERNET_KEYS]
        if os.environ.get(ENV_VAR):
            # The running app reads the keys from the environment: re-encrypting now would
            # leave it unable to read the tokens until the variable changes.
            self.stdout.write(
                f"The keys come from the environment variable {ENV_VAR}, so nothing was changed.\n"
                f"Set it to this value (new key first), restart the app, then run "
                f"`manage.py rotate_keys --reencrypt-only`:\n\n{ENV_VAR}={','.join(keys)}\n")
            return
        home = settings.BUDGET_HOME
        secrets = load_secrets(home)
        secrets["FERNET_KEYS"] = ",".join(keys)
        # The file first: if re-encryption is interrupted, every token still opens.
        write_secrets(home, secrets)
        self.stdout.write(f"New key written first in {home / SECRETS_FILE}.")
        self._reencrypt(keys)
        self.stdout.write("Restart the app (serve, runscheduler) so it encrypts with the new key.")

    def _reencrypt(self, keys: list[str]) -> None:
        done, unreadable = reencrypt_tokens(keys)
        self.stdout.write(f"Re-encrypted {done} access tokens with the newest key.")
        if unreadable:
            self.stderr.write(f"{unreadable} tokens open with none of the keys; they were left as "
                              "they are (those banks need reconnecting).")
