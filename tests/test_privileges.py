"""Every privilege checked by the server, over real websockets: the guide-desk PIN (a kiosk's
token alone issues no green-channel ticket; wrong PINs are refused, slowed down and locked out;
no client is ever sent the PIN), the issuing pace of each device, and device tokens held as hashes,
rotated and revoked with ``hallcall admin`` (a running server disconnects the device; a restarted
one keeps the rotation)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    DESK_PIN,
    DISPLAY_1F,
    KIOSK,
    MONDAY_10AM,
    PASSWORD,
    SUPERVISOR,
    TEST_HALL,
    Hall,
    ManualClock,
    collect,
    seed_clerks,
    wait_for,
    with_desk,
)

from hallcall import config as hall_config
from hallcall.client import HallClient, RequestFailed
from hallcall.server import auth
from hallcall.server.app import HallServer, database_path
from hallcall.server.child import ServerChild
from hallcall.server.domain.model import PRIORITY_NAMES
from hallcall.server.storage import Storage

pytestmark = pytest.mark.timeout(120)

SUPERVISOR_SIGN_IN = {"clerk": SUPERVISOR, "password": PASSWORD}


def tickets(hall: Hall) -> list[tuple[str, str]]:
    rows = hall.server.storage.conn.execute("SELECT number, priority FROM tickets ORDER BY id").fetchall()
    return [(n, PRIORITY_NAMES[p]) for n, p in rows]


# ---------------------------------------------------------------------------- the guide desk
async def test_a_kiosk_token_alone_cannot_issue_green_channel(desk_hall: Hall) -> None:
    kiosk = await desk_hall.kiosk()
    for desk in (None, "made-up-desk-token"):
        fields: dict[str, Any] = {"desk": desk} if desk else {}
        answer = await kiosk.call("issue", service="social", priority="green", **fields)
        assert (answer["code"], answer["field"]) == ("desk_required", "desk")
        assert answer["message_zh"] == "绿色通道和导办台取号须先输入导办台密码。"
    # an ordinary ticket "from the desk" with a made-up desk token is refused too
    answer = await kiosk.call("issue", service="social", desk="made-up-desk-token")
    assert answer["code"] == "desk_required"
    assert tickets(desk_hall) == []
    assert (await kiosk.request("issue", service="social"))["ticket"]["number"] == "A001"  # a visitor's ticket


async def test_the_right_pin_opens_the_desk_and_its_token_issues_green(desk_hall: Hall) -> None:
    kiosk = await desk_hall.kiosk()
    opened = await kiosk.request("unlock_desk", pin=DESK_PIN)
    assert set(opened) == {"desk", "idle_s"} and opened["idle_s"] == 300 and len(opened["desk"]) >= 20
    green = await kiosk.request("issue", service="social", priority="green", desk=opened["desk"])
    assert green["ticket"]["priority"] == "green"
    normal = await kiosk.request("issue", service="tax", desk=opened["desk"])  # for a visitor, at the desk
    assert normal["ticket"]["priority"] == "normal"
    assert tickets(desk_hall) == [("A001", "green"), ("B001", "normal")]
    # the desk token is bound to this server's memory: a restarted hub (or another kiosk) does not know it
    desk_hall.hub.desks.end_device("kiosk-1")
    answer = await kiosk.call("issue", service="social", priority="green", desk=opened["desk"])
    assert answer["code"] == "desk_required"


async def test_a_hall_without_a_pin_has_no_guide_desk(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    answer = await kiosk.call("unlock_desk", pin="2468")
    assert answer["code"] == "forbidden" and "staff_pin" in answer["message"]
    assert kiosk.snapshot is not None and kiosk.snapshot["device"]["guide_desk"] is False


async def test_wrong_pins_are_refused_slowed_and_locked_per_device(desk_hall: Hall) -> None:
    desk_hall.hub.pins = auth.PinGuard(lock_s=2.0)  # the real 60 s, shortened to see it end
    kiosk = await desk_hall.kiosk()
    waited = []
    for left in range(auth.PIN_TRIES - 1, 0, -1):
        began = time.monotonic()
        answer = await kiosk.call("unlock_desk", pin="1357")
        waited.append(time.monotonic() - began)
        assert (answer["code"], answer["details"]) == ("wrong_pin", {"tries_left": left})
        assert answer["message_zh"] == "导办台密码不正确。"
    assert waited[1] >= 0.2 and waited[2] >= 0.45 and waited[3] >= 0.9, waited  # each wrong PIN waits longer
    locked = await kiosk.call("unlock_desk", pin="1357")
    assert locked["code"] == "pin_locked" and locked["details"] == {"retry_after": 2}
    right_too = await kiosk.call("unlock_desk", pin=DESK_PIN)  # even the right PIN waits out the lock
    assert right_too["code"] == "pin_locked"
    assert "请" in right_too["message_zh"] and "秒后再试" in right_too["message_zh"]
    await asyncio.sleep(2.1)
    assert "desk" in await kiosk.request("unlock_desk", pin=DESK_PIN)


async def test_no_client_is_ever_sent_the_pin(desk_hall: Hall) -> None:
    heard: dict[str, list[dict[str, Any]]] = {}
    for role, fields in (("kiosk", KIOSK), ("display", DISPLAY_1F), ("supervisor", SUPERVISOR_SIGN_IN)):
        client = await desk_hall.client()
        heard[role] = collect(client)  # every snapshot and event it is sent
        await client.hello(role, **fields)
        await client.request("snapshot")
        assert client.snapshot is not None
        assert "staff_pin" not in client.snapshot["hall"]["kiosk"]
    kiosk = desk_hall.clients[0]
    assert kiosk.snapshot is not None and kiosk.snapshot["device"]["guide_desk"] is True  # a staff corner, no PIN
    await kiosk.request("unlock_desk", pin=DESK_PIN)
    for role, messages in heard.items():
        said = json.dumps(messages, ensure_ascii=False)
        assert len(messages) >= 2 and DESK_PIN not in said and "staff_pin" not in said, role


# ---------------------------------------------------------------------------- the issuing pace
@contextlib.asynccontextmanager
async def paced_hall(tmp_path: Path) -> AsyncIterator[Hall]:
    """The test hall with a second kiosk and a limit of 3 at once, then 60 a minute (hall time)."""
    path = tmp_path / "paced.toml"
    text = TEST_HALL.read_text(encoding="utf-8")
    text = text.replace("issue_rate_per_minute = 0", "issue_rate_per_minute = 60\nissue_burst = 3")
    text = text.replace(
        '[{ name = "kiosk-1", token = "kiosk-token-1", zone = "1F" }]',
        '[{ name = "kiosk-1", token = "kiosk-token-1", zone = "1F" }, { name = "kiosk-2", token = "kiosk-token-2" }]',
    )
    path.write_text(text, encoding="utf-8")
    storage = Storage(database_path(path, tmp_path))
    seed_clerks(storage)
    server = HallServer(hall_config.load(path), storage, ManualClock(MONDAY_10AM))
    port = await server.start("127.0.0.1", 0)
    hall = Hall(server, f"ws://127.0.0.1:{port}", server.hub.clock, tmp_path)  # type: ignore[arg-type]
    try:
        yield hall
    finally:
        for c in hall.clients:
            await c.close()
        await server.stop()
        storage.close()


async def test_a_kiosk_issuing_faster_than_a_person_is_refused_then_recovers(tmp_path: Path) -> None:
    async with paced_hall(tmp_path) as hall:
        kiosk = await hall.kiosk()
        numbers = [(await kiosk.request("issue", service="social"))["ticket"]["number"] for _ in range(3)]
        assert numbers == ["A001", "A002", "A003"]
        refused = await kiosk.call("issue", request_id="fourth", service="social")
        assert (refused["code"], refused["details"]) == ("rate_limited", {"retry_after": 1})
        assert refused["message_zh"] == "本机取号过于频繁，请稍候1秒再取号。"
        assert await kiosk.call("issue", request_id="fourth", service="social") == refused  # still too soon
        other = await hall.client()
        await other.hello("kiosk", device="kiosk-2", token="kiosk-token-2")
        assert (await other.request("issue", service="tax"))["ticket"]["number"] == "B001"  # its own pace
        hall.clock.advance(1.0)  # one ticket's worth at 60 a minute
        again = await kiosk.call("issue", request_id="fourth", service="social")  # the same id, now issued
        assert again["type"] == "result" and again["data"]["ticket"]["number"] == "A004"
        assert await kiosk.call("issue", request_id="fourth", service="social") == again  # kept from here on
        assert (await kiosk.call("issue", service="social"))["code"] == "rate_limited"
        hall.clock.advance(60.0)  # a quiet minute refills the burst, no more
        assert [(await kiosk.call("issue", service="consult"))["type"] for _ in range(4)] == ["result"] * 3 + ["error"]


# ---------------------------------------------------------------------------- device tokens
def admin(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "admin", "--config", str(TEST_HALL), "--data", str(data), *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def hello(url: str, token: str, device: str | None = "kiosk-1") -> dict[str, Any]:
    """A kiosk hello's answer (welcome or error) on a new connection, which is then closed."""
    c = HallClient(url)
    await c.connect()
    try:
        return await c.call("hello", role="kiosk", protocol=1, device=device, token=token)
    finally:
        await c.close()


