"""Top-floor pages: thin views that read several apps."""

from __future__ import annotations

from .account import account_page
from .dashboard import operations_dashboard
from .home import home
from .role_changes import role_changes

__all__ = ["account_page", "home", "operations_dashboard", "role_changes"]
