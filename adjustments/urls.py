from __future__ import annotations

app_name = "adjustments"
urlpatterns: list = []
