from django.apps import AppConfig


class InvestmentsConfig(AppConfig):
    name = "investments"
    verbose_name = "Investments"

    def ready(self) -> None:
        from investments import consistency  # noqa: F401 - connects the Account delete handler and check
