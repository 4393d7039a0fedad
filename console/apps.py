from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Support console"

    def ready(self) -> None:
        from .api import checks  # noqa: F401  (registers the check of the API's settings)
