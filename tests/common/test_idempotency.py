"""A money-moving form's one-time token: the first submission posts, replays post nothing."""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from accounts.models import Account
from billing_site.common import idempotency
from billing_site.common.idempotency import (
    StaleToken,
    TokenReused,
    claim,
    issue_token,
    record_result,
)
from billing_site.common.models import IdempotencyKey
from ledger import services
from ledger.models import JournalTransaction
from tests.common.concurrency import run_together
from tests.factories import make_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PURPOSE = "payment"


def take_payment(token: str, user: User, account: Account, amount: str = "10.00") -> str:
    """What a payment view does: claim the token, post, remember where the receipt is."""
    with transaction.atomic():
        taken = claim(token=token, user=user, purpose=PURPOSE)
        if taken.replay_url is not None:
            return taken.replay_url
        txn = services.post_payment(
            account=account, amount=D(amount), memo="Cash", acting_user=user
        )
        url = f"/receipts/{txn.pk}/"
        record_result(key=taken.key, url=url)
        return url


def payments() -> int:
    return JournalTransaction.objects.filter(kind="payment").count()


def test_it_posts_once_when_the_form_is_submitted_twice(alice, account, business_day):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    first = take_payment(token, alice, account)
    replay = take_payment(token, alice, account)

    assert replay == first == f"/receipts/{JournalTransaction.objects.get().pk}/"
    assert payments() == 1
    assert Account.objects.get(pk=account.pk).balance.amount == D("-10.00")


def test_it_posts_once_when_two_submissions_race(alice, account, business_day):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    def submit(i: int) -> str:
        return take_payment(token, User.objects.get(pk=alice.pk), account)

    results = run_together(4, submit)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(set(results)) == 1
    assert payments() == 1
    assert Account.objects.get(pk=account.pk).balance.amount == D("-10.00")


def test_it_gives_the_token_back_when_the_posting_is_refused(alice, account, business_day):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    with pytest.raises(services.PostingRefused):
        take_payment(token, alice, account, amount="0.00")
    url = take_payment(token, alice, account, amount="12.00")

    assert url.startswith("/receipts/")
    assert payments() == 1


def test_it_gives_each_form_its_own_token(alice, account, business_day):
    take_payment(issue_token(user_id=alice.pk, purpose=PURPOSE), alice, account)
    take_payment(issue_token(user_id=alice.pk, purpose=PURPOSE), alice, account)

    assert payments() == 2


def test_it_refuses_a_token_issued_to_someone_else(alice, bob):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    with pytest.raises(StaleToken, match="not issued to you"):
        claim(token=token, user=bob, purpose=PURPOSE)
    assert not IdempotencyKey.objects.exists()


def test_it_refuses_a_token_for_another_form(alice):
    token = issue_token(user_id=alice.pk, purpose="refund")

    with pytest.raises(StaleToken, match="not issued to you"):
        claim(token=token, user=alice, purpose=PURPOSE)


@pytest.mark.parametrize("how", ["flip", "truncate", "empty", "garbage"])
def test_it_refuses_a_tampered_token(alice, how):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)
    tampered = {
        "flip": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncate": token[:20],
        "empty": "",
        "garbage": "' OR 1=1 --",
    }[how]

    with pytest.raises(StaleToken, match="expired"):
        claim(token=tampered, user=alice, purpose=PURPOSE)


def test_it_refuses_a_token_older_than_a_working_day(alice, monkeypatch):
    issued_at = time.time() - idempotency.MAX_AGE_SECONDS - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued_at)
        token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    with pytest.raises(StaleToken, match="expired"):
        claim(token=token, user=alice, purpose=PURPOSE)


# -- a token is bound to its form and object (issue 9 item 11) ----------------------------


def digest_of(account: Account, amount: str = "10.00", receipt: int = 1) -> str:
    return idempotency.form_digest(
        purpose=PURPOSE,
        bound_to={"payment_pk": receipt},
        fields=[("account_0", [account.number]), ("amount_0", [amount])],
    )


def take_bound(token: str, user: User, account: Account, amount: str = "10.00") -> str:
    """``take_payment`` with the digest of what was sent, as ``formflow.run_once`` claims."""
    with transaction.atomic():
        taken = claim(token=token, user=user, purpose=PURPOSE, digest=digest_of(account, amount))
        if taken.replay_url is not None:
            return taken.replay_url
        txn = services.post_payment(
            account=account, amount=D(amount), memo="Cash", acting_user=user
        )
        record_result(key=taken.key, url=f"/receipts/{txn.pk}/")
        return f"/receipts/{txn.pk}/"


def test_it_digests_the_content_not_the_order_of_the_fields(account) -> None:
    fields = [("account_0", [account.number]), ("amount_0", ["10.00"])]
    same = idempotency.form_digest(purpose=PURPOSE, bound_to={"pk": 1}, fields=fields[::-1])
    assert same == idempotency.form_digest(purpose=PURPOSE, bound_to={"pk": 1}, fields=fields)
    assert same != idempotency.form_digest(purpose=PURPOSE, bound_to={"pk": 2}, fields=fields)
    assert same != idempotency.form_digest(purpose="refund", bound_to={"pk": 1}, fields=fields)


def test_it_answers_a_replay_with_the_same_content_with_the_first_result(
    alice, account, business_day
):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    first = take_bound(token, alice, account)

    assert take_bound(token, alice, account) == first
    assert payments() == 1
    assert IdempotencyKey.objects.get().digest == digest_of(account)


def test_it_refuses_a_replay_with_another_account_or_amount(alice, bob, account, business_day):
    other = Account.objects.exclude(pk=account.pk).first() or make_account(bob)
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)
    take_bound(token, alice, account)

    for target, amount in [(account, "99.00"), (other, "10.00")]:
        with pytest.raises(TokenReused, match="already sent with different details"):
            take_bound(token, alice, target, amount)

    assert payments() == 1
    assert Account.objects.get(pk=other.pk).balance.amount == D("0.00")
    assert Account.objects.get(pk=account.pk).balance.amount == D("-10.00")


def test_it_posts_once_when_twenty_replays_of_one_token_race(alice, account, business_day):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    def submit(i: int) -> str:
        return take_bound(token, User.objects.get(pk=alice.pk), account)

    results = run_together(20, submit)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(set(results)) == 1
    assert payments() == 1
    assert Account.objects.get(pk=account.pk).balance.amount == D("-10.00")


def test_it_refuses_every_racing_replay_with_other_content(alice, account, business_day):
    token = issue_token(user_id=alice.pk, purpose=PURPOSE)

    def submit(i: int) -> str:  # the first thread sends 10.00, the others 11.00 ... 29.00
        return take_bound(token, User.objects.get(pk=alice.pk), account, f"{10 + i}.00")

    results = run_together(20, submit)

    posted = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, TokenReused)]
    assert len(posted) == 1 and len(refused) == 19, results
    assert payments() == 1
