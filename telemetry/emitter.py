"""Emitting an event: validate, build a small dict, put it on a queue. Nothing else.

The request thread never touches the network or the disk here. One dispatcher thread per
process (started lazily, so after a fork) re-checks consent and hands each event to the
sinks; nothing queued before a switch-off leaves after it.
"""

import atexit
import logging
import os
import queue
import threading
import time
from datetime import UTC, datetime

from django.conf import settings

from setupwizard import installation
from telemetry import consent
from telemetry.catalog import CatalogError, get_event
from telemetry.identity import installation_fingerprint, user_fingerprint
from telemetry.sinks import build_sinks
from timetracker.version import __version__

logger = logging.getLogger(__name__)

QUEUE_SIZE = 10_000
# At process exit, time allowed to hand over queued events (PostHog's retries back off 1, 2 s).
EXIT_FLUSH_SECONDS = 10.0
# The dispatcher does its periodic work (the heartbeat) this long after start, then hourly.
PERIODIC_FIRST_SECONDS = 300
PERIODIC_INTERVAL_SECONDS = 3600
# That work, registered by TelemetryConfig.ready() (lifecycle.send_heartbeat_if_due): the
# emitter calls it without knowing the modules above it.
periodic_work: list = []
# Once something was sent, an idle dispatcher looks this often for a switch-off made
# elsewhere, to drop what its sinks still hold (one stat() each time).
SWITCH_OFF_POLL_SECONDS = 0.25


def emit(name: str, user=None, **properties) -> bool:
    """Queue event ``name`` for delivery if telemetry is on; return whether it was queued.

    ``user`` is the person who acted (a User, or None for the installation). Never raises
    into the caller except for a catalog violation in strict mode (tests and DEBUG).
    """
    try:
        current = consent.enabled_installation()
        if current is None:
            return False
        event = build_event(name, user, properties, current)
    except CatalogError:
        if settings.DEBUG or getattr(settings, "TELEMETRY_STRICT", False):
            raise
        logger.exception("Dropped telemetry event %s: not allowed by the catalog", name)
        return False
    except Exception:
        logger.exception("Dropped telemetry event %s", name)
        return False
    return _dispatcher().enqueue(event)


def build_event(name: str, user, properties: dict, current=None) -> dict:
    """The event as the sinks will receive it (raises ``CatalogError``).

    Its timestamp is a float here, made ISO-8601 by the dispatcher (``finish_event``): the
    request thread does as little as possible.
    """
    get_event(name).validate(properties)
    current = current or installation.get()
    if current is None:
        raise CatalogError("no installation identity is available")
    if user is not None and getattr(user, "pk", None) is not None:
        distinct_id = user_fingerprint(current.telemetry_salt, user.pk)
    else:
        distinct_id = installation_fingerprint(current.telemetry_salt)
    return {
        "event": name,
        "distinct_id": distinct_id,
        "timestamp": time.time(),
        "properties": {
            **properties,
            "installation_id": current.installation_id,
            "app_version": __version__,
            "$process_person_profile": False,
            "$geoip_disable": True,
        },
    }


def finish_event(event: dict) -> dict:
    """Give a built event its ISO-8601 UTC timestamp (in the dispatcher thread)."""
    if isinstance(event["timestamp"], float):
        event["timestamp"] = datetime.fromtimestamp(event["timestamp"], UTC).isoformat()
    return event


def flush(timeout: float = 10.0) -> None:
    """Wait until every queued event reached the sinks and the sinks sent what they hold."""
    dispatcher = _current
    if dispatcher is not None and dispatcher.pid == os.getpid():
        dispatcher.flush(timeout)


def shutdown(timeout: float = 5.0, deliver: bool = True) -> None:
    """Stop this process's dispatcher and sinks: after delivering what is queued (worker
    exit), or dropping it (``deliver=False``: a test's hosts are gone with the test)."""
    global _current
    with _lock:
        dispatcher, _current = _current, None
    if dispatcher is not None and dispatcher.pid == os.getpid():
        dispatcher.stop(timeout, deliver)


