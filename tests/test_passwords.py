"""Passwords over real websockets: a clerk changes their own, the rule refuses weak ones by name,
a supervisor's reset forces a change at the next sign-in, and wrong passwords lock one account
out from one address (docs/security.md "Passwords", protocol.md 4.1, 6.25, 6.26).

The test hall's clerks ann, bob, cat, dan and supervisor sue all start with ``pass1234``.
Lock-out tests shrink the throttle's delays (a real Throttle, small numbers) so five wrong
passwords do not take 15 s, and move the lock-out's clock by hand.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture  # noqa: F401 (the shared fixture)
from conftest import MONDAY_10AM, PASSWORD, SUPERVISOR, TEST_HALL, ManualClock, seed_clerks
from websockets.asyncio.client import connect

from hallcall import config as hall_config
from hallcall.client import HallClient, RequestFailed
from hallcall.server import auth
from hallcall.server.app import HallServer, database_path
from hallcall.server.storage import Storage

NEW = "tulip-river-7"


class Hall:
    """A server on a loopback port that the test can restart on the same database."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.clock = ManualClock(MONDAY_10AM)
        self.port = 0
        self.server: HallServer | None = None
        self.storage: Storage | None = None
        self.clients: list[HallClient] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.storage = Storage(database_path(TEST_HALL, self.data))
        self.server = HallServer(hall_config.load(TEST_HALL), self.storage, self.clock)
        self.server.throttle = auth.Throttle(base=0.01, cap=0.02)
        self.port = await self.server.start("127.0.0.1", self.port)

    async def stop(self) -> None:
        for c in self.clients:
            await c.close()
        self.clients.clear()
        assert self.server is not None and self.storage is not None
        await self.server.stop()
        self.storage.close()

    async def client(self, address: str = "127.0.0.1") -> HallClient:
        """A connection from ``address`` (any 127.x.y.z reaches the server from another address)."""
        c = HallClient(self.url)
        if address == "127.0.0.1":
            await c.connect()
        else:
            c.ws = await connect(self.url, proxy=None, local_addr=(address, 0))
            c._reader = asyncio.create_task(c._read())
        self.clients.append(c)
        return c

    async def hello(self, clerk: str, password: str, *, counter: int = 1, address: str = "127.0.0.1") -> dict[str, Any]:
        """A counter's hello: the welcome or the error, unraised."""
        c = await self.client(address)
        answer = await c.call("hello", role="counter", protocol=1, counter=counter, clerk=clerk, password=password)
        if answer["type"] == "welcome":
            await asyncio.wait_for(c.snapshot_seen.wait(), 10)
            c.welcome = answer
        answer["client"] = c
        return answer

    async def counter(self, clerk: str, password: str = PASSWORD, counter: int = 1) -> HallClient:
        answer = await self.hello(clerk, password, counter=counter)
        assert answer["type"] == "welcome", answer
        return answer["client"]

    async def supervisor(self, password: str = PASSWORD) -> HallClient:
        c = await self.client()
        await c.hello("supervisor", clerk=SUPERVISOR, password=password)
        return c

    def journal(self, action: str) -> list[tuple[Any, ...]]:
        assert self.storage is not None
        return self.storage.conn.execute(
            "SELECT clerk, counter, detail FROM events WHERE action = ? ORDER BY id", (action,)
        ).fetchall()


@pytest.fixture
async def hall(tmp_path: Path) -> AsyncIterator[Hall]:
    storage = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    seed_clerks(storage)
    storage.close()
    h = Hall(tmp_path)
    await h.start()
    yield h
    await h.stop()


async def refused(answer_or_call: Any, code: str) -> dict[str, Any]:
    answer = await answer_or_call if asyncio.iscoroutine(answer_or_call) else answer_or_call
    assert answer["type"] == "error" and answer["code"] == code, answer
    return answer


# ---------------------------------------------------------------------- changing one's own
async def test_a_clerk_changes_their_own_password_and_it_holds_after_a_restart(hall):
    cat = await hall.counter("cat")
    assert await cat.request("change_password", current=PASSWORD, new=NEW) == {}
    assert hall.journal("password_changed") == [("cat", 1, None)]
    await refused(await hall.hello("cat", PASSWORD, counter=2), "auth_failed")
    assert (await hall.hello("cat", NEW, counter=2))["type"] == "welcome"
    await hall.stop()
    await hall.start()
    await refused(await hall.hello("cat", PASSWORD, counter=3), "auth_failed")
    welcome = await hall.hello("cat", NEW, counter=3)
    assert welcome["type"] == "welcome" and "must_change_password" not in welcome


