"""The shared progress endpoint of long tasks: the bar partial, polled by htmx.

Who may watch a task is the task's own ``view_permission`` (set by whoever
started it), checked here on the server; a page about one object (a lockbox
batch) may poll its own URL instead and include the same partial.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .models import LongTask


def _get_task_for_user(request: HttpRequest, task_pk: int) -> LongTask:
    task = get_object_or_404(LongTask, pk=task_pk)
    if not request.user.has_perm(task.view_permission):
        raise PermissionDenied
    return task


def task_progress(request: HttpRequest, task_pk: int) -> HttpResponse:
    """The progress partial (full page when not asked by htmx)."""
    task = _get_task_for_user(request, task_pk)
    refresh = request.GET.get("refresh") == "1"
    context = {"task": task, "poll_url": progress_url(task, refresh=refresh)}
    polled = getattr(request, "htmx", False)
    template = "common/partials/_task_progress.html" if polled else "common/task.html"
    response = render(request, template, context)
    if polled and refresh and not task.is_active:
        # The page around the bar shows what the task made (a proof list, a register):
        # reload it once the task has finished (the reloaded bar no longer polls).
        response["HX-Refresh"] = "true"
    return response


def progress_url(task: LongTask, *, refresh: bool = False) -> str:
    """The URL a page's progress bar polls; ``refresh``: reload the page when it finishes."""
    url = reverse("common:task_progress", args=[task.pk])
    return f"{url}?refresh=1" if refresh else url
