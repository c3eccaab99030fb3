from django.urls import path

from accounts import views

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new", views.account_create, name="account_create"),
    path("accounts/<int:pk>/edit", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/sync", views.account_sync, name="account_sync"),
    path("accounts/connect", views.account_connect, name="account_connect"),
    path("accounts/link-token", views.plaid_link_token, name="plaid_link_token"),
    path("accounts/link-exchange", views.plaid_link_exchange, name="plaid_link_exchange"),
    path("accounts/<int:pk>/link-repaired", views.plaid_link_repaired, name="plaid_link_repaired"),
    path("plaid/webhook", views.plaid_webhook, name="plaid_webhook"),
]