async def test_a_supervisor_changes_their_own_password(hall):
    sue = await hall.supervisor()
    assert await sue.request("change_password", current=PASSWORD, new="harbour-lamp-42") == {}
    with pytest.raises(RequestFailed, match="auth_failed"):
        await hall.supervisor()
    await hall.supervisor("harbour-lamp-42")


async def test_a_retried_change_is_answered_as_done(hall):
    """The answer of a change can be lost with the connection; the retry's current password is
    then the old one, but its new one is the password now: the change is done, not refused."""
    cat = await hall.counter("cat")
    await cat.request("change_password", current=PASSWORD, new=NEW)
    assert await cat.request("change_password", current=PASSWORD, new=NEW) == {}


@pytest.mark.parametrize(
    "new, rule, zh, en",
    [
        ("short7!", "too_short", "至少需要 8 个字符", "at least 8 characters"),
        ("CAT", "too_short", "至少需要 8 个字符", "at least 8 characters"),
        ("aaaaaaaaaa", "one_character", "不能全是同一个字符", "one character repeated"),
        ("Password1", "common", "最常见的密码", "most common passwords"),
        ("12345678", "common", "最常见的密码", "most common passwords"),
        (PASSWORD, "same_as_current", "不能与当前密码相同", "differ from the current password"),
    ],
)
async def test_a_weak_password_is_refused_naming_the_rule(hall, new, rule, zh, en):
    from hallcall.i18n import error_text

    cat = await hall.counter("cat")
    answer = await refused(cat.call("change_password", current=PASSWORD, new=new), "weak_password")
    assert answer["field"] == "new" and answer["details"] == {"rule": rule, "min": 8}
    assert zh in answer["message_zh"], answer
    assert en in error_text("weak_password", "en", answer["details"])
    assert en.split()[-1] in answer["message"]
    await hall.counter("cat", PASSWORD, counter=2)  # nothing changed


async def test_the_name_itself_is_refused(hall):
    hall.storage.save_clerk("li.na.long", auth.hash_password(PASSWORD), role="clerk")  # type: ignore[union-attr]
    lina = await hall.counter("li.na.long")
    answer = await refused(lina.call("change_password", current=PASSWORD, new="LI.NA.LONG"), "weak_password")
    assert answer["details"]["rule"] == "same_as_name"
    assert "不能与用户名相同" in answer["message_zh"]


async def test_a_wrong_current_password_changes_nothing(hall):
    cat = await hall.counter("cat")
    answer = await refused(cat.call("change_password", current="not-mine-1", new=NEW), "wrong_password")
    assert answer["field"] == "current" and answer["message_zh"] == "当前密码不正确。"
    await refused(await hall.hello("cat", NEW, counter=2), "auth_failed")
    assert hall.journal("password_changed") == []


async def test_a_clerk_cannot_change_anothers_password(hall):
    cat = await hall.counter("cat")
    # the request names no account: a clerk field is not part of it
    answer = await refused(cat.call("change_password", current=PASSWORD, new=NEW, clerk="dan"), "bad_field")
    assert answer["field"] == "clerk"
    # nor may a counter reset anyone's
    await refused(cat.call("reset_password", clerk="dan"), "forbidden")
    # and what cat can do changes cat's password only
    await cat.request("change_password", current=PASSWORD, new=NEW)
    await hall.counter("dan", PASSWORD, counter=2)
    # a kiosk may do neither
    kiosk = await hall.client()
    await kiosk.hello("kiosk", device="kiosk-1", token="kiosk-token-1")
    await refused(kiosk.call("change_password", current="x", new=NEW), "forbidden")


