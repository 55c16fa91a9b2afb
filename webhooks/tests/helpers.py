import os


def deliver_in_a_process(database_url: str, results, ready) -> None:
    """In another process (another server): send what is due, once every sender is ready
    (``ready``, a barrier: a process that starts late would otherwise find nothing left)."""
    os.environ.update(
        DATABASE_URL=database_url, WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_BACKGROUND="false"
    )
    import django

    django.setup()
    from webhooks.sender import deliver_due

    ready.wait(timeout=60)
    results.put(deliver_due())
