"""The one form flow: token, service call, errors next to the right field, redirect, replay."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from billing_site.common.formflow import show_errors, submit
from billing_site.common.idempotency import issue_token
from billing_site.common.models import IdempotencyKey
from ledger.errors import PostingRefused

pytestmark = pytest.mark.django_db

PURPOSE = "tests.formflow"


class AmountForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2)
    memo = forms.CharField(required=False)


def post(user, data):
    request = RequestFactory().post("/pay/", data)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def get(user):
    request = RequestFactory().get("/pay/")
    request.user = user
    return request


def test_it_runs_the_action_once_and_redirects(alice):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)
    calls = []

    def action() -> str:
        calls.append(1)
        return f"/receipts/{len(calls)}/"

    first = post(alice, {"amount": "10.00", "token": token})
    sent = submit(first, purpose=PURPOSE, form=AmountForm(first.POST), action=action)
    replay = post(alice, {"amount": "10.00", "token": token})
    again = submit(replay, purpose=PURPOSE, form=AmountForm(replay.POST), action=action)

    assert sent.done is not None and sent.done["Location"] == "/receipts/1/"
    assert again.done is not None and again.done["Location"] == "/receipts/1/"
    assert calls == [1]
    assert IdempotencyKey.objects.get().result_url == "/receipts/1/"


def test_it_shows_the_success_message_after_the_redirect(alice):
    request = post(
        alice, {"amount": "1.00", "token": issue_token(user_id=alice.pk, purpose=PURPOSE)}
    )

    submit(
        request, purpose=PURPOSE, form=AmountForm(request.POST), action=lambda: "/", success="Done."
    )

    assert [str(m) for m in request._messages] == ["Done."]


def test_it_shows_a_ledger_refusal_at_the_top_and_keeps_the_form(alice):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)
    request = post(alice, {"amount": "12.34", "memo": "typed", "token": token})
    form = AmountForm(request.POST)

    def refused() -> str:
        raise PostingRefused("No business day is open. A supervisor must open one first.")

    sent = submit(request, purpose=PURPOSE, form=form, action=refused)

    assert sent.done is None
    assert isinstance(sent.error, PostingRefused)
    assert form.non_field_errors() == ["No business day is open. A supervisor must open one first."]
    assert form["amount"].value() == "12.34" and form["memo"].value() == "typed"
    assert sent.token == token  # the corrected form still posts once
    assert not IdempotencyKey.objects.exists()  # the claim rolled back with the refusal


def test_it_puts_a_service_error_next_to_the_field_it_names(alice):
    request = post(
        alice, {"amount": "5.00", "token": issue_token(user_id=alice.pk, purpose=PURPOSE)}
    )
    form = AmountForm(request.POST)

    def refused() -> str:
        raise ValidationError({"total": "Too much.", "other": "Elsewhere."})

    submit(request, purpose=PURPOSE, form=form, action=refused, field_map={"total": "amount"})

    assert form.errors["amount"] == ["Too much."]
    assert form.non_field_errors() == ["Elsewhere."]


def test_it_does_not_run_the_action_for_an_invalid_form(alice):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)
    request = post(alice, {"amount": "ten", "token": token})
    form = AmountForm(request.POST)

    sent = submit(request, purpose=PURPOSE, form=form, action=lambda: pytest.fail("ran"))

    assert sent.done is None and sent.error is None
    assert "amount" in form.errors
    assert sent.token == token


def test_it_refuses_a_token_issued_to_someone_else_and_gives_a_new_one(alice, bob):
    bobs = issue_token(user_id=bob.pk, purpose=PURPOSE)
    request = post(alice, {"amount": "10.00", "token": bobs})
    form = AmountForm(request.POST)

    sent = submit(request, purpose=PURPOSE, form=form, action=lambda: pytest.fail("ran"))

    assert sent.done is None
    assert form.non_field_errors() == [
        "This form was not issued to you. Reload the page and try again."
    ]
    assert sent.token and sent.token != bobs
    assert not IdempotencyKey.objects.exists()


def test_it_issues_a_fresh_token_for_a_get(alice):
    sent = submit(get(alice), purpose=PURPOSE, form=AmountForm(), action=lambda: pytest.fail("ran"))

    assert sent.done is None and sent.error is None and sent.token


def test_it_runs_a_form_without_fields_when_valid_is_given(alice):
    request = post(alice, {"token": issue_token(user_id=alice.pk, purpose=PURPOSE)})

    refused = submit(request, purpose=PURPOSE, valid=False, action=lambda: pytest.fail("ran"))
    sent = submit(request, purpose=PURPOSE, action=lambda: "/closed/")

    assert refused.done is None
    assert sent.done is not None and sent.done["Location"] == "/closed/"


def test_it_shows_a_plain_list_of_messages_at_the_top():
    form = AmountForm({"amount": "1.00"})
    form.is_valid()

    show_errors(form, ValidationError(["First.", "Second."]))

    assert form.non_field_errors() == ["First.", "Second."]


def test_it_keeps_the_ledger_message_as_the_refusals_text():
    refused = PostingRefused("Each line must be a non-zero amount in whole cents.")

    assert str(refused) == refused.message == refused.messages[0]
    assert isinstance(refused, ValidationError)
