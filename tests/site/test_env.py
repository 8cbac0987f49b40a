from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from billing_site.env import env_bool, env_int, env_list, env_str


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
