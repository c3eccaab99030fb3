"""Manual entry: a transaction typed in by hand (cash, a missing bank line).

It goes through `ingest` like any imported row, so it is categorized, logged
as an import batch and can be reverted. A person adding the same purchase twice
means two purchases, so manual rows are never dropped as duplicates.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db import transaction

from categories.models import Category
from transactions import listing
from transactions.confirm import confirm
from transactions.importers.base import ImportRow
from transactions.ingest import ingest
from transactions.models import Source, Transaction


class ManualEntryForm(forms.Form):
    """One transaction typed in by hand; the amount is a size plus a direction."""

    account = forms.ModelChoiceField(queryset=listing.accounts(), empty_label=None)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(max_length=500)
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                error_messages={"min_value": "Enter the amount as a positive number."})
    kind = forms.ChoiceField(choices=[("expense", "Expense (money out)"), ("income", "Income (money in)")],
                             widget=forms.RadioSelect, initial="expense")
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)

    def clean_description(self) -> str:
        text = " ".join(self.cleaned_data["description"].split())
        if not text:
            raise forms.ValidationError("Describe the transaction (e.g. the shop's name).")
        return text

    def signed_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["kind"] == "income" else amount


@transaction.atomic
def enter_manually(form: ManualEntryForm, *, user=None) -> Transaction:
    """Store a valid manual entry through `ingest`; confirm it when a category was chosen."""
    data = form.cleaned_data
    row = ImportRow(date=data["date"], description=data["description"], amount=form.signed_amount())
    result = ingest([row], account=data["account"], source=Source.CSV_IMPORT, file_name="manual entry",
                    user=user, manual=True)
    txn = Transaction.objects.get(import_batch_id=result.batch_id)
    if data["category"] is not None:
        txn.category = data["category"]
        confirm([txn], user=user, correcting=True)
    return txn
