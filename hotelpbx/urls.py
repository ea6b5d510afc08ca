from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hotelpbx.core import health
from hotelpbx.core import views as core_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", core_views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", core_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("pbx/", include("hotelpbx.pbx.urls")),
    path("api/", include("hotelpbx.partners.api.urls")),
    path("billing/", include("billing.urls")),
    path("wakeups/", include("wakeup.urls")),
    path("", include("rooms.urls")),
]
