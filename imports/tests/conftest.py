import pytest


@pytest.fixture(autouse=True)
def _setup_complete(setup_done):
    """Every page answers once first-run setup is complete."""
