import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from setupwizard import installation
from setupwizard.signals import setup_completed
from setupwizard.startup import setup_link


class Command(BaseCommand):
    help = (
        "First-run setup without a browser: create the first administrator and record the "
        "telemetry choice. Idempotent: safe to run on every container start."
    )
    # `--status` and `--repair` must run whatever state the installation is in.
    requires_system_checks = []

    def add_arguments(self, parser):
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument(
            "--telemetry",
            dest="telemetry",
            action="store_true",
            default=None,
            help="Opt in to anonymous telemetry.",
        )
        choice.add_argument(
            "--no-telemetry",
            dest="telemetry",
            action="store_false",
            help="Do not send telemetry (the default).",
        )
        parser.add_argument("--admin-username", help="Username of the first administrator.")
        parser.add_argument("--admin-email", help="Email of the first administrator.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--status", action="store_true", help="Print the setup state.")
        mode.add_argument("--repair", action="store_true", help="Repair a corrupt store.")
        mode.add_argument(
            "--store",
            choices=["file", "database"],
            help="Move the installation record into this store, keeping salt and id "
            "(then set INSTALLATION_STORE to match).",
        )

    def handle(self, *args, **options):
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not migrated: run `manage.py migrate` first.")
        if options["status"]:
            return self.print_status()
        if options["repair"]:
            return self.repair()
        if options["store"]:
            return self.move_store(options["store"])
        self.run_setup(options)

    def move_store(self, target: str):
        try:
            self.stdout.write(installation.move_to(target))
        except installation.StoreError as exc:
            raise CommandError(str(exc)) from None
        self.remind(target)

    def remind(self, target: str):
        if target != settings.INSTALLATION_STORE:
            self.stdout.write(
                f"Now set INSTALLATION_STORE={target} on every server and restart them."
            )

    def print_status(self):
        state = installation.get_state()
        self.stdout.write(f"Store: {state.where}")
        if state.problem:
            self.stdout.write(self.style.ERROR(f"Problem ({state.problem}): {state.detail}"))
            if state.problem != installation.READ_ONLY:
                self.stdout.write(f"Fix it with: {installation.REPAIR_COMMAND}")
            return
        current = state.installation
        self.stdout.write(f"Installation id: {current.installation_id}")
        self.stdout.write(f"Setup complete: {'yes' if current.setup_complete else 'no'}")
        if current.setup_complete:
            self.stdout.write(f"Setup completed at: {current.setup_completed_at}")
        choice = "on" if current.telemetry_enabled else "off"
        self.stdout.write(f"Telemetry (administrator's choice): {choice}")
        if not installation.data_dir_writable():
            self.stdout.write(
                self.style.WARNING("The data directory is read-only: settings cannot change.")
            )
        if not current.setup_complete:
            self.stdout.write(f"Setup link: {setup_link(current.setup_token)}")

    def repair(self):
        has_superuser = get_user_model().objects.filter(is_superuser=True).exists()
        try:
            report = installation.repair(has_superuser=has_superuser)
        except OSError as exc:
            raise CommandError(f"Cannot write the installation store: {exc}") from None
        for message in report.messages:
            self.stdout.write(message)

    def run_setup(self, options):
        state = installation.get_state()
        if state.problem:
            raise CommandError(f"{state.detail} Nothing was changed.")
        User = get_user_model()
        people = User.objects.count()
        if people and not state.installation.setup_complete:
            raise CommandError(
                f"The database already holds {people} user account(s), but this installation "
                "record is new (setup never completed with it): completing setup now would give "
                "the installation a new identity and every user a new fingerprint. If you "
                "are moving an installation, restore its backup with `python manage.py "
                "restore BACKUP` (database, record, media and key in one); if you restored "
                "the database alone, restore its installation record too (data/"
                "installation.json, or the database's own row with INSTALLATION_STORE="
                "database) from the same backup. If this is a new installation whose "
                "administrator was made with createsuperuser, adopt it: "
                f"{installation.REPAIR_COMMAND}. Nothing was changed."
            )
        admin = None
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("Administrator: exists, skipped.")
        else:
            admin = self.build_admin(User, options)
        if state.installation.setup_complete and admin is None:
            self.stdout.write("Setup: already complete, nothing changed.")
            if options["telemetry"] is not None:
                self.stdout.write(
                    "The telemetry choice is unchanged; use `manage.py telemetry "
                    "enable|disable` to change it."
                )
            return
        telemetry_enabled = bool(options["telemetry"])
        try:
            with transaction.atomic():
                if admin is not None:
                    admin.save()
                    self.stdout.write(f"Administrator: created {admin.username}.")
                if not state.installation.setup_complete:
                    installation.complete_setup(telemetry_enabled)
        except installation.StoreError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from None
        except OSError as exc:
            raise CommandError(f"Cannot write the installation store: {exc}") from None
        if state.installation.setup_complete:
            return
        choice = "on" if telemetry_enabled else "off"
        self.stdout.write(f"Setup: complete. Telemetry is {choice}.")
        setup_completed.send(
            sender=self.__class__,
            user=admin,
            telemetry_enabled=telemetry_enabled,
            source="command",
        )

    def build_admin(self, User, options):
        username, email = options["admin_username"], options["admin_email"]
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        missing = [
            flag
            for flag, value in (
                ("--admin-username", username),
                ("--admin-email", email),
                ("DJANGO_SUPERUSER_PASSWORD", password),
            )
            if not value
        ]
        if missing:
            raise CommandError(
                f"No administrator exists yet: give {', '.join(missing)} to create one."
            )
        admin = User(username=username, email=email, is_staff=True, is_superuser=True)
        try:
            User._meta.get_field("username").run_validators(username)
            validate_email(email)
            validate_password(password, user=admin)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists and is no admin.")
        admin.set_password(password)
        return admin
