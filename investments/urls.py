from django.urls import path

from investments import views

urlpatterns = [
    path("investments/", views.portfolio, name="portfolio"),
    path("investments/prices/fetch", views.prices_fetch, name="prices_fetch"),
    path("investments/holdings/<int:pk>/", views.holding_detail, name="holding_detail"),
    path("investments/add", views.entry, name="investments_entry"),
    path("investments/net-worth", views.net_worth_line, name="net_worth_line"),
]
