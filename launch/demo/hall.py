"""The demo hall's server: ``assets/demo-hall.toml`` in a fresh data folder, every clerk it
names signed up with one password, and a supervisor for the guide desk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hallcall import config as hall_config
from hallcall.assets import DEMO_HALL
from hallcall.launch.sim import plan
from hallcall.server.accounts import sign_up_hall
from hallcall.server.child import ServerChild, start_server

DEMO_CONFIG = DEMO_HALL
PASSWORD = "demo1234"
SUPERVISOR = "supervisor"


def load() -> hall_config.HallConfig:
    return hall_config.load(DEMO_CONFIG)


def a_clerks(config: hall_config.HallConfig, zone: str) -> dict[int, str]:
    """Each counter of ``zone`` and its first A clerk (AB岗: the one who signs in there first);
    a call at each of the 1F counters fills the 1F display."""
    return {c.number: c.clerks[0] for c in config.counters if c.zone == zone and c.clerks}


def prepare(config: hall_config.HallConfig, data: Path) -> Path:
    """Sign up the demo's clerks and supervisor in ``data``; returns the database's path."""
    return sign_up_hall(DEMO_CONFIG, config, data, PASSWORD, SUPERVISOR)


def start(data: Path, *, port: int = 0, options: tuple[str, ...] = ()) -> ServerChild:
    return start_server(DEMO_CONFIG, data, port=port, options=options)


def moment(config: hall_config.HallConfig, day: dt.date, hhmm: str) -> float:
    """A local time of day in the hall ("08:30") on ``day``, as epoch seconds."""
    return plan.moment(config, day, plan.clock_minutes(hhmm))
