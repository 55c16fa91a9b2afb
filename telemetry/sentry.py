"""Error monitoring with Sentry (when SENTRY_DSN is set), with personal data scrubbed.

Sentry is the operator's own error monitoring: it does not depend on the product-telemetry
toggle. What leaves: the exception, its stack (without local variables), the URL path and
method, log messages as templates. What never leaves: bodies, query strings, cookies,
identifying headers, the user, breadcrumb messages, values formatted into log messages, the
host name.
"""

from urllib.parse import urlsplit

from django.conf import settings

from timetracker.version import __version__

SAFE_HEADERS = {"content-type", "content-length", "accept"}


def scrub_event(event: dict, hint=None) -> dict:
    """``before_send``: keep what debugging needs, drop whatever could identify someone."""
    request = event.get("request")
    if isinstance(request, dict):
        url = request.get("url")
        event["request"] = {
            "method": request.get("method"),
            "url": urlsplit(url).path if isinstance(url, str) else None,
            "headers": {
                name: value
                for name, value in (request.get("headers") or {}).items()
                if name.lower() in SAFE_HEADERS
            },
        }
    event.pop("user", None)
    event["server_name"] = "timetracker"
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values", []) if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        crumb.pop("message", None)
        crumb.pop("data", None)
    for exception in (event.get("exception") or {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        # Keep the message template ("Cannot read %s"), drop the values put into it.
        logentry.pop("formatted", None)
        logentry.pop("params", None)
    extra = event.get("extra")
    if isinstance(extra, dict):
        extra.pop("sys.argv", None)
    return event


def init_sentry() -> bool:
    if not settings.SENTRY_DSN:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=settings.SENTRY_TRACES_RATE,
        release=f"timetracker@{__version__}",
        environment=settings.SENTRY_ENVIRONMENT,
        server_name="timetracker",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )
    # Every request with a foreign Host header logs it as an error: noise, and a host name.
    ignore_logger("django.security.DisallowedHost")
    return True


def sentry_host() -> str | None:
    """The Sentry host (never the key), for the admin page."""
    return urlsplit(settings.SENTRY_DSN).hostname if settings.SENTRY_DSN else None
