from django.urls import path

from insights import views

urlpatterns = [
    path("insights/", views.spending, name="insights"),
    path("insights/trends/", views.trends, name="insights_trends"),
    path("insights/merchants/", views.merchants, name="insights_merchants"),
    path("insights/recurring/", views.recurring_page, name="insights_recurring"),
    path("insights/recurring/dismiss", views.recurring_dismiss, name="recurring_dismiss"),
    path("insights/recurring/restore", views.recurring_restore, name="recurring_restore"),
    path("insights/anomalies/", views.anomalies, name="insights_anomalies"),
]
