"""Settings shared by every environment; values come from environment variables.

``DATABASE_URL`` selects the PostgreSQL server; when it is unset the embedded
server under ``var/`` is started on demand (see ``billing_site.devdb``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from billing_site.devdb import embedded_database_url
from billing_site.env import (
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_list,
    env_mapping,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnop")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "djmoney",
    "simple_history",
    "axes",
    "django_htmx",
    "django_tasks_db",
    "billing_site.common",
    "accounts",
    "ledger",
    "billing",
    "adjustments",
    "payments",
    "collections_app",
    "service_orders",
    "work_queues",
    "front",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "billing_site.common.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "billing_site.common.middleware.RoleCacheMiddleware",
    # A form posted after the session ended is kept for after signing in again.
    "billing_site.common.session_ui.StashExpiredPostMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "billing_site.common.sessions.AbsoluteSessionTimeoutMiddleware",
    "billing_site.common.session_ui.IdleLeftHeaderMiddleware",
    "billing_site.common.page_title.ErrorTitleMiddleware",
    "billing_site.common.cache_control.NoStoreForSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "billing_site.urls"
WSGI_APPLICATION = "billing_site.wsgi.application"

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
                "django.template.context_processors.csp",
                "billing_site.common.context.roles",
                "billing_site.common.session_ui.session_ui",
            ],
        },
    },
]

# Django's form renderer with the stock input, textarea and select widgets built in
# Python: the same HTML at a fraction of the cost (billing_site/common/fields.py).
FORM_RENDERER = "billing_site.common.fields.FastFormRenderer"


def _database_url() -> str:
    url = env_str("DATABASE_URL", "")
    if url:
        return url
    return embedded_database_url(env_str("EMBEDDED_DB_NAME", "billing"))


# Health checks: a pooled connection that PostgreSQL dropped (restart, failover) is
# replaced before the request's first query instead of failing it; a drop in the
# middle of a request gets the 503 "send again" page (billing_site.common.db_unavailable).
DATABASES = {
    "default": dj_database_url.parse(_database_url(), conn_max_age=60, conn_health_checks=True)
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production: migrations connect as the owner role, the app as a role that owns nothing
# (billing_site/common/db_roles.py, manage.py db_roles); empty: migrate as DATABASE_URL.
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that also loads the roles version stamp (billing_site.common.roles).
    "billing_site.common.roles.CachedRolesBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock the username, never the shared counter IP: one clerk's typos must not
# lock out everyone else behind the same address.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Idle timeout: the session expires this long after the last request.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 15, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
# The page warns this long before the idle timeout, with "Stay signed in" (WCAG 2.2.1
# asks for at least 20 seconds; billing_site/common/session_ui.py).
SESSION_IDLE_WARNING_SECONDS = env_int("SESSION_IDLE_WARNING_SECONDS", 60, minimum=20)
# The idle timeout is renewed by IdleSessionMiddleware at most once a minute, not
# by a session write on every page (billing_site/common/middleware.py).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Absolute limit: a session ends this long after sign-in however active it is, a
# shift (billing_site/common/sessions.py).
SESSION_ABSOLUTE_TIMEOUT_HOURS = env_int("SESSION_ABSOLUTE_TIMEOUT_HOURS", 10, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# No inline script or style anywhere: everything comes from /static/.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# How long a process may reuse the services and GL roles it read (ledger.reference).
LEDGER_CHART_CACHE_SECONDS = env_int("LEDGER_CHART_CACHE_SECONDS", 30, minimum=0)

# Lockbox imports: an item over REVIEW_OVER, or paying more than OVERPAY_LIMIT beyond
# what the account owes, waits for a person to confirm it (payments.services.batches).
PAYMENTS_LOCKBOX_REVIEW_OVER = env_decimal(
    "PAYMENTS_LOCKBOX_REVIEW_OVER", Decimal("10000.00"), minimum=Decimal("0.01")
)
PAYMENTS_LOCKBOX_OVERPAY_LIMIT = env_decimal(
    "PAYMENTS_LOCKBOX_OVERPAY_LIMIT", Decimal("1000.00"), minimum=Decimal("0.00")
)
# The bank account printed on each fund's deposit slip, by fund code
# ("100=First National 1234,200=City Bank 99"); a fund not named gets the default.
PAYMENTS_DEPOSIT_BANK_ACCOUNTS = env_mapping("PAYMENTS_DEPOSIT_BANK_ACCOUNTS", {})
# The largest supporting document an adjustment request may carry.
ADJUSTMENT_ATTACHMENT_MAX_BYTES = env_int(
    "ADJUSTMENT_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)
# A counter payment (applied or tendered) above this asks the clerk to tick
# "I confirm this amount" before it posts (payments.forms.TenderFieldsForm).
PAYMENTS_CONFIRM_OVER = env_decimal(
    "PAYMENTS_CONFIRM_OVER", Decimal("10000.00"), minimum=Decimal("0.00")
)
# A counter payment leaving a credit (paying more than owed) larger than this asks the
# clerk to tick "I confirm this amount" too (payments.forms.PaymentForm).
PAYMENTS_OVERPAY_CONFIRM_OVER = env_decimal(
    "PAYMENTS_OVERPAY_CONFIRM_OVER", Decimal("100.00"), minimum=Decimal("0.00")
)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Long tasks (billing_site.common.tasks): a worker that sends no heartbeat for this
# long has died and its task is resumed elsewhere; a chunk must finish well within it.
LONG_TASK_LEASE_SECONDS = env_int("LONG_TASK_LEASE_SECONDS", 120, minimum=1)
# Automatic resumes of one task before it is left STUCK for a person to retry.
LONG_TASK_MAX_ATTEMPTS = env_int("LONG_TASK_MAX_ATTEMPTS", 5, minimum=1)

CURRENCIES = ("USD",)
DEFAULT_CURRENCY = "USD"

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "WARNING", LOG_LEVELS)},
}

# Lockout by username only is deliberate (see AXES_LOCKOUT_PARAMETERS above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Bills (docs/bills.md): the proof register's "over the usual" rule, and the city on every bill.
BILLING_RUN_HIGH_PERCENT = 200
# Workers that share one bill run's Calculate and Post (one per core of the worker host).
BILLING_RUN_WORKERS = env_int("BILLING_RUN_WORKERS", 2, minimum=1)
BILLING_CITY_NAME = "City Utility Billing"
BILLING_CITY_CONTACT = "Finance counter, City Hall · (555) 010-2000"
# The city on every receipt (payments/partials/_receipt_body.html): address and phone.
BILLING_CITY_ADDRESS = env_str("BILLING_CITY_ADDRESS", "City Hall, 300 Main Street, Springfield")
BILLING_CITY_PHONE = env_str("BILLING_CITY_PHONE", "(555) 010-2000")

# One-time charges (docs/bills.md): above this amount a charge waits for a second person,
# whose role's limit must cover it (None: no upper limit).
BILLING_ONE_TIME_CHARGE_APPROVAL_OVER = env_decimal(
    "BILLING_ONE_TIME_CHARGE_APPROVAL_OVER", Decimal("100.00"), minimum=Decimal("0.00")
)
BILLING_ONE_TIME_CHARGE_APPROVERS: dict[str, Decimal | None] = {
    "Coordinator": Decimal("500.00"),
    "Supervisor": None,
}
# Budget billing (docs/bills.md): who may enrol, and how the level amount is computed.
BILLING_BUDGET_MIN_MONTHS = env_int("BILLING_BUDGET_MIN_MONTHS", 12, minimum=0)
BILLING_BUDGET_MIN_BILLS = env_int("BILLING_BUDGET_MIN_BILLS", 3, minimum=1)
BILLING_BUDGET_BILLS_AVERAGED = env_int("BILLING_BUDGET_BILLS_AVERAGED", 12, minimum=1)
BILLING_BUDGET_PERCENT = env_decimal("BILLING_BUDGET_PERCENT", Decimal("10"), minimum=Decimal("0"))

# Collections (docs/collections.md): aging buckets (days), waiver and write-off limits above which
# a second person decides, plan eligibility rules (override keys of
# collections_app.plan_rules.DEFAULT_RULES), deposit history, interest and refund review.
COLLECTIONS_AGING_BUCKETS = (30, 60, 90, 120)
COLLECTIONS_WAIVER_LIMIT = env_decimal(
    "COLLECTIONS_WAIVER_LIMIT", Decimal("25.00"), minimum=Decimal("0.00")
)
COLLECTIONS_WRITE_OFF_LIMIT = env_decimal(
    "COLLECTIONS_WRITE_OFF_LIMIT", Decimal("500.00"), minimum=Decimal("0.00")
)
COLLECTIONS_PLAN_RULES: dict[str, int] = {}
COLLECTIONS_DEPOSIT_HISTORY_MONTHS = env_int("COLLECTIONS_DEPOSIT_HISTORY_MONTHS", 12, minimum=1)
COLLECTIONS_DEPOSIT_INTEREST_PERCENT = env_decimal(
    "COLLECTIONS_DEPOSIT_INTEREST_PERCENT", Decimal("1.0"), minimum=Decimal("0")
)
COLLECTIONS_DEPOSIT_REVIEW_MONTHS = env_int("COLLECTIONS_DEPOSIT_REVIEW_MONTHS", 12, minimum=1)
COLLECTIONS_DEPOSIT_MAX_LATE_FEES = env_int("COLLECTIONS_DEPOSIT_MAX_LATE_FEES", 2, minimum=0)
# A deposit the rule requires when service starts is collected with the first bill (the bill
# asks for it beside the balance) unless it is taken first; off: only at the counter or office.
COLLECTIONS_DEPOSIT_ON_FIRST_BILL = env_bool("COLLECTIONS_DEPOSIT_ON_FIRST_BILL", True)
# Collection-agency referral review: final accounts owing more than this amount more than
# this many days after their final bill's due date.
COLLECTIONS_REFERRAL_MIN_BALANCE = env_decimal(
    "COLLECTIONS_REFERRAL_MIN_BALANCE", Decimal("50.00"), minimum=Decimal("0.00")
)
COLLECTIONS_REFERRAL_DAYS = env_int("COLLECTIONS_REFERRAL_DAYS", 60, minimum=0)

# Service orders (docs/service_orders.md): the largest photo a technician may upload.
SERVICE_ORDER_PHOTO_MAX_BYTES = env_int(
    "SERVICE_ORDER_PHOTO_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)

# Work queues (docs/work_queues.md): a final account still owing this many days after its
# final bill's due date gets a referral-review item.
