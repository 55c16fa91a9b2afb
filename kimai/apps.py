from django.apps import AppConfig


class KimaiConfig(AppConfig):
    name = "kimai"
    verbose_name = "Kimai-compatible API"
