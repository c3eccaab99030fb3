"""Project-level pages: health, stats, dashboard, login and first-run setup."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required, login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

import budgetsite
from budgetsite.dashboard import dashboard_context
from transactions.models import Transaction


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for monitors and the test harness; needs no login and no database."""
    return JsonResponse({"status": "ok", "version": budgetsite.__version__})


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    """Ledger counts in one query; htmx requests get the nav badge partial."""
    counts = Transaction.objects.stats()
    if request.htmx:
        return render(request, "base.html#review-badge", {"stats": counts})
    return JsonResponse(counts)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "budgetsite/dashboard.html", dashboard_context())


class BudgetLoginView(LoginView):
    """The login page; before anyone has an account it sends people to setup."""

    template_name = "budgetsite/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if not get_user_model().objects.exists():
            return redirect("setup")
        return super().dispatch(request, *args, **kwargs)


login_view = login_not_required(BudgetLoginView.as_view())


class OwnerCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


@login_not_required
def setup(request: HttpRequest) -> HttpResponse:
    """First run only: create the owner account (a superuser) from the browser."""
    if get_user_model().objects.exists():
        return redirect("login")
    form = OwnerCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.is_staff = user.is_superuser = True
        user.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}. Your Budget App is ready.")
        return redirect("dashboard")
    return render(request, "budgetsite/setup.html", {"form": form})
