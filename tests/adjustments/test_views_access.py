"""Every adjustment page refuses the wrong users (and anonymous visitors)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from adjustments import gl, services
from adjustments.choices import Direction, RequestStatus
from adjustments.models import AdjustmentRequest
from ledger.models import GLAccount, JournalTransaction
from tests.factories import make_account, make_user, service

from .helpers import charge

pytestmark = pytest.mark.django_db

PERSONAS = ("alice", "bob", "carol", "dave", "erin", "frank", "amy")


@pytest.fixture
def people(alice, bob, carol, dave, erin, frank):
    amy = make_user("amy", "Clerk")  # another clerk: not the requester
    return {u.username: u for u in (alice, bob, carol, dave, erin, frank, amy)}


@pytest.fixture
def world(people, leak, business_day):
    """A pending request by alice (with a document), a master account, bob's GL draft."""
    bob = people["bob"]
    account = make_account(bob)
    charge(account, bob, WATER="50.00")
    req = services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=leak,
        amounts=[(service("WATER"), D("5.00"))],
        memo="Leak",
        acting_user=people["alice"],
        attachment=SimpleUploadedFile("bill.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    posted = services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=leak,
        amounts=[(service("WATER"), D("1.00"))],
        memo="Leak",
        acting_user=people["alice"],
    )
    posted = services.request_approve(adjustment_request=posted, acting_user=bob)
    master = make_account(bob, is_master=True)
    draft = gl.gl_draft_save(
        draft=None,
        memo="Reclass",
        lines=[gl.DraftLine(GLAccount.objects.get(code="001-4630"), D("-1.00"))],
        acting_user=bob,
    )
    return {"req": req, "posted": posted, "master": master, "draft": draft}


# url name -> (args from the world, who may open it with GET)
PAGES = {
    "adjustments:queue": ((), {"bob", "carol", "erin"}),
    "adjustments:mine": ((), {"alice", "bob", "carol", "amy"}),
    "adjustments:new": ((), {"alice", "bob", "carol", "amy"}),
    "adjustments:transfer": ((), {"alice", "bob", "carol", "amy"}),
    "adjustments:detail": (("req",), {"alice", "bob", "carol", "erin"}),
    "adjustments:attachment": (("req",), {"alice", "bob", "carol", "erin"}),
    "adjustments:reverse": (("posted",), {"carol"}),
    "adjustments:masters": ((), {"bob", "carol"}),
    "adjustments:consolidation": (("master",), {"bob", "carol"}),
    "adjustments:gl_new": ((), {"bob", "carol"}),
    "adjustments:gl_edit": (("draft",), {"bob", "carol"}),  # carol is shown the request
    "adjustments:register": ((), {"bob", "carol", "erin"}),
    "adjustments:pending": ((), {"bob", "carol", "erin"}),
}


def _url(name: str, world) -> str:
    arg_names, _allowed = PAGES[name]
    return reverse(name, args=[world[a].pk for a in arg_names])


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_lets_only_the_right_people_open_each_page(people, world, name):
    _args, allowed = PAGES[name]
    for username in PERSONAS:
        client = Client()
        client.force_login(people[username])
        response = client.get(_url(name, world))
        if (name, username) == ("adjustments:gl_edit", "carol"):
            assert response["Location"] == reverse("adjustments:detail", args=[world["draft"].pk])
        elif username in allowed:
            assert response.status_code == 200, (name, username)
        else:
            assert response.status_code == 403, (name, username, response.status_code)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_it_sends_anonymous_visitors_to_sign_in(world, name):
    response = Client().get(_url(name, world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_index_sends_each_role_to_its_page(people):
    expected = {
        "alice": reverse("adjustments:mine"),
        "bob": reverse("adjustments:queue"),
        "erin": reverse("adjustments:queue"),
    }
    for username in PERSONAS:
        client = Client()
        client.force_login(people[username])
        response = client.get(reverse("adjustments:index"))
        if username in expected:
            assert response["Location"] == expected[username]
        elif username in ("dave", "frank"):
            assert response.status_code == 403


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_it_refuses_decisions_from_people_who_do_not_approve(people, world, action):
    req = world["req"]
    before = JournalTransaction.objects.count()
    for username in ("alice", "amy", "dave", "erin", "frank"):
        client = Client()
        client.force_login(people[username])
        url = reverse(f"adjustments:{action}", args=[req.pk])
        response = client.post(url, {"token": "x", "reason": "No"})
        assert response.status_code == 403, username
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
    assert JournalTransaction.objects.count() == before


def test_it_refuses_a_withdrawal_by_anyone_but_the_requester(people, world):
    req = world["req"]
    for username in ("bob", "carol"):
        client = Client()
        client.force_login(people[username])
        client.post(reverse("adjustments:withdraw", args=[req.pk]))
    for username in ("amy", "dave", "erin", "frank"):
        client = Client()
        client.force_login(people[username])
        response = client.post(reverse("adjustments:withdraw", args=[req.pk]))
        assert response.status_code == 403
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING


def test_it_refuses_a_reversal_post_by_a_coordinator(people, world):
    req = world["posted"]
    client = Client()
    client.force_login(people["bob"])
    response = client.post(reverse("adjustments:reverse", args=[req.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert not JournalTransaction.objects.filter(kind="reversal").exists()


def test_it_hides_a_clerks_request_from_another_clerk_on_the_list(people, world):
    client = Client()
    client.force_login(people["amy"])
    response = client.get(reverse("adjustments:mine"))
    assert str(world["req"].number) not in response.content.decode()


def test_every_page_keeps_to_the_content_security_policy(people, world):
    client = Client()
    client.force_login(people["carol"])
    for name in PAGES:
        if name in ("adjustments:attachment", "adjustments:gl_edit"):
            continue
        html = client.get(_url(name, world)).content.decode()
        assert "<script>" not in html and " style=" not in html and "<style" not in html, name
