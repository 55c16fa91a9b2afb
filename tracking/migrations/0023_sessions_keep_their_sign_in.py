"""A signed-in session names the backend that signed the person in, and Django trusts it only
while that backend is configured. Model permissions moved to ``tracking.permissions.
ModelBackend`` (a person's permissions in one query instead of two): rename the backend in
every live session, so the upgrade signs nobody out."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations
from django.utils import timezone

DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"
OUR_BACKEND = "tracking.permissions.ModelBackend"


def _rename(apps, old: str, new: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in list(Session.objects.filter(expire_date__gt=timezone.now())):
        data = store.decode(session.session_data)  # {} when it cannot be read
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def to_our_backend(apps, schema_editor):
    _rename(apps, DJANGO_BACKEND, OUR_BACKEND)


def to_djangos_backend(apps, schema_editor):
    _rename(apps, OUR_BACKEND, DJANGO_BACKEND)


class Migration(migrations.Migration):
    dependencies = [("tracking", "0022_totals"), ("sessions", "0001_initial")]

    operations = [migrations.RunPython(to_our_backend, to_djangos_backend)]
