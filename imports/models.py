from datetime import timedelta

from django.conf import settings
from django.db import models


class UploadQuerySet(models.QuerySet):
    def stale(self, now):
        """Files previewed and never imported: removed after ``Upload.KEPT_FOR``."""
        return self.filter(created_at__lt=now - Upload.KEPT_FOR)


class Upload(models.Model):
    """A file between its preview and its import. In the database, so the confirmation may
    reach any app server; removed once imported, or after a day."""

    KEPT_FOR = timedelta(days=1)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UploadQuerySet.as_manager()

    def __str__(self):
        return f"Upload {self.pk} of {self.user}"
