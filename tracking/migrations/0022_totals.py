"""Running totals of live, stopped time (tracking.models.totals), kept in step by triggers
on the entry table: every write, whatever its path, updates them in the same transaction.
The SQL is written out here, as this migration made it, for SQLite and PostgreSQL."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ENTRY = "tracking_timeentry"
COUNTED = '{row}."end" IS NOT NULL AND {row}.deleted_at IS NULL'
SECONDS = "COALESCE({row}.duration_seconds, 0)"
BILLABLE = f"CASE WHEN {{row}}.billable THEN {SECONDS} ELSE 0 END"
UNBILLED = f"CASE WHEN {{row}}.billable AND {{row}}.invoice_item_id IS NULL THEN {SECONDS} ELSE 0 END"
YEAR = {
    "sqlite": "CAST(strftime('%Y', {row}.day) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(YEAR FROM {row}.day) AS INTEGER)",
}
# Each table: its key (column: the entry's value), what it adds up, and the entry columns a
# change of which moves time between its rows.
TOTALS = {
    "tracking_yeartotal": (
        {"project_id": "{row}.project_id", "user_id": "{row}.user_id", "year": None},
        {
            "seconds": SECONDS,
            "billable_seconds": BILLABLE,
            "unbilled_seconds": UNBILLED,
            "entries": "1",
        },
        ["day", "project_id", "user_id", "duration_seconds", "billable", "invoice_item_id"],
    ),
    "tracking_daytotal": (
        {"day": "{row}.day", "user_id": "{row}.user_id"},
        {"seconds": SECONDS, "billable_seconds": BILLABLE, "entries": "1"},
        ["day", "user_id", "duration_seconds", "billable"],
    ),
}


def _key(table, vendor):
    key, _, _ = TOTALS[table]
    return {column: value or YEAR[vendor] for column, value in key.items()}


def _add(table, vendor, row):
    """The statement adding the entry ``row`` (NEW or OLD) to its total."""
    sums = TOTALS[table][1]
    key = _key(table, vendor)
    values = [value.format(row=row) for value in [*key.values(), *sums.values()]]
    adds = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in sums)
    return [
        f"INSERT INTO {table} ({', '.join([*key, *sums])}) VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {adds}"
    ]


def _take_away(table, vendor, row):
    """The statements taking the entry ``row`` away from its total, and removing a total left
    without entries. A total that is not there (the table was emptied first, as a flush
    does) is left alone."""
    sums = TOTALS[table][1]
    key = _key(table, vendor)
    where = " AND ".join(f"{column} = {value.format(row=row)}" for column, value in key.items())
    takes = ", ".join(f"{column} = {column} - {value.format(row=row)}" for column, value in sums.items())
    return [
        f"UPDATE {table} SET {takes} WHERE {where}",
        f"DELETE FROM {table} WHERE {where} AND entries = 0",
    ]


def _triggers(table, vendor):
    """(name, event, condition, statements) of the triggers keeping ``table`` in step."""
    different = " IS NOT " if vendor == "sqlite" else " IS DISTINCT FROM "
    moved = " OR ".join(f'OLD."{column}"{different}NEW."{column}"' for column in [
        *TOTALS[table][2], "end", "deleted_at"
    ])
    new, old = COUNTED.format(row="NEW"), COUNTED.format(row="OLD")
    return [
        (f"{table}_insert", "INSERT", new, _add(table, vendor, "NEW")),
        (f"{table}_delete", "DELETE", old, _take_away(table, vendor, "OLD")),
        (f"{table}_update_old", "UPDATE", f"({old}) AND ({moved})", _take_away(table, vendor, "OLD")),
        (f"{table}_update_new", "UPDATE", f"({new}) AND ({moved})", _add(table, vendor, "NEW")),
    ]


def _backfill(table, vendor):
    sums = TOTALS[table][1]
    key = _key(table, vendor)
    chosen = [value.format(row=ENTRY) for value in key.values()]
    chosen += [f"SUM({value.format(row=ENTRY)})" for value in sums.values()]
    return (
        f"INSERT INTO {table} ({', '.join([*key, *sums])}) SELECT {', '.join(chosen)} "
        f"FROM {ENTRY} WHERE {COUNTED.format(row=ENTRY)} "
        f"GROUP BY {', '.join(str(n + 1) for n in range(len(key)))}"
    )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TOTALS:
        schema_editor.execute(_backfill(table, vendor))
        for name, event, condition, statements in _triggers(table, vendor):
            body = "; ".join(statements)
            if vendor == "sqlite":
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {ENTRY} FOR EACH ROW "
                    f"WHEN {condition} BEGIN {body}; END"
                )
            else:
                schema_editor.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN {body}; RETURN NULL; END $$"
                )
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {ENTRY} FOR EACH ROW "
                    f"WHEN ({condition}) EXECUTE FUNCTION {name}()"
                )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TOTALS:
        for name, *_ in _triggers(table, vendor):
            if vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER {name}")
            else:
                schema_editor.execute(f"DROP TRIGGER {name} ON {ENTRY}")
                schema_editor.execute(f"DROP FUNCTION {name}()")


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
