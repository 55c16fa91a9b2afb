import logging
import smtplib
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.mail import get_connection
from django.http import Http404
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern

from timetracker.views import doc, favicon, healthz

handler500 = "timetracker.views.server_error"


def email_required(view):
    """Password reset needs outgoing mail: without a mail server the pages do not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.EMAIL_CONFIGURED:
            raise Http404("Password reset by email is not configured on this server.")
        return view(request, *args, **kwargs)

    return wrapper


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(email_configured=settings.EMAIL_CONFIGURED, **kwargs)


logger = logging.getLogger(__name__)
MAIL_DOWN = (
    "The reset link could not be sent: this server cannot reach its mail server. Ask your "
    "administrator to set a new password for you."
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django sends the link only to an existing account and logs a failure without saying
    so. The mail server is tried for every request first, so a server that cannot send is
    said to everyone alike, and whether the account exists stays unsaid."""

    def form_valid(self, form):
        try:
            with get_connection():  # connects (and starts TLS) as sending would
                pass
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("Password reset mail not sent: %s", type(error).__name__)
            form.add_error(None, MAIL_DOWN)
            return self.form_invalid(form)
        return super().form_valid(form)


class DeferredResolver(URLResolver):
    """``include()`` of a namespaced URLconf that is imported when a path under its prefix
    is first asked for, or one of its names reversed, instead of when the first request
    reads the URLconf. The two APIs load Django REST framework and its dependencies (about
    20 MB, docs/performance.md), which a worker serving pages never needs.

    Django's resolver fills a namespaced include's names only when they are reversed, but
    it walks into every include while reading the root; this one declines that walk until
    its module is loaded."""

    def __init__(self, prefix: str, module: str, namespace: str):
        super().__init__(RoutePattern(prefix), module, app_name=namespace, namespace=namespace)

    def _populate(self):
        if "url_patterns" in self.__dict__:
            super()._populate()

    @property
    def reverse_dict(self):
        self.url_patterns  # noqa: B018  (imports the module)
        return super().reverse_dict

    @property
    def namespace_dict(self):
        self.url_patterns  # noqa: B018
        return super().namespace_dict

    @property
    def app_dict(self):
        self.url_patterns  # noqa: B018
        return super().app_dict


accounts = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        email_required(PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        email_required(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        email_required(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        email_required(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    # Answered by HealthCheckMiddleware before the host check and routing; named here.
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("setup/", include("setupwizard.urls")),
    path("docs/<str:name>", doc, name="doc"),
    path("accounts/", include(accounts)),
    path("admin/", admin.site.urls),
    DeferredResolver("api/v1/", "api.urls", namespace="api"),
    DeferredResolver("api/", "kimai.urls", namespace="kimai"),
    path("preferences/api-tokens/", include("api.web")),
    path("import/", include("imports.urls")),
    path("", include("tracking.urls")),
]
