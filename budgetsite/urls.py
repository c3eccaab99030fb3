from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from budgetsite import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health", views.health, name="health"),
    path("api/stats", views.stats, name="stats"),
    path("login/", views.login_view, name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("setup/", views.setup, name="setup"),
    path("admin/", admin.site.urls),
    path("", include("transactions.urls")),
    path("", include("transactions.list_urls")),
    path("", include("budgets.urls")),
    path("", include("insights.urls")),
    path("", include("accounts.urls")),
    path("", include("investments.urls")),
    path("", include("notifications.urls")),
    path("", include("people.urls")),
    path("", include("backups.urls")),
]
