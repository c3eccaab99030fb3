"""Django settings for Budget App.

Every setting that varies by machine comes from the environment through
`_env` (strict: a malformed value stops start-up with a sentence naming the
variable). `.env.example` lists them all. Secrets default to a file generated
in BUDGET_HOME, never to values in the code.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from budgetsite.home import budget_home, load_secrets

BASE_DIR = Path(__file__).resolve().parent.parent

_MISSING = object()


def _env(name: str, default=_MISSING, cast=str):
    """Read one environment variable, cast it, and fail loudly on a bad value."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    if cast is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")
    if cast is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return cast(raw)
    except (ValueError, ArithmeticError) as exc:
        raise ImproperlyConfigured(f"{name} has an invalid value {raw!r}: {exc}") from exc


BUDGET_HOME = budget_home()
_SECRETS = load_secrets(BUDGET_HOME)

SECRET_KEY = _env("SECRET_KEY", _SECRETS["SECRET_KEY"])
# Newest key first; older keys still decrypt, so keys can rotate (MultiFernet).
FERNET_KEYS = _env("BUDGET_FERNET_KEYS", _SECRETS["FERNET_KEYS"].split(","), cast=list)
# The original app's key: lets adopted access tokens be re-encrypted with ours.
BUDGET_LEGACY_FERNET_KEY = _env("BUDGET_LEGACY_FERNET_KEY", "")

DEBUG = _env("DEBUG", False, cast=bool)
# Unset means this computer only; `manage.py serve --host 0.0.0.0` refuses to start until it is set.
BUDGET_ALLOWED_HOSTS_SET = bool(_env("BUDGET_ALLOWED_HOSTS", [], cast=list))
ALLOWED_HOSTS = _env("BUDGET_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"], cast=list)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_apscheduler",
    "axes",
    "budgetsite",
    "people",
    "categories",
    "accounts",
    "transactions",
    "budgets",
    "insights",
    "notifications",
    "backups",
    "investments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "budgetsite.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "budgetsite.security.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "budgetsite.urls"
WSGI_APPLICATION = "budgetsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "budgetsite.context_processors.navigation",
            ],
            "builtins": ["budgetsite.templatetags.money", "template_partials.templatetags.partials"],
        },
    },
]

_SQLITE_OPTIONS = {
    # Set once per connection: WAL so readers never block the writer, a 30 s
    # busy timeout, and IMMEDIATE transactions so writers queue instead of
    # failing with "database is locked" on lock upgrade. A 32 MiB page cache
    # (default 2 MiB) keeps the hash-keyed dedupe index of a large import in
    # memory: measured, it halves the cost of inserting 100k rows.
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=30000;PRAGMA synchronous=NORMAL;PRAGMA cache_size=-32768;"
    ),
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
}


def _database(url_var: str, filename: str) -> dict:
    url = _env(url_var, "")
    if url:
        return dj_database_url.parse(url, conn_max_age=60)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BUDGET_HOME / filename,
        "OPTIONS": dict(_SQLITE_OPTIONS),
        # Each server thread keeps its connection between requests: opening one (the PRAGMAs,
        # reading the schema) and starting with a cold page cache cost 3-6 ms a page.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        # Tests run on a real file (WAL needs one), in the throw-away home.
        "TEST": {"NAME": BUDGET_HOME / f"test_{filename}"},
    }


