from __future__ import annotations

from django.urls import path

from . import task_views

app_name = "common"

urlpatterns = [
    path("<int:task_pk>/progress/", task_views.task_progress, name="task_progress"),
]
