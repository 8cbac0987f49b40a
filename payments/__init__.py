"""Cashiering at the counter: cash drawers, payments and their tenders, receipts,
voids, returned payments, miscellaneous revenue, mail and lockbox batches, and the
end-of-day closeout with bank deposits. Money moves only through ``ledger``.
"""
