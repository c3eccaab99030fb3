from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/test", views.notification_test, name="notification_test"),
    path("notifications/send", views.notification_send, name="notification_send"),
    path("notifications/check", views.notification_check, name="notification_check"),
    path("notifications/<int:pk>/resend", views.notification_resend, name="notification_resend"),
]
