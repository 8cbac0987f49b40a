"""Utility billing for city finance counters (project package: settings, URLs, common helpers)."""
