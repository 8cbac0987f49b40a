from __future__ import annotations

from django.urls import path

from . import views

app_name = "service_orders"

urlpatterns = [
    path("", views.board, name="board"),
    path("mine/", views.mine, name="mine"),
    path("<int:order_pk>/", views.detail, name="detail"),
    path("<int:order_pk>/start/", views.start, name="start"),
    path("<int:order_pk>/complete/", views.complete, name="complete"),
    path("<int:order_pk>/cancel/", views.cancel, name="cancel"),
    path("<int:order_pk>/work-order.pdf", views.work_order_pdf, name="work_order_pdf"),
    path("photos/<int:photo_pk>/", views.photo, name="photo"),
    path("route-sheet/<int:technician_pk>/", views.route_sheet, name="route_sheet"),
    path("accounts/<int:account_pk>/new/", views.counter_order, name="counter_order"),
    path("accounts/<int:account_pk>/transfer/", views.transfer, name="transfer"),
    path("from-notices/<int:notice_pk>/", views.disconnect_orders, name="disconnect_orders"),
    path("from-read-exception/<int:exception_pk>/", views.reread_order, name="reread_order"),
]
