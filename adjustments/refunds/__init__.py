"""Refunds of customer credit (and, through the same path, deposits): request, approval,
posting to refunds payable, the register and the accounts-payable export file.

``requests`` holds the writes (request, approve, reject, withdraw), ``selectors``
the reads, ``export`` the accounts-payable file; ``docs/refunds.md`` is the guide.
"""
