from django.dispatch import Signal

# Sent once, when first-run setup completes (from the wizard or ``manage.py setup``).
# Arguments: ``user`` (the administrator, or None), ``telemetry_enabled`` (bool) and
# ``source`` ("setup" for the wizard, "command" for the management command).
setup_completed = Signal()
