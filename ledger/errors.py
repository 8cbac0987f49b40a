from __future__ import annotations

from django.core.exceptions import ValidationError


class PostingRefused(ValidationError):
    """The ledger refuses a posting; the message is written for the person at the counter.

    It is a ``ValidationError`` so that it reaches the person unchanged: a service
    lets it pass, and the form flow (``billing_site.common.formflow``) shows it at
    the top of the form like any other refusal. Nobody translates it by hand.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
