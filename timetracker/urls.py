import logging
import smtplib
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.core.mail import get_connection
from django.http import Http404
from django.urls import include, path

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
    path("api/v1/", include("api.urls")),
    path("api/", include("kimai.urls")),
    path("preferences/api-tokens/", include("api.web")),
    path("import/", include("imports.urls")),
    path("", include("tracking.urls")),
]
