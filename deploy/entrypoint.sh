#!/bin/sh
# The container's start: migrate, finish first-run setup when an administrator password is
# given (idempotent), then serve. Static files were collected when the image was built.
set -e
python manage.py migrate --noinput
if [ -n "$DJANGO_SUPERUSER_PASSWORD" ]; then
    python manage.py setup --admin-username "${ADMIN_USERNAME:-admin}" \
        --admin-email "${ADMIN_EMAIL:-admin@example.com}" --no-telemetry
fi
exec gunicorn -c deploy/gunicorn.conf.py timetracker.wsgi
