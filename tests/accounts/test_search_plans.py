"""search_accounts answers alike whichever plan it takes: trigram, rank walk, number range."""

from __future__ import annotations

import pytest

from accounts import selectors
from accounts.choices import AccountStatus
from accounts.services import account_change_status
from tests.factories import make_account, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def obriens(bob):
    """Six O'Briens: four active, one pending, one closed (opened in this order)."""
    accounts = [
        make_account(
            bob,
            active=status != AccountStatus.PENDING,
            customer=make_customer(bob, last_name="O'Brien"),
        )
        for status in ["closed", "active", "pending", "active", "active", "active"]
    ]
    account_change_status(
        account=accounts[0], to=AccountStatus.FINAL, acting_user=bob, reason="Moved out"
    )
    return accounts


def numbers(accounts) -> list[str]:
    return [a.number for a in accounts]


def test_it_ranks_active_first_then_pending_then_final_by_number(obriens) -> None:
    found = numbers(selectors.search_accounts("brien"))
    active = sorted(a.number for a in obriens[1:] if a.number != obriens[2].number)
    assert found == [*active, obriens[2].number, obriens[0].number]


def test_many_matches_walk_the_rank_index_and_rank_the_same(obriens, monkeypatch) -> None:
    gathered = numbers(selectors.search_accounts("brien"))
    monkeypatch.setattr(selectors, "WALK_ROWS", 1)  # the first walk finds too few
    monkeypatch.setattr(selectors, "CANDIDATE_CAP", 2)  # too many to gather: walk instead
    assert numbers(selectors.search_accounts("brien")) == gathered
    assert numbers(selectors.search_accounts("brien", limit=3)) == gathered[:3]


def warm(text: str, **kwargs) -> list[str]:
    """Search once (its statements prepared on this connection); the numbers found."""
    return numbers(selectors.search_accounts(text, **kwargs))


@pytest.mark.parametrize(
    ("text", "knobs", "statements"),
    [
        ("brien", {}, 1),  # walk, gather and result rows in one statement
        ("brien", {"WALK_ROWS": 1, "CANDIDATE_CAP": 2}, 2),  # then the long walk
        ("brien", {"WALK_ROWS": 1, "CANDIDATE_CAP": 2, "LONG_WALK_ROWS": 2}, 3),  # full sort
        ("o'b", {}, 1),  # no trigram: the long walk alone
        ("o'b", {"LONG_WALK_ROWS": 2}, 2),  # too few in it: full sort
    ],
)
def test_it_answers_alike_whichever_plan_in_few_statements(
    obriens, monkeypatch, django_assert_num_queries, text, knobs, statements
) -> None:
    expected = warm("brien")
    for name, value in knobs.items():
        monkeypatch.setattr(selectors, name, value)
    assert warm(text) == expected
    with django_assert_num_queries(statements):
        assert numbers(selectors.search_accounts(text)) == expected


def test_a_number_is_one_statement_when_it_fills_the_page(obriens, django_assert_num_queries):
    target = obriens[3].number
    warm(target, limit=1)
    warm(target)
    with django_assert_num_queries(1):
        assert numbers(selectors.search_accounts(target, limit=1)) == [target]
    with django_assert_num_queries(2):  # then the other words' matches
        assert numbers(selectors.search_accounts(target)) == [target]


def test_it_prepares_each_statement_once_per_connection(obriens) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    selectors._prepared.clear()  # a fresh session
    with CaptureQueriesContext(connection) as first:
        warm("brien")
    with CaptureQueriesContext(connection) as again:
        warm("brien")
    assert [q["sql"].split()[0] for q in first.captured_queries] == ["PREPARE", "EXECUTE"]
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["EXECUTE"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_prepares_again_when_the_session_forgot_them(bob) -> None:
    from django.db import connection

    wanted = make_account(bob, customer=make_customer(bob, last_name="Forgotten"))
    assert warm("forgotten") == [wanted.number]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a connection pooler's reset does
    assert warm("forgotten") == [wanted.number]


def test_a_word_without_three_letters_in_a_row_still_matches(obriens) -> None:
    assert numbers(selectors.search_accounts("o'b")) == numbers(selectors.search_accounts("brien"))


def test_a_number_prefix_reads_a_range_of_the_number_index(obriens) -> None:
    target = obriens[3].number
    assert numbers(selectors.search_accounts(target)) == [target]
    prefix = target[:-2]
    found = numbers(selectors.search_accounts(prefix))
    assert target in found
    assert found[0].startswith(prefix)  # number matches come before other matches
    assert selectors._number_prefix_rows("9999", 20) == []  # an all-nines prefix: no upper bound
    # Superscript and full-width digits fold to plain ones, then search as numbers.
    assert selectors.search_accounts("²³") == selectors.search_accounts("23")
    assert selectors.search_accounts("\uff10\uff11") == selectors.search_accounts("01")


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Lefèvre", "lefevre"),
        ("Lefevre", "Lefèvre"),
        ("O\u2019Connell", "o'connell"),  # a curly apostrophe stored, a straight one typed
        ("O'Connell", "oconnell"),
        ("Smith-Jones", "smithjones"),
        ("Smith-Jones", "smith-jo"),
    ],
)
def test_it_finds_names_whatever_the_accents_and_apostrophes(bob, stored, typed) -> None:
    wanted = make_account(bob, customer=make_customer(bob, last_name=stored))
    make_account(bob, customer=make_customer(bob, last_name="Someone Else"))
    assert numbers(selectors.search_accounts(typed)) == [wanted.number]


