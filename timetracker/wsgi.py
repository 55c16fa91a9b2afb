"""WSGI entry point, for gunicorn (``gunicorn timetracker.wsgi``) and runserver."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timetracker.settings")

application = get_wsgi_application()

from setupwizard.startup import announce_setup_link  # noqa: E402  (needs Django set up)

announce_setup_link()

# Everything loaded so far (Django, the apps) lives as long as the process: the garbage
# collector need not walk it again and again (docs/performance.md, twelfth round).
gc.freeze()
