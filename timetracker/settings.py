"""Settings for TimeTracker, read from the environment (and an optional ``.env``).

Every variable is documented in README.md. Defaults make ``make run`` work on a laptop with
no configuration: SQLite and a generated secret key in the data directory.
"""

import os
import socket
from datetime import timedelta
from pathlib import Path

import drf_spectacular_sidecar
import environ
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from timetracker import config

BASE_DIR = Path(__file__).resolve().parent.parent
SWAGGER_UI_STATIC = "drf_spectacular_sidecar/swagger-ui-dist"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

TIMETRACKER_DATA_DIR = Path(env.str("TIMETRACKER_DATA_DIR", default=str(BASE_DIR / "data")))
LOG_DIR = Path(env.str("LOG_DIR", default=str(BASE_DIR / "logs")))

DEBUG = config.env_bool(env, "DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or config.load_or_create_secret_key(
    TIMETRACKER_DATA_DIR
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
if "*" in ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured("ALLOWED_HOSTS=* is refused: list the host names you serve.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Base URL used in links printed to the console (the setup link).
# Without its trailing slash: links are this plus a path.
SITE_URL = (config.env_url(env, "SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "timetracker.apps.TimeTrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    # Django REST framework is used but not installed as an app: the APIs answer JSON only,
    # and its app adds nothing else but the browsable API's templates, static files and
    # template tags, which Django imports into every worker with DRF, Markdown, Pygments,
    # PyYAML and psycopg (about 20 MB a worker, docs/performance.md).
    "drf_spectacular",
    "setupwizard",
    "tracking",
    "imports",
    "api",
    "kimai",
    "webhooks",
    "telemetry",
]

MIDDLEWARE = [
    "timetracker.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "setupwizard.middleware.SetupRequiredMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tracking.middleware.UserTimeZoneMiddleware",
    "tracking.middleware.TimerMiddleware",
    "telemetry.middleware.CurrentUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "timetracker.middleware.PrivatePagesMiddleware",
    # Last, as django-axes asks: it turns a lockout into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "timetracker.urls"
WSGI_APPLICATION = "timetracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracking.context_processors.timer",
            ],
        },
    },
]

