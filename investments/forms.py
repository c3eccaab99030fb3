"""Forms for manual entry and for importing an OFX investment statement."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts.models import Account, AccountType
from investments.models import SecurityType, TransactionKind

MAX_OFX_BYTES = 10 * 1024 * 1024


class _AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return str(obj)


def investment_accounts():
    return Account.objects.filter(account_type=AccountType.INVESTMENT)


class _SecurityFields(forms.Form):
    account = _AccountChoice(queryset=Account.objects.none(), empty_label=None)
    ticker = forms.CharField(max_length=20, required=False,
                             help_text="Needed for prices; leave empty for a fund without one.")
    name = forms.CharField(max_length=200, required=False)
    security_type = forms.ChoiceField(choices=SecurityType.choices, initial=SecurityType.EQUITY,
                                      label="Type")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = investment_accounts()

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("ticker", "").strip() and not data.get("name", "").strip():
            raise forms.ValidationError("Give the security's ticker or its name.")
        return data


class HoldingForm(_SecurityFields):
    quantity = forms.DecimalField(max_digits=20, decimal_places=6, min_value=Decimal(0))
    cost_basis = forms.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=Decimal(0),
                                    label="Cost basis (total paid)")
    as_of = forms.DateField(initial=timezone.localdate, label="As of",
                            widget=forms.DateInput(attrs={"type": "date"}))
    price = forms.DecimalField(max_digits=20, decimal_places=6, required=False, min_value=Decimal(0),
                               help_text="Optional: the price on that day, until a provider has one.")


class TransactionForm(_SecurityFields):
    date = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=TransactionKind.choices)
    quantity = forms.DecimalField(max_digits=20, decimal_places=6, min_value=Decimal(0), initial=0)
    price = forms.DecimalField(max_digits=20, decimal_places=6, required=False, min_value=Decimal(0))
    amount = forms.DecimalField(max_digits=14, decimal_places=2,
                                help_text="Cash out of the account is positive (a buy, a fee); "
                                          "cash in is negative (a sale, a dividend).")
    fees = forms.DecimalField(max_digits=14, decimal_places=2, initial=0, min_value=Decimal(0))
    description = forms.CharField(max_length=255, required=False)

    def clean(self) -> dict:
        data = forms.Form.clean(self)
        trade = data.get("kind") in (TransactionKind.BUY, TransactionKind.SELL)
        if trade and not data.get("ticker", "").strip():
            self.add_error("ticker", "A buy or sell needs the security's ticker.")
        if trade and not data.get("quantity"):
            self.add_error("quantity", "A buy or sell needs a quantity.")
        return data


class OfxUploadForm(forms.Form):
    account = _AccountChoice(queryset=Account.objects.none(), required=False,
                             empty_label="Match by account number",
                             help_text="Files with one statement may go to any investment account.")
    file = forms.FileField(label="OFX or QFX investment statement")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = investment_accounts()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_OFX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; that is not an OFX statement.")
        return upload
