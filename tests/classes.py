"""A test hall that issues every ticket class, for the tests of the screens that mark a ticket's
class (the wall display, the ticket status page): the test hall with a guide desk (green channel,
its PIN DESK_PIN) and appointments for social security (30-minute slots, four places; the hall's
clock stands at Monday 10:00, so a 10:30 booking checks in now)."""

from __future__ import annotations

from pathlib import Path

from conftest import DESK_PIN, TEST_HALL, Hall

SOCIAL = 'id = "social"\n'


def classes_hall_file(tmp_path: Path) -> Path:
    """tmp_path/hall.toml: the test hall with a guide desk and appointments for social security."""
    text = TEST_HALL.read_text(encoding="utf-8")
    assert text.count(SOCIAL) == 1 and text.count("[server]\n") == 1
    text = text.replace(SOCIAL, SOCIAL + "appointment_slot_minutes = 30\nappointment_quota = 4\n")
    text = text.replace("[server]\n", f'[kiosk]\nstaff_pin = "{DESK_PIN}"\n\n[server]\n')
    text += "\n[appointments]\nenabled = true\nearly_minutes = 30\nlate_minutes = 15\n"
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def issue_each_class(hall: Hall) -> dict[str, str]:
    """One social-security ticket of each class, the way a hall makes them: a walk-in at the
    kiosk, a green-channel ticket from the guide desk, and a booking checked in at the kiosk.
    Returns class → ticket number."""
    kiosk, desk = await hall.desk()
    normal = await kiosk.request("issue", service="social")
    green = await kiosk.request("issue", service="social", priority="green", desk=desk)
    supervisor = await hall.supervisor()
    booking = await supervisor.request(
        "book", service="social", day=str(hall.hub.state.day), start="10:30", name="张三", phone="13812345678"
    )
    appointment = await kiosk.request("check_in", code=booking["booking"]["code"])
    numbers = {
        "normal": normal["ticket"]["number"],
        "green": green["ticket"]["number"],
        "appointment": appointment["ticket"]["number"],
    }
    classes = {normal["ticket"]["priority"], green["ticket"]["priority"], appointment["ticket"]["priority"]}
    assert classes == set(numbers), classes  # the server issued what each ticket is said to be
    return numbers
