"""URLs of the accounts app; the account page itself (``accounts:detail``) is in ``front.urls``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("open/", views.open_account, name="open"),
    path("open/find/", views.party_search, name="party_search"),
    path("<int:pk>/customer/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("<int:pk>/forwarding/", views.forwarding_address, name="forwarding"),
    path("<int:pk>/notes/new/", views.note_add, name="note_add"),
    path("<int:pk>/flags/new/", views.flag_set, name="flag_set"),
    path("<int:pk>/flags/<int:flag_pk>/clear/", views.flag_clear, name="flag_clear"),
    path("<int:pk>/master/", views.master, name="master"),
    path("<int:pk>/master/set/", views.master_set, name="master_set"),
    path("<int:pk>/subs/attach/", views.sub_attach, name="sub_attach"),
    path("<int:pk>/subs/<int:sub_pk>/detach/", views.sub_detach, name="sub_detach"),
]
