"""Tests: real PostgreSQL (embedded unless DATABASE_URL is set); fast password hashing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod is Argon2
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
AXES_FAILURE_LIMIT = 5
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="billing-test-media-"))  # uploads never land in var/
LEDGER_CHART_CACHE_SECONDS = 0  # rolled-back test edits must not outlive their test
