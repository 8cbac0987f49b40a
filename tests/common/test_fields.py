"""Fields built in Python give byte for byte the HTML of the templates they replace."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.template.loader import select_template

from accounts import forms as account_forms
from adjustments import forms as adjustment_forms
from billing_site.common.fields import FastFormRenderer, field_row
from payments import forms as payment_forms

# The field partial, wherever it lives (it is moving to templates/common/partials/).
PARTIAL = select_template(["common/partials/_field.html", "accounts/partials/_field.html"])
ODD = "<b>\"Tom\" & 'Jerry'</b>"


class EveryWidget(forms.Form):
    """One field per widget kind the forms here use, with the awkward cases."""

    text = forms.CharField(
        label=f"Text {ODD}",
        max_length=30,
        help_text=f"Help {ODD}",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-n": 3, "autofocus": True}),
    )
    optional = forms.CharField(required=False, disabled=True)
    email = forms.EmailField(required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    number = forms.IntegerField(required=False, min_value=0)
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    memo = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    kind = forms.ChoiceField(
        choices=[("", "Choose"), ("a", f"A {ODD}"), ("Group <g>", [("b", "B"), ("c", "C")])],
        required=False,
    )
    flag = forms.BooleanField(required=False, label="A flag")
    mode = forms.ChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    attachment = forms.FileField(required=False)


def pair(form_class: type[forms.BaseForm], **kwargs):
    """The same form bound alike, rendered by Django's templates and by the fast path."""
    return (
        form_class(renderer=DjangoTemplates(), **kwargs),
        form_class(renderer=FastFormRenderer(), **kwargs),
    )


def assert_same_rows(old_form: forms.BaseForm, new_form: forms.BaseForm) -> str:
    html = []
    for name in old_form.fields:
        old = PARTIAL.render({"field": old_form[name]})
        assert field_row(new_form[name]) == old, name
        assert str(new_form[name]) == str(old_form[name]), name
        html.append(old)
    return "".join(html)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"initial": {"text": ODD, "when": dt.date(2026, 11, 23), "kind": "b", "flag": True}},
        {
            "data": {
                "text": ODD + "x" * 40,  # too long: an error under the field
                "email": "not an email",
                "when": "2026-13-45",
                "number": "-1",
                "memo": f"line one\n{ODD}",
                "kind": "c",
                "flag": "on",
                "hidden": ODD,
            }
        },
        {"data": {"text": "fine", "mode": "y", "memo": "", "kind": "a"}},
    ],
    ids=["blank", "initial", "errors", "valid"],
)
def test_it_renders_every_widget_kind_as_the_templates_do(kwargs) -> None:
    old_form, new_form = pair(EveryWidget, **kwargs)
    old_form.is_bound and old_form.is_valid()
    new_form.is_bound and new_form.is_valid()
    html = assert_same_rows(old_form, new_form)
    assert ("field-error" in html) == bool(old_form.errors)
    assert "Help &lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in html


def test_it_leaves_other_templates_to_django() -> None:
    old_form, new_form = pair(EveryWidget)
    assert str(new_form) == str(old_form)  # the whole form: div.html, radio lists, file input


def _project_forms():
    for module in (account_forms, payment_forms, adjustment_forms):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.Form) and cls.__module__ == module.__name__:
                yield pytest.param(cls, id=name)


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", list(_project_forms()))
def test_it_renders_the_project_forms_as_the_templates_do(form_class) -> None:
    """Every field of every plain form here, unbound and bound to empty data."""
    for kwargs in ({}, {"data": QueryDict()}):
        try:
            old_form, new_form = pair(form_class, **kwargs)
        except TypeError:
            pytest.skip("needs constructor arguments")
        old_form.is_bound and old_form.is_valid()
        new_form.is_bound and new_form.is_valid()
        assert_same_rows(old_form, new_form)


@pytest.mark.django_db
def test_it_renders_the_payment_tenders_as_the_include_did() -> None:
    """The counter's payment form, field by field, blank and with errors."""
    typed = QueryDict(mutable=True)
    typed.update({"account_0": "<x>", "cash_amount": "12.3.4", "card_last4": "12345"})
    for kwargs in ({}, {"data": typed}):
        old_form, new_form = pair(payment_forms.PaymentForm, **kwargs)
        old_form.is_bound and old_form.is_valid()
        new_form.is_bound and new_form.is_valid()
        assert_same_rows(old_form, new_form)
