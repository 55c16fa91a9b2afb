import os
import subprocess
import sys
from pathlib import Path

import pytest

# The administrator every browser test's server is set up with.
ADMIN = "boss"
PASSWORD = "a long and unusual passphrase 42"

# Screenshots for review (and of failures) land here; ignored by git.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def fresh_interpreter(tmp_path, script: str, *args: str, **env) -> subprocess.CompletedProcess:
    """Run ``script`` (Python) in a new interpreter with the project's settings, its data and
    logs under ``tmp_path`` and ``env``: what a server process sees at start."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "timetracker.settings",
        "TIMETRACKER_DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def require_tool(path: str, package: str) -> None:
    """Skip the test when Debian's ``package`` (at ``path``) is missing; fail instead with
    REQUIRE_SYSTEM_TOOLS=1, as CI (``.ci/run``, which installs them) runs."""
    if os.path.exists(path):
        return
    message = (
        f"THIS TEST DID NOT RUN: {path} is missing. "
        f"Install it with `apt-get install {package}` (CI does)."
    )
    if os.environ.get("REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)


# Words (runs of letters and digits) whose text spans more than one line box, measured with
# a Range over each. A token wider than its block may break (a URL, a hash); any other break
# is a layout fault, such as `overflow-wrap: anywhere` squeezing a column to one letter.
SPLIT_WORDS = r"""
() => {
  const split = [];
  const range = document.createRange();
  const measure = (node, start, length) => {
    range.setStart(node, start);
    range.setEnd(node, start + length);
    const rects = [...range.getClientRects()].filter((rect) => rect.width > 0);
    return {
      lines: new Set(rects.map((rect) => Math.round(rect.top))).size,
      width: rects.reduce((sum, rect) => sum + rect.width, 0),
    };
  };
  const skip = "script, style, noscript, template, svg, select, option, textarea, title";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.data.trim() || parent.closest(skip)) continue;
    if (!parent.getClientRects().length) continue;  // not displayed
    let block = parent;
    while (block.parentElement && getComputedStyle(block).display.startsWith("inline")) {
      block = block.parentElement;
    }
    const style = getComputedStyle(block);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const room = block.clientWidth - padding;
    // A token (between spaces) wider than its box may break anywhere; in any other, no
    // run of letters and digits may span two lines.
    for (const token of node.data.matchAll(/\S+/g)) {
      if (measure(node, token.index, token[0].length).width > room + 1) continue;
      for (const word of token[0].matchAll(/[\p{L}\p{N}]{2,}/gu)) {
        if (measure(node, token.index + word.index, word[0].length).lines > 1) {
          split.push(`${word[0].slice(0, 30)} in <${parent.tagName.toLowerCase()}>`);
        }
      }
    }
  }
  return split;
}
"""


# The innermost elements that reach past the right edge of the page: what makes it scroll.
STICKING_OUT = r"""
() => {
  const edge = document.documentElement.clientWidth;
  const out = [...document.body.querySelectorAll("*")].filter(
    (el) => el.getBoundingClientRect().right > edge + 1 &&
      ![...el.children].some((child) => child.getBoundingClientRect().right > edge + 1)
  );
  return out.slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""));
}
"""


def split_words(page) -> list[str]:
    """Words the page breaks across lines although they would fit their box whole."""
    return page.evaluate(SPLIT_WORDS)


# "<element's id or tag> <attribute>=<missing id>" for each id an ARIA attribute names and
# the page lacks (a help text that is not there leaves its field described by nothing).
DANGLING_REFERENCES = """() => {
  const found = [];
  for (const name of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const element of document.querySelectorAll(`[${name}]`)) {
      for (const id of element.getAttribute(name).split(/\\s+/).filter(Boolean)) {
        const who = element.id || element.tagName;
        if (!document.getElementById(id)) found.push(`${who} ${name}=${id}`);
      }
    }
  }
  return found;
}"""


def findings(page, accessibility: bool = True, references: bool = True) -> list[str]:
    """What is wrong with a page as the browser shows it: sideways scroll, words broken
    in the middle, ARIA attributes naming elements that are not there (unless
    ``references`` is off), and (unless ``accessibility`` is off) every serious or critical
    axe-core violation (axe-playwright-python, offline)."""
    from axe_playwright_python.sync_playwright import Axe

    problems = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px: {page.evaluate(STICKING_OUT)}")
    split = split_words(page)
    if split:
        problems.append(f"{len(split)} words broken mid-word: {split[:5]}")
    dangling = page.evaluate(DANGLING_REFERENCES) if references else []
    if dangling:
        problems.append(f"ARIA references to no element: {dangling[:5]}")
    if not accessibility:
        return problems
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"axe {violation['id']} ({len(violation['nodes'])}): {targets}")
    return problems


def log_in(page, url: str) -> None:
    """Log in as ADMIN and wait until the first page has stored the browser's time zone:
    that page sends a form of its own, and a test going elsewhere at once would race it."""
    from playwright.sync_api import expect

    page.goto(url + "/accounts/login/")
    page.fill("#id_username", ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.locator(".messages")).to_contain_text("Times are now shown in")


def set_up_with_admin(server):
    """Complete first-run setup with the command: the administrator ADMIN / PASSWORD."""
    server.manage(
        "setup",
        f"--admin-username={ADMIN}",
        f"--admin-email={ADMIN}@example.test",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    return server
