from __future__ import annotations

from django.conf import settings
from django.db import models

from ..choices import LetterKind


class LetterTemplate(models.Model):
    """The wording of a letter, kept by an administrator; ``body`` is a Django template
    with the account, customer, premise, amounts and dates of the letter in its context."""

    code = models.SlugField(max_length=30, unique=True)
    kind = models.CharField(max_length=20, choices=LetterKind)
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=8000)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Letter(models.Model):
    """A letter sent to an account's customer (or the owner's courtesy copy), with the
    text as sent; its PDF is a stored document (kind ``collections.letter``)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="letters"
    )
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LetterKind)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    recipient = models.CharField(max_length=200)
    address = models.CharField(max_length=500)
    owner_copy = models.BooleanField(default=False)
    notice_line = models.ForeignKey(
        "collections.NoticeLine", null=True, blank=True, on_delete=models.PROTECT,
        related_name="letters",
    )  # fmt: skip
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"
