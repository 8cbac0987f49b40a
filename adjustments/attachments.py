"""Supporting documents on a request: PDF, PNG or JPEG only, checked by their first
bytes (never by the name or the browser's word alone), and kept small."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from billing_site.common.cards import CARD_NUMBER_MESSAGE, looks_like_card_number

# Detected type -> (magic prefix, file-name suffixes that may carry it).
KINDS: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}


def max_bytes() -> int:
    return settings.ADJUSTMENT_ATTACHMENT_MAX_BYTES


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes prove, or None."""
    for content_type, (magic, _suffixes) in KINDS.items():
        if head.startswith(magic):
            return content_type
    return None


def check_attachment(upload: UploadedFile) -> str:
    """Return the file's real content type, or refuse it with a reason a clerk can act on."""
    if looks_like_card_number(upload.name):  # the name is stored and shown with the request
        raise ValidationError(CARD_NUMBER_MESSAGE)
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"The file is larger than {limit // (1024 * 1024)} MB. Scan it at a lower resolution."
        )
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = sniff(head)
    suffix = Path(upload.name or "").suffix.lower()
    claimed = next((t for t, (_m, sfx) in KINDS.items() if suffix in sfx), None)
    if claimed is None:
        raise ValidationError("Attach a PDF, PNG or JPEG file.")
    if detected != claimed:
        raise ValidationError(
            f"The file is named {suffix} but its contents are not a {suffix[1:].upper()} file."
        )
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in ("", "application/octet-stream", detected):
        raise ValidationError("The file's declared type does not match its contents.")
    return detected
