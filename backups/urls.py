from django.urls import path

from backups import views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/backup", views.backup_now, name="backup_now"),
    path("settings/backups/<str:name>", views.backup_download, name="backup_download"),
    path("settings/export", views.export_download, name="export_download"),
]
