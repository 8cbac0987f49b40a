"""Notes and footnotes: clerks add them too; odd text is stored and shown escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.choices import NoteKind
from accounts.models import AccountNote
from tests.forms import with_token

pytestmark = pytest.mark.django_db


def url(account) -> str:
    return reverse("accounts:note_add", args=[account.pk])


@pytest.mark.parametrize("who", ["alice", "bob", "dave"])
def test_it_lets_counter_and_field_staff_add_notes(client, request, account, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(url(account)).status_code == 200
    response = client.post(
        url(account),
        with_token(client, url(account), {"kind": "note", "text": "Gate code 4411"}),
        follow=True,
    )
    note = AccountNote.objects.get()
    assert (note.author, note.kind) == (user, NoteKind.NOTE)
    assert "Gate code 4411" in response.content.decode()


def test_it_pins_a_footnote(client, alice, account):
    client.force_login(alice)
    client.post(
        url(account),
        with_token(client, url(account), {"kind": "footnote", "text": "Landlord pays"}),
    )
    assert AccountNote.objects.get().kind == NoteKind.FOOTNOTE


def test_it_offers_the_note_box_on_the_account_page(client, alice, account):
    client.force_login(alice)
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert f'action="{url(account)}"' in html


def test_it_refuses_auditors_and_anonymous_users(client, erin, account):
    response = client.post(url(account), {"kind": "note", "text": "x"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    client.force_login(erin)
    assert client.post(url(account), {"kind": "note", "text": "x"}).status_code == 403
    assert not AccountNote.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "note", "text": ""}, "text"),
        ({"kind": "note", "text": "   "}, "text"),
        ({"kind": "note", "text": "n" * 4001}, "text"),
        ({"kind": "system", "text": "I am the system"}, "kind"),
        ({"text": "no kind"}, "kind"),
    ],
)
def test_it_explains_bad_notes(client, alice, account, data, field):
    client.force_login(alice)
    response = client.post(url(account), with_token(client, url(account), data))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AccountNote.objects.exists()


def test_it_keeps_a_long_note_that_was_refused(client, alice, account):
    client.force_login(alice)
    text = "Keep me " * 600
    response = client.post(
        url(account), with_token(client, url(account), {"kind": "note", "text": text})
    )
    assert text.strip() in response.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('note')</script>",
        '"; DELETE FROM accounts_accountnote; --',
        "صباح الخير 🌞",
        "‮reversed‬ and 100% _wild_",
    ],
)
def test_it_stores_odd_text_and_shows_it_escaped(client, alice, account, text):
    client.force_login(alice)
    html = client.post(
        url(account), with_token(client, url(account), {"kind": "note", "text": text}), follow=True
    ).content.decode()
    assert AccountNote.objects.get().text == text
    assert "<script>alert" not in html
    assert escape(text) in html


def test_a_double_click_adds_the_note_once(client, alice, account):
    client.force_login(alice)
    data = with_token(client, url(account), {"kind": "note", "text": "Called about the leak"})
    assert client.post(url(account), data).status_code == 302
    assert client.post(url(account), data).status_code == 302
    assert AccountNote.objects.count() == 1


def test_the_note_box_on_the_account_page_carries_a_token(client, alice, account):
    client.force_login(alice)
    page = reverse("accounts:detail", args=[account.pk])
    response = client.post(
        url(account), with_token(client, page, {"kind": "note", "text": "Hi"}, action=url(account))
    )
    assert response.status_code == 302
    assert AccountNote.objects.count() == 1
