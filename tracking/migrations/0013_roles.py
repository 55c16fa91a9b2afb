"""Roles as groups of Django's model permissions (tracking/permissions.py, README "Roles").

- *Manager*: clients, projects, invoices and their lines; everyone's time entries, tasks
  and comments; tags; the business profile.
- *Administrator*: everything a Manager may do, and user accounts and groups in the admin.

Staff accounts that are not superusers join *Manager*, so they keep what they could do.
Changing a group later (in the admin) is the administrator's choice: this runs once.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER = {
    "client": ("add", "change", "delete", "view"),
    "project": ("add", "change", "delete", "view"),
    "invoice": ("add", "change", "delete", "view"),
    "invoiceitem": ("add", "change", "delete", "view"),
    "timeentry": ("change", "delete", "view"),
    "task": ("change", "delete", "view"),
    "comment": ("change", "delete", "view"),
    "tag": ("add", "change", "delete", "view"),
    "businessprofile": ("change", "view"),
}
ADMINISTRATOR_ONLY = {("auth", "user"), ("auth", "group")}


def make_roles(apps, schema_editor):
    # Permissions are made after migrations; a new database needs them now. (Historical
    # app configs have no models module, which create_permissions asks for.)
    for app_config in apps.get_app_configs():
        historical = getattr(app_config, "models_module", None) is None
        if historical:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if historical:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("auth", "User")
    manager_permissions = [
        Permission.objects.get(
            content_type__app_label="tracking", content_type__model=model, codename=f"{a}_{model}"
        )
        for model, actions in MANAGER.items()
        for a in actions
    ]
    manager, _ = Group.objects.get_or_create(name="Manager")
    manager.permissions.add(*manager_permissions)
    administrator, _ = Group.objects.get_or_create(name="Administrator")
    administrator.permissions.add(*manager_permissions)
    for app_label, model in ADMINISTRATOR_ONLY:
        administrator.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model
            )
        )
    for user in User.objects.filter(is_staff=True, is_superuser=False):
        user.groups.add(manager)


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0012_entry_day_required"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(make_roles, migrations.RunPython.noop, elidable=False),
    ]