async def test_tokens_rotate_and_revoke_with_the_admin_verbs_and_survive_a_restart(
    server_process: Callable[..., ServerChild], tmp_path: Path
) -> None:
    sp = server_process()
    connected = HallClient(sp.url)
    await connected.connect()
    await connected.hello("kiosk", **KIOSK)

    rotated = admin(tmp_path, "rotate-token", "kiosk-1")
    assert rotated.returncode == 0, rotated.stderr
    token = rotated.stdout.strip()
    assert len(token) == 32 and "shown only this once" in rotated.stderr
    stored = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    assert stored.device_tokens() == [("kiosk-1", auth.token_hash(token))]  # the hash only, never the token
    assert token not in Path(stored.path).read_bytes().decode(errors="replace")
    stored.close()

    await asyncio.wait_for(connected.closed.wait(), 5)  # the kiosk holding the old token is disconnected
    old = await hello(sp.url, KIOSK["token"])
    assert (old["code"], old["details"]) == ("token_revoked", {"device": "kiosk-1"})
    assert old["message_zh"] == "这台设备的令牌已被吊销或更换，请向管理员索取新令牌。"
    assert (await hello(sp.url, token))["type"] == "welcome"
    assert (await hello(sp.url, token, device=None))["name"] == "kiosk-1"  # the token alone picks its device
    assert (await hello(sp.url, "not-anyones-token"))["code"] == "auth_failed"

    sp.stop()
    sp = server_process(port=sp.port)  # the rotation is in the database: a restart keeps it
    assert (await hello(sp.url, token))["type"] == "welcome"
    assert (await hello(sp.url, KIOSK["token"]))["code"] == "token_revoked"

    revoked = admin(tmp_path, "revoke-token", "kiosk-1")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    await wait_for_async(lambda: hello(sp.url, token), lambda a: a.get("code") == "token_revoked")
    assert (await hello(sp.url, "display-token-1", device=None))["code"] == "auth_failed"  # a display's, as a kiosk

    unknown = admin(tmp_path, "rotate-token", "kiosk-9")
    assert unknown.returncode != 0 and "no device 'kiosk-9'" in unknown.stderr and "kiosk-1" in unknown.stderr
    again = admin(tmp_path, "rotate-token", "kiosk-1")
    fresh = again.stdout.strip()
    await wait_for_async(lambda: hello(sp.url, fresh), lambda a: a["type"] == "welcome")  # a rotation ends a revocation


