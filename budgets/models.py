"""Monthly budget targets per category."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

month_validator = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "Use the form YYYY-MM.")


class Budget(models.Model):
    """How much a household plans to spend in one category in one month (YYYY-MM).

    `rollover` was added for the month view: when it is on, what is left of
    the month (or overspent) carries into the next month's available amount.
    """

    category = models.ForeignKey(
        "categories.Category", on_delete=models.CASCADE, related_name="budgets", db_index=False
    )
    month = models.CharField(max_length=7, validators=[month_validator])
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(null=True, default=timezone.now)
    # Added: opt-in rollover. It lives on the month's budget, not on the
    # category, so switching it on or off changes that month onwards and never
    # rewrites what an earlier month showed; "copy last month" carries it
    # forward. A month's leftover (available minus spent, negative when
    # overspent) carries into the next month when this month's budget has it on.
    rollover = models.BooleanField(default=False)

    class Meta:
        db_table = "budgets"
        ordering = ["month", "category_id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "month"], name="uq_budget_category_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.category_id}: {self.amount}"
