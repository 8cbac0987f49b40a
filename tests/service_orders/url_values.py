"""A service order (with a photo) and a sent disconnect list, for the site-wide URL walk."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from service_orders import photos, services
from tests.factories import make_user


def service_order_url_values(bob, account, notice_pk: int) -> dict[str, int]:
    tech = make_user("walk-tech", "Field technician")
    order = services.order_create(account=account, kind="investigate", acting_user=bob)
    services.orders_assign(orders=[order], technician=tech, acting_user=bob)
    out = BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    photo = photos.photo_add(
        order=order, upload=SimpleUploadedFile("p.png", out.getvalue()), acting_user=tech
    )
    return {
        "account_pk": account.pk,
        "technician_pk": tech.pk,
        "notice_pk": notice_pk,
        "photo_pk": photo.pk,
        "order_pk": order.pk,
    }
