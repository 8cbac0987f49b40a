"""Every write of collections: keyword-only, typed, ``@transaction.atomic``, taking the
acting user and checking the permission again. Money moves only through
``ledger.services`` (late fees, step fees, waivers) or adjustments (waivers above the
limit)."""
