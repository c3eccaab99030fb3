"""The ledger: transactions and the memory of deleted ones.

Sign convention, everywhere: `amount > 0` is money out (an expense), `amount < 0`
is money in (income), as Plaid reports it. Money is Decimal, never float.
`predicted_category` is what the engine thinks; `category` is what is true, and
only a confirmation (a person, an email reply, or auto-confirm) writes it.
"""

from __future__ import annotations

from django.db import connections, models
from django.utils import timezone


class Status(models.TextChoices):
    PENDING_REVIEW = "pending_review", "Pending review"
    PENDING_SAVE = "pending_save", "Staged"
    CONFIRMED = "confirmed", "Confirmed"
    AUTO_CONFIRMED = "auto_confirmed", "Auto-confirmed"


PENDING_STATUSES = (Status.PENDING_REVIEW, Status.PENDING_SAVE)
CONFIRMED_STATUSES = (Status.CONFIRMED, Status.AUTO_CONFIRMED)


class Source(models.TextChoices):
    CSV_IMPORT = "csv_import", "File import"
    PLAID = "plaid", "Plaid"
    ARCHIVE = "archive", "Archive"


class Tier(models.TextChoices):
    AMOUNT_RULE = "amount_rule", "Amount rule"
    MERCHANT_MAP = "merchant_map", "Merchant mapping"
    AI = "ai", "Model"
    # Added: a pair of opposite amounts in two of the household's accounts.
    TRANSFER = "transfer", "Transfer pair"


class DeleteReason(models.TextChoices):
    USER = "user", "Deleted by a person"
    REVERT = "revert", "Import reverted"
    BANK_REMOVED = "bank_removed", "Removed by the bank"


class TransactionQuerySet(models.QuerySet):
    def pending(self) -> TransactionQuerySet:
        return self.filter(status__in=PENDING_STATUSES)

    def confirmed(self) -> TransactionQuerySet:
        return self.filter(status__in=CONFIRMED_STATUSES)

    def pending_counts(self) -> dict[str, int]:
        """Rows waiting for review and staged, in one query (see `_counted`)."""
        review, save = self._counted()
        return {"pending_review": review, "pending_save": save}

    def stats(self) -> dict[str, int]:
        """The whole ledger's counts by review state, in one query (see `_counted`).
        Every status is pending or confirmed, so confirmed is what the pending ones leave."""
        review, save, total = self._counted(with_total=True)
        return {"total_transactions": total, "pending_review": review, "pending_save": save,
                "confirmed": total - review - save}

    def _counted(self, *, with_total: bool = False) -> tuple[int, ...]:
        """Rows waiting for review, staged, and (with_total) all of them.

        Counts the database answers from its B-trees (one status's range of the
        status index; the table): 0.2 ms at a million rows, where one pass with
        a filter per state read every index entry (about 100 ms). The nav badge
        and the review queue ask for these after every action.
        """
        if self.query.where:
            raise TypeError("these counts are of the whole ledger; they take no filters")
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        counts = [f"(SELECT COUNT(*) FROM {table} WHERE status = %s)"] * 2
        if with_total:
            counts.append(f"(SELECT COUNT(*) FROM {table})")
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(counts), [Status.PENDING_REVIEW, Status.PENDING_SAVE])
            return cursor.fetchone()


