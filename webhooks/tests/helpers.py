import os


def deliver_in_a_process(database_url: str, results) -> None:
    """In another process (another server): send what is due."""
    os.environ.update(
        DATABASE_URL=database_url, WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_BACKGROUND="false"
    )
    import django

    django.setup()
    from webhooks.sender import deliver_due

    results.put(deliver_due())