# ---------------------------------------------------------------------- a supervisor's reset
async def test_a_reset_forces_a_change_at_the_next_sign_in(hall):
    sue = await hall.supervisor()
    answer = await sue.request("reset_password", clerk="cat")
    word = answer["one_time_password"]
    assert answer["clerk"] == "cat" and len(word) == 10
    assert hall.journal("password_reset") == [("cat", None, '{"by": "sue"}')]
    assert word not in str(hall.storage.conn.execute("SELECT * FROM events").fetchall())  # type: ignore[union-attr]
    assert word not in str(hall.storage.conn.execute("SELECT * FROM answers").fetchall())  # type: ignore[union-attr]
    await refused(await hall.hello("cat", PASSWORD), "auth_failed")

    first = await hall.hello("cat", word)
    assert first["type"] == "welcome" and first["must_change_password"] is True
    cat = first["client"]
    answer = await refused(cat.call("call_next"), "password_change_required")
    assert answer["message_zh"] == "请先设置新密码。"
    await refused(cat.call("ticket", number="A001"), "password_change_required")
    await cat.request("ping")
    await refused(cat.call("change_password", current=word, new=word), "weak_password")
    assert await cat.request("change_password", current=word, new=NEW) == {}
    await refused(cat.call("call_next"), "queue_empty")  # allowed now: nobody is waiting

    await refused(await hall.hello("cat", word, counter=2), "auth_failed")
    again = await hall.hello("cat", NEW, counter=2)
    assert again["type"] == "welcome" and "must_change_password" not in again


async def test_a_resume_before_the_change_is_still_asked_for_it(hall):
    sue = await hall.supervisor()
    word = (await sue.request("reset_password", clerk="cat"))["one_time_password"]
    first = await hall.hello("cat", word)
    token = first["session_token"]
    await first["client"].close()
    c = await hall.client()
    resumed = await c.hello("counter", counter=1, clerk="cat", session_token=token)
    assert resumed["must_change_password"] is True
    await refused(c.call("pause", reason="break"), "password_change_required")


async def test_reset_refusals(hall):
    sue = await hall.supervisor()
    answer = await refused(sue.call("reset_password", clerk="zed"), "unknown_clerk")
    assert answer["details"] == {"clerk": "zed"} and "zed" in answer["message_zh"]
    await refused(sue.call("reset_password", clerk=SUPERVISOR), "forbidden")
    assert hall.journal("password_reset") == []


# ---------------------------------------------------------------------- lock-out
async def test_five_wrong_passwords_lock_the_account_out_from_that_address_only(hall):
    now = [1000.0]
    hall.server.hub.lockout.clock = lambda: now[0]  # type: ignore[union-attr]
    for n in range(4):
        await refused(await hall.hello("cat", f"guess-{n}-x"), "auth_failed")
    fifth = await refused(await hall.hello("cat", "guess-5-x"), "locked_out")
    assert fifth["details"] == {"retry_after_s": 300, "minutes": 5}
    assert fifth["message_zh"] == "密码错误次数过多，请 5 分钟后再试。"

    now[0] += 61  # the right password from the same address: still locked, with the time left
    locked = await refused(await hall.hello("cat", PASSWORD), "locked_out")
    assert locked["details"] == {"retry_after_s": 239, "minutes": 4}
    assert "请 4 分钟后再试" in locked["message_zh"] and "Try again in 4 min" in _en(locked)
    assert "Try again in 4 min." in locked["message"]

    # the same account from another address, and another account from this one, sign in
    assert (await hall.hello("cat", PASSWORD, counter=2, address="127.0.0.2"))["type"] == "welcome"
    assert (await hall.hello("dan", PASSWORD, counter=3))["type"] == "welcome"
    # a supervisor's console at the locked address is locked out of that account too
    c = await hall.client()
    answer = await c.call("hello", role="supervisor", protocol=1, clerk="cat", password=PASSWORD)
    assert answer["code"] == "locked_out"

    now[0] += 240  # the time is up
    assert (await hall.hello("cat", PASSWORD, counter=1))["type"] == "welcome"


async def test_a_success_clears_the_count_and_a_reset_lifts_a_lock_out(hall):
    for n in range(4):
        await refused(await hall.hello("bob", f"guess-{n}-x", counter=2), "auth_failed")
    assert (await hall.hello("bob", PASSWORD, counter=2))["type"] == "welcome"
    for n in range(4):  # counted from zero again: four more are not a lock-out
        await refused(await hall.hello("bob", f"again-{n}-x", counter=2), "auth_failed")
    await refused(await hall.hello("bob", "fifth-one-x", counter=2), "locked_out")
    sue = await hall.supervisor()
    word = (await sue.request("reset_password", clerk="bob"))["one_time_password"]
    assert (await hall.hello("bob", word, counter=2))["type"] == "welcome"


