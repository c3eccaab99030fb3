"""Security headers on every response, idle session expiry, and the client address.

The Content-Security-Policy allows scripts from this site only: no inline
scripts, no `on*=` attributes, no eval (htmx is configured without either, see
the htmx-config meta tag in base.html). Style attributes stay allowed
(`style-src-attr`) because templates colour chips with a CSS variable; style
elements and sheets still come from this site only. The one page that connects
a bank also allows Plaid Link's script and frame, and only that page.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    # Pico draws checkboxes and select arrows with data: SVGs.
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PLAID_LINK = "https://cdn.plaid.com"
# Extra sources by URL name: Plaid Link runs a script and opens its frame from its CDN.
PAGE_SOURCES: dict[str, dict[str, list[str]]] = {
    "account_connect": {
        "script-src": [PLAID_LINK], "frame-src": [PLAID_LINK],
        "connect-src": [PLAID_LINK, "https://production.plaid.com", "https://sandbox.plaid.com"],
    },
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
# The session is saved again (pushing its expiry back) at most this often.
SESSION_REFRESH_SECONDS = 300
_SEEN = "_budget_seen"


def content_security_policy(url_name: str | None = None) -> str:
    """The policy for a page; `url_name` picks that page's extra sources, if any."""
    extra = PAGE_SOURCES.get(url_name or "", {})
    parts = []
    for directive, sources in CSP.items():
        added = extra.get(directive, [])
        if added and sources == ["'none'"]:
            sources = []
        parts.append(" ".join([directive, *sources, *added]))
    return "; ".join(parts)


class SecurityHeadersMiddleware:
    """CSP, Permissions-Policy and X-Frame-Options on every response, static files
    included (Django's SecurityMiddleware adds nosniff, Referrer-Policy, COOP and HSTS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(match.url_name if match else None))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Static files are answered by whitenoise before XFrameOptionsMiddleware runs.
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response


class IdleSessionMiddleware:
    """End a login after SESSION_COOKIE_AGE without a request.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would
    make every page view a database write; touching it every few minutes
    keeps the idle timeout within that margin for one write per person.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(_SEEN, 0) >= SESSION_REFRESH_SECONDS:
                request.session[_SEEN] = now
        return self.get_response(request)


def remember_login(sender, request: HttpRequest, user, **kwargs) -> None:
    """A login saves the session anyway: note the time, so the next requests need not."""
    request.session[_SEEN] = int(time.time())


def client_ip(request: HttpRequest) -> str | None:
    """The address login throttling counts failures by.

    Behind the TLS proxy every request comes from the proxy, so the client is
    the last X-Forwarded-For entry: the one our proxy appended (earlier entries
    are whatever the client sent, and could be forged).
    """
    if settings.BUDGET_BEHIND_TLS_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
