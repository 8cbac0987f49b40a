"""Form fields rendered in Python: the same HTML as the templates, a fraction of the cost.

The counter's hot pages (the payment form, the receipt) render a dozen fields
each. Through templates every field costs an ``include`` of the field partial
(label, widget, help, errors) and, inside it, one template render per widget
(``input.html`` with its nested ``attrs.html``, a ``select`` with one include
per option): together about half of each page's template time. Two pieces
here build exactly that HTML with ``format_html``-style escaping instead:

* :class:`FastFormRenderer` (``FORM_RENDERER``): widgets whose templates are
  Django's stock input, textarea and select ones are built in Python; any
  other template (radio lists, file inputs, whole forms) goes to Django's own
  renderer unchanged. (An app that overrides one of those stock widget
  templates must take it out of ``_BUILDERS``.)
* :func:`field_row`: the markup of the field partial
  (``templates/accounts/partials/_field.html``) for one bound field, used by the
  ``{% field_row field %}`` tag (``billing_site.common.templatetags.field_rows``).

``tests/common/test_fields.py`` proves both give the template's HTML byte for
byte for every widget kind the forms here use, with values, errors and help.
Change the partial and ``field_row`` together (that test fails otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def _show(value: Any) -> str:
    """``{{ value }}`` in an autoescaping template: localized, then escaped unless safe."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _stringformat(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``%s``, escaped unless the value was safe."""
    try:
        text = "%s" % value  # noqa: UP031 - exactly what the filter does
    except (ValueError, TypeError):
        return ""
    return text if hasattr(value, "__html__") else escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {_show(name)}" if value is True else f' {_show(name)}="{_stringformat(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_stringformat(value)}"'
    return (
        f'<input type="{_show(widget["type"])}" name="{_show(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = _show(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_show(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict[str, Any]) -> str:
    return (
        f'<option value="{_stringformat(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_show(option['label'])}</option>\n"
    )


def _select(widget: dict[str, Any]) -> str:
    parts = [f'<select name="{_show(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_show(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return ""  # an option template of its own: let the templates render it
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_WIDGETS = "django/forms/widgets/"
_OPTION = _WIDGETS + "select_option.html"
_BUILDERS: dict[str, Callable[[dict[str, Any]], str]] = {
    **{
        f"{_WIDGETS}{kind}.html": _input
        for kind in ("text", "email", "date", "number", "password", "hidden", "url", "checkbox")
    },
    _WIDGETS + "input.html": _input,
    _WIDGETS + "textarea.html": _textarea,
    _WIDGETS + "select.html": _select,
}


class FastFormRenderer(DjangoTemplates):
    """Django's default form renderer; the stock input, textarea and select widget
    templates are built in Python (same HTML, see the module docstring)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        build = _BUILDERS.get(template_name)
        widget = context.get("widget") if build is not None else None
        if build is None or widget is None or widget.get("template_name") != template_name:
            return super().render(template_name, context, request)
        return build(widget).strip() or super().render(template_name, context, request)


def field_row(field: BoundField) -> SafeString:
    """The HTML of ``common/partials/_field.html`` for ``field``: label, widget,
    help and errors, the layout chosen the same way (fieldset, checkbox, other)."""
    has_error = " has-error" if field.errors else ""
    widget = conditional_escape(field)  # type: ignore[arg-type]  # a BoundField renders as HTML
    if field.use_fieldset:
        described = field.aria_describedby
        aria = f' aria-describedby="{_show(described)}"' if described else ""
        head = (
            f'\n<fieldset class="field choice{has_error}"{aria}>\n'
            f"  <legend>{_show(field.label)}</legend>\n  {widget}\n"
        )
    elif field.widget_type == "checkbox":
        label = f'<label for="{_show(field.id_for_label)}">{_show(field.label)}</label>'
        head = f'\n<div class="field check{has_error}">\n  {widget} {label}\n'
    else:
        label = f'<label for="{_show(field.id_for_label)}">{_show(field.label)}</label>'
        head = f'\n<div class="field{has_error}">\n  {label}\n  {widget}\n'
    help_html = ""
    if field.help_text:
        help_html = (
            f'<p class="help" id="{_show(field.auto_id)}_helptext">{_show(field.help_text)}</p>'
        )
    errors_html = ""
    if field.errors:
        shown = "".join(f"<p>{_show(error)}</p>" for error in field.errors)
        errors_html = f'<div class="field-error" id="{_show(field.auto_id)}_error">{shown}</div>'
    close = "</fieldset>" if field.use_fieldset else "</div>"
    return mark_safe(f"\n{head}\n  {help_html}\n  {errors_html}\n{close}\n")  # noqa: S308 - escaped above
