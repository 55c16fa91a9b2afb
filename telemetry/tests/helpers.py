"""Helpers for telemetry tests: waiting on a fact, never on a fixed time."""

import time


def wait_until(predicate, timeout: float = 10.0) -> bool:
    """True as soon as ``predicate()`` holds; False if it still does not after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
