"""``{% field_row form.field %}``: one form field (label, widget, help, errors) built in
Python, the same HTML as ``{% include "accounts/partials/_field.html" with field=... %}``
(``billing_site.common.fields.field_row``)."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from billing_site.common.fields import field_row as build_field_row

register = template.Library()


@register.simple_tag
def field_row(field: BoundField) -> SafeString:
    return build_field_row(field)
