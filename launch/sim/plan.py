"""What a simulated day holds, decided before it runs: who comes when, for what, and how each
visitor behaves at the counter.

Everything here is pure and seeded, so a seed names one day exactly: the same arrivals, the
same services and green tickets, and for every ticket number the same visitor (shows up or
not, how long the service takes, whether it ends in a transfer).  Visitors are keyed by their
ticket number, not by who issued it, so a ticket tapped on a real kiosk screen during the demo
behaves at the counter like one the simulator issued.

The shape of a day is what halls report: a queue at the door when it opens, a peak in the
middle of the morning, a dip over lunch (most services stop issuing), a smaller afternoon
peak, and a trickle before closing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from hallcall.config import HallConfig, Service, parse_hours
from hallcall.server.domain import appointments
from hallcall.server.domain.calendar import business_day, hall_open

# Relative arrival rate by local time of day (hours), linear between the points.
DAY_SHAPE: tuple[tuple[float, float], ...] = (
    (8.0, 0.0),
    (8.5, 1.7),  # the door opens on a queue
    (9.0, 1.3),
    (9.5, 1.7),
    (10.0, 2.0),  # the morning peak
    (10.5, 1.8),
    (11.0, 1.3),
    (11.5, 0.9),
    (12.0, 0.45),  # lunch: few come, most services stop issuing
    (13.0, 0.35),
    (13.5, 1.0),
    (14.5, 1.5),  # the afternoon peak
    (15.5, 1.3),
    (16.5, 0.8),
    (17.5, 0.1),
    (18.0, 0.0),
)


DOOR_MINUTES = 3.0  # those waiting at the door take their tickets within this after opening


def shape_at(hour: float) -> float:
    """The relative arrival rate at a local hour of the day (0 outside 08:00-18:00)."""
    hours = [h for h, _ in DAY_SHAPE]
    if hour <= hours[0] or hour >= hours[-1]:
        return 0.0
    i = bisect.bisect_right(hours, hour)
    (h0, r0), (h1, r1) = DAY_SHAPE[i - 1], DAY_SHAPE[i]
    return r0 + (r1 - r0) * (hour - h0) / (h1 - h0)


BOOKED_SHARE = 0.25  # ``hallcall simulate --booked`` and the demo, where the hall takes appointments

# How a booked visitor comes: within the check-in window, past it (refused ``too_late``, then a
# normal ticket as the kiosk offers), or not at all (the booking stays open, ``missed`` at day end).
ON_TIME, LATE, NEVER = "on_time", "late", "never"
# An on-time visitor comes between 90 % of ``early_minutes`` before the slot and half of
# ``late_minutes`` after its start; a late one 5 to 30 minutes after check-in has closed.  The
# margins keep a visitor on the side of the rule the plan meant when the simulator's clock and
# the server's differ by a fraction of a real second (a few hall minutes at 600x).
EARLY_MARGIN, LATE_MARGIN = 0.9, 0.5
LATE_AFTER_MINUTES = (5.0, 30.0)

MAX_LOAD = 50.0  # far past any real hall; an infinite load would never end the plan
MAX_VISITORS = 50_000  # a service numbers at most 999 tickets a day


SHARES = (
    "green_share",
    "no_show_share",
    "transfer_share",
    "cancel_share",
    "booked_share",
    "late_share",
    "missed_share",
)


@dataclass(frozen=True)
class Profile:
    """How the simulated hall behaves; the defaults are a busy but ordinary weekday.

    ``load`` is the arrivals as a share of what the staffed counters can serve over the same
    hours: 1.0 keeps them just busy on average, so the peak builds a queue that the quieter
    hours clear.  ``mix`` weighs services (service id -> weight); services it leaves out weigh
    by how many counters are set up for them, per minute of handling (see ``service_weights``).
    """

    load: float = 0.85
    visitors: int | None = None  # this many arrivals in the span instead, whatever the staffing
    mix: dict[str, float] = field(default_factory=dict)
    green_share: float = 0.04  # of tickets for services that allow priority
    no_show_share: float = 0.06
    transfer_share: float = 0.04  # end with a transfer to another service
    cancel_share: float = 0.02  # leave while waiting and tell the guide desk
    patience_minutes: tuple[float, float] = (20.0, 60.0)  # how long those wait before they leave
    walk_up_seconds: tuple[float, float] = (15.0, 60.0)
    handle_spread: float = 0.45  # sigma of the log-normal handling time
    break_minutes: tuple[float, float] = (5.0, 12.0)  # one break per clerk per half day
    # Appointments (预约), for services that take them: this share of their visitors booked a slot
    # before the day (off by default: ``hallcall simulate`` and the demo turn it on), and of
    # those, ``late_share`` come after check-in has closed and ``missed_share`` never come.
    booked_share: float = 0.0
    late_share: float = 0.1
    missed_share: float = 0.1

    def __post_init__(self) -> None:
        for name in SHARES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.late_share + self.missed_share > 1.0:
            raise ValueError(
                f"late_share and missed_share together must be at most 1, not {self.late_share + self.missed_share:g}"
            )
        if not (math.isfinite(self.load) and 0 < self.load <= MAX_LOAD):
            raise ValueError(f"load must be above 0 and at most {MAX_LOAD:g}, not {self.load}")
        if self.visitors is not None and not 0 <= self.visitors <= MAX_VISITORS:
            raise ValueError(f"visitors must be 0 to {MAX_VISITORS}, not {self.visitors}")
        for name in ("walk_up_seconds", "patience_minutes"):  # (break_minutes: a longest of 0 means none)
            low, high = getattr(self, name)
            if not (math.isfinite(high) and 0 <= low <= high):
                raise ValueError(f"{name} must be a range from 0 up, low to high, not {(low, high)}")
        for service, weight in self.mix.items():
            if not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"the weight of {service!r} must be a number of 0 or more, not {weight}")


@dataclass(frozen=True)
class Arrival:
    at: float  # epoch seconds (simulated)
    service: str
    priority: str  # "normal" or "green"
    kiosk: str  # the kiosk device the visitor walks to
    booking: int | None = None  # the key of the visitor's booking: checks in with its code instead


@dataclass(frozen=True)
class Booking:
    """A visitor who booked a slot before the day began (the server gives the code when the
    simulator books it), and how they come to it: ON_TIME, LATE or NEVER."""

    key: int  # its place in the day's bookings
    service: str
    day: str  # ISO date
    start: str  # the slot's start, "HH:MM"
    name: str
    phone: str
    comes: str


@dataclass(frozen=True)
class Day:
    """The whole plan of a span: who comes when (walk-ins and booked visitors), and the bookings
    made before it, including those whose visitor never comes."""

    arrivals: list[Arrival]
    bookings: list[Booking]


@dataclass(frozen=True)
class Visitor:
    """How the holder of one ticket behaves when called; drawn from the seed and the number."""

    shows_up: bool
    walk_up_seconds: float
    handle_seconds: float
    transfer_to: str | None  # after being served here, sent on to this service
    leaves_after_seconds: float | None  # gives up waiting and tells the guide desk


def service_weights(config: HallConfig, mix: dict[str, float]) -> dict[str, float]:
    """Each service's share of visitors.

    Without a given weight a service weighs (counters set up for it, a comprehensive window
    counting a half, plus a half) per minute of handling: a hall staffs a service for the
    visitors it expects, so this follows the staffing the config describes.
    """
    weights: dict[str, float] = {}
    for s in config.services:
        if s.id in mix:
            weights[s.id] = mix[s.id]
            continue
        dedicated = sum(1 for c in config.counters if s.id in c.services)
        comprehensive = sum(1 for c in config.counters if not c.services)
        weights[s.id] = (dedicated + 0.5 * comprehensive / max(1, len(config.services)) + 0.5) / max(
            0.5, s.default_handle_minutes
        )
    unknown = set(mix) - {s.id for s in config.services}
    if unknown:
        raise ValueError(f"the mix names services the hall does not have: {', '.join(sorted(unknown))}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("the service mix weighs nothing")
    return {k: v / total for k, v in weights.items()}


def mean_handle_minutes(config: HallConfig, weights: dict[str, float]) -> float:
    return sum(weights[s.id] * s.default_handle_minutes for s in config.services)


def local_hour(epoch: float, tz: dt.tzinfo) -> float:
    moment = dt.datetime.fromtimestamp(epoch, tz)
    return moment.hour + moment.minute / 60 + moment.second / 3600


def expected_arrivals(config: HallConfig, profile: Profile, start: float, end: float) -> float:
    """How many visitors come between two instants: ``load`` times what the counters the
    config staffs serve over the hall's opening hours in that span (or ``visitors``, when the
    profile gives a number, so that staffings can be compared under one crowd).  None come
    in a span without opening hours."""
    open_minutes = _open_minutes(config, start, end)
    if profile.visitors is not None:
        return float(profile.visitors) if open_minutes else 0.0
    weights = service_weights(config, profile.mix)
    staffed = sum(1 for c in config.counters if c.staffed) or 1
    capacity = staffed * open_minutes / mean_handle_minutes(config, weights)
    return profile.load * capacity


def _open_minutes(config: HallConfig, start: float, end: float) -> float:
    """Minutes of the hall's opening hours between two instants (sampled per minute); a day
    that is not one of ``open_days`` has none."""
    return float(sum(1 for t in _minutes(start, end) if hall_open(config, t) is not None))


def opening_minutes(config: HallConfig) -> tuple[int, int]:
    """When the hall first opens and last closes in a day, in minutes after midnight."""
    spans = [parse_hours(text) for text in config.hall.opening_hours]
    return min(a for a, _ in spans), max(b for _, b in spans)


def clock_minutes(hhmm: str) -> int:
    """'08:30' → 510 minutes after midnight; ValueError for anything else."""
    found = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", hhmm)
    if not found:
        raise ValueError(f"{hhmm!r} is not a time of day like 08:30")
    return int(found.group(1)) * 60 + int(found.group(2))


def moment(config: HallConfig, day: dt.date, minutes: int) -> float:
    """``minutes`` after midnight on ``day`` in the hall's time zone, as epoch seconds."""
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=config.tz)
    return (midnight + dt.timedelta(minutes=minutes)).timestamp()


