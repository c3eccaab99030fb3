from django.urls import path

from budgets import views

urlpatterns = [
    path("budgets/", views.budget_month, name="budget_month"),
    path("budgets/<str:month>/", views.budget_month, name="budget_month_for"),
    path("budgets/<str:month>/amount", views.budget_amount, name="budget_amount"),
    path("budgets/<str:month>/copy", views.budget_copy, name="budget_copy"),
    path("budgets/<str:month>/average", views.budget_average, name="budget_average"),
    path("budgets/<str:month>/rollover", views.budget_rollover, name="budget_rollover"),
]
