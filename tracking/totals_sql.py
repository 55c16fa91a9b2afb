"""The triggers that keep the running totals (tracking.models.totals) equal to the live,
stopped entries: every INSERT, UPDATE or DELETE of an entry, whatever makes it, updates them
in the same transaction (and on PostgreSQL a TRUNCATE empties them).

Migration 0022 creates them with this module's SQL as it stands (it imports it), so a
change here changes what 0022 does on a new installation: keep the trigger names, and
make any change to what the totals hold a new migration that calls ``rebuild``.
``manage.py rebuild_totals`` calls it too. A later migration that makes SQLite rebuild the
entry table (most field changes do: it copies the table and drops the old one, and its
triggers with it) must call ``rebuild`` after it; ``tracking/tests/test_totals.py`` fails
until it does.
"""

# ruff: noqa: S608  (SQL built from this module's own table and column names, no input)

ENTRY = "tracking_timeentry"
COUNTED = '{row}."end" IS NOT NULL AND {row}.deleted_at IS NULL'
SECONDS = "COALESCE({row}.duration_seconds, 0)"
BILLABLE = f"CASE WHEN {{row}}.billable THEN {SECONDS} ELSE 0 END"
UNBILLED = (
    f"CASE WHEN {{row}}.billable AND {{row}}.invoice_item_id IS NULL THEN {SECONDS} ELSE 0 END"
)
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
    takes = ", ".join(
        f"{column} = {column} - {value.format(row=row)}" for column, value in sums.items()
    )
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
        ("tracking_totals_truncate", "TRUNCATE", "", [f"DELETE FROM {table}" for table in TOTALS]),
    ]


def trigger_names(vendor: str) -> list[str]:
    """The names of the triggers ``create_triggers`` makes on ``vendor``."""
    if vendor == "sqlite":
        return [name for table in TOTALS for name, *_ in _row_triggers(table)]
    return [name for name, *_ in _statement_triggers()]


def create_triggers(connection) -> None:
    """Create the triggers, then fill the (empty) totals from the entries. In this order: on
    PostgreSQL the first trigger locks the entry table against writes until the transaction
    ends, so no entry written meanwhile escapes both the triggers and the fill."""
    statements = []
    if connection.vendor == "sqlite":
        for table in TOTALS:
            for name, event, condition, body in _row_triggers(table):
                statements.append(
                    f"CREATE TRIGGER {name} AFTER {event} ON {ENTRY} FOR EACH ROW "
                    f"WHEN {condition} BEGIN {'; '.join(body)}; END"
                )
    else:
        for name, event, transitions, body in _statement_triggers():
            referencing = f"REFERENCING {transitions} " if transitions else ""
            statements += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {'; '.join(body)}; RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER {event} ON {ENTRY} {referencing}"
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    statements += [_backfill(table, connection.vendor) for table in TOTALS]
    _run(connection, statements)


def drop_triggers(connection) -> None:
    """Drop the triggers (those that are there); the totals stay as they are."""
    statements = []
    for name in trigger_names(connection.vendor):
        if connection.vendor == "sqlite":
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {ENTRY}")
            statements.append(f"DROP FUNCTION IF EXISTS {name}()")
    _run(connection, statements)


def rebuild(connection) -> None:
    """Drop the triggers that are there, empty the totals, create the triggers and fill the
    totals again: whatever state they were left in. Call it in a transaction."""
    drop_triggers(connection)
    _run(connection, [f"DELETE FROM {table}" for table in TOTALS])
    create_triggers(connection)


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
