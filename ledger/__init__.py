"""The ledger: GL chart, business days, journal transactions and entries.

Nothing outside ``ledger.services`` writes money. See ``ledger.models`` for the
design overview.
"""
