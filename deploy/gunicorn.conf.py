# gunicorn settings for TimeTracker (used by timetracker.service and the Dockerfile):
#   gunicorn -c deploy/gunicorn.conf.py timetracker.wsgi
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A web import reads its file within one request (IMPORT_MAX_MB keeps that under this).
timeout = 60
graceful_timeout = 10  # queued telemetry is flushed on a graceful stop
# One access-log line per request, to stdout, with the time and its offset. The path
# only: a query string can hold what people typed (a suggestion's search, a filter).
accesslog = "-"
access_log_format = '%(t)s %(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
