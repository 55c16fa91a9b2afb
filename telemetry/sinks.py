"""Where events go: the local transparency log, PostHog, the TELE_URL endpoint, stderr.

Each sink is used only by the dispatcher thread, catches its own failures and records the
last delivery result in the shared delivery status (shown on the admin page).
"""

import errno
import fcntl
import json
import logging
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.conf import settings

from telemetry import delivery
from timetracker.version import __version__

logger = logging.getLogger(__name__)

JSONL_NAME = "app.jsonl"
JSONL_LOCK_NAME = ".app.jsonl.lock"
JSONL_BACKUPS = 3
# A log that cannot be written is reported once a minute, not once an event.
JSONL_QUIET_SECONDS = 60.0
# The posthog client's own additions that may stay; its host facts ($os, …) are stripped.
POSTHOG_KEPT_DOLLAR_PROPERTIES = {
    "$lib",
    "$lib_version",
    "$is_server",
    "$geoip_disable",
    "$process_person_profile",
}


def build_sinks() -> list:
    sinks = [JsonlSink(Path(settings.LOG_DIR))]
    if settings.TELEMETRY_DEBUG:
        sinks.append(DebugSink())
        return sinks
    if settings.POSTHOG_API_KEY:
        sinks.append(PosthogSink(settings.POSTHOG_API_KEY, settings.POSTHOG_HOST))
    if settings.TELE_URL:
        sinks.append(TeleUrlSink(settings.TELE_URL))
    return sinks


def jsonl_path() -> Path:
    return Path(settings.LOG_DIR) / JSONL_NAME


class JsonlSink:
    """Append one JSON line per event, whole or not at all, rotating by size.

    This is the transparency log: an event that could not be written here is not sent
    anywhere (``send`` says whether it was written). Writers of every process take the
    log's lock, so a line cut short by a full disk is removed before anyone appends after
    it, and a line left unfinished by a killed process is ended before the next one.
    """

    name = "jsonl"

    def __init__(self, directory: Path):
        self.path = directory / JSONL_NAME
        self.lock_path = directory / JSONL_LOCK_NAME
        self.status_file = delivery.status_path()
        self.max_bytes = settings.TELEMETRY_LOG_MAX_BYTES
        self.quiet_until = 0.0
        self.unlogged = 0  # events refused since the failure was last reported

    def send(self, event: dict) -> bool:
        line = (json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _file_lock(self.lock_path):
                size = self._append(line)
            if size > self.max_bytes:
                self.rotate()
        except OSError as exc:
            # Reported once a minute (a log line and the admin's delivery status), not once
            # an event: the disk that refused this line is usually the status file's too.
            self.unlogged += 1
            if time.monotonic() >= self.quiet_until:
                self.quiet_until = time.monotonic() + JSONL_QUIET_SECONDS
                logger.error(
                    "Telemetry log %s cannot be written (%s): events are not sent until it "
                    "can be, so nothing leaves that the log does not show.",
                    self.path,
                    exc.strerror,
                )
                delivery.record_failure(
                    self.name, exc.strerror or "", self.unlogged, self.status_file
                )
                self.unlogged = 0
            return False
        return True

    def _append(self, line: bytes) -> int:
        """Inside the lock: append ``line`` whole, or leave the file as it was."""
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(errno.ENOSPC, "No space left on device (short write)")
            except OSError:
                os.ftruncate(fd, size)
                raise
            return size + written
        finally:
            os.close(fd)

    def rotate(self) -> None:
        with _file_lock(self.lock_path):
            if not self.path.exists() or self.path.stat().st_size <= self.max_bytes:
                return  # another process rotated it already
            for index in range(JSONL_BACKUPS - 1, 0, -1):
                older = self.path.with_name(f"{JSONL_NAME}.{index}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{JSONL_NAME}.{index + 1}"))
            os.replace(self.path, self.path.with_name(f"{JSONL_NAME}.1"))

    def flush(self) -> None:
        """Every line is written when send() returns."""

    def discard(self) -> None:
        """Nothing is held back."""

    def close(self) -> None:
        """Nothing is held open."""


