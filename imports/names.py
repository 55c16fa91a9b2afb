"""What telemetry may say about an import, without loading Django: the formats' names and
the kinds of failure (``imports.formats.FORMATS`` and ``ImportFailed`` use these)."""

FORMAT_NAMES = ("toggl", "clockify", "harvest", "kimai", "timetracker")
FAILURE_KINDS = ("bad_row", "unknown_users", "empty", "unknown_format", "too_large", "conflict")
