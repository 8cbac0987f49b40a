"""Photos from the field: images only, proved by Pillow decoding them (never by the
name or the browser's word), at most ``SERVICE_ORDER_PHOTO_MAX_BYTES``, re-saved under a
name of ours below MEDIA_ROOT (outside the web root, never served by the web server),
and shown only through ``service_orders:photo``, which checks the user may see the order.
"""

from __future__ import annotations

import hashlib
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from .models import OrderPhoto, ServiceOrder

# Pillow format -> (extension, content type)
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}
MAX_PIXELS = 40_000_000


def max_bytes() -> int:
    return int(settings.SERVICE_ORDER_PHOTO_MAX_BYTES)


def check_photo(upload: UploadedFile) -> tuple[bytes, str]:
    """The image's bytes and Pillow format, or a refusal a technician can act on."""
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(f"The photo is larger than {limit // (1024 * 1024)} MB.")
    data = upload.read()
    try:
        with Image.open(BytesIO(data)) as probe:
            probe.verify()  # a truncated or forged file fails here
        with Image.open(BytesIO(data)) as image:
            fmt = image.format or ""
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError("The photo has too many pixels.")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("Attach a photo (JPEG or PNG).") from None
    if fmt not in FORMATS:
        raise ValidationError("Attach a photo (JPEG or PNG).")
    return data, fmt


@transaction.atomic
def photo_add(*, order: ServiceOrder, upload: UploadedFile, acting_user: User) -> OrderPhoto:
    data, fmt = check_photo(upload)
    extension, content_type = FORMATS[fmt]
    photo = OrderPhoto(
        order=order, sha256=hashlib.sha256(data).hexdigest(), extension=extension,
        content_type=content_type, size=len(data), uploaded_by=acting_user,
    )  # fmt: skip
    photo.image.save("photo", ContentFile(data), save=False)
    photo.save()
    return photo