@contextmanager
def _file_lock(path: Path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class DebugSink:
    """TELEMETRY_DEBUG=1: print each event to stderr instead of sending it anywhere."""

    name = "debug"

    def send(self, event: dict) -> None:
        print("telemetry:", json.dumps(event, sort_keys=True), file=sys.stderr, flush=True)

    def flush(self) -> None:
        """Printing is immediate."""

    def discard(self) -> None:
        """Nothing is held back."""

    def close(self) -> None:
        """Nothing is held open."""


def strip_host_facts(message: dict) -> dict:
    """The posthog client's ``before_send``: drop its host facts ($os, $python_version…)."""
    properties = message.get("properties") or {}
    message["properties"] = {
        key: value
        for key, value in properties.items()
        if not key.startswith("$") or key in POSTHOG_KEPT_DOLLAR_PROPERTIES
    }
    return message


class PosthogSink:
    """The real posthog client, created here, in the dispatcher thread, once telemetry is on."""

    name = "posthog"
    # With posthog's exponential backoff (1 s, 2 s, 4 s) a batch is dropped after ~7 s.
    max_retries = 3

    def __init__(self, api_key: str, host: str):
        import posthog

        self.status_file = delivery.status_path()
        self.client = posthog.Posthog(
            api_key,
            host=host,
            flush_interval=0.5,
            flush_at=100,
            max_retries=self.max_retries,
            timeout=10,
            on_error=self.on_error,
            before_send=strip_host_facts,
            disable_geoip=True,
            enable_exception_autocapture=False,
            enable_local_evaluation=False,
        )

    def send(self, event: dict) -> None:
        self.client.capture(
            event["event"],
            distinct_id=event["distinct_id"],
            properties=event["properties"],
            timestamp=datetime.fromisoformat(event["timestamp"]),
        )

    def on_error(self, exc, batch) -> None:
        count = len(batch) if batch else 0
        logger.error("PostHog delivery failed, %d events dropped: %s", count, exc)
        error = f"{type(exc).__name__}: {exc}"
        delivery.record_failure(self.name, error, count, self.status_file)

    def flush(self) -> None:
        self.client.flush()

    def discard(self) -> int:
        """Telemetry was switched off: drop what the client holds but has not sent yet.

        A batch already on the wire (and its retries) still goes: docs/privacy.md states
        that bound. Each consumer exposes the queue of its lane.
        """
        queues = {id(consumer.queue): consumer.queue for consumer in self.client.consumers}
        return _record_discard(self, sum(_drain(q) for q in queues.values()))

    def close(self) -> None:
        self.client.shutdown()


class TeleUrlSink:
    """POSTs JSON batches to TELE_URL from its own thread: bounded queue, retries, backoff."""

    name = "tele_url"
    batch_size = 50
    batch_wait_seconds = 0.5
    queue_size = 5000
    retry_delays = (0.5, 1.0, 2.0)
    timeout_seconds = 5.0

    def __init__(self, url: str):
        self.url = url
        self.status_file = delivery.status_path()
        self.queue: queue.Queue = queue.Queue(maxsize=self.queue_size)
        self.dropped = 0
        self.idle = threading.Event()
        self.idle.set()
        # Held while an event goes in, and while the sink's thread checks the queue is empty
        # before saying it is idle: without it, "idle" could be set between an event's announcement
        # and its arrival, and a flush return with the event still queued.
        self.handover = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="telemetry-tele-url", daemon=True)
        self.thread.start()

    def send(self, event: dict) -> None:
        try:
            with self.handover:
                self.idle.clear()
                self.queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                logger.error("TELE_URL queue full: %d events dropped so far", self.dropped)
            delivery.record_failure(self.name, "queue full", 1, self.status_file)

    def run(self) -> None:
        while not (self.stopping.is_set() and self.queue.empty()):
            batch = self.next_batch()
            if batch:
                self.deliver(batch)
            with self.handover:
                if self.queue.empty():
                    self.idle.set()

    def next_batch(self) -> list:
        try:
            batch = [self.queue.get(timeout=self.batch_wait_seconds)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.batch_wait_seconds
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self.queue.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def deliver(self, batch: list) -> None:
        body = json.dumps({"batch": batch}, separators=(",", ":")).encode()
        # settings only accept http(s) URLs for TELE_URL
        request = urllib.request.Request(  # noqa: S310
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"TimeTracker/{__version__}",
            },
        )
        error = ""
        for attempt, delay in enumerate((0.0, *self.retry_delays)):
            if delay and self.stopping.wait(delay):
                break
            try:
                timeout = self.timeout_seconds
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                    response.read()
                delivery.record_success(self.name, len(batch), self.status_file)
                return
            except (urllib.error.URLError, OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
                logger.warning("TELE_URL attempt %d failed: %s", attempt + 1, error)
        logger.error("TELE_URL delivery failed, %d events dropped: %s", len(batch), error)
        delivery.record_failure(self.name, error, len(batch), self.status_file)

    def flush(self, timeout: float = 15.0) -> None:
        self.idle.wait(timeout)

    def discard(self) -> int:
        """Telemetry was switched off: drop the events not sent yet."""
        return _record_discard(self, _drain(self.queue))

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)


def _record_discard(sink, count: int) -> int:
    if count:
        logger.info("Telemetry switched off: %d queued %s events dropped unsent", count, sink.name)
        delivery.record_discard(sink.name, count, sink.status_file)
    return count


def _drain(events: queue.Queue) -> int:
    dropped = 0
    while True:
        try:
            events.get_nowait()
        except queue.Empty:
            return dropped
        events.task_done()
        dropped += 1


def recent_events(limit: int = 50) -> list[dict]:
    """The last ``limit`` events of the transparency log, newest first, exactly as written."""
    path = jsonl_path()
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            chunk, data = 65536, b""
            while size > 0 and data.count(b"\n") <= limit:
                step = min(chunk, size)
                size -= step
                handle.seek(size)
                data = handle.read(step) + data
    except OSError:
        return []
    events = []
    for line in reversed(data.splitlines()[-limit:]):
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events
