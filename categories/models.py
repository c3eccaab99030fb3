"""Categories and the two kinds of hand-made categorization knowledge.

Table names, columns and constraints follow the original app's schema so an
existing budget.db is adopted in place (`migrate --fake-initial`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Category(models.Model):
    """A two-level category: parents group children (`parent` is null for a parent).

    `short_desc` is the stable machine name (unique); `display_name` is what
    people see. Transfers is a category like any other, but every spending
    figure excludes it (see `TRANSFERS`).
    """

    TRANSFERS = "transfers"

    short_desc = models.CharField(max_length=100)
    display_name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        db_index=False,
    )
    color = models.CharField(max_length=7, null=True, blank=True, help_text="Hex, e.g. #1f77b4")
    is_income = models.BooleanField(null=True, default=False)
    is_recurring = models.BooleanField(null=True, default=False)
    created_at = models.DateTimeField(null=True, default=timezone.now)

    class Meta:
        db_table = "categories"
        verbose_name_plural = "categories"
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["short_desc"], name="ix_categories_short_desc"),
        ]

    def __str__(self) -> str:
        if self.parent_id and self.parent:
            return f"{self.parent.display_name} › {self.display_name}"
        return self.display_name


class MerchantMapping(models.Model):
    """Tier 2 knowledge: a cleaned merchant key that means one category.

    `confidence` keeps the original's meaning, the number of confirmations
    that agreed; the engine turns it into a probability.
    """

    merchant_pattern = models.CharField(max_length=200)
    category = models.ForeignKey(
        "categories.Category", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    confidence = models.IntegerField(null=True, default=1)
    created_at = models.DateTimeField(null=True, default=timezone.now)
    # Added: how often a person overrode this mapping (lowers its confidence),
    # and when it was last confirmed (evidence shown in the admin).
    overrides = models.IntegerField(default=0)
    last_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "merchant_mappings"
        ordering = ["merchant_pattern"]
        indexes = [
            models.Index(fields=["merchant_pattern"], name="ix_merchant_mappings_merchant_pattern"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["merchant_pattern"], name="uq_merchant_pattern"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_pattern} → {self.category_id}"


class AmountRule(models.Model):
    """Tier 1: a description fragment plus an amount (± tolerance) means a category.

    Made for merchants that sell several things, e.g. Apple charges told apart
    by price. Amounts are in the stored sign convention (expense > 0).
    """

    description_pattern = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    tolerance = models.DecimalField(max_digits=12, decimal_places=2, null=True, default=0)
    short_desc = models.CharField(max_length=100)
    category = models.ForeignKey(
        "categories.Category", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    notes = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, default=timezone.now)

    class Meta:
        db_table = "amount_rules"
        ordering = ["description_pattern", "amount"]
        indexes = [models.Index(fields=["description_pattern"], name="idx_amount_rules_pattern")]

    def __str__(self) -> str:
        return f"{self.description_pattern} {self.amount} → {self.short_desc}"
