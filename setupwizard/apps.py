from django.apps import AppConfig


class SetupWizardConfig(AppConfig):
    name = "setupwizard"
    verbose_name = "Setup"

    def ready(self):
        from setupwizard import checks  # noqa: F401  (registers the system checks)
