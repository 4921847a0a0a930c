"""The offline workbench in a real browser: `pendulum-bot` with no Slack tokens, driven by
Playwright in Debian's Chromium (installed by .ci/run; no browser download).

The app runs as a subprocess exactly as a newcomer would start it; every click here goes from
the page to the workbench, over Socket Mode to the app, and back through the Web API.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.harness import console_script, free_port
from workbench.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

OpenPage = Callable[[str, str], Page]
URL_LINE = re.compile(r"Pendulum workbench: (http://127\.0\.0\.1:\d+)")
TIMEOUT_MS = 15_000


class Workbench:
    def __init__(self, proc: subprocess.Popen[bytes], out: Path, err: Path, url: str) -> None:
        self.proc, self.out, self.err, self.url = proc, out, err, url

    def logs(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")


def start_workbench(workdir: Path) -> Workbench:
    """`pendulum-bot` on a fresh machine: no Slack variables at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PENDULUM_"))}
    env.update(
        PENDULUM_PORT=str(free_port()),
        PENDULUM_DB=str(workdir / "pendulum.db"),
        PYTHONUNBUFFERED="1",
    )
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(
            console_script(), env=env, cwd=workdir, stdout=stdout, stderr=stderr
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = URL_LINE.search(out.read_text(errors="replace"))
        if found:
            return Workbench(proc, out, err, found.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the workbench did not start:\n{out.read_text()}\n{err.read_text()}")


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    running = start_workbench(tmp_path_factory.mktemp("workbench-browser"))
    yield running
    running.proc.terminate()
    assert running.proc.wait(20) == 0, running.logs()
    logs = running.logs()
    assert "Traceback" not in logs, logs
    assert "Slack would reject" not in logs, logs


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser, workbench: Workbench) -> Iterator[OpenPage]:
    """open_page(user, where) -> a page at the workbench as that user; fails the test on any
    JavaScript error."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []

    def open_(user: str, where: str) -> Page:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{workbench.url}/#user={user}&where={where}")
        page.wait_for_selector("body[data-ready]")
        return page

    yield open_
    context.close()
    assert errors == []


def send(page: Page, text: str) -> None:
    box = page.get_by_role("combobox", name=re.compile("^Message"))
    box.fill(text)
    box.press("Escape")  # close the completion list, as a person would before sending
    box.press("Enter")
    expect(box).to_have_value("")


def test_composer_completes_subcommands_and_shows_the_ephemeral_reply(open_page: OpenPage) -> None:
    page = open_page("U0BOB", "C0TEAM")
    box = page.get_by_role("combobox", name="Message #team")
    box.press_sequentially("/pendulum he")
    listbox = page.get_by_role("listbox", name="Commands")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option").first).to_contain_text("/pendulum help")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    box.press("Tab")
    expect(box).to_have_value("/pendulum help ")
    expect(listbox).to_be_hidden()
    box.press("Enter")

    reply = page.locator("article.msg-ephemeral").last
    expect(reply).to_contain_text("Only visible to you")
    expect(
        reply.get_by_role("heading", name="Pendulum: coaching for engineering managers")
    ).to_be_visible()
    expect(reply.locator("code").first).to_have_text("/pendulum help")
    # Alice, in the same channel, does not see Bob's ephemeral reply
    other = open_page("U0ALICE", "C0TEAM")
    expect(other.locator(".empty")).to_be_visible()


def test_a_button_sends_block_actions_and_the_reply_appears(open_page: OpenPage) -> None:
    page = open_page("U0DANA", "C0TEAM")
    send(page, "/pendulum topics")
    row = page.locator("article.msg .bk-section", has_text="The engineer/manager pendulum")
    expect(row).to_be_visible()
    before = page.locator("article.msg").count()
    row.get_by_role("button", name="Read").click()
    expect(page.locator("article.msg")).to_have_count(before + 1)
    expect(page.locator("article.msg").last).to_contain_text("pendulum")


def test_checkin_from_schedule_to_modal_to_app_home(open_page: OpenPage) -> None:
    page = open_page("U0ALICE", "dm")
    send(page, "/pendulum checkin on")
    expect(page.locator("article.msg").last).to_contain_text("You're signed up")
    upcoming = page.get_by_role("list", name="Scheduled sends")
    expect(upcoming).to_contain_text("Weekly check-in → Alice Ng")

    # advance the clock until the check-in DM appears (her sample calendar's focus-start DMs
    # may come first: each jump stops at the next send)
    for _ in range(8):
        page.get_by_role("button", name="Jump to next send").click()
        status = page.get_by_role("status")
        expect(status).not_to_contain_text("Moving the clock", timeout=30_000)
        if "sent Weekly check-in to Alice Ng" in (status.text_content() or ""):
            break
    expect(page.get_by_role("status")).to_contain_text("sent Weekly check-in to Alice Ng")
    prompt = page.locator("article.msg", has_text="Start check-in").last
    expect(prompt.get_by_role("heading", name="Weekly check-in")).to_be_visible()

    prompt.get_by_role("button", name="Start check-in").click()
    dialog = page.get_by_role("dialog", name="Weekly check-in")
    expect(dialog).to_be_visible()
    save = dialog.get_by_role("button", name="Save")

    # Slack checks required inputs before sending anything
    save.click()
    expect(dialog.get_by_text("Please complete this required field.").first).to_be_visible()

    # the app's own validation comes back as response_action: errors, shown inline
    dialog.get_by_role("radio", name="None").check()
    dialog.get_by_role("radio", name="Yes").check()
    dialog.get_by_label("How many focus blocks did you protect?").select_option("3")
    dialog.get_by_label("How full is your tank?").select_option("70")
    save.click()
    critical = dialog.get_by_role("group", name=re.compile("critical path"))
    expect(critical.locator(".bk-error")).to_contain_text("hands-on")
    expect(dialog.get_by_role("radio", name="Yes")).to_have_attribute("aria-invalid", "true")

    dialog.get_by_role("radio", name="Under 2 hours").check()
    dialog.get_by_label("What was it?").fill("the <billing> hotfix & *more*")
    save.click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text("Checked in for the week")

    page.get_by_role("tab", name="Home").click()
    home = page.locator("#home")
    expect(home).to_contain_text("Weekly check-in")
    expect(home).to_contain_text("Your last 8 weeks")
    expect(home.get_by_role("button", name="Skip the next one")).to_be_visible()


def test_escape_closes_a_modal_and_gives_focus_back(open_page: OpenPage) -> None:
    page = open_page("U0CHEN", "C0TEAM")
    send(page, "/pendulum assess")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.querySelector('[role=dialog]').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("combobox", name="Message #team")).to_be_focused()


def test_inspector_shows_envelopes_acks_and_web_api_calls(open_page: OpenPage) -> None:
    page = open_page("U0BOB", "dm")
    send(page, "/pendulum privacy")
    log = page.get_by_role("list", name="Inspector log")
    envelope = log.locator("li.kind-envelope", has_text="slash_commands: /pendulum privacy").last
    expect(envelope).to_contain_text("acked in")
    envelope.locator("summary").click()
    raw = json.loads(envelope.locator("pre").first.inner_text())
    assert raw["type"] == "slash_commands" and raw["payload"]["text"] == "privacy"
    assert raw["accepts_response_payload"] is True
    ack = json.loads(envelope.locator("pre").nth(1).inner_text())
    assert ack["envelope_id"] == raw["envelope_id"]
    expect(log.locator("li.kind-api", has_text="auth.test").first).to_be_attached()
    expect(page.locator("#problem-count")).to_be_hidden()

    # the filters hide a kind of entry
    page.get_by_role("checkbox", name="Web API").uncheck()
    expect(log.locator("li.kind-api").first).to_be_hidden()


def test_every_control_has_a_name(open_page: OpenPage) -> None:
    page = open_page("U0ALICE", "C0TEAM")
    send(page, "/pendulum help")
    expect(page.locator("article.msg").last).to_be_visible()
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, textarea')]
            .filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
            .filter((el) => {
              const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
                || (el.labels && el.labels.length) || el.textContent.trim();
              return !named;
            })
            .map((el) => el.outerHTML.slice(0, 120))"""
    )
    assert unnamed == []
    # keyboard: the first Tab reaches the skip link, which leads to the composer
    page.reload()
    page.wait_for_selector("body[data-ready]")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the message box")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Message #team")).to_be_focused()
    assert "user=U0ALICE" in page.url


