from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.forms import TokenForm
from api.models import MAX_EXPIRY_DAYS, ApiToken


class Command(BaseCommand):
    help = (
        "Create a personal API access token for USERNAME. The token is printed once, as the "
        "last line (for scripts); only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--read-only", action="store_true", help="May read, never write.")
        parser.add_argument(
            "--expires-days", type=int, help=f"Expire after N days (1 to {MAX_EXPIRY_DAYS})."
        )

    def handle(self, *args, username, name, read_only, expires_days, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        form = TokenForm({"name": name, "read_only": read_only, "expires_days": expires_days})
        if not form.is_valid():
            problems = "; ".join(
                f"--{field.replace('_', '-')}: {' '.join(messages)}"
                for field, messages in form.errors.items()
            )
            raise CommandError(problems)
        token, secret = ApiToken.objects.create_token(user, **form.cleaned_data)
        expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "no expiry"
        self.stderr.write(f"Created {token.scope} token {token.name!r} for {username} ({expiry}).")
        self.stdout.write(secret)
