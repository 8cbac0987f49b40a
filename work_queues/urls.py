from __future__ import annotations

from django.urls import path

from . import views

app_name = "work_queues"

urlpatterns = [
    path("", views.my_work, name="mine"),
    path("items/<int:work_item_pk>/take/", views.take, name="take"),
    path("items/<int:work_item_pk>/done/", views.done, name="done"),
    path("items/<int:work_item_pk>/cancel/", views.cancel, name="cancel"),
    path("accounts/<int:pk>/follow-up/", views.followup_add, name="followup_add"),
    path("office/", views.office, name="office"),
    path("workload/", views.workload, name="workload"),
    path("panels/queue-sizes/", views.panel_queue_sizes, name="panel_queue_sizes"),
    path("panels/done-this-week/", views.panel_done_this_week, name="panel_done_this_week"),
]
