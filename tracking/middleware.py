from contextlib import suppress
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from tracking.models import Preferences, TimeEntry, decimal_hours, forgotten_before
from tracking.models.budgets import stop_at_hard_limit

SESSION_KEY = "tracking_time_zone"
THEME_SESSION_KEY = "tracking_theme"
DURATIONS_SESSION_KEY = "tracking_durations"
# Set once the browser's zone was offered (stored or not): it is asked once per session.
ZONE_ASKED_SESSION_KEY = "tracking_zone_asked"


def remember_preferences(request, preferences) -> None:
    """Keep the user's zone, theme and way of showing durations in the session: pages read
    them without a query."""
    request.session[SESSION_KEY] = preferences.time_zone if preferences else ""
    request.session[THEME_SESSION_KEY] = preferences.theme if preferences else ""
    request.session[DURATIONS_SESSION_KEY] = preferences.durations if preferences else ""


def needs_browser_zone(request) -> bool:
    """The signed-in person has no zone of their own and their browser was not asked yet."""
    session = getattr(request, "session", None)
    return (
        session is not None
        and request.user.is_authenticated
        and not session.get(SESSION_KEY)
        and not session.get(ZONE_ASKED_SESSION_KEY)
    )


def remember_time_zone(sender, request, user, **kwargs):
    """On login, keep the user's preferences in the session (TrackingConfig.ready)."""
    remember_preferences(request, Preferences.objects.filter(user=user).first())


def activate_time_zone(name: str) -> None:
    """Show times in zone ``name`` for the rest of this request; an empty name, or a zone
    removed from the system's database, leaves the server's zone."""
    if name:
        with suppress(ZoneInfoNotFoundError):
            timezone.activate(ZoneInfo(name))


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's own time zone, if they chose one, and durations
    as they prefer (H:MM or decimal hours).

    Both travel in the session (set at login and when they are changed), so this costs no
    query of its own and nothing at all for requests without a session, like /healthz.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", {})
        timezone.deactivate()
        activate_time_zone(session.get(SESSION_KEY, ""))
        decimal = session.get(DURATIONS_SESSION_KEY) == Preferences.Durations.DECIMAL
        token = decimal_hours.set(decimal)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            decimal_hours.reset(token)


@dataclass
class TimerState:
    """What the timer bar on every page shows for the signed-in person."""

    running: TimeEntry | None = None
    paused: TimeEntry | None = None
    auto_stopped: list = field(default_factory=list)


def timer_state(user) -> TimerState:
    """The running, paused and unreviewed auto-stopped entries of ``user``: one query for
    their ids, and one for the entries when there are any.

    Every page asks, and most find none: the ids alone cost a fifth of what the entries with
    their project and task cost to ask for (``docs/performance.md``).

    A running timer past TIMER_MAX_HOURS is stopped here, on its owner's next page, so
    nothing depends on cron (``manage.py stop_forgotten_timers`` does it for everyone);
    whether it has run that long is read from the entry already in hand.
    """
    if not user.is_authenticated:
        return TimerState()
    mine = TimeEntry.objects.filter(user=user).order_by()
    # A union of three lookups, each answered by its own partial index (an OR would scan
    # all of the user's entries: 100 ms at 50,000 of them).
    ids = mine.values_list("pk", "start")
    found = ids.filter(end__isnull=True).union(
        ids.filter(pause=TimeEntry.Pause.PAUSED), ids.filter(auto_stopped=True)
    )
    # The latest five, picked here (a person has a handful): ordered in the query, SQLite read
    # the auto-stopped ones along the person's whole history by start to skip a sort
    # (docs/performance.md, twelfth round).
    latest = sorted(found, key=lambda row: row[1], reverse=True)[:5]
    state = TimerState()
    pks = [pk for pk, _ in latest]
    if not pks:
        return state
    entries = mine.filter(pk__in=pks).select_related("project", "task").order_by("-start")
    # Each read as it is now: a timer stopped between the two queries is none of them (and
    # one started in between shows from the next page on).
    for entry in entries:
        if entry.end is None:
            state.running = entry
        elif entry.is_paused:
            state.paused = entry
        elif entry.auto_stopped:
            state.auto_stopped.append(entry)
    running = state.running
    if running is not None and stop_at_hard_limit(running):
        state.auto_stopped.insert(0, running)
        state.running = running = None
    limit = settings.TIMER_MAX_HOURS
    if running is not None and limit and running.start <= forgotten_before(timezone.now(), limit):
        now = timezone.now()
        stopped = TimeEntry.objects.filter(pk=running.pk).stop_forgotten(now, limit)
        if stopped:
            state.auto_stopped.insert(0, stopped[0])
            state.running = None
    return state


class TimerMiddleware:
    """``request.timer``: the timer state, looked up only when a page shows it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.timer = SimpleLazyObject(lambda: timer_state(request.user))
        return self.get_response(request)