class Dispatcher:
    def __init__(self):
        self.pid = os.getpid()
        # SimpleQueue: a put is a fraction of a microsecond; the bound is kept by hand.
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.sinks = None
        self.dropped_full = 0
        self.store_checked_at = 0.0
        self.next_periodic = time.monotonic() + PERIODIC_FIRST_SECONDS
        self.thread = threading.Thread(target=self.run, name="telemetry-dispatcher", daemon=True)
        self.thread.start()

    def enqueue(self, event: dict) -> bool:
        if self.queue.qsize() < QUEUE_SIZE:
            self.queue.put(event)
        else:
            self.dropped_full += 1
            if self.dropped_full in (1, 10, 100) or self.dropped_full % 1000 == 0:
                logger.error("Telemetry queue full: dropped %d events so far", self.dropped_full)
            return False
        return True

    def run(self):
        while True:
            try:
                item = self.queue.get(timeout=SWITCH_OFF_POLL_SECONDS if self.sinks else None)
            except queue.Empty:
                self.drop_held_events_if_switched_off()
                continue
            try:
                if item is _STOP:
                    return
                if isinstance(item, threading.Event):
                    if self.sinks is not None:
                        for sink in self.sinks:
                            sink.flush()
                    item.set()
                    continue
                self.dispatch(item)
                self.run_periodic_work()
            except Exception:
                logger.exception("Telemetry dispatcher error; the event was dropped")

    def dispatch(self, event: dict) -> None:
        # Consent is checked again, against the file itself: nothing queued before a
        # switch-off (in any process) leaves after it.
        if self.drop_held_events_if_switched_off():
            return
        finish_event(event)
        if self.sinks is None:
            self.sinks = build_sinks()
            # atexit runs last-registered first: the posthog client registered its own
            # exit hook (which closes it) just now, so re-register ours to hand over what
            # is still queued before that hook runs.
            atexit.unregister(_shutdown_at_exit)
            atexit.register(_shutdown_at_exit)
        log, *senders = self.sinks
        # The transparency log comes first: what it could not record is not sent.
        if not log.send(event):
            return
        for sink in senders:
            sink.send(event)

    def drop_held_events_if_switched_off(self) -> bool:
        """When telemetry is off, drop what the sinks still hold; say whether it is off.

        The store is checked again at most every SWITCH_OFF_POLL_SECONDS: a stat() or, with
        the database backend, one small query, never one per event.
        """
        now = time.monotonic()
        if now - self.store_checked_at >= SWITCH_OFF_POLL_SECONDS:
            self.store_checked_at = now
            installation.expire()
        if consent.is_enabled():
            return False
        for sink in self.sinks or ():
            sink.discard()
        return True

    def run_periodic_work(self):
        if time.monotonic() < self.next_periodic:
            return
        self.next_periodic = time.monotonic() + PERIODIC_INTERVAL_SECONDS
        for work in periodic_work:
            work()

    def flush(self, timeout: float):
        done = threading.Event()
        self.queue.put(done)
        done.wait(timeout)

    def stop(self, timeout: float, deliver: bool = True):
        """Flush, stop the thread and close the sinks, all within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if deliver:
            self.flush(timeout)
        self.queue.put(_STOP)
        # The dispatcher itself never waits on the network once asked to stop: join it, so
        # it cannot look at a store or log that belongs to whoever comes next.
        self.thread.join(max(0.0, deadline - time.monotonic()))

        def close():
            for sink in self.sinks or ():
                if not deliver:
                    sink.discard()
                sink.close()

        closer = threading.Thread(
            target=close,
            name="telemetry-close",
            daemon=True,
        )
        closer.start()
        if deliver:  # otherwise nothing is left to wait for: the threads are daemons
            closer.join(max(0.0, deadline - time.monotonic()))


_STOP = object()
_lock = threading.Lock()
_current: Dispatcher | None = None


def _dispatcher() -> Dispatcher:
    global _current
    dispatcher = _current
    if dispatcher is not None and dispatcher.pid == os.getpid():
        return dispatcher
    with _lock:
        # After a fork the parent's thread does not exist here: start this process's own.
        if _current is None or _current.pid != os.getpid():
            _current = Dispatcher()
        return _current


def _shutdown_at_exit() -> None:
    shutdown(timeout=EXIT_FLUSH_SECONDS)


atexit.register(_shutdown_at_exit)
