from pathlib import Path

# The administrator every browser test's server is set up with.
ADMIN = "boss"
PASSWORD = "a long and unusual passphrase 42"

# Screenshots for review (and of failures) land here; ignored by git.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def findings(page) -> list[str]:
    """What is wrong with a page as the browser shows it: sideways scroll, and every serious
    or critical axe-core violation (axe-playwright-python, offline)."""
    from axe_playwright_python.sync_playwright import Axe

    problems = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px")
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"axe {violation['id']} ({len(violation['nodes'])}): {targets}")
    return problems


def set_up_with_admin(server):
    """Complete first-run setup with the command: the administrator ADMIN / PASSWORD."""
    server.manage(
        "setup",
        f"--admin-username={ADMIN}",
        f"--admin-email={ADMIN}@example.test",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    return server
