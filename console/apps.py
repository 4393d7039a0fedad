from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Support console"

    def ready(self) -> None:
        # Importing them registers the system checks of the console's and the API's settings.
        from . import checks  # noqa: F401
        from .api import checks as api_checks  # noqa: F401
