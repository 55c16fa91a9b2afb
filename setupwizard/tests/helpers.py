"""Helpers for the store tests; importable by a spawned process before Django is set up."""

import os


def toggle_in_a_process(database_url: str, key: str, rounds: int, results) -> None:
    """In another process (another server): flip one key ``rounds`` times."""
    os.environ.update(DATABASE_URL=database_url, INSTALLATION_STORE="database")
    import django

    django.setup()
    from setupwizard import installation as store

    def write(value: bool):
        with store.backend().change() as data:
            data[key] = value
        return store.Installation.from_dict(data)

    identities = set()
    for index in range(rounds):
        current = write(index % 2 == 0)
        identities.add((current.telemetry_salt, current.installation_id))
    write(True)
    claimed = store.claim("first_seen_sent_at", lambda: True)
    results.put((len(identities), claimed))
