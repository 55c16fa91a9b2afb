from django.db import models


class InstallationRecord(models.Model):
    """The installation record when ``INSTALLATION_STORE=database``: one row, ``id=1``.

    ``data`` holds exactly what ``installation.json`` holds, validated by the same code;
    ``revision`` grows with every change, so a server checks for news with one indexed read
    of a single integer.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    data = models.JSONField()
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "installation record"

    def __str__(self):
        return f"Installation record (revision {self.revision})"
