from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        # The bearer token's OpenAPI description, registered before anything builds the
        # schema (the view, or `check --deploy`'s trial run).
        from api import schema  # noqa: F401