DATABASES = {"default": config.database_config(env, TIMETRACKER_DATA_DIR / "timetracker.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Flash messages live in a cookie, bounded by its size: unread messages of a script that
# never follows redirects cannot pile up in the session (they cost 14 ms a request there).
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a person's permissions in one query.
    "tracking.permissions.ModelBackend",
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failures an account, and
# separately an address, wait LOGIN_LOCKOUT_MINUTES. Staff unlock in the admin ("Access
# attempts") or with `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind a proxy the address comes from X-Forwarded-For (see HTTPS below); otherwise the peer.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Password reset mails go out only when an outgoing mail server is configured.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
# STARTTLS on the submission port (587) by default; EMAIL_USE_SSL=true for TLS from the
# first byte (port 465) instead. Django refuses both at once.
EMAIL_USE_SSL = config.env_bool(env, "EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = config.env_bool(env, "EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="timetracker@localhost")
EMAIL_CONFIGURED = bool(EMAIL_HOST)
# Seconds a mail server may take to answer, so a request that sends mail never hangs.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tracking:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Uploads (the business profile's logo) live with the data; invoices embed the logo inline,
# so nothing here needs serving.
MEDIA_ROOT = TIMETRACKER_DATA_DIR / "media"
MEDIA_URL = "media/"
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Swagger UI for /api/v1/docs/, from drf-spectacular-sidecar: only this part of the
    # package (not its ReDoc), so collectstatic hashes and compresses half as much.
    (
        SWAGGER_UI_STATIC,
        Path(drf_spectacular_sidecar.__file__).parent / "static" / SWAGGER_UI_STATIC,
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "timetracker.storage.StaticFilesStorage"},
}
# Source maps are read by a developer's browser tools only: not worth compressing (Swagger
# UI's take most of collectstatic's time otherwise).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Not collected when the server started: serve the files from the app folders instead
# (see timetracker/storage.py). Collected files are served alone, compressed and hashed.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

# Cookies are never readable from JavaScript and never sent cross-site.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): our own files only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# System checks the operator has read and decided to silence, e.g. setupwizard.W003.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# Behind a TLS-terminating reverse proxy: HTTPS=true turns on the HTTPS-only settings.
HTTPS = config.env_bool(env, "HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading commits the whole domain to HTTPS in browsers for good: the domain owner's
    # call, so it is opt-in and its deploy-check reminder is silenced while it is off.
    SECURE_HSTS_PRELOAD = config.env_bool(env, "SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Forgotten timers: a timer running longer than this is stopped at start + the limit
# (0 turns it off); a reminder mail goes out after TIMER_REMIND_HOURS when mail is configured.
TIMER_MAX_HOURS = config.env_int(env, "TIMER_MAX_HOURS", default=10, low=0, high=72)

# Webhooks (README, "Webhooks"): loopback, private and link-local receivers are refused
# unless allowed (tests, receivers on the same network); each web process sends in a
# background thread unless WEBHOOK_BACKGROUND=false (then cron runs `webhooks deliver`).
WEBHOOK_ALLOW_PRIVATE = config.env_bool(env, "WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_BACKGROUND = config.env_bool(env, "WEBHOOK_BACKGROUND", default=True)
TIMER_REMIND_HOURS = config.env_int(env, "TIMER_REMIND_HOURS", default=8, low=0, high=72)

# Where the installation record lives: a file per server, or the shared database (several
# app servers). See README "Running several app servers".
INSTALLATION_STORE = config.env_choice(
    env, "INSTALLATION_STORE", ("file", "database"), default="file"
)
# A label for this server on the admin's telemetry page (its own log and delivery status).
# Never sent anywhere.
SERVER_LABEL = (
    env.str("SERVER_LABEL", default="") or os.environ.get("HOSTNAME", "") or (socket.gethostname())
)

# /healthz answers 503 when the data directory has less room than this.
HEALTHZ_MIN_FREE_MB = config.env_int(env, "HEALTHZ_MIN_FREE_MB", default=50, low=0, high=10**6)
# The largest file /import/ takes: read twice (preview, import) within a request's time
# (about 40,000 rows; docs/performance.md). The command reads any size.
IMPORT_MAX_MB = config.env_int(env, "IMPORT_MAX_MB", default=5, low=1, high=1024)

# Django's cache, which holds the API's rate-limit counts: by default files in the data
# directory, shared by every worker of this server with no setup and no database write per
# request; a Redis (CACHE_URL=redis://host:6379/1) shares them between several servers.
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default=f"filecache://{TIMETRACKER_DATA_DIR / 'cache'}?max_entries=10000"
    )
}

# The REST API (/api/v1/, README "REST API"): personal tokens or the browser's session.
API_RATE_LIMIT = config.env_rate(env, "API_RATE_LIMIT", default="600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: a request without credentials answers 401 with WWW-Authenticate: Bearer.
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.LimitOffsetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # JSON only: a ?format= query parameter is not a way to ask for another renderer (DRF
    # answered an unknown one with 404); the schema is chosen by the Accept header.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TimeTracker API",
    "DESCRIPTION": (
        "Track time from scripts and apps. Authenticate with `Authorization: Bearer <token>` "
        "(Preferences → API tokens). Times are ISO 8601 with their UTC offset."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Deep links put a link inside each operation's button: nested controls that screen
    # readers cannot reach (axe nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

# Telemetry: all of it read here, nowhere else. See docs/privacy.md.
DO_NOT_TRACK = config.env_bool(env, "DO_NOT_TRACK", default=False)
ENABLE_TELEMETRY = config.env_optional_bool(env, "ENABLE_TELEMETRY")
POSTHOG_API_KEY = env.str("POSTHOG_API_KEY", default="").strip()
POSTHOG_HOST = config.env_url(env, "POSTHOG_HOST") or "https://us.i.posthog.com"
TELE_URL = config.env_url(env, "TELE_URL")
TELEMETRY_DEBUG = config.env_bool(env, "TELEMETRY_DEBUG", default=False)
TELEMETRY_LOG_MAX_BYTES = env.int("TELEMETRY_LOG_MAX_BYTES", default=5 * 1024 * 1024)
SENTRY_DSN = env.str("SENTRY_DSN", default="").strip()
SENTRY_TRACES_RATE = config.env_float(env, "SENTRY_TRACES_RATE", default=0.1, low=0.0, high=1.0)
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")

# The application's log: to stderr, UTC timestamps with their offset; `json` for shippers.
LOG_FORMAT = config.env_choice(env, "LOG_FORMAT", ("plain", "json"), default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "timetracker.logs.UTCFormatter"},
        "json": {"()": "timetracker.logs.JSONFormatter"},
    },
    "filters": {"refused_in_one_line": {"()": "timetracker.logs.RefusedInOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["refused_in_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "setupwizard": {"level": "INFO"},
        "telemetry": {"level": "INFO"},
    },
}
