from django.apps import AppConfig


class BudgetsiteConfig(AppConfig):
    name = "budgetsite"
    verbose_name = "Budget App"
