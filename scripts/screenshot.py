"""Take docs/workbench.png: the offline workbench after a check-in was scheduled and the clock
jumped to it, with the command completion open and an envelope expanded in the inspector.

    uv run python scripts/screenshot.py [OUT.png]

Needs Debian's chromium (`apt-get install chromium`); Playwright drives it, no download.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from workbench.browser import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "workbench.png"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PENDULUM_"))}
        env.update(PENDULUM_PORT="3987", PENDULUM_DB=str(workdir / "pendulum.db"))
        log = workdir / "out.txt"
        script = Path(sys.executable).parent / "pendulum-bot"
        with open(log, "wb") as sink:
            proc = subprocess.Popen([str(script)], env=env, cwd=workdir, stdout=sink, stderr=sink)
        try:
            url = wait_for_url(log, proc)
            shoot(url, out)
        finally:
            proc.terminate()
            proc.wait(20)
    print(f"wrote {out}")
    return 0


def wait_for_url(log: Path, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Pendulum workbench: (http://\S+)", log.read_text(errors="replace"))
        if found:
            return found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"the workbench did not start:\n{log.read_text(errors='replace')}")


def shoot(url: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(20_000)
        page.goto(f"{url}/#user=U0ALICE&where=dm")
        page.wait_for_selector("body[data-ready]")
        box = page.get_by_role("combobox", name=re.compile("^Message"))
        box.fill("/pendulum checkin on")
        box.press("Escape")
        box.press("Enter")
        expect(page.locator("article.msg").last).to_contain_text("You're signed up")
        page.get_by_role("button", name="Jump to next send").click()
        expect(page.get_by_role("status")).to_contain_text("sent Weekly check-in")
        expect(page.get_by_role("button", name="Start check-in")).to_be_visible()
        envelope = page.locator("li.kind-envelope", has_text="slash_commands").last
        envelope.locator("summary").click()
        box.press_sequentially("/pendulum ch")
        expect(page.get_by_role("listbox", name="Commands")).to_be_visible()
        time.sleep(0.3)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