async def test_wrong_current_passwords_count_towards_the_lock_out(hall):
    cat = await hall.counter("cat")
    for n in range(4):
        await refused(cat.call("change_password", current=f"guess-{n}-x", new=NEW), "wrong_password")
    answer = await refused(cat.call("change_password", current="guess-5-x", new=NEW), "locked_out")
    assert answer["details"]["minutes"] == 5
    await refused(cat.call("change_password", current=PASSWORD, new=NEW), "locked_out")
    await refused(await hall.hello("cat", PASSWORD, counter=2), "locked_out")


async def test_a_restart_clears_lock_outs(hall):
    for n in range(5):
        await hall.hello("ann", f"guess-{n}-x", counter=4)
    await refused(await hall.hello("ann", PASSWORD, counter=4), "locked_out")
    await hall.stop()
    await hall.start()
    assert (await hall.hello("ann", PASSWORD, counter=4))["type"] == "welcome"


def _en(answer: dict[str, Any]) -> str:
    from hallcall.i18n import error_text

    return error_text(answer["code"], "en", answer.get("details"))


# ---------------------------------------------------------------------- the rule itself
@pytest.mark.parametrize(
    "password, name, rule",
    [
        ("abc", "ann", "too_short"),
        ("Ann.Smith", "ann.smith", "same_as_name"),
        ("zzzzzzzz", "ann", "one_character"),
        ("QWERTY123", "ann", "common"),
        ("woaini1314", "ann", "common"),
    ],
)
def test_the_rule(password, name, rule):
    with pytest.raises(auth.WeakPassword) as refused_:
        auth.check_password(password, name)
    assert refused_.value.rule == rule


def test_the_demo_and_test_passwords_pass_the_rule():
    for password in ("demo1234", PASSWORD, NEW):
        auth.check_password(password, "li.na")
    word = auth.one_time_password()
    auth.check_password(word, "li.na")
    assert len(word) == 10 and not set(word) & set("0o1li")


# ---------------------------------------------------------------------- the counter program (offscreen Qt)
def _reset(live_hall: Any, clerk: str) -> str:
    async def go() -> str:
        sue = await live_hall.hall.supervisor()
        return str((await sue.request("reset_password", clerk=clerk))["one_time_password"])

    return str(live_hall.run(go()))


def _signs_in(live_hall: Any, clerk: str, password: str, counter: int) -> str:
    """A counter hello from another program: "welcome" or the error code."""

    async def go() -> str:
        c = await live_hall.hall.client()
        answer = await c.call("hello", role="counter", protocol=1, counter=counter, clerk=clerk, password=password)
        await c.close()
        return str(answer.get("code") or answer["type"])

    return str(live_hall.run(go()))


def _password_dialog(qtbot: Any, program: Any) -> Any:
    from hallcall.counter.password_dialog import PasswordDialog

    qtbot.waitUntil(lambda: isinstance(program.dialog, PasswordDialog) and program.dialog.isVisible(), timeout=8000)
    return program.dialog


def _fill(qtbot: Any, dialog: Any, current: str, new: str, again: str | None = None) -> None:
    from PySide6.QtCore import Qt

    dialog.current.setText(current)
    dialog.new.setText(new)
    dialog.again.setText(new if again is None else again)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_the_counter_changes_the_clerks_own_password(live_hall: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt
    from test_counter_support import open_program, sign_in

    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program, "cat")
    assert program.password_button.text() == "Change password" and program.password_button.isVisible()
    qtbot.mouseClick(program.password_button, Qt.MouseButton.LeftButton)
    dialog = _password_dialog(qtbot, program)

    _fill(qtbot, dialog, PASSWORD, NEW, again=NEW + "x")  # a typing slip is caught here, nothing is sent
    assert dialog.error.text() == "The two new passwords differ." and not program.pending
    _fill(qtbot, dialog, "not-mine-1", NEW)
    qtbot.waitUntil(lambda: dialog.error.text() == "The current password is not correct.", timeout=8000)
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    _fill(qtbot, dialog, PASSWORD, "Password1")
    rule = "That new password cannot be used: it is one of the most common passwords."
    qtbot.waitUntil(lambda: dialog.error.text() == rule, timeout=8000)
    assert dialog.isVisible() and dialog.new.text() == ""

    _fill(qtbot, dialog, PASSWORD, NEW)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=8000)
    assert program.screen.status.text() == "Password changed."
    assert _signs_in(live_hall, "cat", PASSWORD, 2) == "auth_failed"
    assert _signs_in(live_hall, "cat", NEW, 2) == "welcome"


