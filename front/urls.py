"""URLs of the top-floor pages.

The account page keeps its name ``accounts:detail`` (every app links to it by
that name): ``accounts_urls`` is the accounts app's patterns plus the account
page, included under the ``accounts`` namespace by ``billing_site.urls``, so
``accounts`` itself never imports this floor.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from accounts.urls import urlpatterns as account_patterns

from . import views

accounts_urls: tuple[list[URLPattern | URLResolver], str] = (
    [path("<int:pk>/", views.account_page, name="detail"), *account_patterns],
    "accounts",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.operations_dashboard, name="dashboard"),
    path("role-changes/", views.role_changes, name="role_changes"),
]
