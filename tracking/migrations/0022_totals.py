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


def _moved(table, vendor, old, new):
    """Whether an update moved time between ``table``'s rows (or in or out of it)."""
    different = " IS NOT " if vendor == "sqlite" else " IS DISTINCT FROM "
    columns = [*TOTALS[table][2], "end", "deleted_at"]
    return " OR ".join(f'{old}."{column}"{different}{new}."{column}"' for column in columns)


# SQLite: triggers for each row (the only kind it has), each entry added or taken away.


def _add_row(table, row):
    """The statement adding the entry ``row`` (NEW or OLD) to its total."""
    sums = TOTALS[table][1]
    key = _key(table, "sqlite")
    values = [value.format(row=row) for value in [*key.values(), *sums.values()]]
    adds = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in sums)
    return [
        f"INSERT INTO {table} ({', '.join([*key, *sums])}) VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {adds}"
    ]


def _take_away_row(table, row):
    """The statements taking the entry ``row`` away from its total, and removing a total left
    without entries. A total that is not there (the table was emptied first, as a flush
    does) is left alone."""
    sums = TOTALS[table][1]
    key = _key(table, "sqlite")
    where = " AND ".join(f"{column} = {value.format(row=row)}" for column, value in key.items())
    takes = ", ".join(f"{column} = {column} - {value.format(row=row)}" for column, value in sums.items())
    return [
        f"UPDATE {table} SET {takes} WHERE {where}",
        f"DELETE FROM {table} WHERE {where} AND entries = 0",
    ]


def _row_triggers(table):
    """(name, event, condition, statements) of the SQLite triggers keeping ``table`` in step."""
    moved = _moved(table, "sqlite", "OLD", "NEW")
    new, old = COUNTED.format(row="NEW"), COUNTED.format(row="OLD")
    return [
        (f"{table}_insert", "INSERT", new, _add_row(table, "NEW")),
        (f"{table}_delete", "DELETE", old, _take_away_row(table, "OLD")),
        (f"{table}_update_old", "UPDATE", f"({old}) AND ({moved})", _take_away_row(table, "OLD")),
        (f"{table}_update_new", "UPDATE", f"({new}) AND ({moved})", _add_row(table, "NEW")),
    ]


# PostgreSQL: triggers for each statement, over its transition tables, so a bulk insert of
# a thousand entries updates each total once, not a thousand times.


def _grouped(table, vendor, source):
    """``SELECT key…, SUM(…)… FROM source`` of the counted entries, by ``table``'s key."""
    sums = TOTALS[table][1]
    key = _key(table, vendor)
    chosen = [f"{value.format(row='r')} AS {column}" for column, value in key.items()]
    chosen += [f"SUM({value.format(row='r')}) AS {column}" for column, value in sums.items()]
    return (
        f"SELECT {', '.join(chosen)} FROM {source} AS r WHERE {COUNTED.format(row='r')} "
        f"GROUP BY {', '.join(str(n + 1) for n in range(len(key)))}"
    )


def _backfill(table, vendor):
    columns = [*TOTALS[table][0], *TOTALS[table][1]]
    return f"INSERT INTO {table} ({', '.join(columns)}) {_grouped(table, vendor, ENTRY)}"


def _add_set(table, source):
    sums = TOTALS[table][1]
    adds = ", ".join(f"{column} = total.{column} + excluded.{column}" for column in sums)
    key = ", ".join(TOTALS[table][0])
    return (
        f"INSERT INTO {table} AS total ({key}, {', '.join(sums)}) "
        f"{_grouped(table, 'postgresql', source)} ON CONFLICT ({key}) DO UPDATE SET {adds}"
    )


def _take_away_set(table, source):
    sums = TOTALS[table][1]
    takes = ", ".join(f"{column} = total.{column} - gone.{column}" for column in sums)
    matches = " AND ".join(f"total.{column} = gone.{column}" for column in TOTALS[table][0])
    gone = _grouped(table, "postgresql", source)
    return [
        f"UPDATE {table} AS total SET {takes} FROM ({gone}) AS gone WHERE {matches}",
        f"DELETE FROM {table} AS total USING ({gone}) AS gone "
        f"WHERE {matches} AND total.entries = 0",
    ]


def _moved_rows(table, rows):
    """The ``rows`` ("before" or "after") of an update's entries that moved time."""
    moved = _moved(table, "postgresql", "before", "after")
    return (
        f"(SELECT {rows}.* FROM old_rows AS before JOIN new_rows AS after "
        f"ON after.id = before.id WHERE {moved})"
    )


def _statement_triggers():
    """(name, event, transition tables, statements) of the PostgreSQL triggers."""
    return [
        (
            "tracking_totals_insert",
            "INSERT",
            "NEW TABLE AS new_rows",
            [_add_set(table, "new_rows") for table in TOTALS],
        ),
        (
            "tracking_totals_delete",
            "DELETE",
            "OLD TABLE AS old_rows",
            [statement for table in TOTALS for statement in _take_away_set(table, "old_rows")],
        ),
        (
            "tracking_totals_update",
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            [
                statement
                for table in TOTALS
                for statement in [
                    *_take_away_set(table, _moved_rows(table, "before")),
                    _add_set(table, _moved_rows(table, "after")),
                ]
            ],
        ),
    ]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TOTALS:
        schema_editor.execute(_backfill(table, vendor))
    if vendor == "sqlite":
        for table in TOTALS:
            for name, event, condition, statements in _row_triggers(table):
                schema_editor.execute(
                    f"CREATE TRIGGER {name} AFTER {event} ON {ENTRY} FOR EACH ROW "
                    f"WHEN {condition} BEGIN {'; '.join(statements)}; END"
                )
        return
    for name, event, transitions, statements in _statement_triggers():
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {'; '.join(statements)}; RETURN NULL; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {ENTRY} REFERENCING {transitions} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for table in TOTALS:
            for name, *_ in _row_triggers(table):
                schema_editor.execute(f"DROP TRIGGER {name}")
        return
    for name, *_ in _statement_triggers():
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
