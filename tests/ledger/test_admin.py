"""The Django admin: administrators keep the GL chart; ledger tables are read-only there."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from accounts.models import Account, Customer
from ledger import services
from ledger.models import Fund, JournalTransaction, Service
from tests.factories import make_customer, service

# Pages only: no locks or COMMIT-time checks to exercise, so the faster rollback-per-test.
pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def grace(db: None) -> User:
    """Grace is the superuser who set the system up."""
    return User.objects.create_superuser("grace", "grace@example.org", "correct-horse-battery")


@pytest.fixture
def payment(alice, account, business_day) -> JournalTransaction:
    return services.post_payment(account=account, amount=D("10.00"), memo="Cash", acting_user=alice)


def test_it_lets_the_administrator_browse_the_gl_chart(frank):
    client = client_for(frank)

    listing = client.get("/admin/ledger/glaccount/")
    found = client.get("/admin/ledger/glaccount/", {"q": "sewer", "role__exact": "receivable"})

    assert listing.status_code == 200
    assert b"410-1210" in listing.content
    assert found.status_code == 200
    assert b"420-1210" in found.content
    assert b"410-1210" not in found.content


def test_it_lets_the_administrator_edit_a_service(frank):
    water = service("WATER")
    client = client_for(frank)

    response = client.post(
        f"/admin/ledger/service/{water.pk}/change/",
        {
            "code": "WATER",
            "name": "Potable water",
            "payment_order": "3",
            "receivable_gl": str(water.receivable_gl_id),
            "revenue_gl": str(water.revenue_gl_id),
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert Service.objects.get(pk=water.pk).name == "Potable water"


def test_it_refuses_a_duplicate_payment_order(frank):
    water = service("WATER")

    response = client_for(frank).post(
        f"/admin/ledger/service/{water.pk}/change/",
        {
            "code": "WATER",
            "name": "Water",
            "payment_order": "4",  # sewer's place
            "receivable_gl": str(water.receivable_gl_id),
            "revenue_gl": str(water.revenue_gl_id),
        },
    )

    assert response.status_code == 200
    assert b"Service with this Payment order already exists." in response.content
    assert Service.objects.get(pk=water.pk).payment_order == 3


def test_it_lets_the_administrator_add_a_fund(frank):
    response = client_for(frank).post("/admin/ledger/fund/add/", {"code": "450", "name": "Gas"})

    assert response.status_code == 302
    assert Fund.objects.filter(code="450").exists()


def test_it_keeps_journal_transactions_from_the_administrator(frank, payment):
    client = client_for(frank)

    assert client.get(f"/admin/ledger/journaltransaction/{payment.pk}/change/").status_code == 403
    assert client.get("/admin/ledger/journaltransaction/").status_code == 403
    assert client.get("/admin/ledger/businessday/").status_code == 200  # may look, not touch


def test_it_shows_a_journal_transaction_read_only_even_to_a_superuser(grace, payment):
    client = client_for(grace)
    url = f"/admin/ledger/journaltransaction/{payment.pk}/"

    page = client.get(f"{url}change/")

    assert page.status_code == 200
    assert b"999-1010" in page.content  # the entries inline
    assert b'name="_save"' not in page.content
    assert b"entries-0-amount" not in page.content  # no editable inline fields
    assert client.post(f"{url}change/", {"memo": "edited"}).status_code == 403
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/ledger/journaltransaction/add/").status_code == 403
    assert client.get("/admin/ledger/journalentry/add/").status_code == 403
    assert client.get("/admin/ledger/businessday/add/").status_code == 403
    assert JournalTransaction.objects.get(pk=payment.pk).memo == "Cash"


def test_it_shows_accounts_read_only(grace, account):
    client = client_for(grace)
    url = f"/admin/accounts/account/{account.pk}/change/"

    page = client.get(url)

    assert page.status_code == 200
    assert account.number.encode() in page.content
    assert b'name="_save"' not in page.content
    assert client.post(url, {"status": "closed"}).status_code == 403
    assert Account.objects.get(pk=account.pk).status == "active"


def test_it_edits_a_customer_with_history(grace, bob, account):
    customer = account.customer
    client = client_for(grace)
    data = {
        "kind": "person",
        "first_name": "Robin",
        "last_name": "Renamed",
        "mailing_line1": customer.mailing_line1,
        "mailing_city": customer.mailing_city,
        "mailing_state": customer.mailing_state,
        "mailing_zip": customer.mailing_zip,
        "created_at_0": "2026-01-02",
        "created_at_1": "10:00:00",
    }

    response = client.post(f"/admin/accounts/customer/{customer.pk}/change/", data)

    assert response.status_code == 302
    newest = Customer.history.filter(id=customer.pk).first()
    assert (newest.last_name, newest.history_user) == ("Renamed", grace)
    assert "renamed" in Account.objects.get(pk=account.pk).search_document
    history = client.get(f"/admin/accounts/customer/{customer.pk}/history/")
    assert history.status_code == 200


def test_it_refuses_a_revert_to_a_viewer(bob):
    customer = make_customer(bob)
    viewer = User.objects.create_user("hank", password="correct-horse-battery", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    version = Customer.history.filter(id=customer.pk).first()
    client = client_for(viewer)
    url = f"/admin/accounts/customer/{customer.pk}/history/{version.history_id}/"

    assert client.get(url).status_code == 200
    assert client.post(url, {"last_name": "Reverted"}).status_code == 403
    assert Customer.objects.get(pk=customer.pk).last_name == customer.last_name


def test_it_refuses_the_admin_to_a_clerk(alice):
    client = client_for(alice)

    for url in ["/admin/", "/admin/ledger/service/", "/admin/ledger/journaltransaction/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_it_refuses_customer_accounts_to_the_administrator(frank, account):
    """Administrators keep reference data and users; customer accounts are not theirs."""
    client = client_for(frank)

    assert client.get("/admin/accounts/account/").status_code == 403
    assert client.get(f"/admin/accounts/customer/{account.customer_id}/change/").status_code == 403
