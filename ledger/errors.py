from __future__ import annotations


class PostingRefused(Exception):
    """The ledger refuses a posting; the message is written for the person at the counter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
