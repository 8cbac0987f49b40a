"""Collection-agency referrals: the review list and why, referring (flag, fee, placement
file read back, letter, once per token), recall, remittances with commission (GL lines,
balance, verify_ledger, write-off recovery first, same file twice, bad files refused with
nothing posted), roles."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AccountFlag
from accounts.services import flag_set
from billing_site.common.documents import document_bytes, stored_document
from collections_app import referral_selectors as selectors
from collections_app.choices import ReferralStatus
from collections_app.models import AgencyRemittance, Referral
from collections_app.services import referrals, writeoffs
from collections_app.services.letters import LETTER_KIND
from ledger.models import GLAccount, JournalEntry, JournalTransaction
from tests.factories import make_account

from .referral_helpers import agency, final_owing, remittance_file

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def _in_collections(account) -> bool:  # type: ignore[no-untyped-def]
    return AccountFlag.objects.filter(
        account=account, kind="in_collections", cleared_at__isnull=True
    ).exists()


def _gl_total(code: str) -> D:
    entries = JournalEntry.objects.filter(gl_account=GLAccount.objects.get(code=code))
    return sum((e.amount.amount for e in entries), D("0.00"))


def test_it_lists_only_final_accounts_due_for_referral_with_why(bob: User, business_day) -> None:
    due = final_owing(bob, "240.00")
    final_owing(bob, "20.00")  # under the threshold
    final_owing(bob, "300.00", due=dt.date(2026, 11, 1))  # not 60 days yet
    make_account(bob)  # active, owes nothing
    disputed = final_owing(bob, "90.00")
    flag_set(account=disputed, kind="dispute", reason="Says the read is wrong", acting_user=bob)
    rows = list(selectors.referral_candidates(today=TODAY))
    assert [a.pk for a in rows] == [due.pk]
    why = selectors.why_referable(rows[0], today=TODAY)
    assert "Owes $240.00 (over $50.00)" in why and "was due Aug 1, 2026, 114 days ago" in why


def test_it_refers_flags_charges_the_fee_and_writes_the_placement_file(
    bob: User, business_day, django_capture_on_commit_callbacks
) -> None:
    account = final_owing(bob, "240.00")
    acme = agency()
    with django_capture_on_commit_callbacks(execute=True):
        placement = referrals.referral_place(accounts=[account], agency=acme, acting_user=bob)
    account.refresh_from_db()
    referral = Referral.objects.get(account=account)
    assert referral.status == ReferralStatus.ACTIVE and _in_collections(account)
    assert referral.fee == D("15.00") and account.balance.amount == D("255.00")
    assert referral.amount == D("255.00") and placement.total == D("255.00")
    document = stored_document(kind=referrals.PLACEMENT_KIND, subject=placement)
    assert document is not None and document.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(document_bytes(document).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["account"] == account.number and row["referral_date"] == "2026-11-23"
    assert row["address_kind"] == "mailing" and row["final_due_date"] == "2026-08-01"
    assert row["amount_over_120"] == "240.00" and row["amount_0_30"] == "15.00"
    assert row["placement_fee"] == "15.00" and row["total_referred"] == "255.00"
    letter = stored_document(kind=LETTER_KIND, subject=referral.letter)
    assert letter is not None
    text = PdfReader(io.BytesIO(document_bytes(letter))).pages[0].extract_text()
    assert "placed with Acme Recovery" in text
    assert not list(selectors.referral_candidates(today=TODAY))  # already referred


def test_it_keeps_the_placement_file_formula_safe(bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    customer = account.customer
    customer.mailing_line1 = "=HYPERLINK(1)"
    customer.save()
    placement = referrals.referral_place(accounts=[account], agency=agency(), acting_user=bob)
    document = stored_document(kind=referrals.PLACEMENT_KIND, subject=placement)
    assert document is not None
    (row,) = csv.DictReader(io.StringIO(document_bytes(document).decode()))
    assert row["address_line1"] == "'=HYPERLINK(1)"


def test_it_refers_once_on_a_double_submit(client, bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    acme = agency()
    client.force_login(bob)
    url = reverse("collections:referral_review")
    page = client.get(url)
    assert account.number in page.content.decode()
    data = {"token": page.context["token"], "agency": acme.pk, "accounts": [account.pk]}
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Referral.objects.filter(account=account).count() == 1
    placement = Referral.objects.get(account=account).placement
    download = client.get(reverse("collections:placement_file", args=[placement.pk]))
    assert download.status_code == 200 and account.number in download.getvalue().decode()


def test_it_keeps_the_ticks_and_says_why_when_nothing_is_picked(client, bob, business_day) -> None:
    account = final_owing(bob, "240.00")
    client.force_login(bob)
    url = reverse("collections:referral_review")
    token = client.get(url).context["token"]
    bad = client.post(url, {"token": token, "accounts": [account.pk]})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    assert f'value="{account.pk}" id="id_accounts_0" aria-label' in bad.content.decode()
    assert "checked" in bad.content.decode()
    assert not Referral.objects.exists()


def test_it_lists_the_review_in_a_fixed_number_of_queries(
    client, bob: User, business_day, django_assert_max_num_queries
) -> None:
    for _ in range(3):
        final_owing(bob, "240.00")
    client.force_login(bob)
    url = reverse("collections:referral_review")
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(6):
        final_owing(bob, "240.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert len(page.context["rows"]) == 9


def test_it_recalls_a_referral(bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    referrals.referral_place(accounts=[account], agency=agency(), acting_user=bob)
    referral = Referral.objects.get(account=account)
    with pytest.raises(ValidationError):
        referrals.referral_recall(referral=referral, reason="  ", acting_user=bob)
    referrals.referral_recall(referral=referral, reason="Customer came in", acting_user=bob)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECALLED and not _in_collections(account)
    assert "Customer came in" in referral.close_reason


def test_it_posts_a_remittance_with_commission(bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    acme = agency(fee_flat=None)
    referrals.referral_place(accounts=[account], agency=acme, acting_user=bob)
    data = remittance_file([(account.number, "100.00", "25.00", "75.00", "2026-11-20")])
    remittance, new = referrals.remittance_import(
        agency=acme, file_name="acme.csv", data=data, acting_user=bob
    )
    assert new and remittance.gross == D("100.00") and remittance.commission == D("25.00")
    account.refresh_from_db()
    assert account.balance.amount == D("140.00")
    line = remittance.lines.get()
    lines = {
        e.gl_account.code: e.amount.amount
        for e in JournalEntry.objects.filter(transaction_id=line.transaction_id).select_related(
            "gl_account"
        )
    }
    assert lines["999-1010"] == D("75.00") and lines["999-5830"] == D("25.00")
    assert lines["410-1210"] == D("-100.00")
    assert JournalTransaction.objects.get(pk=line.transaction_id).kind == "payment"
    # the same file again posts nothing
    again, new = referrals.remittance_import(
        agency=acme, file_name="acme-again.csv", data=data, acting_user=bob
    )
    assert not new and again.pk == remittance.pk and AgencyRemittance.objects.count() == 1
    account.refresh_from_db()
    assert account.balance.amount == D("140.00")
    call_command("verify_ledger")


def test_it_closes_a_referral_paid_in_full(bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    acme = agency(fee_flat=None, commission_percent=D("30.00"))
    referrals.referral_place(accounts=[account], agency=acme, acting_user=bob)
    data = remittance_file([(account.number, "240.00", "72.00", "168.00", "2026-11-21")])
    referrals.remittance_import(agency=acme, file_name="a.csv", data=data, acting_user=bob)
    referral = Referral.objects.get(account=account)
    assert referral.status == ReferralStatus.PAID and not _in_collections(account)


def test_it_reverses_the_write_off_before_the_agency_payment(
    bob: User, carol: User, business_day
) -> None:
    account = final_owing(bob, "240.00")
    acme = agency(fee_flat=None)
    referrals.referral_place(accounts=[account], agency=acme, acting_user=bob)
    written = writeoffs.write_off_request(
        account=account, reason="Uncollectible", acting_user=carol
    )
    assert _gl_total("410-5800") == D("240.00")
    data = remittance_file([(account.number, "100.00", "25.00", "75.00", "2026-11-20")])
    remittance, _ = referrals.remittance_import(
        agency=acme, file_name="r.csv", data=data, acting_user=bob
    )
    written.refresh_from_db()
    account.refresh_from_db()
    assert written.recovered == D("100.00") and remittance.lines.get().recovered == D("100.00")
    assert _gl_total("410-5800") == D("140.00")  # bad debt shrinks by what came back
    assert account.balance.amount == D("0.00")
    call_command("verify_ledger")


@pytest.mark.parametrize(
    ("rows", "trailer", "message"),
    [
        ([("9999999", "10.00", "2.50", "7.50", "2026-11-20")], None, "no account 9999999"),
        ([("{n}", "100.00", "20.00", "80.00", "2026-11-20")], None, "is not 25.00% of 100.00"),
        ([("{n}", "100.00", "25.00", "70.00", "2026-11-20")], None, "is not gross 100.00 less"),
        ([("{n}", "ten", "25.00", "75.00", "2026-11-20")], None, "gross 'ten' is not an amount"),
        ([("{n}", "100.00", "25.00", "75.00", "20/11/2026")], None, "not a YYYY-MM-DD date"),
        ([("{n}", "100.00", "25.00", "75.00", "2026-11-20")], "", "no trailer line"),
        ([("{n}", "100.00", "25.00", "75.00", "2026-11-20")], "trailer,2,100.00,75.00",
         "trailer says 2"),
        ([("{other}", "100.00", "25.00", "75.00", "2026-11-20")], None,
         "is not with Acme Recovery"),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_file_and_posts_nothing(
    bob: User, business_day, rows, trailer, message
) -> None:
    account = final_owing(bob, "240.00")
    other = final_owing(bob, "240.00")
    acme = agency(fee_flat=None)
    referrals.referral_place(accounts=[account], agency=acme, acting_user=bob)
    good = (account.number, "10.00", "2.50", "7.50", "2026-11-20")
    filled = [tuple(c.format(n=account.number, other=other.number) for c in r) for r in rows]
    before = JournalTransaction.objects.count()
    with pytest.raises(ValidationError) as refused:
        referrals.remittance_import(
            agency=acme, file_name="bad.csv", acting_user=bob,
            data=remittance_file([good, *filled], trailer),
        )  # fmt: skip
    assert message in str(refused.value)
    assert JournalTransaction.objects.count() == before and not AgencyRemittance.objects.exists()


def test_it_shows_a_bad_file_message_next_to_the_field(client, bob: User, business_day) -> None:
    acme = agency()
    client.force_login(bob)
    url = reverse("collections:remittances")
    token = client.get(url).context["token"]
    upload = SimpleUploadedFile("x.csv", b"account,amount\n1,2\n", content_type="text/csv")
    bad = client.post(url, {"token": token, "agency": acme.pk, "file": upload})
    assert bad.status_code == 400 and "wrong columns" in bad.content.decode()


def test_it_refuses_the_clerk(client, alice: User, bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    acme = agency()
    with pytest.raises(PermissionDenied):
        referrals.referral_place(accounts=[account], agency=acme, acting_user=alice)
    with pytest.raises(PermissionDenied):
        referrals.remittance_import(agency=acme, file_name="a", data=b"", acting_user=alice)
    with pytest.raises(PermissionDenied):
        writeoffs.write_off_request(account=account, reason="Gone", acting_user=alice)
    client.force_login(alice)
    for name in ("referral_review", "referrals", "remittances"):
        assert client.get(reverse(f"collections:{name}")).status_code == 403


def test_it_counts_referrals_and_recoveries_for_the_dashboard(bob: User, business_day) -> None:
    account = final_owing(bob, "240.00")
    acme = agency(fee_flat=None)
    referrals.referral_place(accounts=[account], agency=acme, acting_user=bob)
    data = remittance_file([(account.number, "100.00", "25.00", "75.00", "2026-11-20")])
    referrals.remittance_import(agency=acme, file_name="r.csv", data=data, acting_user=bob)
    figures = selectors.referral_figures()
    assert figures.active == 1 and figures.referred_total == D("240.00")
    assert figures.collected_gross == D("100.00") and figures.commission == D("25.00")