def test_after_a_reset_the_counter_asks_for_a_new_password_before_anything_else(live_hall: Any, qtbot: Any) -> None:
    from test_counter_support import open_program, sign_in

    word = _reset(live_hall, "cat")
    program = open_program(live_hall, qtbot, 1, lang="zh")
    sign_in(qtbot, program, "cat", word)
    dialog = _password_dialog(qtbot, program)
    assert dialog.forced and dialog.windowTitle() == "请设置新密码"
    assert dialog.cancel_button.text() == "退出"
    assert not any(program.screen.buttons[name].isEnabled() for name in program.screen.buttons)
    assert not program.can("pause")

    _fill(qtbot, dialog, word, word)
    qtbot.waitUntil(lambda: "不能与当前密码相同" in dialog.error.text(), timeout=8000)
    _fill(qtbot, dialog, word, NEW)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=8000)
    assert program.screen.status.text() == "密码已修改。"
    assert program.can("pause") and program.screen.buttons["pause"].isEnabled()
    assert _signs_in(live_hall, "cat", word, 2) == "auth_failed"


def test_the_forced_dialogs_other_button_signs_out(live_hall: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt
    from test_counter_support import open_program, sign_in

    word = _reset(live_hall, "dan")
    program = open_program(live_hall, qtbot, 2)
    sign_in(qtbot, program, "dan", word)
    dialog = _password_dialog(qtbot, program)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not program.window.signed_in_page, timeout=8000)
    assert program.sign_in.message.text() == "Signed out."


@pytest.mark.parametrize("lang, first, later", [("en", "Try again in 5 min.", "Try again in 4 min."),
                                                ("zh", "请 5 分钟后再试。", "请 4 分钟后再试。")])  # fmt: skip
def test_the_sign_in_page_says_how_long_a_lock_out_lasts(live_hall: Any, qtbot: Any, lang, first, later) -> None:
    from PySide6.QtCore import Qt
    from test_counter_support import open_program

    live_hall.server.throttle = auth.Throttle(base=0.01, cap=0.02)
    now = [5000.0]
    live_hall.server.hub.lockout.clock = lambda: now[0]
    program = open_program(live_hall, qtbot, 1, lang=lang)
    page = program.sign_in
    page.name.setText("cat")
    for n in range(5):
        page.password.setText(f"guess-{n}-x")
        qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.button.isEnabled() and page.message.text() not in ("", "Signing in…", "正在登录…"),
                        timeout=8000)  # fmt: skip
        if n < 4:
            page.message.setText("")
    assert page.message.text().endswith(first), page.message.text()
    now[0] += 70
    page.password.setText(PASSWORD)  # the right one, still locked here
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text().endswith(later), timeout=8000)
    assert not program.window.signed_in_page


# ---------------------------------------------------------------------- the supervisor console (Chromium)
def test_the_consoles_reset_button_gives_a_one_time_password(live_hall: Any, browser: Any) -> None:
    from browser import sign_in as console_sign_in
    from browser import signed_in
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_default_timeout(5000)
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    console_sign_in(page, live_hall)
    signed_in(page)
    if page.locator("html").get_attribute("lang") == "zh":
        page.click("#lang")
    button = page.locator('tr[data-counter="4"] button.reset-password[data-clerk="ann"]')
    expect(button).to_have_text("Reset password")
    button.click()
    result = page.locator("#action-result")
    expect(result).to_contain_text("One-time password for ann: ")
    assert asked == ["Reset the password of ann? They set a new one at their next sign-in."]
    word = re.search(r"ann: ([a-z2-9]{10}) ", result.inner_text())
    assert word, result.inner_text()
    assert _signs_in(live_hall, "ann", PASSWORD, 4) == "auth_failed"

    async def hello() -> dict[str, Any]:
        c = await live_hall.hall.client()
        return await c.hello("counter", counter=4, clerk="ann", password=word.group(1))

    assert live_hall.run(hello())["must_change_password"] is True
    # in Chinese, and a supervisor's refusal in words: bob is the B clerk there
    page.click("#lang")
    page.locator('tr[data-counter="4"] button.reset-password[data-clerk="bob"]').click()
    expect(result).to_contain_text("bob 的一次性密码:")
    page.close()


