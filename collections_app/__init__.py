"""Credit and collections: aging of receivables, late fees, delinquency notices and the
disconnect list, and letters kept on each account's correspondence. Part 2 adds payment
plans, deposits required, agency referrals and write-offs on the same timeline."""
