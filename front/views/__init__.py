"""Top-floor pages: thin views that read several apps."""

from __future__ import annotations

from .account import account_page
from .home import home

__all__ = ["account_page", "home"]
