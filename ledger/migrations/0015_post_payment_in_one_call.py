"""A payment posted by one PostgreSQL function call: one round trip instead of five.

``ledger_post_payment(account, amount, memo, source, user)`` does the whole
posting of ``ledger.services.post_payment`` in the database, writing exactly the
rows the Python writer writes (``tests/ledger/test_payment_in_sql.py`` posts
both ways and compares them):

* lock the account (``FOR UPDATE``), refuse a closed account and a missing open
  business day (returned as a message, not raised, so the caller's transaction
  stays usable);
* read the account's kept open amounts (``ledger_accountopen``); only from the
  resting shape (no service in credit, no debit on unapplied credit, no credit
  left while a service is owed), which every posting of the writer leaves
  behind; otherwise it writes nothing and answers ``unsettled`` and the caller
  posts through ``LedgerWriter``, which settles credit first;
* allocate by payment order with ``ledger_allocate`` (the rule of
  ``ledger.allocation.allocate``; a property test holds the two equal);
* insert the journal transaction and its lines (cash first, then the services
  in payment order, then any excess to unapplied credit), update the balance,
  and write the history row naming the acting user and the transaction. The
  history row copies every column of the locked account row through
  ``jsonb_populate_record``, so a new ``Account`` field is carried without
  editing this function.

Every trigger of the ledger runs as for any other posting: open business day,
append-only, open amounts kept, and the once-per-commit checks.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_allocate(
    p_amount numeric, p_services bigint[], p_owed numeric[],
    OUT services bigint[], OUT paid numeric[]
) LANGUAGE plpgsql STABLE AS $$
-- Services by payment order (1 first), each paid what it owes while money is left;
-- services owing nothing are skipped. The rule of ledger.allocation.allocate.
DECLARE ids bigint[]; owed numeric[]; remaining numeric := p_amount; part numeric;
BEGIN
    SELECT array_agg(v.service_id ORDER BY s.payment_order),
           array_agg(v.owed ORDER BY s.payment_order)
    INTO ids, owed
    FROM unnest(p_services, p_owed) AS v(service_id, owed)
    JOIN ledger_service s ON s.id = v.service_id;
    services := '{}';
    paid := '{}';
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        EXIT WHEN remaining <= 0;
        CONTINUE WHEN owed[i] <= 0;
        part := least(owed[i], remaining);
        services := services || ids[i];
        paid := paid || part;
        remaining := remaining - part;
    END LOOP;
END $$;

CREATE FUNCTION ledger_post_payment(
    p_account bigint, p_amount numeric, p_memo text, p_source text, p_user integer,
    OUT status text, OUT transaction_id bigint, OUT created_at timestamptz,
    OUT business_date date
) LANGUAGE plpgsql AS $$
DECLARE
    acct record;
    svc bigint[];
    owed numeric[];
    unapplied numeric;
    paid_svc bigint[];
    paid numeric[];
    excess numeric;
    memo text := left(p_memo, 500);
BEGIN
    SELECT a.number, a.status INTO acct FROM accounts_account a WHERE a.id = p_account FOR UPDATE;
    IF NOT FOUND THEN
        status := format('Account %s does not exist.', p_account);
        RETURN;
    END IF;
    IF acct.status = 'closed' THEN
        status := format('Account %s is closed: nothing can be posted to it.', acct.number);
        RETURN;
    END IF;
    SELECT d.date INTO business_date FROM ledger_businessday d WHERE d.status = 'open';
    IF NOT FOUND THEN
        status := 'No business day is open. A supervisor must open one first.';
        RETURN;
    END IF;
    SELECT array_agg(o.service_id ORDER BY o.id) FILTER (WHERE o.service_id IS NOT NULL),
           array_agg(o.amount ORDER BY o.id) FILTER (WHERE o.service_id IS NOT NULL),
           coalesce(sum(o.amount) FILTER (WHERE o.service_id IS NULL), 0)
    INTO svc, owed, unapplied
    FROM ledger_accountopen o WHERE o.account_id = p_account;
    IF unapplied > 0 OR EXISTS (
        SELECT 1 FROM unnest(owed) AS x(amount) WHERE x.amount < 0 OR (x.amount > 0 AND unapplied < 0)
    ) THEN
        status := 'unsettled';  -- not in its resting shape: LedgerWriter settles it
        RETURN;
    END IF;

    SELECT a.services, a.paid INTO paid_svc, paid FROM ledger_allocate(p_amount, svc, owed) AS a;
    excess := p_amount;
    FOR i IN 1 .. coalesce(array_length(paid, 1), 0) LOOP
        excess := excess - paid[i];
    END LOOP;

    INSERT INTO ledger_journaltransaction
        (business_date, kind, memo, source, created_by_id, reversal_of_id)
    VALUES (business_date, 'payment', memo, left(p_source, 100), p_user, NULL)
    RETURNING id, ledger_journaltransaction.created_at INTO transaction_id, created_at;

    INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount, amount_currency,
        account_id, service_id, deposit_account_id)
    SELECT transaction_id, l.gl, l.amount, 'USD', l.account, l.service, NULL
    FROM (
        SELECT 0::bigint AS n, g.id AS gl, p_amount AS amount, NULL::bigint AS account,
               NULL::bigint AS service
        FROM ledger_glaccount g WHERE g.role = 'cash'
        UNION ALL
        SELECT a.n, s.receivable_gl_id, -a.paid, p_account, a.service_id
        FROM unnest(paid_svc, paid) WITH ORDINALITY AS a(service_id, paid, n)
        JOIN ledger_service s ON s.id = a.service_id
        UNION ALL
        SELECT 1000000, g.id, -excess, p_account, NULL
        FROM ledger_glaccount g WHERE g.role = 'unapplied_credit' AND excess > 0
    ) l
    ORDER BY l.n;

    UPDATE accounts_account a SET balance = a.balance - p_amount WHERE a.id = p_account;
    INSERT INTO accounts_historicalaccount
    SELECT h.* FROM accounts_account a, jsonb_populate_record(
        NULL::accounts_historicalaccount,
        to_jsonb(a) || jsonb_build_object(
            'history_id', nextval(pg_get_serial_sequence('accounts_historicalaccount', 'history_id')),
            'history_date', now(),
            'history_change_reason', format('Transaction #%s (payment): %s', transaction_id, memo),
            'history_type', '~',
            'history_user_id', p_user)) AS h
    WHERE a.id = p_account;
    status := 'posted';
END $$;
"""

BACKWARD = r"""
DROP FUNCTION IF EXISTS ledger_post_payment(bigint, numeric, text, text, integer);
DROP FUNCTION IF EXISTS ledger_allocate(numeric, bigint[], numeric[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0014_refunds_payable_gl_exports"),
        ("accounts", "0005_fold_search_documents"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
