"""Running totals of live, stopped time (tracking.models.totals), kept in step by triggers
on the entry table (tracking/totals_sql.py): every write, whatever its path, updates them in
the same transaction."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tracking import totals_sql


def create_triggers(apps, schema_editor):
    totals_sql.create_triggers(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    totals_sql.drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0021_logo_format_entry_project_user_report'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DayTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('seconds', models.BigIntegerField()),
                ('billable_seconds', models.BigIntegerField()),
                ('entries', models.IntegerField()),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['day', 'user', 'seconds', 'billable_seconds'], name='day_total_report')],
                'constraints': [models.UniqueConstraint(fields=('day', 'user'), name='day_total_key')],
            },
        ),
        migrations.CreateModel(
            name='YearTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.IntegerField()),
                ('seconds', models.BigIntegerField()),
                ('billable_seconds', models.BigIntegerField()),
                ('unbilled_seconds', models.BigIntegerField()),
                ('entries', models.IntegerField()),
                ('project', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tracking.project')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['project', 'user', 'year', 'seconds', 'billable_seconds', 'unbilled_seconds', 'entries'], name='year_total_report')],
                'constraints': [models.UniqueConstraint(fields=('project', 'user', 'year'), name='year_total_key')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
