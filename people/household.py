"""The household's logins: who may use the shared ledger, and who may manage it.

Everyone with an active login sees and changes the same ledger; "staff" may
also add people here and open the Django admin. The owner (the superuser set
up on the first run) cannot be switched off from this page, so the household
never locks itself out.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import QuerySet

from people.forms import PersonForm


def members() -> QuerySet[AbstractUser]:
    """Every login, owners first, then by name."""
    return get_user_model().objects.order_by("-is_superuser", "-is_active", "username")


@transaction.atomic
def add_person(form: PersonForm) -> AbstractUser:
    """Create a validated person's login (never a superuser)."""
    person = form.save(commit=False)
    person.is_superuser = False
    person.save()
    return person


class CannotDeactivate(Exception):
    """A sentence saying why this login must stay active."""


@transaction.atomic
def set_active(person: AbstractUser, active: bool, *, by: AbstractUser) -> AbstractUser:
    """Switch a login on or off; a switched-off person cannot log in and their
    records (who confirmed what) stay. Nobody switches off themselves or an owner."""
    if not active and person.pk == by.pk:
        raise CannotDeactivate("You cannot switch off your own login.")
    if not active and person.is_superuser:
        raise CannotDeactivate(f"{person.username} is an owner; change that in the admin first.")
    person.is_active = active
    person.save(update_fields=["is_active"])
    return person
