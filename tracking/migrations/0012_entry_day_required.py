"""Every entry has its day (0011 stored them): the database now requires it.

A migration of its own: PostgreSQL refuses to alter a table in the transaction that just
updated its rows.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0011_entry_day_and_duration_only"),
    ]

    operations = [
        migrations.AlterField(
            model_name="timeentry",
            name="day",
            field=models.DateField(editable=False),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                fields=["user", "day", "project", "end", "duration_seconds"],
                name="entry_user_day",
            ),
        ),
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                fields=[
                    "day", "user", "project", "end", "duration_seconds", "billable",
                    "invoice_item",
                ],
                name="entry_day_report",
            ),
        ),
    ]
