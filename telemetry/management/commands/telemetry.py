import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from setupwizard import installation
from telemetry import consent, lifecycle
from telemetry.catalog import EVENTS, catalog_markdown
from telemetry.emitter import build_event, finish_event, flush
from telemetry.sinks import jsonl_path

SAMPLE_PROPERTIES = {
    "integer": 42,
    "boolean": True,
    "number": 1.5,
    "version number (digits and dots)": "5.2.19",
    "an ISO 4217 currency code": "EUR",
}


def _sample(kind):
    if hasattr(kind, "choices"):
        return sorted(kind.choices)[0]
    if hasattr(kind, "names"):
        return sorted(kind.names)[:2]
    return SAMPLE_PROPERTIES[kind.label]


class Command(BaseCommand):
    help = (
        "Inspect and control product telemetry: status, enable, disable, preview, docs, heartbeat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=["status", "enable", "disable", "preview", "docs", "heartbeat"]
        )

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")()

    def do_status(self):
        decision = consent.decide()
        state = installation.get_state()
        self.stdout.write(
            f"Telemetry: {'on' if decision.enabled else 'off'}"
            f"{' (locked)' if decision.locked else ''}: {decision.reason}"
        )
        if state.installation:
            self.stdout.write(f"Installation id: {state.installation.installation_id}")
        posthog = f"configured, {settings.POSTHOG_HOST}" if settings.POSTHOG_API_KEY else "off"
        self.stdout.write(f"PostHog: {posthog}")
        self.stdout.write(f"TELE_URL: {'configured' if settings.TELE_URL else 'not configured'}")
        self.stdout.write(f"Local log: {jsonl_path()}")

    def _change(self, enable: bool):
        decision = consent.decide()
        if decision.locked:
            raise CommandError(f"Telemetry is locked: {decision.reason}")
        try:
            changed = lifecycle.turn_on("command") if enable else lifecycle.turn_off()
        except (installation.StoreError, OSError) as exc:
            raise CommandError(f"Nothing changed: {exc}") from None
        flush()
        word = "on" if enable else "off"
        self.stdout.write(f"Telemetry {'turned ' + word if changed else 'was already ' + word}.")

    def do_enable(self):
        self._change(True)

    def do_disable(self):
        self._change(False)

    def do_preview(self):
        """Print one sample of each event exactly as it would be sent (nothing is sent)."""
        if installation.get() is None:
            raise CommandError(installation.get_state().detail)
        for event in sorted(EVENTS.values(), key=lambda item: item.name):
            properties = {name: _sample(kind) for name, kind in event.properties.items()}
            sample = finish_event(build_event(event.name, None, properties))
            self.stdout.write(json.dumps(sample, sort_keys=True))

    def do_docs(self):
        path = Path(settings.BASE_DIR) / "docs" / "all_tracked_events.md"
        path.write_text(catalog_markdown(), encoding="utf-8")
        self.stdout.write(f"Wrote {path} ({len(EVENTS)} events).")

    def do_heartbeat(self):
        message = lifecycle.send_heartbeat_if_due()
        flush()
        self.stdout.write(message)