async def wait_for_async(ask: Callable[[], Any], good: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    """Ask until the answer is good (a running server notices an admin verb within seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await ask()
        if good(answer) or time.monotonic() > deadline:
            assert good(answer), answer
            return answer
        await asyncio.sleep(0.2)


async def test_a_display_and_a_pad_are_disconnected_when_their_tokens_are_rotated(hall: Hall, tmp_path: Path) -> None:
    display = await hall.display()
    pad = await hall.pad()
    kiosk = await hall.kiosk()
    new = auth.rotate_device_token(hall.server.config, hall.server.storage, "display-1", time.time())
    auth.revoke_device_token(hall.server.config, hall.server.storage, "pad-1", time.time())
    hall.hub.check_tokens()  # what the server's 2-second poll does
    await asyncio.wait_for(display.closed.wait(), 5)
    await asyncio.wait_for(pad.closed.wait(), 5)
    assert await kiosk.request("ping")  # the kiosk's token is untouched: it stays
    assert {c.name for c in hall.hub.clients} == {"kiosk-1"}
    fresh = await hall.client()
    assert (await fresh.hello("display", device="display-1", token=new))["name"] == "display-1"
    with pytest.raises(RequestFailed, match="token_revoked"):
        await (await hall.client()).hello("pad", device="pad-1", token="pad-token-1")
    await wait_for(lambda: hall.hub.presence["display-1"].connected)


def test_the_config_token_is_compared_by_hash_in_constant_time(tmp_path: Path) -> None:
    config = with_desk(tmp_path)
    tokens = auth.DeviceTokens(config, [])
    assert "kiosk-token-1" not in repr(vars(tokens))  # only hashes are held
    assert tokens.check("kiosk", None, "kiosk-token-1").device == "kiosk-1"
    assert tokens.check("display", None, "kiosk-token-1").outcome == "bad"  # a kiosk's token is no display's
    assert tokens.check("kiosk", "display-1", "kiosk-token-1").outcome == "bad"
    assert tokens.check("kiosk", None, "").outcome == "bad"
    tokens.load([("kiosk-1", auth.token_hash("new-token-123")), ("kiosk-1", None), ("gone", "x")])
    assert tokens.check("kiosk", None, "new-token-123").outcome == "revoked"
    assert tokens.check("kiosk", None, "kiosk-token-1").outcome == "revoked"
    assert not tokens.holds("kiosk-1", auth.token_hash("kiosk-token-1"))
    with pytest.raises(ValueError, match="no device 'gone'"):
        tokens.role_of("gone")


# ---------------------------------------------------------------------------- the kiosk, offscreen
def test_the_kiosk_says_politely_when_it_issues_faster_than_a_person(
    request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path
) -> None:
    """A kiosk allowed one ticket at once, on a hall clock that stands still: the second visitor
    is told in words, in either language, how long to wait; nothing is issued for them."""
    from test_kiosk_ui_support import hall_config, open_kiosk, tap, tap_service

    paced = hall_config(tmp_path, replace={"issue_rate_per_minute = 0": "issue_rate_per_minute = 2\nissue_burst = 1"})
    kiosk = open_kiosk(request, config=paced, lang="zh")
    window = kiosk.window
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    tap(qtbot, window.confirm)
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.start_screen.banner.isVisible() and window.issuing is None, timeout=5000)
    assert window.start_screen.banner.text() == "本机取号过于频繁，请稍候30秒再取号。"
    window.set_lang("en")
    assert (
        window.start_screen.banner.text() == "This kiosk is issuing tickets very fast; please wait 30 s and try again."
    )
    assert window.stack.currentWidget() is window.start_screen
    assert kiosk.hall.run(kiosk.hall.hall.kiosk()).snapshot["services"][0]["waiting"] == 1  # one ticket, not two
