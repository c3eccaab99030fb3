"""The manual account form (also renames linked accounts): name, institution, type, last digits."""

from __future__ import annotations

from django import forms

from accounts.models import Account


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["name", "institution", "account_type", "mask"]
        labels = {"mask": "Last digits of the account number"}
        help_texts = {"mask": "Optional; only the last four digits are kept. Files that name "
                              "another account number are refused."}

    def clean_mask(self) -> str:
        mask = "".join(self.cleaned_data.get("mask", "").split())
        if mask and not mask.isalnum():
            raise forms.ValidationError("Use only the digits (or letters) printed on the statement.")
        return mask[-4:] if mask.isdigit() and len(mask) > 4 else mask