LINK = 'target="_blank" rel="noopener noreferrer"'
MRKDWN_CASES = [
    # (Slack mrkdwn, expected HTML)
    ("*bold* _italic_ ~strike~", "<strong>bold</strong> <em>italic</em> <del>strike</del>"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("a `*code*` span", "a <code>*code*</code> span"),
    (
        "```*not bold*\n<@U0ALICE>```",
        '<pre class="mrkdwn-pre"><code>*not bold*\n&lt;@U0ALICE&gt;</code></pre>',
    ),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("<script>alert(1)</script>", "scriptalert(1)/script"),
    ("&amp;lt; stays literal", "&amp;lt; stays literal"),
    (
        "hi <@U0ALICE> in <#C0TEAM|team>",
        'hi <span class="mention">@Alice Ng</span> in <span class="mention">#team</span>',
    ),
    (
        "<!here> <!channel>",
        '<span class="mention">@here</span> <span class="mention">@channel</span>',
    ),
    (
        "<https://example.com/a_b_c?x=1&amp;y=2|*docs*>",
        f'<a href="https://example.com/a_b_c?x=1&amp;y=2" {LINK}>*docs*</a>',
    ),
    ("<javascript:alert(1)|click>", "click"),
    (
        '<https://x.test/"onmouseover="a|x>',
        f'<a href="https://x.test/&quot;onmouseover=&quot;a" {LINK}>x</a>',
    ),
    (">quoted\nnot", "<blockquote>quoted</blockquote>not"),
    ("&gt; literal", "&gt; literal"),
    (":white_check_mark: done", "✅ done"),
    ("line one\nline two", "line one<br>line two"),
]


def test_mrkdwn_renders_safely(open_page: OpenPage) -> None:
    page = open_page("U0ALICE", "C0TEAM")
    rendered = page.evaluate(
        """async (cases) => {
            const { mrkdwn } = await import('/static/mrkdwn.js');
            const names = { users: { U0ALICE: 'Alice Ng' }, channels: { C0TEAM: 'team' } };
            return cases.map(([text]) => mrkdwn(text, names));
        }""",
        MRKDWN_CASES,
    )
    for (source, expected), got in zip(MRKDWN_CASES, rendered, strict=True):
        assert got == expected, f"{source!r}: {got!r}"
    # and nothing a message says ever becomes an element
    injected = page.evaluate(
        """async () => {
            const { mrkdwn } = await import('/static/mrkdwn.js');
            const box = document.createElement('div');
            box.innerHTML = mrkdwn('<img src=x onerror=alert(1)> &lt;img src=x onerror=alert(1)&gt;'
              + ' <https://ok.test|<b>label</b>> `<i>`');
            return [...box.querySelectorAll('*')].map((n) => n.tagName);
        }"""
    )
    assert set(injected) <= {"A", "CODE"}


def test_a_reply_to_a_command_sent_while_scrolled_up_is_shown(open_page: OpenPage) -> None:
    page = open_page("U0DANA", "C0TEAM")
    messages = page.locator("#messages")
    # counted by their text: the channel may also get other posts meanwhile (a weekly tip
    # falls due when an earlier test moved the workbench's clock)
    help_header = "Pendulum: coaching for engineering managers"
    replies = messages.locator("article.msg", has_text=help_header)
    before = replies.count()
    for _ in range(4):  # enough replies to scroll
        send(page, "/pendulum help")
    # every reply is in before scrolling up, so none arrives late and moves the view
    expect(replies).to_have_count(before + 4)
    page.wait_for_function(
        "() => { const b = document.getElementById('messages');"
        " return b.scrollHeight > b.clientHeight + 200; }"
    )
    messages.evaluate("(box) => { box.scrollTop = 0; }")
    messages.dispatch_event("wheel")  # as a person scrolling up would
    expect(messages.locator("article.msg").first).to_be_in_viewport()
    send(page, "/pendulum privacy")
    # the reply itself (not the command's echo, which Slack replaces with the answer)
    newest = messages.locator("article.msg").last
    expect(newest).to_contain_text("What Pendulum stores about you")
    expect(newest).to_be_in_viewport()


def test_the_clock_report_can_be_dismissed(open_page: OpenPage) -> None:
    page = open_page("U0CHEN", "dm")
    page.get_by_role("button", name="+1 hour").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Now ")
    status.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#clock-status")).to_be_empty()
    expect(page.locator("#clock-status")).to_be_hidden()


def test_start_over_asks_first_then_empties_everything(browser: Browser, tmp_path: Path) -> None:
    running = start_workbench(tmp_path)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{running.url}/#user=U0ALICE&where=dm")
        page.wait_for_selector("body[data-ready]")
        send(page, "/pendulum checkin on")
        expect(page.locator("article.msg").last).to_contain_text("You're signed up")

        page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel": nothing happens
        page.get_by_role("button", name="Start over").click()
        expect(page.locator("article.msg").last).to_contain_text("You're signed up")

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Start over").click()
        expect(page.locator("#messages")).to_contain_text("No messages with", timeout=30_000)
        upcoming = page.get_by_role("list", name="Scheduled sends")
        expect(upcoming).not_to_contain_text("Weekly check-in")
    finally:
        context.close()
        running.proc.terminate()
        assert running.proc.wait(20) == 0, running.logs()
    assert "Traceback" not in running.logs(), running.logs()
