"""Bad input gets a plain message next to its field, the form keeps what was typed,
and nothing is requested or posted."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from adjustments.models import AdjustmentReason, AdjustmentRequest
from ledger.models import GLAccount, JournalTransaction
from tests.factories import make_account

from .helpers import charge

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def _token(client, url: str) -> str:
    return client.get(url).context["token"]


def _nothing_happened(before: int) -> None:
    assert AdjustmentRequest.objects.count() == 0
    assert JournalTransaction.objects.count() == before


def _adjustment(client, target, leak, **overrides):
    url = reverse("adjustments:new")
    data = {
        "token": _token(client, url),
        "account": target.number,
        "direction": "credit",
        "reason": leak.pk,
        "amount_WATER": "12.50",
        "memo": "Leak at the meter pit, repaired 11/02",
        **overrides,
    }
    return client.post(url, data)


def _field_error(response, field: str) -> str:
    """The field's error, checked to be rendered right next to the field itself."""
    form = response.context["form"]
    assert field in form.errors, form.errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    return form.errors[field][0]


@pytest.fixture
def billed(account, bob, business_day):
    charge(account, bob, WATER="100.00")
    return account


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Enter an amount more than zero; the direction is chosen above."),
        ("0.00", "Enter an amount more than zero; the direction is chosen above."),
        ("-5.00", "Enter an amount more than zero; the direction is chosen above."),
        ("12.345", "Use at most two decimal places (cents)."),
        ("99999999999999999999", "That is more than the ledger accepts ($9,999,999,999.99)."),
        ("1e400", "Enter an amount like 125.50."),  # no exponents: "12e5" is not 1,200,000
        ("NaN", "Enter an amount like 125.50."),
        ("twelve", "Enter an amount like 125.50."),
    ],
)
def test_it_refuses_bad_amounts_next_to_the_field(client, alice, billed, leak, typed, message):
    client.force_login(alice)
    before = JournalTransaction.objects.count()
    response = _adjustment(client, billed, leak, amount_WATER=typed)
    assert response.status_code == 200
    assert _field_error(response, "amount_WATER") == message
    html = response.content.decode()
    assert f'value="{typed}"' in html  # what was typed is still there
    assert "Leak at the meter pit, repaired 11/02" in html
    _nothing_happened(before)


def test_it_asks_for_at_least_one_amount(client, alice, billed, leak):
    client.force_login(alice)
    response = _adjustment(client, billed, leak, amount_WATER="")
    assert _field_error(response, "amount_PEN") == "Enter an amount for at least one service."
    _nothing_happened(JournalTransaction.objects.count())


def test_it_refuses_an_inactive_reason(client, alice, billed, leak):
    AdjustmentReason.objects.filter(pk=leak.pk).update(is_active=False)
    client.force_login(alice)
    response = _adjustment(client, billed, leak)
    assert _field_error(response, "reason") == "That reason is no longer in use; choose another."
    assert AdjustmentRequest.objects.count() == 0


def test_the_service_refuses_an_inactive_reason_too(alice, billed, leak):
    from django.core.exceptions import ValidationError

    from adjustments import services
    from tests.factories import service

    leak.is_active = False
    with pytest.raises(ValidationError) as refused:
        services.request_adjustment(
            account=billed,
            direction="credit",
            reason=leak,
            amounts=[(service("WATER"), D("1.00"))],
            memo="x",
            acting_user=alice,
        )
    assert refused.value.message_dict == {
        "reason": ["That reason is no longer in use; choose another."]
    }


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)),
            "The file is larger than 5 MB. Scan it at a lower resolution.",
        ),
        (
            SimpleUploadedFile("notes.txt", b"plain words", "text/plain"),
            "Attach a PDF, PNG or JPEG file.",
        ),
        (SimpleUploadedFile("run.exe", EXE), "Attach a PDF, PNG or JPEG file."),
        (
            SimpleUploadedFile("invoice.pdf", EXE, "application/pdf"),
            "The file is named .pdf but its contents are not a PDF file.",
        ),
        (
            SimpleUploadedFile("photo.png", PDF, "image/png"),
            "The file is named .png but its contents are not a PNG file.",
        ),
        (
            SimpleUploadedFile("photo.png", PNG, "application/x-msdownload"),
            "The file's declared type does not match its contents.",
        ),
        (SimpleUploadedFile("empty.pdf", b""), "The submitted file is empty."),
    ],
    ids=["too-large", "text", "exe", "exe-named-pdf", "pdf-named-png", "declared-wrong", "empty"],
)
def test_it_refuses_bad_attachments_next_to_the_field(client, alice, billed, leak, upload, message):
    client.force_login(alice)
    before = JournalTransaction.objects.count()
    response = _adjustment(client, billed, leak, attachment=upload)
    assert _field_error(response, "attachment") == message
    assert 'value="12.50"' in response.content.decode()
    _nothing_happened(before)


