from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

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
        if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
            raise CommandError(f"--expires-days must be between 1 and {MAX_EXPIRY_DAYS}.")
        name = name.strip()
        if not name or len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("--name must be 1 to 100 characters.")
        token, secret = ApiToken.objects.create_token(
            user, name, read_only=read_only, expires_days=expires_days
        )
        expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "no expiry"
        self.stderr.write(f"Created {token.scope} token {name!r} for {username} ({expiry}).")
        self.stdout.write(secret)
