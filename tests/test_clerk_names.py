"""Clerks are shown by the name the hall config gives them ([[clerks]]), never by login id alone.

The config checks its [[clerks]] entries; the server sends ``clerk_name`` {zh, en} beside every
``clerk`` a screen shows (counter view, me, journal, journey, pad), falling back to the login id;
the counter program shows what it was sent.  Real server on a loopback port, real websocket
clients, a real counter window offscreen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture, page_fixture, sign_in, signed_in  # noqa: F401  (fixtures by name)
from conftest import (
    MONDAY_10AM,
    PAD_1,
    PASSWORD,
    TEST_HALL,
    Hall,
    LiveHall,
    ManualClock,
    collect,
    seed_clerks,
    wait_for,
)
from playwright.sync_api import Page, expect
from test_counter_support import open_program
from test_counter_support import sign_in as counter_sign_in

from hallcall import config as hall_config
from hallcall.config import ConfigError
from hallcall.server import auth
from hallcall.server.app import HallServer, database_path
from hallcall.server.storage import Storage

# cat gets a Chinese and an English name, ann a Chinese one only, dan none at all.
CLERKS = """
[[clerks]]
id = "cat"
name = "张伟"
name_en = "Zhang Wei"

[[clerks]]
id = "ann"
name = "李娜"
"""
ZHANG_WEI = {"zh": "张伟", "en": "Zhang Wei"}


def hall_file(tmp_path: Path, extra: str = CLERKS) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(TEST_HALL.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.fixture
async def named_hall(tmp_path: Path) -> AsyncIterator[Hall]:
    """The test hall with [[clerks]] names, served in the test's loop."""
    path = hall_file(tmp_path)
    storage = Storage(database_path(path, tmp_path))
    seed_clerks(storage)
    clock = ManualClock(MONDAY_10AM)
    server = HallServer(hall_config.load(path), storage, clock)
    port = await server.start("127.0.0.1", 0)
    h = Hall(server, f"ws://127.0.0.1:{port}", clock, tmp_path)
    yield h
    for c in h.clients:
        await c.close()
    await server.stop()
    storage.close()


# ---------------------------------------------------------------------------- the config
def test_a_clerk_named_twice_is_refused_at_its_second_entry(tmp_path: Path) -> None:
    text = TEST_HALL.read_text(encoding="utf-8") + CLERKS + '\n[[clerks]]\nid = "cat"\nname = "陈猫"\n'
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        hall_config.load(path)
    assert caught.value.problem == "clerk id 'cat' is used twice (also at entry 1)"
    lines = text.splitlines()
    assert lines[caught.value.line - 1] == "[[clerks]]"  # type: ignore[operator]
    assert lines[caught.value.line] == 'id = "cat"' and lines[caught.value.line + 1] == 'name = "陈猫"'  # type: ignore[operator]


def test_a_clerk_needs_a_name_and_may_be_one_no_counter_lists(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="clerk 'bob': name is empty"):
        hall_config.load(hall_file(tmp_path, '\n[[clerks]]\nid = "bob"\nname = " "\n'))
    with pytest.raises(ConfigError, match="name"):  # a name is required, name_en is not
        hall_config.load(hall_file(tmp_path, '\n[[clerks]]\nid = "bob"\nname_en = "Bob"\n'))
    config = hall_config.load(hall_file(tmp_path, '\n[[clerks]]\nid = "nobody.here"\nname = "王芳"\n'))
    assert [(k.id, k.names.zh, k.names.en) for k in config.clerks] == [("nobody.here", "王芳", "王芳")]


def test_the_demo_hall_names_every_clerk_its_counters_list() -> None:
    demo = hall_config.load(Path(hall_config.__file__).resolve().parent.parent / "assets" / "demo-hall.toml")
    named = {k.id: k for k in demo.clerks}
    listed = {clerk for c in demo.counters for clerk in (*c.clerks, *c.backups)}
    assert listed <= set(named)
    assert all(named[c].name and named[c].name_en for c in listed)


