"""The household-server profile, run as real processes: `check --deploy` passes behind
the TLS proxy, and `serve` refuses the network until allowed host names are set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# The server profile the README documents, minus PostgreSQL (covered by make test-postgres).
SERVER_PROFILE = {
    "BUDGET_ALLOWED_HOSTS": "budget.example.home,127.0.0.1",
    "BUDGET_BEHIND_TLS_PROXY": "true",
    "BUDGET_CSRF_TRUSTED_ORIGINS": "https://budget.example.home",
    "DEBUG": "false",
}
_CLEARED = ("BUDGET_ALLOWED_HOSTS", "BUDGET_BEHIND_TLS_PROXY", "BUDGET_CSRF_TRUSTED_ORIGINS", "DEBUG",
            "BUDGET_SSL_REDIRECT", "BUDGET_HSTS_SECONDS", "BUDGET_SECURE_COOKIES", "SECRET_KEY",
            "BUDGET_HSTS_INCLUDE_SUBDOMAINS", "DJANGO_SETTINGS_MODULE", "BUDGET_TEST_HOME",
            "DJANGO_ALLOW_ASYNC_UNSAFE")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(BUDGET_HOME=str(tmp_path / "home"), DJANGO_SETTINGS_MODULE="budgetsite.settings",
               BUDGET_RUN_SCHEDULER="false", **extra)
    return env


def _manage(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(tmp_path, **extra),
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_in_the_server_profile(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **SERVER_PROFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_the_proxy_settings(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_serve_on_the_network_refuses_without_allowed_hosts(tmp_path):
    result = _manage(tmp_path, "serve", "--host", "0.0.0.0", "--port", str(_free_port()), "--no-scheduler")
    assert result.returncode != 0
    assert "reachable from other computers" in result.stderr
    assert "BUDGET_ALLOWED_HOSTS" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_on_the_network_starts_with_allowed_hosts_and_warns(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--host", "0.0.0.0", "--port", str(port), "--no-scheduler"],
        cwd=ROOT, env=_env(tmp_path, **SERVER_PROFILE),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # /health answers over plain http (monitors on the server itself); it is exempt
        # from the https redirect.
        assert '"status": "ok"' in _wait_for_health(f"{base}/health", process)
        # Any other page over plain http is sent to https.
        plain = _get(f"{base}/")
        assert (plain.status, plain.headers["Location"]) == (301, f"https://127.0.0.1:{port}/")
        # Through the proxy (X-Forwarded-Proto: https) the app answers, with HSTS.
        proxied = _get(f"{base}/", {"X-Forwarded-Proto": "https"})
        assert proxied.status == 302 and proxied.headers["Location"].startswith("/login/")
        assert "max-age=31536000" in proxied.headers["Strict-Transport-Security"]
        # A host name that is not allowed gets 400, not the app.
        assert _get(f"{base}/health", {"Host": "evil.example"}).status == 400
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "reachable from other computers" in stderr


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict[str, str] | None = None):
    """One request, redirects not followed; returns the response or the HTTP error."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_serve_ignores_forwarded_headers_from_anyone_but_the_proxy(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--no-scheduler"],
        cwd=ROOT, env=_env(tmp_path, **SERVER_PROFILE, BUDGET_TRUSTED_PROXY="192.0.2.1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(f"{base}/health", process)
        # We are not 192.0.2.1: a claim of https is dropped, and the request is sent to https.
        forged = _get(f"{base}/", {"X-Forwarded-Proto": "https"})
        assert forged.status == 301 and forged.headers["Location"].startswith("https://")
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _wait_for_health(url: str, process: subprocess.Popen) -> str:
    """Poll until the server answers (start-up speed is not under test)."""
    for _ in range(600):
        if process.poll() is not None:
            pytest.fail(f"serve exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.1)
    pytest.fail("serve did not answer /health")
