"""Every write of billing: agreements and meters, reads and exceptions, read imports,
rate files. Keyword-only, typed, atomic, taking ``acting_user`` and checking its
permission again."""
