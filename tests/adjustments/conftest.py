from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adjustments.models import AdjustmentReason


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Attachments go to a throw-away folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def leak(db: None) -> AdjustmentReason:
    return AdjustmentReason.objects.get(code="LEAK")


@pytest.fixture
def courtesy(db: None) -> AdjustmentReason:
    return AdjustmentReason.objects.get(code="COURTESY")
