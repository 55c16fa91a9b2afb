"""What the server says when it starts: where to finish setting up."""

import logging
import sys

from django.conf import settings
from django.urls import reverse

from setupwizard import installation

logger = logging.getLogger(__name__)


def setup_link(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('setupwizard:setup')}?token={token}"


def announce_setup_link() -> None:
    """Print the setup link to the console while setup is incomplete (Jenkins-style unlock)."""
    state = installation.get_state()
    if state.problem:
        logger.error("Installation store problem: %s", state.detail)
        return
    if state.installation.setup_complete:
        return
    link = setup_link(state.installation.setup_token or "")
    banner = "=" * 72
    print(
        f"\n{banner}\nTimeTracker is not set up yet. Open this link to finish setup:\n\n"
        f"    {link}\n\n(`python manage.py setup --status` prints it again.)\n{banner}\n",
        file=sys.stderr,
        flush=True,
    )
