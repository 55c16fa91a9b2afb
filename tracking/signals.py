"""Signals for the actions that are not model changes, for listeners such as telemetry.

``tracking`` sends them and never knows who listens.
"""

from django.dispatch import Signal

# A report page was rendered. Arguments: ``user``, ``filters`` (a set of the filter names
# in use: "start", "end", "project", "user", "tag"), ``row_count`` (entries in the report).
report_viewed = Signal()

# A CSV export finished streaming. Arguments: ``user``, ``kind`` ("entries" or "report"),
# ``row_count``.
csv_exported = Signal()

# The week timesheet was saved. Arguments: ``user`` and counts: ``cells_changed``,
# ``entries_created``, ``entries_updated``, ``entries_deleted`` (never hours or projects).
timesheet_saved = Signal()

# An entry was copied to today. Arguments: ``user``, ``entry`` (the copy).
entry_duplicated = Signal()

# ``manage.py purge_trash`` removed entries for good. Argument: ``entry_count``.
trash_purged = Signal()

# An administrator emailed people links to choose their password. Arguments: ``user`` (the
# administrator), ``sent_count``.
invitations_sent = Signal()

# The calendar was shown. Arguments: ``user``, ``view`` ("week" or "day"), ``entry_count``.
calendar_viewed = Signal()

# An invoice was downloaded as a PDF. Arguments: ``user``, ``invoice``.
invoice_downloaded = Signal()

# Unbilled entries were added to a draft invoice. Arguments, counts only: ``entry_count``,
# ``line_count``, ``overlapping_count``.
entries_billed = Signal()

# A draft invoice's time lines were updated from their entries. Argument: ``lines_changed``.
invoice_refreshed = Signal()

# Time is about to be added to a project (``TimeEntry.save`` and ``clean``): a new entry,
# a timer starting (``seconds`` 0), or an edit making an entry longer or moving it there.
# Arguments: ``entry``, ``seconds`` (what it adds). A receiver may refuse it by raising a
# ValidationError (a budget's hard limit, tracking.models.budgets).
time_adding = Signal()

# A project's recorded time reached a threshold of its budget (its alert percentage, or 100)
# for the first time in a budget period, inside the transaction of the change. Arguments:
# ``alert`` (a BudgetAlert), ``use`` (its BudgetUse).
budget_threshold_reached = Signal()