# ---------------------------------------------------------------------------- what the server sends
async def test_counter_views_me_journal_and_journey_carry_the_configured_name(named_hall: Hall) -> None:
    sup = await named_hall.supervisor()
    seen = collect(sup)
    kiosk = await named_hall.kiosk()
    number = (await kiosk.request("issue", service="social"))["ticket"]["number"]
    counter = await named_hall.counter(1, "cat")
    assert counter.snapshot["me"]["clerk_name"] == ZHANG_WEI
    view = next(c for c in counter.snapshot["counters"] if c["counter"] == 1)
    assert (view["clerk"], view["clerk_name"]) == ("cat", ZHANG_WEI)
    nobody = next(c for c in counter.snapshot["counters"] if c["counter"] == 2)
    assert (nobody["clerk"], nobody["clerk_name"]) == (None, None)

    await counter.request("call_next")
    called = await wait_for(lambda: [e for e in seen if e.get("topic") == "journal" and e["name"] == "call"])
    assert called[0]["data"]["clerk_name"] == ZHANG_WEI
    issued = next(e for e in seen if e.get("topic") == "journal" and e["name"] == "issue")
    assert issued["data"]["clerk"] is None and issued["data"]["clerk_name"] is None
    journey = (await sup.request("ticket", number=number))["journey"]
    assert [(s["action"], s["clerk_name"]) for s in journey] == [("issue", None), ("call", ZHANG_WEI)]


async def test_a_chinese_name_only_is_shown_in_both_languages_and_no_name_is_the_login(named_hall: Hall) -> None:
    sup = await named_hall.supervisor()
    await named_hall.counter(4, "ann")  # counter 4 lists ann as its A clerk
    await named_hall.counter(2, "dan")  # no [[clerks]] entry: the login id
    await sup.request("snapshot")
    views = {c["counter"]: c for c in sup.snapshot["counters"]}
    assert views[4]["clerk_name"] == {"zh": "李娜", "en": "李娜"}
    assert views[2]["clerk_name"] == {"zh": "dan", "en": "dan"}


async def test_the_pad_shows_the_configured_name_else_the_accounts(named_hall: Hall) -> None:
    digest = auth.hash_password(PASSWORD)
    named_hall.hub.storage.save_clerk("cat", digest, role="clerk", display_name="Cat the account")
    named_hall.hub.storage.save_clerk("dan", digest, role="clerk", display_name="Dan the account")
    cat = await named_hall.counter(1, "cat")
    pad = await named_hall.pad()
    assert (pad.snapshot["pad"]["clerk"], pad.snapshot["pad"]["clerk_name"]) == ("cat", ZHANG_WEI)
    await cat.request("sign_out")
    await named_hall.counter(1, "dan")  # no [[clerks]] entry: the account's display name
    await pad.request("snapshot")
    assert pad.snapshot["pad"]["clerk_name"] == {"zh": "Dan the account", "en": "Dan the account"}


# ---------------------------------------------------------------------------- the counter program
@pytest.fixture
def named_live_hall(tmp_path: Path) -> Any:
    live = LiveHall(tmp_path, hall_file(tmp_path))
    yield live
    live.close()


@pytest.mark.parametrize("lang, shown", [("zh", "张伟"), ("en", "Zhang Wei")])
def test_the_counter_header_and_compact_bar_show_the_name(
    named_live_hall: LiveHall, qtbot: Any, lang: str, shown: str
) -> None:
    program = open_program(named_live_hall, qtbot, 1, lang=lang)
    counter_sign_in(qtbot, program, "cat")
    qtbot.waitUntil(lambda: shown in program.screen.header.text(), timeout=5000)
    assert "cat" not in program.screen.header.text()
    program.bar.refresh(program.state, lang, "up")
    assert shown in program.bar.counter.text()


# ---------------------------------------------------------------------------- the web pages
def test_the_console_and_the_pad_show_the_name_the_server_sends(named_live_hall: LiveHall, page: Page) -> None:
    live = named_live_hall
    assert live.hall is not None
    clerk = live.run(live.hall.counter(1, "cat"))
    kiosk = live.run(live.hall.kiosk())
    number = live.run(kiosk.request("issue", service="social"))["ticket"]["number"]
    live.run(clerk.request("call_next"))
    sign_in(page, live)
    signed_in(page)
    row = page.locator('tr[data-counter="1"]')
    expect(row).to_contain_text("张伟")
    expect(row.locator("td").nth(1)).to_have_attribute("title", "cat")  # the login, on hover
    expect(page.locator("#signout-counter option")).to_contain_text("张伟")
    page.fill("#journey-number", number)
    page.click("#journey-form button[type=submit]")
    expect(page.locator('#journey-rows tr[data-action="call"] td.who').nth(1)).to_have_text("张伟")

    page.goto(f"{live.http_url}/pad/1?token={PAD_1['token']}")
    expect(page.locator("#clerk-name")).to_have_text("张伟")
    expect(page.locator("#clerk-id")).to_have_text("cat")  # the pad shows the staff ID beside the name
