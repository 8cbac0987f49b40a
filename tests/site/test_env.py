"""Settings come from environment variables through billing_site.env's strict readers,
are declared in billing_site/settings/base.py, and are all listed in the README."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from billing_site.env import (
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_list,
    env_mapping,
    env_str,
)

ROOT = Path(__file__).resolve().parents[2]


def test_it_reads_typed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.gov, b.gov,")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST") == ["a.gov", "b.gov"]
    assert env_str("X_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize(
    ("name", "value", "reader"),
    [
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL", False)),
        ("X_INT", "ten", lambda: env_int("X_INT", 1)),
        ("X_INT", "0", lambda: env_int("X_INT", 1, minimum=1)),
    ],
)
def test_it_fails_loudly_on_bad_values(
    monkeypatch: pytest.MonkeyPatch, name, value, reader
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured):
        reader()


def test_it_requires_values_without_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED is required"):
        env_str("X_REQUIRED")


def test_it_reads_decimals_mappings_and_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_DEC", " 2500.50 ")
    monkeypatch.setenv("X_MAP", "100=First National 1234, 200 = City Bank 99,")
    monkeypatch.setenv("X_CHOICE", "info")
    assert env_decimal("X_DEC", Decimal("1.00")) == Decimal("2500.50")
    assert env_mapping("X_MAP") == {"100": "First National 1234", "200": "City Bank 99"}
    assert env_choice("X_CHOICE", "WARNING", ("INFO", "WARNING")) == "INFO"
    monkeypatch.delenv("X_DEC")
    monkeypatch.delenv("X_MAP")
    assert env_decimal("X_DEC", Decimal("1.00")) == Decimal("1.00")
    assert env_mapping("X_MAP", {"a": "b"}) == {"a": "b"}


@pytest.mark.parametrize(
    ("value", "reader"),
    [
        ("10,000.00", lambda: env_decimal("X_BAD", Decimal(1))),
        ("$5", lambda: env_decimal("X_BAD", Decimal(1))),
        ("NaN", lambda: env_decimal("X_BAD", Decimal(1))),
        ("Infinity", lambda: env_decimal("X_BAD", Decimal(1))),
        ("-1", lambda: env_decimal("X_BAD", Decimal(1), minimum=Decimal(0))),
        ("100", lambda: env_mapping("X_BAD")),
        ("100=", lambda: env_mapping("X_BAD")),
        ("=bank", lambda: env_mapping("X_BAD")),
        ("100=a,100=b", lambda: env_mapping("X_BAD")),
        ("LOUD", lambda: env_choice("X_BAD", "INFO", ("INFO", "DEBUG"))),
    ],
)
def test_it_fails_loudly_on_bad_decimals_mappings_and_choices(
    monkeypatch: pytest.MonkeyPatch, value: str, reader
) -> None:
    monkeypatch.setenv("X_BAD", value)
    with pytest.raises(ImproperlyConfigured, match="X_BAD"):
        reader()


def test_it_declares_the_settings_the_code_reads() -> None:
    assert Decimal("10000.00") == settings.PAYMENTS_LOCKBOX_REVIEW_OVER
    assert Decimal("1000.00") == settings.PAYMENTS_LOCKBOX_OVERPAY_LIMIT
    assert settings.PAYMENTS_DEPOSIT_BANK_ACCOUNTS == {}
    assert settings.ADJUSTMENT_ATTACHMENT_MAX_BYTES == 5 * 1024 * 1024
    assert isinstance(settings.LEDGER_CHART_CACHE_SECONDS, int)


def _code_files() -> list[Path]:
    skip = {".venv", "var", "tests", "migrations", "node_modules", "stubs", "bench"}
    return [
        path for path in ROOT.rglob("*.py") if not skip.intersection(path.relative_to(ROOT).parts)
    ]


def test_it_reads_settings_only_as_declared_attributes() -> None:
    offenders = sorted(
        str(path.relative_to(ROOT))
        for path in _code_files()
        if "getattr(settings" in path.read_text() or "os.environ.get" in path.read_text()
    )
    # env.py is the one reader of settings from the environment; run_worker reads
    # only Django's own autoreload marker (is this the reloaded child?), not a setting.
    assert offenders == [
        "billing_site/common/management/commands/run_worker.py",
        "billing_site/env.py",
    ]


def test_it_lists_every_environment_variable_in_the_readme() -> None:
    read = set()
    for path in (ROOT / "billing_site" / "settings").glob("*.py"):
        read |= set(re.findall(r"env_[a-z]+\(\s*\"([A-Z][A-Z0-9_]*)\"", path.read_text()))
    assert {"SECRET_KEY", "DATABASE_URL", "PAYMENTS_LOCKBOX_REVIEW_OVER"} <= read
    readme = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, flags=re.MULTILINE))
    assert read - listed == set(), "add these to the README's production table"
    assert listed - read == set(), "the README lists variables nothing reads"
