"""Strict readers for settings taken from environment variables.

Each helper fails loudly (ImproperlyConfigured) on a value it cannot parse, so a
typo in a deployment never silently falls back to a default. Every setting the
project reads is declared in ``billing_site/settings/base.py`` through one of
these, and code reads ``settings.X`` (never ``getattr(settings, "X", default)``);
the README lists the production variables.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


def env_str(name: str, default: str | object = _UNSET) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return str(default)
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


def env_decimal(name: str, default: Decimal, *, minimum: Decimal | None = None) -> Decimal:
    """A non-negative amount such as ``10000.00``: ASCII digits only, no sign, exponent,
    thousands separator or ``$``."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not _AMOUNT.fullmatch(raw.strip()):
        raise ImproperlyConfigured(f"{name} must be an amount like 10000.00, got {raw!r}.")
    value = Decimal(raw.strip())
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_mapping(name: str, default: dict[str, str] | None = None) -> dict[str, str]:
    """Comma-separated ``key=value`` pairs, e.g. ``100=First National 1234,200=City Bank 99``."""
    raw = os.environ.get(name)
    if raw is None:
        return dict(default or {})
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        key, sep, value = (piece.strip() for piece in item.partition("="))
        if not sep or not key or not value:
            raise ImproperlyConfigured(f"{name} must be key=value pairs, got {item!r}.")
        if key in mapping:
            raise ImproperlyConfigured(f"{name} names {key!r} twice.")
        mapping[key] = value
    return mapping


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (compared without regard to case); returned as listed there."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    for choice in choices:
        if raw.strip().lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}.")
