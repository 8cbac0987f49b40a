"""Adjustments with maker-checker approval, balance transfers, master-account
consolidation and GL adjustments."""
