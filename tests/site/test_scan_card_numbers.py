"""manage.py scan_card_numbers: every text column of every table, masked, exit 1 if any."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.choices import NoteKind
from accounts.models import AccountNote, Customer
from billing_site.common.management.commands.scan_card_numbers import Command
from billing_site.common.models import IdempotencyKey

pytestmark = pytest.mark.django_db
FULL_WIDTH_VISA = "".join(chr(0xFF10 + int(d)) for d in "4111111111111111")


def _scan() -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("scan_card_numbers", stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def _plant(account, bob) -> tuple[AccountNote, Customer]:
    """What older data may hold: written behind the services' back, as an import once did."""
    note = AccountNote.objects.create(
        account=account, kind=NoteKind.NOTE, author=bob, text="Paid by 5555-5555-5555-4444, thanks"
    )
    customer = Customer.objects.get(pk=account.customer_id)
    customer.mailing_line2 = f"card {FULL_WIDTH_VISA}"
    customer._change_reason = "old import"  # type: ignore[attr-defined]
    customer.save()  # the history table gets its copy too
    return note, customer


def test_it_reports_a_clean_database_and_exits_zero(account) -> None:
    output, error = _scan()
    assert error is None
    assert "No card numbers in" in output


def test_it_reports_table_column_and_row_masked_and_exits_one(account, bob) -> None:
    note, customer = _plant(account, bob)

    output, error = _scan()

    assert error is not None and error.returncode == 1
    lines = output.splitlines()
    assert f"accounts_accountnote  text  row {note.pk}  ****4444" in lines
    assert f"accounts_customer  mailing_line2  row {customer.pk}  ****1111" in lines
    history = [
        line for line in lines if line.startswith("accounts_historicalcustomer  mailing_line2")
    ]
    assert history and history[0].endswith("****1111")
    assert "5555" not in output and "4111" not in output and FULL_WIDTH_VISA not in output


def test_it_exits_with_status_one_from_the_command_line(account, bob) -> None:
    _plant(account, bob)
    with pytest.raises(SystemExit) as exited:
        Command(stdout=io.StringIO(), stderr=io.StringIO()).run_from_argv(
            ["manage.py", "scan_card_numbers"]
        )
    assert exited.value.code == 1


def test_it_skips_hex_digests_that_happen_to_hold_a_luhn_run(bob) -> None:
    key = "ab" + "4111111111111111" + "cd" * 7  # 32 hex characters, like a token key
    IdempotencyKey.objects.create(key=key, user=bob, purpose="payments.take")
    output, error = _scan()
    assert error is None, output
