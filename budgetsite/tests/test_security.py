"""Security over real HTTP requests: login throttling, headers, every URL closed to
strangers, the admin closed to people who are not staff, idle sessions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from accounts.models import Account, AccountType
from budgetsite.security import SESSION_REFRESH_SECONDS
from categories.models import Category
from transactions.models import DeletedTransaction, Source, Status, Transaction

ROOT = Path(settings.BASE_DIR)
# The only URLs a stranger may load (each shows no household data).
PUBLIC = {"login", "setup", "health", "admin:login"}
# Sample values for path converters; the crawl checks each path resolves to its own pattern.
SAMPLES = {"int": "1", "str": "sample", "slug": "sample", "path": "1",
           "uuid": "12345678-1234-5678-1234-567812345678"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@pytest.fixture
def member(django_user_model):
    """A second person of the household: a login, not staff."""
    return django_user_model.objects.create_user("sam", "sam@example.com", "sams-long-passphrase",
                                                 first_name="Sam")


@pytest.fixture
def member_client(member):
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def ledger(db):
    account = Account.objects.create(name="Checking", institution="Bank", account_type=AccountType.CHECKING)
    return [
        Transaction.objects.create(
            account=account, date=f"2026-10-{day:02d}", description=f"SHOP {day}", amount="12.50",
            status=Status.PENDING_REVIEW, source=Source.CSV_IMPORT,
        )
        for day in (1, 2, 3)
    ]


# ---------------------------------------------------------------- login throttling


def _login(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_login_locks_out_a_username_after_the_failure_limit(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "owner", "wrong-password")
        assert response.status_code == 200 and "didn't match" in response.content.decode()
    locked = _login(client, "owner", "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Locked out even with the right password, until the cool-off passes.
    again = _login(client, "owner", "pass-word-1")
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    # The attempts (listed in the admin) keep no password.
    attempt = AccessAttempt.objects.get(username="owner")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    assert "wrong-password" not in attempt.post_data and "pass-word-1" not in attempt.post_data


@pytest.mark.django_db
def test_login_lockout_is_per_username_and_address(client, owner, member):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "owner", "wrong-password")
    assert _login(client, "owner", "pass-word-1").status_code == 429
    # Another person logging in from the same address is not locked out.
    response = _login(Client(), "sam", "sams-long-passphrase")
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_login_success_resets_the_failure_count(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "owner", "wrong-password")
    assert _login(client, "owner", "pass-word-1").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "owner", "wrong-password").status_code == 200


@pytest.mark.django_db
def test_login_throttling_behind_the_proxy_counts_the_forwarded_client(client, owner, settings):
    settings.BUDGET_BEHIND_TLS_PROXY = True
    settings.SECURE_SSL_REDIRECT = False
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.9, 10.0.0.5"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "owner", "wrong-password", **attacker)
    assert _login(client, "owner", "pass-word-1", **attacker).status_code == 429
    # The same proxy forwarding someone else (another last hop) is not locked out; a forged
    # first entry does not help the attacker.
    assert _login(Client(), "owner", "pass-word-1",
                  HTTP_X_FORWARDED_FOR="10.0.0.5, 10.0.0.7").status_code == 302
    assert _login(Client(), "owner", "pass-word-1",
                  HTTP_X_FORWARDED_FOR="10.0.0.7, 10.0.0.5").status_code == 429


# ---------------------------------------------------------------- passwords and sessions


@pytest.mark.django_db
def test_setup_refuses_a_password_shorter_than_twelve(client):
    form = {"username": "sam", "password1": "Short-pass1", "password2": "Short-pass1"}
    response = client.post("/setup/", form)
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


@pytest.mark.django_db
def test_session_expiry_is_pushed_back_at_most_every_few_minutes(owner_client, owner):
    assert settings.SESSION_COOKIE_AGE > 0
    # Just logged in: the login saved the session, so requests do not write it again.
    fresh = owner_client.get("/health")
    assert settings.SESSION_COOKIE_NAME not in fresh.cookies
    session = owner_client.session
    session["_budget_seen"] -= SESSION_REFRESH_SECONDS
    session.save()
    # Minutes later, the next request pushes the expiry back (a new cookie and row)...
    touched = owner_client.get("/health")
    assert touched.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    # ...once.
    assert settings.SESSION_COOKIE_NAME not in owner_client.get("/health").cookies


@pytest.mark.django_db
def test_an_expired_session_asks_for_the_login_again(owner_client):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.update(expire_date=timezone.now())
    response = owner_client.get("/transactions/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# ---------------------------------------------------------------- headers


def _policy(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        directive, *sources = part.split()
        policy[directive] = sources
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/transactions/", "/review/", "/budgets/", "/insights/",
                                  "/accounts/", "/import/", "/people/", "/admin/", "/static/css/app.css"])
def test_pages_carry_csp_and_security_headers(owner_client, seeded, path):
    response = owner_client.get(path)
    assert response.status_code == 200, path
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_login_page_carries_csp(client, owner):
    assert _policy(client.get("/login/"))["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_only_the_bank_connect_page_may_load_plaid_link(owner_client, settings):
    settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = "client", "secret"
    response = owner_client.get("/accounts/connect")
    assert "https://cdn.plaid.com/link/v2/stable/link-initialize.js" in response.content.decode()
    policy = _policy(response)
    assert policy["script-src"] == ["'self'", "https://cdn.plaid.com"]
    assert policy["frame-src"] == ["https://cdn.plaid.com"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "plaid" not in owner_client.get("/accounts/")["Content-Security-Policy"]


def _template_files() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=|\shx-on[:-]|javascript:", re.I)


def test_templates_have_no_inline_scripts_or_handlers():
    files = _template_files()
    assert len(files) > 10
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in files
             for match in [*INLINE_SCRIPT.finditer(path.read_text()), *HANDLER.finditer(path.read_text())]]
    assert not found, found


# ---------------------------------------------------------------- the crawl


def _example(pattern) -> str:
    """One concrete path matching a URL pattern's piece (converters filled with samples)."""
    if isinstance(pattern, RoutePattern):
        return _CONVERTER.sub(lambda m: SAMPLES[m.group("converter") or "str"], str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    template, params = normalize(pattern.regex.pattern)[0]
    # The admin's app-list pattern only matches installed app labels.
    return template % dict.fromkeys(params, "auth")


def _every_url(resolver: URLResolver | None = None, prefix: str = "/", namespace: str = ""):
    """(url name, sample path) for every pattern, includes and the admin's too."""
    for entry in (resolver or get_resolver()).url_patterns:
        path = prefix + _example(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _every_url(entry, path, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry, path


def _crawl():
    urls = []
    for name, entry, path in _every_url():
        match = resolve(path)
        assert match.func == entry.callback, f"{path} does not resolve to {name}"
        urls.append((name, path))
    return urls


def test_the_crawl_reaches_every_pattern_of_every_app():
    names = {name for name, _ in _crawl()}
    assert {"dashboard", "transaction_list", "trash_restore", "budget_month_for", "insights", "account_edit",
            "import_progress", "people", "plaid_webhook", "admin:index", "admin:app_list",
            "admin:auth_user_change", "admin:view_on_site"} <= names


def _refused(response, login_paths=("/login/", "/admin/login/")) -> bool:
    if response.status_code in (301, 302):
        return response["Location"].split("?")[0] in login_paths
    return response.status_code in (403, 404, 405)


@pytest.mark.django_db
def test_strangers_get_a_login_redirect_or_refusal_from_every_url(client, owner, ledger, seeded):
    problems = []
    for name, path in _crawl():
        if name in PUBLIC:
            continue
        for method in (client.get, client.post):
            response = method(path)
            if not _refused(response):
                problems.append(f"{method.__name__.upper()} {path} ({name}): {response.status_code}")
    assert not problems, problems


@pytest.mark.django_db
def test_the_public_urls_show_no_household_data(client, owner, ledger):
    for name, path in _crawl():
        if name not in PUBLIC:
            continue
        response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
        assert "SHOP" not in response.content.decode() and "Checking" not in response.content.decode()


@pytest.mark.django_db
def test_setup_is_public_only_before_the_owner_exists(client, django_user_model):
    assert client.get("/setup/").status_code == 200
    django_user_model.objects.create_superuser("owner", "o@example.com", "pass-word-long-1")
    response = client.get("/setup/")
    assert response.status_code == 302 and response["Location"] == "/login/"


@pytest.mark.django_db
def test_plaid_webhook_is_public_but_refuses_unverified_calls(client, settings):
    assert client.post("/plaid/webhook", b"{}", content_type="application/json").status_code == 404
    settings.PLAID_WEBHOOK_URL = "https://budget.example.home/plaid/webhook"
    response = client.post("/plaid/webhook", b"{}", content_type="application/json")
    assert response.status_code == 401


@pytest.mark.django_db
def test_a_member_who_is_not_staff_cannot_open_the_admin_or_people(member_client, owner, seeded):
    problems = []
    for name, path in _crawl():
        if not (name.startswith("admin:") or name.startswith("person")) or name == "admin:login":
            continue
        response = member_client.get(path)
        # (the admin's logout sends them to the admin's index, which asks for a staff login)
        if not _refused(response, login_paths=("/admin/login/", "/admin/")):
            problems.append(f"{path} ({name}): {response.status_code}")
    assert not problems, problems
    assert member_client.get("/people/").status_code == 403
    page = member_client.get("/").content.decode()
    assert "/admin/" not in page and "/people/" not in page
    # The admin's own login page tells them so, and shows no data.
    login = member_client.get("/admin/login/")
    assert "not authorized" in login.content.decode()


@pytest.mark.django_db
def test_a_member_uses_the_shared_ledger(member_client, ledger):
    page = member_client.get("/transactions/").content.decode()
    assert all(f"SHOP {day}" in page for day in (1, 2, 3))


# ---------------------------------------------------------------- who did what


@pytest.mark.django_db
def test_who_confirmed_edited_and_deleted_is_recorded_and_shown(owner_client, member_client, owner, member,
                                                                 ledger, seeded):
    first, second, third = ledger
    groceries = Category.objects.filter(parent__isnull=False).first()
    # Sam sets the first row's category (confirming it); the owner renames its merchant.
    response = member_client.post(f"/transactions/{first.pk}/category", {"category": groceries.pk})
    assert response.status_code == 302
    response = owner_client.post(f"/transactions/{first.pk}/merchant", {"merchant_name": "Corner Shop"})
    assert response.status_code == 302
    # The owner stages and saves the second in the review queue; Sam deletes the third.
    owner_client.post(f"/review/{second.pk}/category", {"category": groceries.pk})
    owner_client.post("/review/save")
    assert member_client.post(f"/transactions/{third.pk}/delete").status_code == 302

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.confirmed_by, first.updated_by) == (Status.CONFIRMED, member, owner)
    assert first.updated_at is not None
    assert (second.status, second.confirmed_by, second.updated_by) == (Status.CONFIRMED, owner, None)
    assert DeletedTransaction.objects.get(original_id=third.pk).deleted_by == member
    # Correcting a confirmed row's category is an edit: who confirmed it first stays on record.
    coffee = Category.objects.filter(parent__isnull=False).exclude(pk=groceries.pk).first()
    owner_client.post(f"/transactions/{second.pk}/category", {"category": coffee.pk})
    second.refresh_from_db()
    assert (second.category, second.confirmed_by, second.updated_by) == (coffee, owner, owner)
    member_client.post(f"/transactions/{first.pk}/category", {"category": coffee.pk})
    first.refresh_from_db()
    assert (first.category, first.confirmed_by, first.updated_by) == (coffee, member, member)
    owner_client.post(f"/transactions/{first.pk}/merchant", {"merchant_name": "Corner Shop"})

    page = owner_client.get("/transactions/").content.decode()
    row = page[page.index(f'id="txn-{first.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "by Sam" in row and "edited by owner" in row
    row = page[page.index(f'id="txn-{second.pk}"'):]
    assert "by owner · " in row[:row.index("</tr>")]
    trash = owner_client.get("/transactions/trash/").content.decode()
    assert "SHOP 3" in trash and "by Sam" in trash


@pytest.mark.django_db
def test_a_restored_row_keeps_who_edited_it(owner_client, ledger):
    first = ledger[0]
    owner_client.post(f"/transactions/{first.pk}/merchant", {"merchant_name": "Corner Shop"})
    owner_client.post(f"/transactions/{first.pk}/delete")
    memory = DeletedTransaction.objects.get(original_id=first.pk)
    owner_client.post(f"/transactions/trash/{memory.pk}/restore")
    restored = Transaction.objects.get(pk=first.pk)
    assert restored.updated_by.username == "owner" and restored.updated_at is not None


@pytest.mark.django_db
def test_admin_edits_and_deletes_are_recorded_like_the_pages(owner_client, owner, ledger):
    first, second, third = ledger
    form = {"account": first.account_id, "date": "2026-10-01", "description": "SHOP 1 (fixed)",
            "merchant_name": "", "merchant_key": "", "amount": "12.50", "status": Status.PENDING_REVIEW,
            "source": Source.CSV_IMPORT, "is_pending": "false", "notes": "", "external_id": ""}
    response = owner_client.post(f"/admin/transactions/transaction/{first.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    first.refresh_from_db()
    assert (first.description, first.updated_by) == ("SHOP 1 (fixed)", owner)
    # Deleting in the admin, one row or a selection, moves rows to the Trash with who did it.
    owner_client.post(f"/admin/transactions/transaction/{second.pk}/delete/", {"post": "yes"})
    owner_client.post("/admin/transactions/transaction/",
                      {"action": "delete_selected", "post": "yes", "_selected_action": [third.pk]})
    assert not Transaction.objects.filter(pk__in=[second.pk, third.pk]).exists()
    trashed = DeletedTransaction.objects.filter(original_id__in=[second.pk, third.pk])
    assert [(d.deleted_by, d.snapshot is not None) for d in trashed] == [(owner, True), (owner, True)]
