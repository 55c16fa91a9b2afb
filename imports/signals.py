"""Signals for listeners such as telemetry; ``imports`` never knows who listens."""

from django.dispatch import Signal

# A file was imported. Arguments: ``user`` (who imported it), ``format`` (a format name),
# ``entries_created``, ``entries_skipped`` (counts; never names, rows or the file's name).
import_completed = Signal()

# An import (or its preview) wrote nothing. Arguments: ``format`` (a format name, or
# "unknown"), ``kind`` (one of ImportFailed.KINDS).
import_failed = Signal()