def test_the_migration_folds_existing_documents(bob) -> None:
    import importlib

    from django.apps import apps

    from accounts.models import Account

    account = make_account(bob, customer=make_customer(bob, last_name="Lefèvre"))
    Account.objects.filter(pk=account.pk).update(search_document="stale lefèvre")
    migration = importlib.import_module("accounts.migrations.0005_fold_search_documents")
    migration.refold(apps, None)
    account.refresh_from_db()
    from accounts.services import search_document_for

    assert account.search_document == search_document_for(account)
    assert "lefevre" in account.search_document


@pytest.mark.parametrize(
    ("knobs", "statements"),
    [
        # Dense in the probe: walk on, and the walk reads the whole (small) table.
        ({"PROBE_ROWS": 2, "DENSE_MATCHES": 1, "WALK_ROWS": 20}, 1),
        # Dense in the probe but the walk falls short: gathered in the same statement.
        ({"PROBE_ROWS": 2, "DENSE_MATCHES": 1, "WALK_ROWS": 1}, 1),
        # Sparse in the probe, too many to gather: walked in the same statement.
        ({"PROBE_ROWS": 2, "DENSE_MATCHES": 5, "CANDIDATE_CAP": 2, "WALK_ROWS": 20}, 1),
        # Sparse, too many to gather, and the walk falls short: the long walk.
        ({"PROBE_ROWS": 2, "DENSE_MATCHES": 5, "CANDIDATE_CAP": 2, "WALK_ROWS": 1}, 2),
        # Dense, the walk falls short and too many to gather: the long walk.
        ({"PROBE_ROWS": 2, "DENSE_MATCHES": 1, "CANDIDATE_CAP": 2, "WALK_ROWS": 1}, 2),
    ],
)
@pytest.mark.parametrize("limit", [20, 3])
def test_the_probe_picks_walk_or_gather_and_ranks_the_same(
    obriens, monkeypatch, django_assert_num_queries, knobs, statements, limit
) -> None:
    expected = warm("brien", limit=limit)
    for name, value in knobs.items():
        monkeypatch.setattr(selectors, name, value)
    assert warm("brien", limit=limit) == expected
    with django_assert_num_queries(statements):
        assert numbers(selectors.search_accounts("brien", limit=limit)) == expected


def test_it_keeps_the_generic_plans(obriens) -> None:
    """The words and ids are InitPlans, so no plan depends on them: PostgreSQL stops
    planning each EXECUTE after its first five."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    selectors._prepared.clear()  # a fresh session
    target = obriens[3].number
    for _ in range(10):
        warm("brien")
        warm(target[:-1])  # the number prefix, then the words
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'account_search_%%'"
        )
        plans = cursor.fetchall()
    assert len(plans) == 3  # the number prefix; the words for a page, for the rest of one
    assert all(generic >= 5 and custom <= 5 for generic, custom in plans)


def test_a_document_of_very_long_names_fits_the_rank_index_and_keeps_the_phone(bob) -> None:
    """The rank index includes the document (a btree row holds 2,704 bytes): a hundred
    Hangul letters a field (9,400 bytes folded) are cut, and the short parts that come
    first still find the account."""
    from accounts.models import Customer, Premise
    from accounts.services import SEARCH_DOCUMENT_BYTES

    def longest(model, name):
        return "한" * model._meta.get_field(name).max_length

    customer = make_customer(
        bob, first_name=longest(Customer, "first_name"), last_name=longest(Customer, "last_name"),
        mailing_line1=longest(Customer, "mailing_line1"), phone="8505559876",
    )  # fmt: skip
    from tests.factories import make_premise

    premise = make_premise(bob, line1=longest(Premise, "line1"))
    account = make_account(bob, customer=customer, premise=premise)
    account.refresh_from_db()
    assert len(account.search_document.encode()) <= SEARCH_DOCUMENT_BYTES
    assert numbers(selectors.search_accounts("5559876")) == [account.number]
    assert numbers(selectors.search_accounts("한한한")) == [account.number]
