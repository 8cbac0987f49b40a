from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from billing_site.common import session_ui
from front import urls as front_urls

# A dropped database connection gets the 503 "send again" page, never a 500.
handler500 = "billing_site.common.db_unavailable.server_error"

urlpatterns = [
    *front_urls.urlpatterns,
    path(
        "login/",
        login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", session_ui.keepalive, name="session_keepalive"),
    path("accounts/", include(front_urls.accounts_urls)),
    path("adjustments/", include("adjustments.urls")),
    path("billing/", include("billing.urls")),
    path("ledger/", include("ledger.urls")),
    path("payments/", include("payments.urls")),
    path("collections/", include("collections_app.urls")),
    path("service-orders/", include("service_orders.urls")),
    path("work/", include("work_queues.urls")),
    path("tasks/", include("billing_site.common.urls")),
    path("admin/", admin.site.urls),
]