DATABASES = {"default": _database("DATABASE_URL", "budget.db")}
# Investments live in their own file; the router keeps each app on its database.
DATABASES["investments"] = _database("INVESTMENTS_DATABASE_URL", "investments.db")
DATABASE_ROUTERS = ["investments.routers.InvestmentsRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# The original schema's index names are kept verbatim; one is longer than
# Django's 30-character advice.
SILENCED_SYSTEM_CHECKS = ["models.E034"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = _env("BUDGET_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app folders: no collectstatic step before `serve`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
BUDGET_MAX_UPLOAD_MB = _env("BUDGET_MAX_UPLOAD_MB", 50, cast=int)
# Files with more lines than this import in a background thread with a progress bar.
BUDGET_IMPORT_BACKGROUND_ROWS = _env("BUDGET_IMPORT_BACKGROUND_ROWS", 5000, cast=int)
DATA_UPLOAD_MAX_NUMBER_FILES = 50
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

BUDGET_AUTO_CONFIRM_THRESHOLD = _env("BUDGET_AUTO_CONFIRM_THRESHOLD", None, cast=float)
BUDGET_RETRAIN_EVERY = _env("BUDGET_RETRAIN_EVERY", 50, cast=int)
BUDGET_TRANSFER_WINDOW_DAYS = _env("BUDGET_TRANSFER_WINDOW_DAYS", 4, cast=int)
BUDGET_MODELS_DIR = BUDGET_HOME / "models"
BUDGET_RUN_SCHEDULER = _env("BUDGET_RUN_SCHEDULER", True, cast=bool)
# Backups (`manage.py backup`, daily in the scheduler): where they go and how many are kept
# (the newest of each of the last N days and of each of the last M months).
BUDGET_BACKUP_DIR = Path(_env("BUDGET_BACKUP_DIR", str(BUDGET_HOME / "backups")))
BUDGET_BACKUP_KEEP_DAILY = _env("BUDGET_BACKUP_KEEP_DAILY", 7, cast=int)
BUDGET_BACKUP_KEEP_MONTHLY = _env("BUDGET_BACKUP_KEEP_MONTHLY", 12, cast=int)
BUDGET_BACKUP_HOUR = _env("BUDGET_BACKUP_HOUR", 3, cast=int)
# Folder of pg_dump / pg_restore / psql for PostgreSQL backups (default: found on PATH).
BUDGET_PG_BIN = _env("BUDGET_PG_BIN", "")

APSCHEDULER_DATETIME_FORMAT = "N j, Y, f:s a"
APSCHEDULER_RUN_NOW_TIMEOUT = 25

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# ---------------------------------------------------------------- Security
# Defaults suit one computer (plain http on 127.0.0.1). The "server profile"
# in the README (BUDGET_BEHIND_TLS_PROXY=true behind Caddy or nginx) turns on
# secure cookies, HSTS and the https redirect; `check --deploy` passes there.
BUDGET_BEHIND_TLS_PROXY = _env("BUDGET_BEHIND_TLS_PROXY", False, cast=bool)
if BUDGET_BEHIND_TLS_PROXY:
    # Trusted only behind our own proxy, which sets the header on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy's address: `serve` (waitress) takes X-Forwarded-For/-Proto from it alone.
BUDGET_TRUSTED_PROXY = _env("BUDGET_TRUSTED_PROXY", "127.0.0.1")
SECURE_SSL_REDIRECT = _env("BUDGET_SSL_REDIRECT", BUDGET_BEHIND_TLS_PROXY, cast=bool)
# Monitors probe /health over plain http on the server itself.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = _env("BUDGET_HSTS_SECONDS", 31_536_000 if BUDGET_BEHIND_TLS_PROXY else 0, cast=int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env("BUDGET_HSTS_INCLUDE_SUBDOMAINS", BUDGET_BEHIND_TLS_PROXY, cast=bool)
SECURE_HSTS_PRELOAD = _env("BUDGET_HSTS_PRELOAD", False, cast=bool)
SESSION_COOKIE_SECURE = _env("BUDGET_SECURE_COOKIES", BUDGET_BEHIND_TLS_PROXY, cast=bool)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Needed only when the proxy's public origin differs from the Host it passes on.
CSRF_TRUSTED_ORIGINS = _env("BUDGET_CSRF_TRUSTED_ORIGINS", [], cast=list)
# Asking browsers to preload HSTS is the domain owner's decision, not an app default.
SILENCED_SYSTEM_CHECKS += ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after this long without a request (refreshed at most every few minutes).
SESSION_COOKIE_AGE = int(_env("BUDGET_SESSION_IDLE_HOURS", 72.0, cast=float) * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Login throttling (django-axes): after this many failures for one username
# from one address, that pair is locked out for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _env("BUDGET_LOGIN_FAILURE_LIMIT", 5, cast=int)
AXES_COOLOFF_TIME = _env("BUDGET_LOGIN_COOLOFF_MINUTES", 15.0, cast=float) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "budgetsite/locked_out.html"
# Masked in the attempts the admin shows (passwords always are).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# Behind the proxy, the client is the address the proxy appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "budgetsite.security.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("BUDGET_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Plaid bank sync. Without PLAID_CLIENT_ID and PLAID_SECRET the app works
# offline and the Accounts page only offers manual accounts.
PLAID_CLIENT_ID = _env("PLAID_CLIENT_ID", "")
PLAID_SECRET = _env("PLAID_SECRET", "")
PLAID_ENV = _env("PLAID_ENV", "sandbox")
if PLAID_ENV not in ("sandbox", "production"):
    raise ImproperlyConfigured(f"PLAID_ENV must be sandbox or production, not {PLAID_ENV!r}.")
# Overrides the base URL PLAID_ENV picks (tests point it at a fake on 127.0.0.1).
PLAID_API_HOST = _env("PLAID_API_HOST", "")
# Read timeout of every Plaid call; /accounts/balance/get can take 30 s.
PLAID_TIMEOUT_SECONDS = _env("PLAID_TIMEOUT_SECONDS", 60.0, cast=float)
PLAID_CLIENT_NAME = _env("PLAID_CLIENT_NAME", "Budget App")
PLAID_COUNTRY_CODES = _env("PLAID_COUNTRY_CODES", ["US"], cast=list)
# Transient failures (rate limits, bank down, 5xx, timeouts) are retried with
# exponential backoff and full jitter: base * 2**attempt, capped, this many tries.
PLAID_RETRY_ATTEMPTS = _env("PLAID_RETRY_ATTEMPTS", 5, cast=int)
PLAID_RETRY_BASE_SECONDS = _env("PLAID_RETRY_BASE_SECONDS", 2.0, cast=float)
PLAID_RETRY_MAX_SECONDS = _env("PLAID_RETRY_MAX_SECONDS", 60.0, cast=float)
# A sync claim older than this is considered abandoned (its process died).
PLAID_SYNC_CLAIM_TIMEOUT_SECONDS = _env("PLAID_SYNC_CLAIM_TIMEOUT_SECONDS", 1800, cast=int)
# Webhooks are off unless this public URL (ending in /plaid/webhook) is set.
PLAID_WEBHOOK_URL = _env("PLAID_WEBHOOK_URL", "")
BUDGET_SYNC_INTERVAL_HOURS = _env("BUDGET_SYNC_INTERVAL_HOURS", 6.0, cast=float)
# Ignore pending (not yet posted) transactions entirely.
BUDGET_PLAID_SKIP_PENDING = _env("BUDGET_PLAID_SKIP_PENDING", False, cast=bool)

# Investments: prices come from pluggable providers tried in this order; each
# provider's base URL is a setting so tests point them at a fake on 127.0.0.1.
INVESTMENTS_PRICE_PROVIDERS = _env("INVESTMENTS_PRICE_PROVIDERS", ["yahoo", "stooq"], cast=list)
INVESTMENTS_YAHOO_BASE_URL = _env("INVESTMENTS_YAHOO_BASE_URL", "https://query1.finance.yahoo.com")
INVESTMENTS_STOOQ_BASE_URL = _env("INVESTMENTS_STOOQ_BASE_URL", "https://stooq.com")
INVESTMENTS_PRICE_TIMEOUT_SECONDS = _env("INVESTMENTS_PRICE_TIMEOUT_SECONDS", 20.0, cast=float)
# A 429 (rate limited) answer is retried this many times, waiting Retry-After or base * 2**n seconds.
INVESTMENTS_PRICE_RETRY_ATTEMPTS = _env("INVESTMENTS_PRICE_RETRY_ATTEMPTS", 4, cast=int)
INVESTMENTS_PRICE_RETRY_BASE_SECONDS = _env("INVESTMENTS_PRICE_RETRY_BASE_SECONDS", 2.0, cast=float)
# History fetched for a security that has no prices yet.
INVESTMENTS_BACKFILL_DAYS = _env("INVESTMENTS_BACKFILL_DAYS", 365, cast=int)
# A price older than this many market days (Monday to Friday) shows as "stale".
INVESTMENTS_STALE_MARKET_DAYS = _env("INVESTMENTS_STALE_MARKET_DAYS", 3, cast=int)
# When the daily price fetch runs (local time, 24 h clock).
INVESTMENTS_FETCH_HOUR = _env("INVESTMENTS_FETCH_HOUR", 18, cast=int)

from decimal import Decimal  # noqa: E402 - used by the block below only

# Email notifications: mail about transactions that need review, and replies
# that categorize them. Off until EMAIL_HOST and BUDGET_NOTIFY_TO are set.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _env("EMAIL_HOST", "")
EMAIL_PORT = _env("EMAIL_PORT", 587, cast=int)
EMAIL_HOST_USER = _env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env("EMAIL_USE_TLS", False, cast=bool)
EMAIL_USE_SSL = _env("EMAIL_USE_SSL", False, cast=bool)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
# Seconds to wait for the mail server: a dead server must never hold up an import.
EMAIL_TIMEOUT = _env("EMAIL_TIMEOUT", 10.0, cast=float)
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", "Budget App <budget@localhost>")
# Who gets the mail; replies are accepted only from these addresses.
BUDGET_NOTIFY_TO = _env("BUDGET_NOTIFY_TO", [], cast=list)
# "digest": one mail per import or sync listing every new transaction to review;
# "each": one mail per transaction whose amount (either sign) reaches the threshold.
BUDGET_NOTIFY_MODE = _env("BUDGET_NOTIFY_MODE", "digest")
if BUDGET_NOTIFY_MODE not in ("digest", "each"):
    raise ImproperlyConfigured(f"BUDGET_NOTIFY_MODE must be digest or each, not {BUDGET_NOTIFY_MODE!r}.")
BUDGET_NOTIFY_THRESHOLD = _env("BUDGET_NOTIFY_THRESHOLD", Decimal("0"), cast=Decimal)
# Only transactions added this recently are mailed (turning mail on never mails old backlogs).
BUDGET_NOTIFY_LOOKBACK_HOURS = _env("BUDGET_NOTIFY_LOOKBACK_HOURS", 48, cast=int)
# How often the scheduler retries unsent mail and reads replies.
BUDGET_NOTIFY_INTERVAL_MINUTES = _env("BUDGET_NOTIFY_INTERVAL_MINUTES", 5, cast=int)
IMAP_HOST = _env("IMAP_HOST", "")
IMAP_PORT = _env("IMAP_PORT", 993, cast=int)
IMAP_USER = _env("IMAP_USER", "")
IMAP_PASSWORD = _env("IMAP_PASSWORD", "")
IMAP_FOLDER = _env("IMAP_FOLDER", "INBOX")
IMAP_SSL = _env("IMAP_SSL", True, cast=bool)
# Replies larger than this are read only this far (the answer is at the top).
IMAP_MAX_MESSAGE_BYTES = _env("IMAP_MAX_MESSAGE_BYTES", 1_000_000, cast=int)
