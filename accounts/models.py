"""Bank accounts (manual or linked through Plaid) and the log of every sync."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.crypto import EncryptedTextField


class AccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"
    CREDIT_CARD = "credit_card", "Credit card"
    INVESTMENT = "investment", "Investment"
    LOAN = "loan", "Loan"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class ConnectionStatus(models.TextChoices):
    DISCONNECTED = "disconnected", "Not linked"
    CONNECTED = "connected", "Connected"
    ERROR = "error", "Needs attention"
    RECONNECT = "reconnect", "Reconnect required"


# Never shown: pages read accounts without them (which also saves a decryption per account).
SECRET_FIELDS = ("plaid_access_token", "plaid_cursor")


class AccountQuerySet(models.QuerySet):
    def without_secrets(self) -> AccountQuerySet:
        """For showing accounts: no Plaid token or cursor read, nor decrypted."""
        return self.defer(*SECRET_FIELDS)

    def linked(self) -> AccountQuerySet:
        return self.exclude(plaid_item_id__isnull=True).exclude(plaid_item_id="")

    def manual(self) -> AccountQuerySet:
        """Accounts fed only by imports and manual entry (not linked to a bank)."""
        return self.filter(models.Q(plaid_item_id__isnull=True) | models.Q(plaid_item_id=""))

    def of_item(self, item_id: str) -> AccountQuerySet:
        """The accounts of one Plaid item (one bank login): they share a token and a cursor."""
        return self.filter(plaid_item_id=item_id)

    def needing_user(self) -> AccountQuerySet:
        """Linked accounts whose bank login must be repaired by a person before syncing again."""
        return self.linked().filter(
            plaid_connection_status__in=[ConnectionStatus.ERROR, ConnectionStatus.RECONNECT])

    def item_ids(self) -> list[str]:
        """Distinct Plaid item ids among these accounts, in a stable order."""
        return list(self.linked().order_by("plaid_item_id").values_list("plaid_item_id", flat=True)
                    .distinct())

    def find(self, name_or_id: str) -> Account:
        """One account by id, exact name, or "Institution Name"; raises Account.DoesNotExist
        or MultipleObjectsReturned with a sentence listing what exists."""
        text = str(name_or_id).strip()
        if text.isdigit() and self.filter(pk=int(text)).exists():
            return self.get(pk=int(text))
        matches = [a for a in self.all() if text.lower() in (a.name.lower(), str(a).lower())]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(f"{a.pk}: {a}" for a in self.all()) or "none yet"
        if matches:
            raise self.model.MultipleObjectsReturned(
                f"several accounts are named {text!r}; use the id ({known})")
        raise self.model.DoesNotExist(f"no account {text!r} (accounts: {known})")


class Account(models.Model):
    """One account at one institution.

    Balances follow the institution's view (a credit card's `balance_current`
    is what is owed). `plaid_access_token` is encrypted at rest and must never
    be rendered, logged or shown in the admin.

    Accounts linked through one bank login share a Plaid item: the same
    `plaid_item_id`, access token and `plaid_cursor`, synced together.
    Added for Plaid: `plaid_institution_id`, so a bank that is already
    linked is not linked twice (which would double every transaction);
    `sync_claimed_at` and `sync_claim_token`, a per-item lock taken with one
    conditional UPDATE (see `accounts.sync`), so a scheduled sync and a
    "Sync now" click never run the same item at once, in any process. A
    claim older than the stale timeout is free again, so a crashed sync
    cannot block its item forever.
    """

    name = models.CharField(max_length=100)
    institution = models.CharField(max_length=50)
    account_type = models.CharField(max_length=20, choices=AccountType.choices)
    plaid_item_id = models.CharField(max_length=100, null=True, blank=True)
    plaid_access_token = EncryptedTextField(null=True, blank=True, editable=False)
    plaid_cursor = models.TextField(null=True, blank=True, editable=False)
    plaid_account_id = models.CharField(max_length=100, null=True, blank=True)
    plaid_connection_status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.DISCONNECTED
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_error = models.TextField(null=True, blank=True)
    balance_current = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    balance_available = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    balance_limit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    balance_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, default=timezone.now)
    # Added: the last digits of the account number, so a file that names
    # another account's number is refused instead of imported in the wrong place.
    mask = models.CharField(max_length=20, blank=True, default="")
    # Added for Plaid (see the docstring): the institution, and the per-item sync claim.
    plaid_institution_id = models.CharField(max_length=50, blank=True, default="", editable=False)
    sync_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sync_claim_token = models.CharField(max_length=40, blank=True, default="", editable=False)

    objects = AccountQuerySet.as_manager()

    class Meta:
        db_table = "accounts"
        ordering = ["institution", "name"]

    def __str__(self) -> str:
        """"Institution Name", without saying the institution twice ("Discover Card", not
        "Discover Discover Card": names often carry it already)."""
        institution = (self.institution or "").strip()
        if not institution or self.name.lower().startswith(institution.lower()):
            return self.name
        return f"{institution} {self.name}"

    @property
    def is_credit(self) -> bool:
        return self.account_type in (AccountType.CREDIT_CARD, AccountType.LOAN)


class SyncTrigger(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    MANUAL = "manual", "Manual"
    WEBHOOK = "webhook", "Webhook"
    INITIAL = "initial", "Initial"


class SyncStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"
    SKIPPED = "skipped", "Skipped"
    RUNNING = "running", "Running"


class SyncLog(models.Model):
    """One attempt to sync one account, successful or not."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="sync_logs", db_index=False
    )
    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices)
    status = models.CharField(max_length=20, choices=SyncStatus.choices)
    added = models.IntegerField(null=True, default=0)
    modified = models.IntegerField(null=True, default=0)
    removed = models.IntegerField(null=True, default=0)
    error_message = models.TextField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, default=timezone.now)

    class Meta:
        db_table = "sync_log"
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["account", "started_at"], name="idx_synclog_account_started"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.trigger} {self.status} {self.started_at:%Y-%m-%d %H:%M}"