def next_open_day(config: HallConfig, today: dt.date) -> dt.date:
    """The coming Monday (today, if it is one), or the first open day after it: a full weekday,
    whatever day the simulation is run on.  A day is open when the hall is open as it first
    opens that day, by the server's own rule (``hall_open``)."""
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7)
    opens = opening_minutes(config)[0]
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        if hall_open(config, moment(config, day, opens)) is not None:
            return day
    return monday


def plan_arrivals(config: HallConfig, profile: Profile, seed: int, start: float, end: float) -> list[Arrival]:
    """The visitors who come to the kiosks between ``start`` and ``end``, in order.

    A non-homogeneous Poisson process drawn by thinning: candidates at the peak rate, each kept
    with probability rate(t)/peak.  Those who come before the hall opens wait at the door and
    take their tickets in the first minutes after opening.  Otherwise visitors come whether or
    not their service is issuing at that moment; the server's refusal (``service_closed``, over
    lunch) is part of the day.
    """
    rng = random.Random(f"arrivals/{seed}")
    weights = service_weights(config, profile.mix)
    services = list(weights)
    cumulative = list(_accumulate([weights[s] for s in services]))
    by_id = {s.id: s for s in config.services}
    kiosks = [k.name for k in config.devices.kiosks] or ["kiosk"]
    zones = {k.name: k.zone for k in config.devices.kiosks}

    total_shape = sum(shape_at(local_hour(t, config.tz)) for t in _minutes(start, end)) * 60
    expected = expected_arrivals(config, profile, start, end)
    if total_shape <= 0 or expected <= 0:
        return []  # outside the day's shape, or no opening hours in the span: nobody comes
    per_shape_second = expected / total_shape
    peak = max(r for _, r in DAY_SHAPE) * per_shape_second
    opens = opening_minutes(config)[0] / 60
    arrivals: list[Arrival] = []
    t = start
    while True:
        t += rng.expovariate(peak)
        if t >= end:
            return sorted(arrivals, key=lambda a: a.at)
        hour = local_hour(t, config.tz)
        if rng.random() * peak > shape_at(hour) * per_shape_second:
            continue
        service = services[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
        green = by_id[service].priority_allowed and rng.random() < profile.green_share
        kiosk = _kiosk_for(by_id[service], kiosks, zones, rng)
        at = t + (opens - hour) * 3600 + rng.uniform(0, DOOR_MINUTES * 60) if hour < opens else t
        if at < end:
            arrivals.append(Arrival(at, service, "green" if green else "normal", kiosk))


def takes_appointments(config: HallConfig) -> bool:
    """Whether visitors can book anything in this hall: ``[appointments] enabled`` and a service
    with slots and a quota."""
    return any(appointments.takes_appointments(config, s) for s in config.services)


def plan_day(config: HallConfig, profile: Profile, seed: int, start: float, end: float) -> Day:
    """The span's plan: :func:`plan_arrivals`'s visitors, of whom ``booked_share`` of those who
    come for a service taking appointments booked a slot beforehand.

    A booked visitor takes the first slot of the day with a place left (its quota, as the
    server counts it) whose on-time window ends after the moment they would have come, and
    that lies in the span.  Then, drawn once from the seed: ``late_share`` come 5-30 minutes
    after check-in has closed (the server refuses them ``too_late``; they take a normal ticket),
    ``missed_share`` never come, and the others come at a uniformly drawn moment of the
    window (EARLY_MARGIN, LATE_MARGIN).  A late visitor whose moment falls after the span comes
    on time instead.  A visitor with no slot left comes as a walk-in, as planned."""
    arrivals = plan_arrivals(config, profile, seed, start, end)
    if profile.booked_share <= 0 or not arrivals:
        return Day(arrivals, [])
    rng = random.Random(f"bookings/{seed}")
    day = business_day(config, start)  # the day the server books for and checks in on
    rules = config.appointments
    early, late = rules.early_minutes * 60, rules.late_minutes * 60
    slots = {
        s.id: [
            (appointments.slot_start(config, day, slot.start).timestamp(), slot.start)
            for slot in appointments.slots(config, s, dt.date.fromisoformat(day))
        ]
        for s in config.services
    }
    quota = {s.id: s.appointment_quota for s in config.services}
    taken: Counter[tuple[str, str]] = Counter()
    out: list[Arrival] = []
    bookings: list[Booking] = []
    for a in arrivals:
        if a.priority != "normal" or not slots[a.service] or rng.random() >= profile.booked_share:
            out.append(a)
            continue
        draw = rng.random()
        comes = ON_TIME
        if draw < profile.late_share:
            comes = LATE
        elif draw < profile.late_share + profile.missed_share:
            comes = NEVER
        when, past = rng.random(), rng.uniform(*LATE_AFTER_MINUTES) * 60
        phone = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
        window = None
        for begins, hhmm in slots[a.service]:
            low, high = max(begins - EARLY_MARGIN * early, start), min(begins + LATE_MARGIN * late, end - 1)
            if taken[a.service, hhmm] < quota[a.service] and high > max(low, a.at):
                window = begins, hhmm, low, high
                break
        if window is None:  # every slot from then on is full: a walk-in after all
            out.append(a)
            continue
        begins, hhmm, low, high = window
        taken[a.service, hhmm] += 1
        key = len(bookings)
        if comes == LATE and begins + late + past >= end:
            comes = ON_TIME
        bookings.append(Booking(key, a.service, day, hhmm, f"预约访客{key + 1:03d}", phone, comes))
        if comes != NEVER:
            at = begins + late + past if comes == LATE else low + when * (high - low)
            out.append(Arrival(at, a.service, a.priority, a.kiosk, booking=key))
    return Day(sorted(out, key=lambda a: a.at), bookings)


def _kiosk_for(service: Service, kiosks: list[str], zones: dict[str, str], rng: random.Random) -> str:
    """Visitors use a kiosk on their service's floor when there is one, else any kiosk."""
    near = [k for k in kiosks if service.zone and zones.get(k) == service.zone]
    return rng.choice(near or kiosks)


def _minutes(start: float, end: float) -> list[float]:
    return [start + 60 * i + 30 for i in range(max(0, math.ceil((end - start) / 60)))]


def _accumulate(values: list[float]) -> list[float]:
    out, total = [], 0.0
    for v in values:
        total += v
        out.append(total)
    return out


def visitor(config: HallConfig, profile: Profile, seed: int, number: str, service: str, transfers: int = 0) -> Visitor:
    """The visitor holding ``number``, at the counter for ``service`` (after ``transfers``
    transfers).  The same arguments give the same visitor, whoever issued the ticket."""
    rng = random.Random(f"visitor/{seed}/{number}/{transfers}")
    by_id = {s.id: s for s in config.services}
    mean = by_id[service].default_handle_minutes * 60 if service in by_id else 360.0
    sigma = profile.handle_spread
    # A log-normal with the configured mean: mu = ln(mean) - sigma^2 / 2.
    handle = rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)
    shows_up = transfers > 0 or rng.random() >= profile.no_show_share
    transfer_to = None
    if transfers == 0 and rng.random() < profile.transfer_share:
        others = [s.id for s in config.services if s.id != service]
        transfer_to = rng.choice(others) if others else None
    patience = (60 * profile.patience_minutes[0], 60 * profile.patience_minutes[1])
    leaves = rng.uniform(*patience) if transfers == 0 and rng.random() < profile.cancel_share else None
    return Visitor(
        shows_up=shows_up,
        walk_up_seconds=rng.uniform(*profile.walk_up_seconds),
        handle_seconds=max(30.0, handle),
        transfer_to=transfer_to,
        leaves_after_seconds=leaves,
    )


def clerk_break(seed: int, counter: int, profile: Profile, start: float, end: float) -> tuple[float, float] | None:
    """When a counter's clerk takes a break, and for how many seconds: one break, somewhere in
    the middle half of the span; None when the profile gives no breaks."""
    low, high = profile.break_minutes
    if high <= 0:
        return None
    rng = random.Random(f"break/{seed}/{counter}")
    at = rng.uniform(start + (end - start) * 0.25, start + (end - start) * 0.75)
    return at, 60 * rng.uniform(low, high)
