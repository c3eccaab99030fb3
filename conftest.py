"""Fixtures shared by every app's tests: users, logged-in clients, a real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run inside one unless told it is safe (it is: one thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def _models_dir(settings, tmp_path):
    """Each test gets its own trained-model folder: a model one test trained must not
    categorize another test's rows."""
    settings.BUDGET_MODELS_DIR = tmp_path / "models"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_superuser("owner", "owner@example.com", "pass-word-1")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def htmx_client(owner):
    """A logged-in client (separate from owner_client) whose requests look like htmx's."""
    from django.test import Client

    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(owner)
    return client


@pytest.fixture
def seeded(db):
    from budgetsite.seed import seed_defaults

    return seed_defaults()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    # Generous: CI machines are small and shared; a slow page is not a failure.
    context.set_default_timeout(30_000)
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The Content-Security-Policy forbids inline scripts: Chromium reports each
    # violation on the console, and any one fails the test.
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if _is_csp_violation(msg.text) else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not violations, f"Content-Security-Policy violations: {violations}"


def _is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or "Refused to" in text


@pytest.fixture
def logged_in_page(page, live_server, owner):
    page.goto("/login/")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", "pass-word-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/ (git ignores it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
