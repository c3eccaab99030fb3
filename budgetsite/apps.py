from django.apps import AppConfig


class BudgetsiteConfig(AppConfig):
    name = "budgetsite"
    verbose_name = "Budget App"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from budgetsite.security import remember_login

        user_logged_in.connect(remember_login, dispatch_uid="budgetsite.security.remember_login")
