"""Adding a person: their own login, checked by the password validators in settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class PersonForm(UserCreationForm):
    is_staff = forms.BooleanField(
        required=False, label="Can add people and open the admin",
        help_text="Leave unticked for someone who only uses the budget.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name", "email", "is_staff")
        labels = {"first_name": "Name shown in the ledger"}
