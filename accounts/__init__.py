"""Customer accounts: customers, premises (service addresses), utility accounts
with master/sub-accounts, flags and notes, search, and the account page."""
