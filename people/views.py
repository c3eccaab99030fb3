"""The People page: staff add logins for the household and switch them off.

Plain forms that post and redirect: a page used a few times a year needs no htmx.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from people import household
from people.forms import PersonForm

PAGE = "people/list.html"


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in person who is not staff gets 403 (not a login form they cannot pass)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can manage people.")
        return view(request, *args, **kwargs)

    return wrapper


def _render(request: HttpRequest, form: PersonForm, status: int = 200) -> HttpResponse:
    return render(request, PAGE, {"people": household.members(), "form": form}, status=status)


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    """Everyone who can log in, and the form that adds a person."""
    form = PersonForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _render(request, form, status=400)
        person = household.add_person(form)
        messages.success(request, f"Added {person.username}; they can log in with the password you chose.")
        return redirect("people")
    return _render(request, form)


@login_required
@staff_required
@require_POST
def person_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a login off (it stays in the records) or back on."""
    person = get_object_or_404(get_user_model(), pk=pk)
    try:
        household.set_active(person, request.POST.get("active") == "1", by=request.user)
    except household.CannotDeactivate as exc:
        messages.error(request, str(exc))
    else:
        state = "can log in again" if person.is_active else "can no longer log in"
        messages.success(request, f"{person.username} {state}.")
    return redirect("people")
