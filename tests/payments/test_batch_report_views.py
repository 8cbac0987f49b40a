"""Batches, returns and reports over HTTP: messages next to fields, progress, PDF and CSV."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from payments import services
from payments.models import RemittanceBatch
from tests.factories import make_account

from .helpers import balance, charge, check, open_drawer, pay
from .lockbox_files import lockbox_file
from .returns_helpers import close_day
from .test_views import pdf_text

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(bob, business_day) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def _token(client: Client, url: str, nth: int = 0) -> str:
    html = client.get(url).content.decode()
    return re.findall(r'name="token" value="([^"]+)"', html)[nth]


def test_a_keyed_batch_with_a_wrong_total_is_refused_then_posts(coordinator, account) -> None:
    url = reverse("payments:batches")
    made = coordinator.post(
        url, {"token": _token(coordinator, url), "control_count": "1", "control_total": "60.00"}
    )
    batch_url = made.headers["Location"]
    batch = RemittanceBatch.objects.get()
    add = reverse("payments:batch_item_add", args=[batch.pk])
    stub = {"account": f"{account.number}|50.00", "check_number": "123"}
    assert (
        coordinator.post(add, {**stub, "token": _token(coordinator, batch_url)}).status_code == 302
    )
    post = reverse("payments:batch_post", args=[batch.pk])
    refused = coordinator.post(post, {"token": _token(coordinator, batch_url, 1)})
    assert refused.status_code == 400
    assert "difference -10.00" in refused.content.decode()
    assert balance(account) == D("0.00")
    bad = coordinator.post(
        add,
        {
            "account": "99999999",
            "amount": "10",
            "check_number": "9",
            "token": _token(coordinator, batch_url),
        },
    )
    assert re.search(r'id="id_account_error">.*No account numbered', bad.content.decode(), re.S)
    good = {"account": account.number, "amount": "10.00", "check_number": "124"}
    coordinator.post(add, {**good, "token": _token(coordinator, batch_url)})
    # control count is 1 and two stubs are keyed: still refused
    assert coordinator.post(post, {"token": _token(coordinator, batch_url, 1)}).status_code == 400


def test_a_lockbox_upload_shows_progress_and_a_second_upload_is_refused(
    coordinator, account
) -> None:
    data = lockbox_file([(account.number, "12.00"), ("1", "3.00")])
    upload = SimpleUploadedFile("box.csv", data, content_type="text/csv")
    response = coordinator.post(reverse("payments:lockbox_upload"), {"file": upload})
    page = coordinator.get(response.headers["Location"]).content.decode()
    assert "<span data-rows-done>2</span> of 2 rows" in page and "<progress" in page
    assert balance(account) == D("-12.00")
    again = coordinator.post(
        reverse("payments:lockbox_upload"), {"file": SimpleUploadedFile("b.csv", data)}
    )
    assert again.status_code == 400 and "already imported as batch" in again.content.decode()
    queue = coordinator.get(reverse("payments:exceptions")).content.decode()
    assert "No account numbered" in queue
    partial = coordinator.get(
        reverse("payments:batch_progress", args=[RemittanceBatch.objects.get().pk]),
        headers={"HX-Request": "true"},
    )
    assert partial.headers.get("HX-Refresh") == "true"


def test_a_wrong_column_file_is_refused_with_a_clear_message(coordinator) -> None:
    upload = SimpleUploadedFile("x.csv", b"acct,amt\r\n1,2\r\n")
    response = coordinator.post(reverse("payments:lockbox_upload"), {"file": upload})
    assert response.status_code == 400 and "Wrong columns" in response.content.decode()


def test_reports_read_back_as_pdf_and_csv(alice, bob, carol, account, business_day) -> None:
    charge(account, bob, water="100.00")
    drawer = open_drawer(alice)
    payment = pay(alice, drawer, account, "70.00", check("70.00", "4411"))
    closeout = close_day(alice)
    clerk = Client()
    clerk.force_login(alice)
    assert clerk.get(reverse("payments:reports")).status_code == 403
    sup = Client()
    sup.force_login(carol)
    day = closeout.business_date.isoformat()
    journal = pdf_text(
        sup.get(
            reverse("payments:report", args=["journal"]), {"date": day, "format": "pdf"}
        ).content
    )
    assert payment.receipt_label in journal and "70.00" in journal
    rows = list(
        csv.reader(
            io.StringIO(
                sup.get(
                    reverse("payments:report", args=["tenders"]), {"date": day, "format": "csv"}
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0][0] == "Drawer" and rows[1][4] == "70.00" and rows[-1][0] == "Total"
    gl = sup.get(reverse("payments:report", args=["gl"]), {"date": day, "format": "csv"})
    totals = list(csv.reader(io.StringIO(gl.content.decode("utf-8-sig"))))[-1]
    assert totals[3] == totals[4] and totals[5] == "0.00"  # debits equal credits
    short = pdf_text(
        sup.get(
            reverse("payments:report", args=["overshort"]), {"date": day, "format": "pdf"}
        ).content
    )
    assert "-$70.00" in short  # the check was not counted
    # a return the next day shows on the register
    returned = reverse("payments:return_payment", args=[payment.pk])
    sup.post(returned, {"kind": "returned_check", "reason": "NSF", "token": _token(sup, returned)})
    register = sup.get(reverse("payments:report", args=["register"]), {"format": "csv"})
    text = register.content.decode("utf-8-sig")
    assert "Returned check" in text and "30.00" in text


def test_an_auditor_reads_the_batch_list_but_keys_nothing(erin, business_day) -> None:
    auditor = Client()
    auditor.force_login(erin)
    page = auditor.get(reverse("payments:batches"))
    assert page.status_code == 200
    assert "Recent batches" in page.content.decode()
    assert 'id="import-lockbox"' not in page.content.decode()
    refused = auditor.post(reverse("payments:batches"), {"control_count": "1"})
    assert refused.status_code == 403
    assert not RemittanceBatch.objects.exists()


def test_it_says_nothing_was_posted_once_on_a_refused_batch(coordinator, account) -> None:
    batch = services.batch_create(
        control_count=2, control_total=D("60.00"), acting_user=User.objects.get(username="bob")
    )
    url = reverse("payments:batch", args=[batch.pk])
    post = reverse("payments:batch_post", args=[batch.pk])
    refused = coordinator.post(post, {"token": _token(coordinator, url, 1)})
    assert refused.status_code == 400
    assert refused.content.decode().count("Nothing was posted.") == 1


def test_it_cancels_a_mail_batch_with_a_reason_shown_in_the_closeout(
    coordinator, alice, carol, account
) -> None:
    bob = User.objects.get(username="bob")
    batch = services.batch_create(control_count=1, control_total=D("5.00"), acting_user=bob)
    cancel = reverse("payments:batch_cancel", args=[batch.pk])
    clerk = Client()
    clerk.force_login(alice)
    assert clerk.post(cancel, {"reason": "mistake"}).status_code == 403  # clerks key no batches
    empty = coordinator.post(cancel, {"reason": "  "})
    assert empty.status_code == 400 and "Say why the batch is cancelled." in empty.content.decode()
    assert coordinator.post(cancel, {"reason": "Keyed twice"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "cancelled" and batch.cancelled_by == bob
    supervisor = Client()
    supervisor.force_login(carol)
    page = supervisor.get(reverse("payments:closeout")).content.decode()
    assert re.search(rf"Batch {batch.number}</a> Mail payments: Cancelled: Keyed twice", page)
    with pytest.raises(ValidationError, match="cancelled"):
        services.batch_add_item(
            batch=batch,
            account_text=account.number,
            amount=D("5"),
            check_number="1",
            acting_user=bob,
        )


def test_it_edits_a_keyed_stub_in_place(coordinator, account) -> None:
    bob = User.objects.get(username="bob")
    batch = services.batch_create(control_count=1, control_total=D("5.00"), acting_user=bob)
    item = services.batch_add_item(
        batch=batch,
        account_text=account.number,
        amount=D("4.00"),
        check_number="9",
        acting_user=bob,
    )
    edit = reverse("payments:batch_item_edit", args=[item.pk])
    form = {"item": item.pk, "edit-account": account.number, "edit-check_number": "9"}
    bad = coordinator.post(edit, {**form, "edit-amount": "4.0.0"})
    assert bad.status_code == 400 and 'value="4.0.0"' in bad.content.decode()
    assert coordinator.post(edit, {**form, "edit-amount": "5.00"}).status_code == 302
    item.refresh_from_db()
    assert item.amount.amount == D("5.00") and item.line_number == 1


def test_it_shows_the_exception_accounts_owed_and_warns_before_a_credit(
    coordinator, alice, carol, account
) -> None:
    bob = User.objects.get(username="bob")
    charge(account, bob, water="40.00")
    other = make_account(bob)
    data = lockbox_file([("12345678", "25.00"), (account.number, "15000.00")])
    upload = SimpleUploadedFile("box.csv", data, content_type="text/csv")
    made = coordinator.post(reverse("payments:lockbox_upload"), {"file": upload})
    batch = RemittanceBatch.objects.get()
    page = coordinator.get(made.headers["Location"]).content.decode()
    assert re.search(
        r'0 posted · <a href="[^"]+\?batch=\d+">2 needing a person</a> · 0 rejected', page
    )
    queue_url = reverse("payments:exceptions") + f"?batch={batch.pk}"
    queue = coordinator.get(queue_url).content.decode()
    name = account.customer.display_name
    assert f"{name} · {account.premise.line1}" in queue and "owes $40.00" in queue
    unknown = batch.items.get(line_number=2)
    resolve = reverse("payments:item_resolve", args=[unknown.pk])
    form = {"action": "post", "account": other.number, "reason": ""}
    warned = coordinator.post(
        resolve,
        {**form, "token": _token(coordinator, queue_url)},
    )
    text = warned.content.decode()
    assert warned.status_code == 400 and 'id="post-anyway"' in text
    assert (
        f"{other.customer.display_name} ({other.number}) owes $0.00; "
        "this payment of $25.00 would leave a credit of $25.00" in text
    )
    assert balance(other) == D("0.00")
    token = re.findall(r'name="token" value="([^"]+)"', text)[0]
    posted = coordinator.post(
        resolve, {**form, "account": other.number, "action": "post_anyway", "token": token}
    )
    assert posted.status_code == 302 and balance(other) == D("-25.00")
    supervisor = Client()
    supervisor.force_login(carol)
    closeout = supervisor.get(reverse("payments:closeout")).content.decode()
    assert f"Batch {batch.number} line 3</a>: $15,000.00" in closeout
    clerk = Client()
    clerk.force_login(alice)
    assert clerk.get(queue_url).status_code == 403


def test_it_lists_a_lockbox_batch_with_its_counts_not_plain_posted(coordinator, account) -> None:
    data = lockbox_file([(account.number, "5.00"), ("12345678", "3.00")])
    upload = SimpleUploadedFile("box.csv", data, content_type="text/csv")
    coordinator.post(reverse("payments:lockbox_upload"), {"file": upload})
    batch = RemittanceBatch.objects.get()
    page = coordinator.get(reverse("payments:batches")).content.decode()
    assert re.search(
        rf"Posted: 1 posted · <a href=\"[^\"]+\?batch={batch.pk}\">1 needing a person</a> · "
        "0 rejected",
        page,
    )


def test_the_batch_list_shows_the_newest_batches_first(coordinator, bob) -> None:
    """Found in Chromium: the counted (GROUP BY) list lost the model's ordering and showed
    the oldest fifty, so a new batch never appeared."""
    made = [
        services.batch_create(control_count=1, control_total=D("1.00"), acting_user=bob)
        for _ in range(3)
    ]
    html = coordinator.get(reverse("payments:batches")).content.decode()
    shown = [html.index(reverse("payments:batch", args=[b.pk])) for b in made]
    assert shown == sorted(shown, reverse=True)  # the last made comes first