def test_it_keeps_a_good_attachment_under_media_root(client, alice, billed, leak, media_root):
    client.force_login(alice)
    response = _adjustment(
        client, billed, leak, attachment=SimpleUploadedFile("plumber.pdf", PDF, "application/pdf")
    )
    req = AdjustmentRequest.objects.get()
    assert response.status_code == 302
    assert req.attachment_type == "application/pdf"
    assert req.attachment_name == "plumber.pdf"
    stored = media_root / req.attachment.name
    assert stored.read_bytes() == PDF
    assert "plumber" not in req.attachment.name  # stored under a random name
    download = client.get(reverse("adjustments:attachment", args=[req.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF


def test_it_refuses_an_unknown_account_number(client, alice, billed, leak):
    client.force_login(alice)
    response = _adjustment(client, billed, leak, account="99999999")
    assert _field_error(response, "account") == "No account has the number 99999999."


def test_it_refuses_a_request_on_a_closed_account(client, alice, bob, leak, business_day):
    from accounts import services as account_services

    closed = make_account(bob)
    for status in ("final", "closed"):
        account_services.account_change_status(
            account=closed, to=status, acting_user=bob, reason="x"
        )
    client.force_login(alice)
    response = _adjustment(client, closed, leak)
    assert _field_error(response, "account") == f"Account {closed.number} is closed."
    assert AdjustmentRequest.objects.count() == 0


# -- transfers -------------------------------------------------------------------------


def _transfer(client, source, target, **overrides):
    url = reverse("adjustments:transfer")
    data = {
        "token": _token(client, url),
        "account": source.number,
        "to_account": target.number,
        "transfer_of": "balance",
        "amount": "25.00",
        "memo": "Moving to 14 Elm St",
        **overrides,
    }
    return client.post(url, data)


def test_it_refuses_a_transfer_to_the_same_account(client, alice, billed):
    client.force_login(alice)
    response = _transfer(client, billed, billed)
    assert _field_error(response, "to_account") == (
        "Choose a different account: money cannot move to where it is."
    )
    assert "Moving to 14 Elm St" in response.content.decode()
    assert AdjustmentRequest.objects.count() == 0


def test_it_refuses_a_transfer_to_a_closed_account(client, alice, bob, billed):
    from accounts import services as account_services

    closed = make_account(bob, customer=billed.customer)
    for status in ("final", "closed"):
        account_services.account_change_status(
            account=closed, to=status, acting_user=bob, reason="x"
        )
    client.force_login(alice)
    response = _transfer(client, billed, closed)
    assert _field_error(response, "to_account") == (
        f"Account {closed.number} is closed. Transfer to an active account."
    )
    assert f'value="{closed.number}"' in response.content.decode()
    assert AdjustmentRequest.objects.count() == 0


def test_it_refuses_a_transfer_to_another_customer(client, alice, bob, billed):
    stranger = make_account(bob)
    client.force_login(alice)
    response = _transfer(client, billed, stranger)
    assert "belongs to another customer" in _field_error(response, "to_account")


def test_it_refuses_to_move_more_than_is_owed(client, alice, bob, billed):
    other = make_account(bob, customer=billed.customer)
    client.force_login(alice)
    response = _transfer(client, billed, other, amount="100.01")
    assert _field_error(response, "amount") == f"Account {billed.number} owes only $100.00."
    response = _transfer(client, billed, other, transfer_of="credit", amount="1.00")
    assert _field_error(response, "amount") == f"Account {billed.number} has only $0.00 of credit."
    assert AdjustmentRequest.objects.count() == 0


# -- GL adjustments ----------------------------------------------------------------------


def _journal(client, lines, action="submit", url=None):
    url = url or reverse("adjustments:gl_new")
    data = {
        "token": _token(client, url),
        "memo": "Reclass copy fees",
        "action": action,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "40",
    }
    for i, (code, debit, credit) in enumerate(lines):
        gl = GLAccount.objects.get(code=code) if code else None
        data[f"lines-{i}-gl_account"] = gl.pk if gl else ""
        data[f"lines-{i}-debit"] = debit
        data[f"lines-{i}-credit"] = credit
    return client.post(url, data)


def test_it_refuses_to_submit_an_unbalanced_journal(client, bob, business_day):
    client.force_login(bob)
    response = _journal(client, [("001-5910", "12.50", ""), ("001-4630", "", "12.00")])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Debits $12.50 and credits $12.00 differ by $0.50." in html
    assert "data-balance-error" in html  # shown beside the totals of the lines
    assert 'value="12.50"' in html and 'value="12.00"' in html
    assert AdjustmentRequest.objects.count() == 0  # not even the draft: all or nothing


def test_it_saves_an_unbalanced_draft_but_will_not_submit_it(client, bob, business_day):
    client.force_login(bob)
    response = _journal(client, [("001-5910", "12.50", ""), ("001-4630", "", "12.00")], "save")
    draft = AdjustmentRequest.objects.get()
    assert response.status_code == 302
    assert draft.status == "draft"
    edit = reverse("adjustments:gl_edit", args=[draft.pk])
    response = _journal(client, [("001-5910", "12.50", ""), ("001-4630", "", "12.00")], url=edit)
    assert "differ by $0.50" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    response = _journal(client, [("001-5910", "12.50", ""), ("001-4630", "", "12.50")], url=edit)
    draft.refresh_from_db()
    assert draft.status == "pending"
    assert JournalTransaction.objects.filter(kind="gl_adjustment").count() == 0


def test_it_refuses_a_line_with_both_debit_and_credit(client, bob, business_day):
    client.force_login(bob)
    response = _journal(client, [("001-5910", "5.00", "5.00"), ("001-4630", "", "5.00")])
    formset = response.context["formset"]
    assert formset.forms[0].errors["credit"] == ["Enter a debit or a credit on a line, not both."]
    assert AdjustmentRequest.objects.count() == 0


def test_it_refuses_customer_gl_accounts_in_a_journal(client, bob, business_day):
    client.force_login(bob)
    response = _journal(client, [("410-1210", "5.00", ""), ("001-4630", "", "5.00")])
    errors = response.context["formset"].forms[0].errors
    assert errors["gl_account"] == ["Choose a GL account from the list."]
    assert AdjustmentRequest.objects.count() == 0


def test_it_refuses_a_journal_of_one_line(client, bob, business_day):
    client.force_login(bob)
    response = _journal(client, [("001-5910", "5.00", "")])
    assert "A journal needs at least two lines." in response.content.decode()