@pytest.mark.parametrize("lang, said", [("zh", "请 5 分钟后再试。"), ("en", "Try again in 5 min.")])
def test_the_consoles_sign_in_says_how_long_a_lock_out_lasts(live_hall: Any, browser: Any, lang, said) -> None:
    from playwright.sync_api import expect

    live_hall.server.throttle = auth.Throttle(base=0.01, cap=0.02)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_default_timeout(5000)
    page.add_init_script(f"localStorage.setItem('hallcall.console.lang', '{lang}')")
    page.goto(f"{live_hall.http_url}/console")
    error = page.locator("#signin-error")
    for n in range(5):
        page.fill("#clerk", SUPERVISOR)
        page.fill("#password", f"guess-{n}-x")
        page.click("#signin-form button[type=submit]")
        expect(error).not_to_have_text(re.compile("正在登录|Signing in"))
    expect(error).to_contain_text(said)
    page.fill("#password", PASSWORD)  # the right one: still locked from this address
    page.click("#signin-form button[type=submit]")
    expect(error).to_contain_text(said)
    expect(page.locator("#console")).to_be_hidden()
    page.close()


# ---------------------------------------------------------------------- hallcall admin
def _admin(data: Path, *args: str, stdin: str = "") -> Any:
    import subprocess
    import sys

    from conftest import ROOT

    command = [sys.executable, "-m", "hallcall.launch.cli", "admin", "--config", str(TEST_HALL), "--data", str(data)]
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_admin_verbs_apply_the_rule_and_reset_a_password(tmp_path: Path) -> None:
    common = _admin(tmp_path, "add-clerk", "li.na", "--password-stdin", stdin="Qwerty123\n")
    assert common.returncode != 0 and "one of the most common passwords" in common.stderr
    named = _admin(tmp_path, "add-clerk", "li.na.zhang", "--password-stdin", stdin="li.na.zhang\n")
    assert named.returncode != 0 and "may not be the account's name" in named.stderr
    seeded = _admin(tmp_path, "seed-clerks", "--password-stdin", stdin="12345678\n")
    assert seeded.returncode != 0 and "most common" in seeded.stderr
    assert _admin(tmp_path, "seed-clerks", "--password-stdin", stdin="demo1234\n").returncode == 0  # the demo's
    assert _admin(tmp_path, "add-clerk", "boss", "--supervisor", "--password-stdin", stdin=NEW + "\n").returncode == 0

    reset = _admin(tmp_path, "reset-password", "ann")
    assert reset.returncode == 0, reset.stderr
    word = re.search(r"one-time password for ann: ([a-z2-9]{10})\n", reset.stdout)
    assert word, reset.stdout
    storage = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    try:
        stored = storage.clerk("ann")
        assert stored is not None and stored["must_change"] == 1
        assert auth.verify_password(stored["password_hash"], word.group(1))
        assert word.group(1) not in str(stored)
    finally:
        storage.close()
    supervisor = _admin(tmp_path, "reset-password", "boss")
    assert supervisor.returncode != 0 and "set-password" in supervisor.stderr
    nobody = _admin(tmp_path, "reset-password", "nobody")
    assert nobody.returncode != 0 and "no clerk 'nobody'" in nobody.stderr
    # set-password gives the account a password of its own again: no change is asked for
    assert _admin(tmp_path, "set-password", "ann", "--password-stdin", stdin=NEW + "\n").returncode == 0
    storage = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    try:
        assert storage.clerk("ann")["must_change"] == 0  # type: ignore[index]
    finally:
        storage.close()
