"""The counter over HTTP: post once, refusals next to the field, receipts and slips as PDF."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from billing_site.common.models import Document
from payments.models import Payment

from .helpers import balance, charge, open_drawer

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(alice, business_day) -> Client:
    open_drawer(alice)
    client = Client()
    client.force_login(alice)
    return client


def _token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def _form(client: Client, **fields: str) -> dict[str, str]:
    return {"token": _token(client, reverse("payments:take")), **fields}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_it_posts_a_cash_payment_and_shows_change(clerk, bob, account) -> None:
    charge(account, bob, water="42.50")
    data = _form(clerk, account_0=account.number, amount_0="42.50", cash_amount="50")
    response = clerk.post(reverse("payments:take"), data, follow=True)
    assert response.status_code == 200
    assert "Change due: $7.50" in response.content.decode()
    assert balance(account) == D("0.00")


def test_replaying_the_post_posts_once(clerk, account) -> None:
    data = _form(clerk, account_0=account.number, amount_0="10.00", cash_amount="10.00")
    first = clerk.post(reverse("payments:take"), data)
    second = clerk.post(reverse("payments:take"), data)  # double click or replayed POST
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert clerk.get(first.headers["Location"]).status_code == 200  # refresh after Post
    assert Payment.objects.count() == 1
    assert balance(account) == D("-10.00")


def test_a_scanned_stub_fills_account_and_amount(clerk, bob, account) -> None:
    charge(account, bob, water="18.00")
    data = _form(clerk, account_0=f"{account.number}|18.00", cash_amount="20")
    assert clerk.post(reverse("payments:take"), data).status_code == 302
    assert balance(account) == D("0.00")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount_0": "50.00", "cash_amount": "40.00"}, "cash_amount", "less than the 50.00"),
        ({"amount_0": "-5", "cash_amount": "5"}, "amount_0", "more than zero"),
        ({"amount_0": "0", "cash_amount": "5"}, "amount_0", "more than zero"),
        ({"amount_0": "5.001", "cash_amount": "6"}, "amount_0", "two decimal places"),
        ({"amount_0": "5", "check_amount": "5"}, "check_number", "check number"),
        (
            {"amount_0": "5", "cash_amount": "5", "payer": "4111 1111 1111 1111"},
            "payer",
            "card number",
        ),
        (
            {
                "amount_0": "5",
                "card_amount": "5",
                "card_brand": "visa",
                "card_last4": "4242",
                "card_auth": "4111-1111-1111-1111",
            },
            "card_auth",
            "card number",
        ),
    ],
)
def test_it_refuses_bad_tenders_next_to_the_field_and_keeps_the_form(
    clerk, account, fields, field, message
) -> None:
    data = _form(clerk, account_0=account.number, **fields)
    response = clerk.post(reverse("payments:take"), data)
    html = response.content.decode()
    assert response.status_code == 400
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', html, re.S)
    assert error and message in error.group(1), html[:0]
    assert f'value="{account.number}"' in html  # nothing typed is lost
    assert Payment.objects.count() == 0
    if "card number" in message:  # ...except the card number, which is never echoed back
        assert "4111" not in html


def test_it_refuses_an_unknown_account(clerk) -> None:
    response = clerk.post(
        reverse("payments:take"), _form(clerk, account_0="99999999", amount_0="5", cash_amount="5")
    )
    assert "No account numbered" in response.content.decode()


def test_the_lookup_shows_balance_and_alerts(clerk, bob, account) -> None:
    charge(account, bob, water="12.00")
    html = clerk.get(
        reverse("payments:lookup"), {"row": 0, "account_0": account.number}
    ).content.decode()
    assert "Amount due <strong data-due>$12.00" in html
    from accounts.services import flag_set

    flag_set(account=account, kind="in_collections", reason="Referred 2026-10-01", acting_user=bob)
    html = clerk.get(
        reverse("payments:lookup"), {"row": 0, "account_0": account.number}
    ).content.decode()
    assert "In collections: Referred 2026-10-01" in html
    name = account.customer.last_name
    assert (
        account.number
        in clerk.get(reverse("payments:lookup"), {"row": 0, "account_0": name}).content.decode()
    )


def test_it_prints_the_original_once_by_post_and_a_preview_changes_nothing(
    clerk, carol, dave, account
) -> None:
    data = _form(clerk, account_0=account.number, amount_0="10.00", cash_amount="20.00")
    url = clerk.post(reverse("payments:take"), data).headers["Location"]
    pk = int(url.rstrip("/").split("/")[-1])
    payment = Payment.objects.get(pk=pk)
    pdf_url = reverse("payments:receipt_pdf", args=[pk])
    print_url = reverse("payments:receipt_print", args=[pk])
    looker = Client()
    looker.force_login(carol)  # a supervisor printing it gets a copy and uses nothing up
    assert "COPY" in pdf_text(looker.post(pdf_url).content)
    # Viewing or previewing, as anyone, says PREVIEW and uses up nothing.
    for who in (looker, clerk):
        assert "PREVIEW" in pdf_text(who.get(pdf_url).content)
        assert "PREVIEW" in who.get(print_url).content.decode()
    assert Payment.objects.get(pk=pk).prints == 0
    first = pdf_text(clerk.post(pdf_url).content)  # the explicit Print: the original
    assert payment.receipt_label in first and "10.00" in first
    assert "COPY" not in first and "PREVIEW" not in first
    again = pdf_text(clerk.post(pdf_url, {"size": "80mm"}).content)
    assert "COPY" in again and "Change" in again
    page = clerk.post(print_url).content.decode()
    assert "COPY" in page and "data-print-auto" in page
    assert Payment.objects.get(pk=pk).prints == 3
    technician = Client()
    technician.force_login(dave)
    assert technician.post(print_url).status_code == 403
    assert Payment.objects.get(pk=pk).prints == 3


def test_a_clerk_cannot_post_a_void_but_a_supervisor_can(clerk, carol, account) -> None:
    data = _form(clerk, account_0=account.number, amount_0="10.00", cash_amount="10.00")
    pk = int(
        clerk.post(reverse("payments:take"), data).headers["Location"].rstrip("/").split("/")[-1]
    )
    assert clerk.post(reverse("payments:void", args=[pk]), {"reason": "x"}).status_code == 403
    sup = Client()
    sup.force_login(carol)
    token = _token(sup, reverse("payments:receipt", args=[pk]))
    response = sup.post(reverse("payments:void", args=[pk]), {"reason": "Wrong", "token": token})
    assert response.status_code == 302
    assert Payment.objects.get(pk=pk).status == "void"
    assert "VOID" in sup.get(reverse("payments:receipt", args=[pk])).content.decode()


def test_the_closeout_page_closes_the_day_and_serves_slips(
    alice, bob, carol, clerk, account
) -> None:
    data = _form(clerk, account_0=account.number, amount_0="15.00", cash_amount="15.00")
    clerk.post(reverse("payments:take"), data)
    sup = Client()
    sup.force_login(carol)
    refused = sup.post(
        reverse("payments:closeout"),
        {"token": _token(sup, reverse("payments:closeout")), "confirmed": "1"},
    )
    assert refused.status_code == 400 and "Drawers still open" in refused.content.decode()
    close = {
        "token": _token(clerk, reverse("payments:drawer_close")),
        "d20": "5",
        "d10": "1",
        "d5": "1",
        "confirmed": "1",
    }
    assert clerk.post(reverse("payments:drawer_close"), close).status_code == 302
    done = sup.post(
        reverse("payments:closeout"),
        {"token": _token(sup, reverse("payments:closeout")), "confirmed": "1"},
    )
    assert done.status_code == 302
    html = sup.get(done.headers["Location"]).content.decode()
    slip_url = re.search(r'href="([^"]+slip.pdf)"', html).group(1)
    slip = sup.get(slip_url).content
    text = pdf_text(slip)
    assert "Deposit slip" in text and "15.00" in text
    stored = Document.objects.get(kind="payments.deposit_slip")  # stored by the closeout
    assert stored.sha256 == hashlib.sha256(slip).hexdigest() and stored.copies_printed == 0
    coordinator = Client()
    coordinator.force_login(bob)  # prepares deposits, does not run the closeout
    reports = coordinator.get(reverse("payments:reports")).content.decode()
    assert f'href="{slip_url}"' in reports
    assert coordinator.get(slip_url).content == slip  # byte-identical, and a GET counts nothing
    assert Document.objects.get(pk=stored.pk).copies_printed == 0


def test_the_closeout_page_costs_the_same_queries_for_one_drawer_or_four(
    alice, bob, carol, account, business_day
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing_site.common import roles
    from tests.factories import make_user

    from .helpers import cash, check, pay

    charge(account, bob, water="500.00")
    sup = Client()
    sup.force_login(carol)

    def page_queries() -> int:
        sup.get(reverse("payments:closeout"))  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            assert sup.get(reverse("payments:closeout")).status_code == 200
        return len(queries)

    for n in range(4):
        clerk = make_user(f"counter-{n}", roles.CLERK)
        drawer = open_drawer(clerk)
        pay(clerk, drawer, account, "10.00", cash("12.00"))
        pay(clerk, drawer, account, "5.00", check("5.00", f"70{n}"))
        if n == 0:
            one = page_queries()
    assert page_queries() == one


def test_take_payment_from_the_account_page_shows_the_account_at_once(
    alice, bob, account, business_day
) -> None:
    charge(account, bob, water="31.40")
    client = Client()
    client.force_login(alice)
    url = f"{reverse('payments:take')}?account={account.number}"
    # No drawer yet: open it, and come back to the same account.
    to_open = client.get(url)
    assert (
        to_open.headers["Location"] == f"{reverse('payments:drawer_open')}?account={account.number}"
    )
    page = client.get(to_open.headers["Location"])
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    opened = client.post(to_open.headers["Location"], {"token": token, "d20": "5"})
    assert opened.headers["Location"] == url
    html = client.get(url).content.decode()
    assert f'value="{account.number}"' in html
    assert "Amount due <strong data-due>$31.40" in html  # the panel, before anything is typed
    assert (
        "<script>"
        not in client.get(f"{reverse('payments:take')}?account=<script>").content.decode()
    )


def test_a_receipt_offers_a_void_on_its_day_and_a_return_after(
    clerk, alice, carol, account
) -> None:
    from .returns_helpers import close_day

    data = _form(clerk, account_0=account.number, amount_0="10.00", check_amount="10.00")
    url = clerk.post(reverse("payments:take"), {**data, "check_number": "501"}).headers["Location"]
    sup = Client()
    sup.force_login(carol)
    same_day = sup.get(url).content.decode()
    assert 'id="record-return-link"' not in same_day and 'name="reason"' in same_day
    close_day(alice)
    later = sup.get(url).content.decode()
    assert 'id="record-return-link"' in later and 'name="reason"' not in later


def test_the_receipt_shows_each_accounts_balance_after_the_payment(clerk, bob, account) -> None:
    charge(account, bob, water="80.00")
    data = _form(clerk, account_0=account.number, amount_0="30.00", cash_amount="30.00")
    url = clerk.post(reverse("payments:take"), data).headers["Location"]
    charge(account, bob, water="5.00")  # later activity does not change what the receipt says
    html = clerk.get(url).content.decode()
    assert "Balance after this payment $50.00" in html


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "pay-screen"}


def _hx_post(client: Client, data: dict[str, str]):
    return client.post(reverse("payments:take"), data, **HTMX)


def test_it_posts_by_htmx_and_answers_with_the_receipt_and_a_fresh_form(
    clerk, bob, account
) -> None:
    charge(account, bob, water="42.50")
    data = _form(clerk, account_0=account.number, amount_0="42.50", cash_amount="50")
    response = _hx_post(clerk, data)
    html = response.content.decode()
    payment = Payment.objects.get()
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == reverse("payments:receipt", args=[payment.pk])
    assert 'id="receipt-panel"' in html and payment.receipt_label in html
    assert "Change due: $7.50" in html
    assert "<html" not in html  # a fragment, not a page
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert token != data["token"]  # the next payment gets its own one-time token
    assert f'value="{account.number}"' not in html  # and an empty form
    again = _hx_post(clerk, {**data, "token": token, "amount_0": "1.00", "cash_amount": "1.00"})
    assert again.status_code == 200 and Payment.objects.count() == 2
    assert clerk.get(response.headers["HX-Push-Url"]).status_code == 200  # refresh after Post


def test_it_answers_an_htmx_replay_with_the_first_receipt(clerk, account) -> None:
    data = _form(clerk, account_0=account.number, amount_0="10.00", cash_amount="10.00")
    first = _hx_post(clerk, data)
    second = _hx_post(clerk, data)  # double Enter, or a retry after a dropped answer
    payment = Payment.objects.get()
    assert first.headers["HX-Push-Url"] == second.headers["HX-Push-Url"]
    assert payment.receipt_label in second.content.decode()
    assert balance(account) == D("-10.00")


def test_it_shows_an_htmx_refusal_next_to_the_field_in_the_fragment(clerk, account) -> None:
    data = _form(clerk, account_0=account.number, amount_0="50.00", cash_amount="40.00")
    response = _hx_post(clerk, data)
    html = response.content.decode()
    assert response.status_code == 400 and "HX-Push-Url" not in response.headers
    assert "<html" not in html and 'id="id_cash_amount_error"' in html
    assert f'value="{account.number}"' in html and f'value="{data["token"]}"' in html
    assert Payment.objects.count() == 0


def test_it_refuses_the_htmx_post_to_a_user_who_takes_no_payments(erin, account) -> None:
    auditor = Client()
    auditor.force_login(erin)
    assert _hx_post(auditor, {"account_0": account.number}).status_code == 403


def test_it_sends_a_clerk_without_a_drawer_to_open_one(alice, business_day, account) -> None:
    client = Client()
    client.force_login(alice)
    response = _hx_post(client, {"account_0": account.number, "amount_0": "5", "cash_amount": "5"})
    assert response.headers["HX-Redirect"] == reverse("payments:drawer_open")
    assert Payment.objects.count() == 0


def test_the_htmx_post_reads_drawer_day_and_number_once(clerk, bob, account) -> None:
    """Pins the statements of one payment by htmx (before: 27 plus 4 savepoint statements,
    then a GET of the receipt page, 13, and of a new form, 6; then 26 with the receipt
    panel's 6 reads and payment_take's SAVEPOINT and RELEASE). The panel now shows the payment as
    payment_take wrote it (tests/payments/test_receipt_loaded.py), the account with its
    customer and premise as the form read it, and payment_take has no savepoint."""

    charge(account, bob, water="42.50")
    _hx_post(clerk, _form(clerk, account_0=account.number, amount_0="1.00", cash_amount="1"))
    data = _form(clerk, account_0=account.number, amount_0="2.00", cash_amount="5")
    with CaptureQueriesContext(connection) as queries:
        assert _hx_post(clerk, data).status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    print("\n".join(s[:160] for s in statements))

    def count(pattern: str) -> int:
        return sum(1 for s in statements if re.search(pattern, s))

    assert count(r'FROM "payments_drawer"') == 1
    assert count(r'FROM "ledger_businessday"') == 1
    assert count(r"common_numbersequence") == 1
    assert count(r"UPDATE .*common_numbersequence|ON CONFLICT \(name\) DO UPDATE") == 1
    assert count(r"^SAVEPOINT") == 1  # the test's own transaction only
    assert count(r"^SELECT .*(payments_payment|payments_tender|historicalaccount)") == 0
    # The POST (permissions cached, one-statement flush; the chart read again after charge()),
    # and nothing for the panel.
    assert len(statements) == 18


def test_it_closes_a_drawer_only_after_the_count_is_reviewed_and_confirmed(clerk) -> None:
    from payments.models import Drawer

    url = reverse("payments:drawer_close")
    count = {"token": _token(clerk, url), "d20": "6", "checks": ""}
    review = clerk.post(url, count)  # Enter, or "Review the count": nothing is posted
    html = review.content.decode()
    assert review.status_code == 200 and Drawer.objects.get().status == "open"
    assert 'id="review-over-short"' in html and "$20.00 over" in html
    assert "$100.00" in html and "$120.00" in html  # expected against counted
    assert 'name="d20" value="6"' in html  # the count travels to the confirm
    back = clerk.post(url, {**count, "edit": "1"}).content.decode()
    assert 'id="review-count"' in back and Drawer.objects.get().status == "open"
    done = clerk.post(url, {**count, "confirmed": "1"})
    drawer = Drawer.objects.get()
    assert done.status_code == 302 and drawer.status == "closed"
    assert drawer.over_short.amount == D("20.00")


def test_it_closes_the_day_only_after_confirming_what_will_be_closed(
    alice, carol, clerk, account
) -> None:
    from ledger.models import BusinessDay

    clerk.post(
        reverse("payments:take"),
        _form(clerk, account_0=account.number, amount_0="15.00", cash_amount="15.00"),
    )
    url = reverse("payments:drawer_close")
    clerk.post(
        url, {"token": _token(clerk, url), "d20": "5", "d10": "1", "d5": "1", "confirmed": "1"}
    )
    sup = Client()
    sup.force_login(carol)
    token = _token(sup, reverse("payments:closeout"))
    asked = sup.post(reverse("payments:closeout"), {"token": token})
    html = asked.content.decode()
    assert asked.status_code == 200 and 'id="closeout-confirm"' in html
    assert "Close Monday, Nov 23, 2026?" in html and "$115.00" in html
    assert BusinessDay.objects.get(date="2026-11-23").status == "open"
    done = sup.post(reverse("payments:closeout"), {"token": token, "confirmed": "1"})
    assert done.status_code == 302
    assert BusinessDay.objects.get(date="2026-11-23").status == "closed"


def test_a_supervisor_reopens_a_closed_drawer_for_a_recount(alice, carol, clerk) -> None:
    from payments.models import Drawer

    url = reverse("payments:drawer_close")
    clerk.post(url, {"token": _token(clerk, url), "d20": "6", "confirmed": "1"})
    drawer = Drawer.objects.get()
    assert drawer.over_short.amount == D("20.00")
    detail = reverse("payments:drawer", args=[drawer.pk])
    reopen = reverse("payments:drawer_reopen", args=[drawer.pk])
    assert clerk.post(reopen, {"reason": "Miscounted"}).status_code == 403  # not the clerk
    sup = Client()
    sup.force_login(carol)
    data = {"token": _token(sup, detail), "reason": "Clerk found a $20 bill in the tray"}
    assert sup.post(reopen, data).status_code == 302
    drawer.refresh_from_db()
    assert drawer.status == "open" and drawer.over_short is None
    reason = drawer.history.first().history_change_reason
    assert "Reopened for recount by carol: Clerk found" in reason
    assert "Clerk found a $20 bill" in sup.get(detail).content.decode()
    # The recount closes it again and posts its own over/short; the first was reversed.
    clerk.post(url, {"token": _token(clerk, url), "d20": "5", "confirmed": "1"})
    drawer.refresh_from_db()
    assert drawer.status == "closed" and drawer.over_short.amount == D("0.00")
    from ledger.models import JournalTransaction

    assert JournalTransaction.objects.filter(kind="reversal").count() == 1


def test_a_supervisor_cannot_reopen_an_own_drawer_or_one_closed_out(
    alice, carol, business_day
) -> None:
    from django.core.exceptions import ValidationError

    from payments import services

    from .returns_helpers import close_day

    own = open_drawer(carol)
    services.drawer_close(drawer=own, counts={"d20": 5}, checks=[], acting_user=carol)
    with pytest.raises(ValidationError, match="Another supervisor"):
        services.drawer_reopen(drawer=own, reason="Recount", acting_user=carol)
    theirs = open_drawer(alice)
    close_day(alice)
    theirs.refresh_from_db()
    with pytest.raises(ValidationError, match="closeout"):
        services.drawer_reopen(drawer=theirs, reason="Recount", acting_user=carol)


def test_it_lists_todays_receipts_of_the_clerks_drawer_and_finds_one(
    clerk, alice, carol, bob, account
) -> None:
    from tests.factories import make_account, make_user

    from .helpers import pay

    other_account = make_account(bob)
    from payments.models import Drawer

    alice_drawer = Drawer.objects.get(clerk=alice)
    mine = pay(alice, alice_drawer, account, "42.50")
    pay(alice, alice_drawer, other_account, "7.00")
    someone = make_user("zoe", "Clerk")
    theirs = pay(someone, open_drawer(someone), other_account, "9.99")
    url = reverse("payments:receipts")
    html = clerk.get(url).content.decode()
    assert mine.receipt_label in html and theirs.receipt_label not in html  # own drawer only
    for q in (mine.receipt_label, account.number, "42.50", "$42.50"):
        found = clerk.get(url, {"q": q}).content.decode()
        assert mine.receipt_label in found, q
        assert f"{alice_drawer.pk}-00002" not in found, q
    assert "No receipt today matches" in clerk.get(url, {"q": "zzz"}).content.decode()
    sup = Client()
    sup.force_login(carol)  # a supervisor sees every drawer's receipts
    assert theirs.receipt_label in sup.get(url).content.decode()


def test_the_account_activity_links_each_receipt(clerk, alice, bob, account) -> None:
    from payments.models import Drawer

    from .helpers import pay

    payment = pay(alice, Drawer.objects.get(clerk=alice), account, "12.00")
    coordinator = Client()
    coordinator.force_login(bob)
    html = coordinator.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    link = f'<a href="{reverse("payments:receipt", args=[payment.pk])}" data-activity-receipt>'
    assert f"{link}Receipt {payment.receipt_label}</a>" in html


def test_a_clerk_asks_for_a_void_and_a_supervisor_works_the_queue(clerk, carol, account) -> None:
    data = _form(clerk, account_0=account.number, amount_0="10.00", cash_amount="10.00")
    receipt_url = clerk.post(reverse("payments:take"), data).headers["Location"]
    pk = int(receipt_url.rstrip("/").split("/")[-1])
    assert clerk.get(reverse("payments:void_queue")).status_code == 403  # not a supervisor
    assert clerk.post(reverse("payments:void_decline", args=[pk])).status_code == 403
    token = re.search(
        r'void/request/".*?name="token" value="([^"]+)"',
        clerk.get(receipt_url).content.decode(),
        re.S,
    ).group(1)
    asked = clerk.post(
        reverse("payments:void_request", args=[pk]), {"token": token, "reason": "Wrong account"}
    )
    assert asked.status_code == 302
    assert "Void requested by alice" in clerk.get(receipt_url).content.decode()
    sup = Client()
    sup.force_login(carol)
    home = sup.get(reverse("payments:void_queue")).content.decode()
    assert re.search(r'id="nav-voids">Voids <span class="badge">1</span>', home)
    assert "Wrong account" in home and Payment.objects.get(pk=pk).status == "posted"
    void_token = _token(sup, receipt_url)
    sup.post(reverse("payments:void", args=[pk]), {"reason": "Wrong account", "token": void_token})
    assert Payment.objects.get(pk=pk).status == "void"
    assert "No voids are waiting." in sup.get(reverse("payments:void_queue")).content.decode()


def test_a_supervisor_declines_a_requested_void(clerk, alice, carol, account) -> None:
    from payments import services
    from payments.models import Drawer

    from .helpers import pay

    payment = pay(alice, Drawer.objects.get(clerk=alice), account, "5.00")
    services.payment_void_request(payment=payment, reason="Typo", acting_user=alice)
    sup = Client()
    sup.force_login(carol)
    assert sup.post(reverse("payments:void_decline", args=[payment.pk])).status_code == 302
    payment.refresh_from_db()
    assert payment.status == "posted" and payment.void_requested_at is None


def test_it_says_credit_and_warns_of_a_flag_on_an_amber_card(clerk, bob, account) -> None:
    from accounts.services import flag_set

    pay_url = reverse("payments:take")
    clerk.post(pay_url, _form(clerk, account_0=account.number, amount_0="39.48", cash_amount="40"))
    html = clerk.get(
        reverse("payments:lookup"), {"row": 0, "account_0": account.number}
    ).content.decode()
    assert "Balance <strong data-balance>credit $39.48</strong>" in html
    assert 'class="pay-account-card"' in html  # nothing in force: the plain card
    flag_set(account=account, kind="cash_only", reason="Two returned checks", acting_user=bob)
    html = clerk.get(
        reverse("payments:lookup"), {"row": 0, "account_0": account.number}
    ).content.decode()
    assert 'class="pay-account-card pay-warn"' in html and "Two returned checks" in html


@pytest.mark.parametrize(("paid", "asked"), [("112.00", False), ("112.01", True)])
def test_it_asks_to_confirm_an_overpayment_above_the_setting(
    clerk, bob, account, paid, asked
) -> None:
    charge(account, bob, water="12.00")  # the setting's default: $100.00 of credit
    data = _form(clerk, account_0=account.number, amount_0=paid, cash_amount=paid)
    response = clerk.post(reverse("payments:take"), data)
    text = response.content.decode()
    if not asked:
        assert response.status_code == 302 and balance(account) == D("-100.00")
        return
    assert response.status_code == 400 and balance(account) == D("0.00") + D("12.00")
    assert re.search(
        r'id="id_amount_0_error">.*\$112\.01 is more than the \$12\.00 owed: it leaves a credit '
        r"of \$100\.01",
        text,
        re.S,
    )
    assert 'name="confirm_amount"' in text
    confirmed = {**data, "confirm_amount": "on"}
    assert clerk.post(reverse("payments:take"), confirmed).status_code == 302
    assert balance(account) == D("-100.01")
