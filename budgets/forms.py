"""The inline budget amount: typed as people write money ("$1,200", "85.5", blank to clear)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

MAX_AMOUNT = Decimal("9999999999.99")


class BudgetAmountForm(forms.Form):
    category = forms.IntegerField()
    amount = forms.CharField(required=False, max_length=20)

    def clean_amount(self) -> Decimal | None:
        """A non-negative amount in cents, or None (blank) to remove the budget."""
        text = self.cleaned_data["amount"].replace("$", "").replace(",", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            message = f"{text!r} is not an amount; type a number like 250 or 85.50."
            raise forms.ValidationError(message) from exc
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            raise forms.ValidationError("A budget is an amount from 0 to 9,999,999,999.99.")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError("Use at most two decimals (cents).")
        return amount.quantize(Decimal("0.01"))
