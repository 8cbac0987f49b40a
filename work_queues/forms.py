"""Forms of the work pages: validation only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import Group, User

from billing_site.common.cards import CardSafeForm

from .choices import Priority

DATE = forms.DateInput({"type": "date"})


def assignee_choices(people: Any, groups: Any) -> list[tuple[str, str]]:
    return [("", "Choose…")] + [
        (f"user:{u.pk}", u.get_full_name() or u.username) for u in people
    ] + [(f"group:{g.pk}", f"{g.name} queue") for g in groups]  # fmt: skip


class AssigneeField(forms.ChoiceField):
    """A person (``user:3``) or a role's shared queue (``group:2``)."""

    def to_assignee(self, value: str) -> tuple[User | None, Group | None]:
        what, _, pk = value.partition(":")
        if what == "user":
            return User.objects.get(pk=int(pk)), None
        if what == "group":
            return None, Group.objects.get(pk=int(pk))
        return None, None


class FollowupForm(CardSafeForm):
    """A follow-up on an account: what to do, by when, for whom."""

    why = forms.CharField(label="What to do", max_length=500, widget=forms.Textarea({"rows": 2}))
    due_on = forms.DateField(label="Due", required=False, widget=DATE)
    assignee = AssigneeField(label="For", required=False)
    priority = forms.TypedChoiceField(coerce=int, choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args: Any, people: Any, groups: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["assignee"]
        field.choices = assignee_choices(people, groups)
        field.choices[0] = ("", "Me")

    def chosen_assignee(self) -> tuple[User | None, Group | None]:
        field: Any = self.fields["assignee"]
        return field.to_assignee(self.cleaned_data.get("assignee") or "")


class AssignForm(CardSafeForm):
    """Many ticked items to one person or queue, and/or a new due date."""

    items = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    assignee = AssigneeField(label="Assign to", required=False)
    due_on = forms.DateField(label="Due", required=False, widget=DATE)

    def __init__(self, *args: Any, people: Any, groups: Any, item_ids: list[int], **kw: Any):
        super().__init__(*args, **kw)
        field: Any = self.fields["assignee"]
        field.choices = assignee_choices(people, groups)
        self.fields["items"].choices = [(pk, pk) for pk in item_ids]  # type: ignore[attr-defined]
        self.fields["items"].error_messages["required"] = "Tick the items to assign."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("assignee") and not data.get("due_on") and "assignee" not in self.errors:
            self.add_error("assignee", "Choose a person or a queue, or a due date.")
        return data

    def chosen_assignee(self) -> tuple[User | None, Group | None]:
        field: Any = self.fields["assignee"]
        return field.to_assignee(self.cleaned_data.get("assignee") or "")


class CloseForm(CardSafeForm):
    """Done (a note is optional) or cancelled (a reason is required)."""

    note = forms.CharField(label="Note", max_length=500, required=False)


class CancelForm(CardSafeForm):
    reason = forms.CharField(label="Why cancel it", max_length=500)


class WorkloadForm(CardSafeForm):
    start = forms.DateField(label="From", widget=DATE)
    end = forms.DateField(label="To", widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end comes before the start.")
        if start and end and (end - start) > dt.timedelta(days=366):
            self.add_error("end", "At most a year at a time.")
        return data
