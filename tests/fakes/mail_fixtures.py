"""Pytest fixtures for the real mail servers of tests/fakes/mail.py:
`pytest_plugins = ["tests.fakes.mail_fixtures"]`.

`imap_server`'s dovecot is session-scoped per test process (its own free port,
so xdist workers never share one); tests that use it carry
`@pytest.mark.xdist_group("imap")` so `--dist loadgroup` starts it once.
"""

import pytest

from tests.fakes.mail import OWNER_ADDRESS, ImapServer, SmtpServer


@pytest.fixture
def smtp_server(settings):
    """A running SmtpServer; the settings send real SMTP to it and notify OWNER_ADDRESS."""
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10.0
        settings.DEFAULT_FROM_EMAIL = "Budget App <budget@home.test>"
        settings.BUDGET_NOTIFY_TO = [OWNER_ADDRESS]
        settings.BUDGET_NOTIFY_MODE = "digest"
        yield server


@pytest.fixture(scope="session")
def _dovecot():
    """One dovecot per test process (its own free port, so xdist workers never share it)."""
    with ImapServer() as server:
        yield server


@pytest.fixture
def imap_server(_dovecot, settings):
    """The session's dovecot with an empty inbox; the IMAP settings point at it."""
    _dovecot.empty()
    settings.IMAP_HOST = _dovecot.host
    settings.IMAP_PORT = _dovecot.port
    settings.IMAP_USER = _dovecot.user
    settings.IMAP_PASSWORD = _dovecot.password
    settings.IMAP_FOLDER = "INBOX"
    settings.IMAP_SSL = False
    yield _dovecot
