"""Mail batches against control figures, lockbox imports, the exceptions queue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services as account_services
from accounts.choices import AccountStatus
from ledger.models import JournalTransaction
from payments import services, tasks
from payments.choices import BatchStatus, ItemStatus
from payments.models import Deposit, RemittanceItem
from tests.factories import make_account

from .helpers import balance, charge
from .lockbox_files import HEADER, lockbox_file
from .returns_helpers import close_day

D = Decimal
pytestmark = pytest.mark.django_db


def _closed_account(bob):
    closed = make_account(bob)
    for to in (AccountStatus.FINAL, AccountStatus.CLOSED):
        closed = account_services.account_change_status(
            account=closed, to=to, acting_user=bob, reason="Moved out"
        )
    return closed


def test_a_mail_batch_posts_only_when_it_matches_its_control_figures(
    bob, account, business_day
) -> None:
    other = make_account(bob)
    charge(account, bob, water="100.00")
    batch = services.batch_create(control_count=2, control_total=D("150.00"), acting_user=bob)
    services.batch_add_item(
        batch=batch,
        account_text=account.number,
        amount=D("100.00"),
        check_number="71",
        acting_user=bob,
    )
    wrong = services.batch_add_item(
        batch=batch,
        account_text=other.number,
        amount=D("40.00"),
        check_number="72",
        acting_user=bob,
    )
    with pytest.raises(ValidationError, match=r"difference -10.00"):
        services.batch_post(batch=batch, acting_user=bob)
    assert not JournalTransaction.objects.filter(source__startswith="batch").exists()
    services.batch_remove_item(item=wrong, acting_user=bob)
    services.batch_add_item(
        batch=batch,
        account_text=other.number,
        amount=D("50.00"),
        check_number="72",
        acting_user=bob,
    )
    posted = services.batch_post(batch=batch, acting_user=bob)
    assert posted.status == BatchStatus.POSTED
    assert balance(account) == D("0.00") and balance(other) == D("-50.00")
    with pytest.raises(ValidationError, match="posted"):
        services.batch_post(batch=batch, acting_user=bob)  # never twice


def test_keying_refuses_unknown_and_closed_accounts_and_clerks(alice, bob, business_day) -> None:
    batch = services.batch_create(control_count=1, control_total=D("5.00"), acting_user=bob)
    with pytest.raises(ValidationError, match="No account numbered"):
        services.batch_add_item(
            batch=batch, account_text="99999999", amount=D("5"), check_number="1", acting_user=bob
        )
    closed = _closed_account(bob)
    with pytest.raises(ValidationError, match="closed"):
        services.batch_add_item(
            batch=batch,
            account_text=closed.number,
            amount=D("5"),
            check_number="1",
            acting_user=bob,
        )
    with pytest.raises(PermissionDenied):
        services.batch_create(control_count=1, control_total=D("5.00"), acting_user=alice)


def test_mail_checks_go_on_the_utility_deposit_slip(alice, bob, account, business_day) -> None:
    batch = services.batch_create(control_count=1, control_total=D("80.00"), acting_user=bob)
    services.batch_add_item(
        batch=batch,
        account_text=account.number,
        amount=D("80.00"),
        check_number="9",
        acting_user=bob,
    )
    services.batch_post(batch=batch, acting_user=bob)
    close_day(alice)
    slip = Deposit.objects.get(label="Utility receipts")
    assert (slip.checks.amount, slip.check_count) == (D("80.00"), 1)


def _import(bob, data: bytes, name: str = "lockbox.csv"):
    batch = services.lockbox_import(file_name=name, data=data, acting_user=bob)
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    batch.refresh_from_db()
    return batch


def test_a_lockbox_file_posts_good_rows_and_queues_the_rest(bob, account, business_day) -> None:
    charge(account, bob, water="75.00")
    closed = _closed_account(bob)
    data = lockbox_file(
        [
            (account.number, "75.00"),
            ("12345678", "20.00"),
            (closed.number, "10.00"),
            (account.number, "25000.00"),
            (account.number, "0.00"),
        ]
    )
    batch = _import(bob, data)
    assert batch.status == BatchStatus.POSTED and batch.rows_done == 5
    problems = dict(batch.items.values_list("line_number", "problem"))
    assert problems[2] == ""
    assert "No account numbered" in problems[3]
    assert "closed" in problems[4]
    assert "Over 10000.00" in problems[5]
    assert "not a payment" in problems[6]
    # an exception keeps the account it was found for (a person resolves it from there)
    rows = {n: (status, pk) for n, status, pk in batch.items.values_list(
        "line_number", "status", "account_id")}  # fmt: skip
    assert rows[2] == (ItemStatus.POSTED, account.pk)
    assert rows[3] == (ItemStatus.EXCEPTION, None)
    assert rows[4] == (ItemStatus.EXCEPTION, closed.pk)
    assert rows[5] == rows[6] == (ItemStatus.EXCEPTION, account.pk)
    assert balance(account) == D("0.00")
    with pytest.raises(ValidationError, match="already imported as batch"):
        services.lockbox_import(file_name="again.csv", data=data, acting_user=bob)


def test_a_lockbox_row_with_a_long_strange_account_is_an_exception(bob, business_day) -> None:
    """Its problem quotes the account text (repr of 40 unprintable characters: 400 and more
    characters), cut to the column: the row waits in the queue, the chunk posts."""
    batch = _import(bob, lockbox_file([("\U000f0000" * 40, "20.00")]))
    assert batch.status == BatchStatus.POSTED
    (item,) = batch.items.all()
    assert item.status == ItemStatus.EXCEPTION
    assert item.problem.startswith("No account numbered") and len(item.problem) == 300


def test_a_person_resolves_exceptions(bob, carol, account, business_day) -> None:
    batch = _import(bob, lockbox_file([("12345678", "20.00"), ("87654321", "5.00")]))
    wrong, junk = batch.items.order_by("line_number")
    services.item_post_to(item=wrong, account=account, acting_user=carol)
    assert balance(account) == D("-20.00")
    with pytest.raises(ValidationError, match="Say why"):
        services.item_reject(item=junk, reason=" ", acting_user=carol)
    services.item_reject(item=junk, reason="Not our customer", acting_user=carol)
    statuses = set(RemittanceItem.objects.values_list("status", flat=True))
    assert statuses == {ItemStatus.POSTED, ItemStatus.REJECTED}
    with pytest.raises(ValidationError, match="posted"):
        services.item_post_to(item=wrong, account=account, acting_user=carol)


def test_rows_already_imported_in_another_file_are_skipped(bob, account, business_day) -> None:
    _import(bob, lockbox_file([(account.number, "10.00")]))
    again = lockbox_file([(account.number, "10.00"), (account.number, "4.00")])
    batch = _import(bob, again, "resent.csv")
    assert (batch.rows_skipped, batch.rows_total) == (1, 1)
    assert balance(account) == D("-14.00")


def test_a_retried_import_posts_nothing_twice(bob, account, business_day) -> None:
    batch = services.lockbox_import(
        file_name="x.csv", data=lockbox_file([(account.number, "10.00")]), acting_user=bob
    )
    services.lockbox_post_pending(batch=batch, acting_user=bob)
    services.lockbox_post_pending(batch=batch, acting_user=bob)
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    assert balance(account) == D("-10.00")
    assert JournalTransaction.objects.filter(source=f"batch {batch.number}").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"account,amount\r\n1,2\r\n", "Wrong columns"),
        ((HEADER + "\r\n2026-11-20,1,1,Caf\xe9,5.00,1,x\r\n").encode("latin-1"), "not UTF-8"),
        (
            (HEADER + "\r\n2026-11-20,1,1,1,5.00,1,x\r\n2026-11-20,1,01,1,6.00,2,y\r\n").encode(),
            "Line 3 repeats line 2",
        ),
        ((HEADER + "\r\n2026-11-20,1,1,1,5.00\r\n").encode(), "Line 2 has 5 columns"),
        ((HEADER + "\r\n2026-11-20,1,1,1,5.001,1,x\r\n").encode(), "two decimal places"),
        ((HEADER + "\r\n20/11/2026,1,1,1,5.00,1,x\r\n").encode(), "YYYY-MM-DD"),
        (b"", "empty"),
    ],
)
def test_bad_lockbox_files_are_refused_whole(bob, business_day, data, message) -> None:
    with pytest.raises(ValidationError, match=message):
        services.lockbox_import(file_name="bad.csv", data=data, acting_user=bob)
    assert not RemittanceItem.objects.exists()


def test_a_returned_mail_check_is_reversed_with_a_fee(alice, bob, account, business_day) -> None:
    batch = services.batch_create(control_count=1, control_total=D("40.00"), acting_user=bob)
    item = services.batch_add_item(
        batch=batch,
        account_text=account.number,
        amount=D("40.00"),
        check_number="9",
        acting_user=bob,
    )
    services.batch_post(batch=batch, acting_user=bob)
    close_day(alice)
    done = services.payment_return(item=item, kind="returned_check", reason="NSF", acting_user=bob)
    assert done.fee.amount == D("25.00")
    assert balance(account) == D("25.00")


def test_it_refuses_to_post_a_mail_batch_as_a_lockbox_file(bob, account, business_day) -> None:
    batch = services.batch_create(control_count=2, control_total=D("150.00"), acting_user=bob)
    services.batch_add_item(
        batch=batch,
        account_text=account.number,
        amount=D("100.00"),
        check_number="71",
        acting_user=bob,
    )
    with pytest.raises(ValidationError, match="not a lockbox file"):
        services.lockbox_post_pending(batch=batch, acting_user=bob)
    assert not JournalTransaction.objects.filter(source__startswith="batch").exists()
    assert batch.items.get().status == ItemStatus.PENDING


def _file(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_file("2026-11-20,1,1,1,5.00,1,x"), "no trailer line"),
        (
            _file("2026-11-20,1,1,1,5.00,1,x", "2026-11-20,1,2,1,6.00,2,y", "trailer,3,11.00"),
            r"on hold: its trailer says 3 rows for \$11.00 but the file holds 2 rows for \$11.00",
        ),
        (
            _file("2026-11-20,1,1,1,1250.00,1,x", "trailer,1,1205.00"),
            r"trailer says 1 rows for \$1,205.00 but the file holds 1 rows for \$1,250.00",
        ),
        (_file("2026-11-20,1,1,1,5.00,1,x", "trailer,one,5.00"), "Line 3: the trailer must"),
        (
            _file("trailer,1,5.00", "2026-11-20,1,1,1,5.00,1,x"),
            "Line 3 comes after the trailer",
        ),
    ],
)
def test_it_holds_a_file_whose_trailer_does_not_match_its_rows(
    bob, business_day, data, message
) -> None:
    with pytest.raises(ValidationError, match=message):
        services.lockbox_import(file_name="bad.csv", data=data, acting_user=bob)
    assert not RemittanceItem.objects.exists()


def test_it_numbers_rows_by_the_files_own_lines(bob, account, business_day) -> None:
    data = _file(
        '2026-11-20,1,1,12345678,5.00,1,"Oak Apartments\r\nc/o Pat"',
        "",
        "2026-11-20,1,2,87654321,6.00,2,y",
        "trailer,2,11.00",
    )
    batch = _import(bob, data)
    assert list(batch.items.order_by("line_number").values_list("line_number", flat=True)) == [
        2,
        5,
    ]
