"""Real headless Chromium for the web tests: Debian's `chromium` (installed by .ci/run), driven
by playwright, checked by axe-core; every test keeps a screenshot of what it saw."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Locator, Page

# screenshots of every test land here (not kept in git); the README's come from docs/
SCREENSHOTS = Path(os.environ.get("KRING_TEST_SCREENSHOTS", "tests/web/screenshots"))
# the README's pictures are made by the tests too, when asked (KRING_README_SCREENSHOTS=1), so
# that an ordinary run leaves the checkout as it was
README_SCREENSHOTS = Path("docs/screenshots")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str | None:
    return os.environ.get("KRING_TEST_CHROMIUM") or shutil.which("chromium")


async def submit(page: Page, button: Locator | str) -> None:
    """Clicks a form's button and waits for the page the server answers with (after a save,
    a 303 back to the page, with "Saved ✓" by the section)."""
    target = page.locator(button) if isinstance(button, str) else button
    async with page.expect_navigation():
        await target.click()


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save what the page shows now as <name>.png; names are kept plain for the file system."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    await page.screenshot(path=path, full_page=full_page)
    return path


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A and AA rules (2.2 included) on the page as it is: the violations,
    each with its rule id and the elements concerned."""
    options = {
        "runOnly": {"type": "tag", "values": WCAG_AA},
        "resultTypes": ["violations"],
    }
    results = await Axe().run(page, options=options)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def described(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
        for v in violations
    )


async def readme_screenshot(page: Page, name: str) -> Path:
    """The README's picture `name`.png: in docs/screenshots when KRING_README_SCREENSHOTS=1,
    else beside the tests' own."""
    folder = (
        README_SCREENSHOTS if os.environ.get("KRING_README_SCREENSHOTS") == "1" else SCREENSHOTS
    )
    os.makedirs(folder, exist_ok=True)
    path = folder / f"{name}.png"
    await page.screenshot(path=path)
    return path
