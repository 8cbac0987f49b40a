"""Long work of billing: the read import runs as a long task (billing_site.common.tasks)."""

from __future__ import annotations