class Transaction(models.Model):
    """One movement of money in one account (`amount > 0` is an expense)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    plaid_transaction_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    date = models.DateField()
    description = models.TextField()
    merchant_name = models.CharField(max_length=200, null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    category = models.ForeignKey(
        "categories.Category", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="transactions", db_index=False,
    )
    predicted_category = models.ForeignKey(
        "categories.Category", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="predicted_transactions", db_index=False,
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_REVIEW)
    source = models.CharField(max_length=20, choices=Source.choices)
    is_pending = models.BooleanField(null=True, default=False)
    categorization_tier = models.CharField(
        max_length=20, choices=Tier.choices, null=True, blank=True
    )
    prediction_confidence = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, default=timezone.now)
    # Added to the original schema, for idempotent imports and learning:
    # `external_id` is the file's own id (OFX FITID), unique per account;
    # `fingerprint` hashes (account, date, amount, normalized description,
    # occurrence within the file) so re-importing a file without ids adds 0;
    # `merchant_key` is the cleaned merchant the engine learns on.
    external_id = models.CharField(max_length=200, null=True, blank=True)
    fingerprint = models.CharField(max_length=64, null=True, blank=True, editable=False)
    merchant_key = models.CharField(max_length=200, blank=True, default="")
    import_batch = models.ForeignKey(
        "transactions.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="transactions",
    )
    possible_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="possible_duplicates"
    )
    transfer_pair = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Added for a household of several logins: who last changed the row by
    # hand (a category correction or a merchant rename), and when.
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TransactionQuerySet.as_manager()

    class Meta:
        db_table = "transactions"
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["date"], name="idx_transactions_date"),
            models.Index(fields=["status"], name="idx_transactions_status"),
            models.Index(fields=["account", "date"], name="idx_transactions_account_date"),
            models.Index(fields=["merchant_key"], name="idx_transactions_merchant"),
            models.Index(fields=["category", "date"], name="idx_transactions_category_date"),
            # Added: the review queue reads pending rows newest first from this index alone.
            models.Index(fields=["status", "date"], name="idx_transactions_status_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="uq_transactions_account_external_id",
                condition=models.Q(external_id__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["account", "fingerprint"], name="uq_transactions_account_fingerprint",
                condition=models.Q(fingerprint__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.description[:40]} {self.amount}"

    def rename_merchant(self, name: str, *, user=None) -> None:
        """Show the row under another merchant name (blank: none); the raw description stays
        as the bank sent it. Records who renamed it."""
        self.merchant_name = name.strip()[:200] or None
        self.updated_at, self.updated_by = timezone.now(), user
        self.save(update_fields=["merchant_name", "updated_at", "updated_by"])


class DeletedTransaction(models.Model):
    """A deleted transaction, remembered so it can be restored and never re-imported."""

    original_id = models.IntegerField()
    account_id = models.IntegerField(null=True, blank=True)
    account_name = models.CharField(max_length=200, null=True, blank=True)
    date = models.DateField()
    description = models.TextField()
    merchant_name = models.CharField(max_length=200, null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    category_name = models.CharField(max_length=100, null=True, blank=True)
    status = models.CharField(max_length=20, null=True, blank=True)
    source = models.CharField(max_length=20, null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, default=timezone.now)
    # Added: why it was deleted, and everything needed to restore it exactly
    # and to keep a re-import from bringing it back.
    reason = models.CharField(max_length=20, choices=DeleteReason.choices, default="user")
    fingerprint = models.CharField(max_length=64, null=True, blank=True)
    external_id = models.CharField(max_length=200, null=True, blank=True)
    plaid_transaction_id = models.CharField(max_length=100, null=True, blank=True)
    import_batch_id = models.IntegerField(null=True, blank=True)
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "deleted_transactions"
        ordering = ["-deleted_at"]
        indexes = [
            models.Index(fields=["account_id", "fingerprint"], name="idx_deleted_fingerprint"),
            models.Index(fields=["account_id", "external_id"], name="idx_deleted_external_id"),
            models.Index(fields=["import_batch_id"], name="idx_deleted_batch"),
        ]

    def __str__(self) -> str:
        return f"deleted {self.original_id}: {self.date} {self.description[:40]}"


class ImportBatch(models.Model):
    """One import of one file (or one manual entry, demo load or sync page).

    Records who imported what and what came of it; reverting a batch moves
    exactly its rows to DeletedTransaction, and restoring brings them back.
    """

    file_name = models.CharField(max_length=255)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="import_batches"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    file_format = models.CharField(max_length=50, blank=True, default="")
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    added = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)
    possible_duplicates = models.IntegerField(default=0)
    deleted_skipped = models.IntegerField(default=0)
    auto_confirmed = models.IntegerField(default=0)
    errors = models.IntegerField(default=0)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "import_batches"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name} ({self.added} added)"


class ImportProfile(models.Model):
    """A saved column mapping for a CSV layout, found again by its header."""

    name = models.CharField(max_length=100, unique=True)
    header_signature = models.CharField(max_length=64, unique=True)
    mapping = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "import_profiles"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RejectedTransferPair(models.Model):
    """Two transactions a person said are not a transfer; never proposed again.

    Stored with the smaller id first so a pair has one spelling.
    """

    first = models.ForeignKey("transactions.Transaction", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("transactions.Transaction", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "rejected_transfer_pairs"
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="uq_rejected_transfer_pair"),
        ]

    def __str__(self) -> str:
        return f"not a transfer: {self.first_id} and {self.second_id}"
