"""Production: every secret and host from the environment; HTTPS everywhere.

Required: SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS. Optional: CSRF_TRUSTED_ORIGINS,
SECURE_HSTS_SECONDS (default one year), SESSION_IDLE_TIMEOUT_MINUTES.
"""

from __future__ import annotations

from billing_site.env import env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
env_str("DATABASE_URL")  # production never falls back to the embedded server
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
