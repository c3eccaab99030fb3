"""Encryption at rest for secrets stored in the database (Plaid access tokens).

MultiFernet over `settings.FERNET_KEYS` (newest first): encrypts with the
newest key, decrypts with any, so keys can rotate. The database only ever holds
ciphertext; a value that no key decrypts reads as None instead of crashing.
"""

from __future__ import annotations

import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models

log = logging.getLogger(__name__)


@cache
def fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FERNET_KEYS])


def _reset(setting: str, **kwargs) -> None:
    if setting == "FERNET_KEYS":
        fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str | None:
    """The plaintext, or None when no configured key opens it."""
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError, TypeError):
        return None


def decrypt_with(key: str, ciphertext: str) -> str | None:
    """Decrypt with one explicit key (the original app's), or None."""
    try:
        return Fernet(key.encode()).decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError, TypeError):
        return None


class EncryptedTextField(models.TextField):
    """A text column that stores Fernet ciphertext and reads back plaintext."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        plaintext = decrypt(value)
        if plaintext is None:
            log.warning("%s: a stored value could not be decrypted with the current keys", self)
        return plaintext

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def adopt_legacy_tokens(connection, legacy_key: str) -> tuple[int, int]:
    """Re-encrypt access tokens made by the original app; flag the rest.

    Tokens our keys already open are left alone. Tokens the original's key
    (`legacy_key`) opens are re-encrypted with ours. Any other token is kept
    as it is (a later run with the right key can still adopt it) and its
    account is marked to reconnect. Raw SQL on purpose: the field would try
    to decrypt. Returns (re-encrypted, marked to reconnect).
    """
    adopted = flagged = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, plaid_access_token FROM accounts "
            "WHERE plaid_access_token IS NOT NULL AND plaid_access_token <> ''"
        )
        rows = cursor.fetchall()
        for account_id, token in rows:
            if decrypt(token) is not None:
                continue
            plaintext = decrypt_with(legacy_key, token) if legacy_key else None
            if plaintext is not None:
                cursor.execute(
                    "UPDATE accounts SET plaid_access_token = %s WHERE id = %s",
                    [encrypt(plaintext), account_id],
                )
                adopted += 1
            else:
                cursor.execute(
                    "UPDATE accounts SET plaid_connection_status = %s, last_sync_error = %s "
                    "WHERE id = %s",
                    [
                        "reconnect",
                        "This bank link was made by the original app and its key was not "
                        "given (BUDGET_LEGACY_FERNET_KEY): reconnect the bank.",
                        account_id,
                    ],
                )
                flagged += 1
    return adopted, flagged
