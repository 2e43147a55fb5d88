"""``hallcall simulate``: a simulated day for a hall's own config, to try its staffing first.

It never touches the hall's own database.  A fresh server for the config runs in a temporary
folder on a simulated clock, every clerk the config names is signed up there with a throwaway
password, and the simulator plays the day (see docs/demo.md).  It prints the day's figures
per service, and writes them to ``--out`` when given.  Change the config (another counter, a
different service list on one) and run it again to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from hallcall import config as hall_config
from hallcall.i18n import ERRORS, Strings

from . import plan

SUPERVISOR = "simulated-guide-desk"
SPARE_CLERK = "simulated-{counter}"  # signs in at a counter that any clerk may work
LEAD_MINUTES = 20  # the server's clock starts this long before the first arrival: sign-ins


# What the command prints around the figures' table, in the figures' language.
WORDS = Strings(
    {
        "title": ("{hall}，{day}，种子 {seed}，负荷 {load}", "{hall}, {day}, seed {seed}, load {load}"),
        "arrivals": (
            "到达 {planned} 人，取号 {issued} 张，未取到号 {refused}",
            "arrivals {planned}, issued {issued}, refused {refused}",
        ),
        "clerks": (
            "窗口：呼叫 {calls} 次，办结 {finishes}，过号 {no_shows}，转办 {transfers}，"
            "暂停 {breaks} 次；导办台取消 {cancels} 张",
            "clerks: {calls} calls, {finishes} finished, {no_shows} no-shows, {transfers} transfers, {breaks} breaks; "
            "guide desk cancelled {cancels}",
        ),
        "bookings": (
            "预约：导办台预订 {made} 个（未订上 {refused}），签到 {checked_in}，"
            "迟到被拒 {late_refused}（改取普通号 {late}），未到 {not_come}",
            "bookings: the guide desk booked {made} (refused {refused}), {checked_in} checked in, "
            "{late_refused} too late ({late} took a normal ticket), {not_come} did not come",
        ),
        "refusal": ("{n} 人（{why}）", "{n} ({why})"),
        "wrote": ("已写入 {path}", "wrote {path}"),
    }
)  # fmt: skip


def _refusals(refused: Counter[str], lang: str) -> str:
    """Why visitors got no ticket, by the server's error code, in words: ``0``, or ``50 (This
    service is not issuing tickets now)``."""
    if not refused:
        return "0"
    parts = []
    for code, n in refused.most_common():
        why = ERRORS.get(code, {}).get(lang, code).rstrip("。.")
        parts.append(WORDS("refusal", lang, n=n, why=why))
    return ("，" if lang == "zh" else ", ").join(parts)


def _hhmm(text: str) -> int:
    """A time of day for argparse, as minutes after midnight."""
    try:
        return plan.clock_minutes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def _mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        service, _, weight = part.partition("=")
        try:
            mix[service.strip()] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not service=weight, e.g. social=3") from None
    return mix


def _numbers(text: str) -> set[int]:
    try:
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of counter numbers like 1,2,5") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the hall's TOML file")
    parser.add_argument("--day", type=_day, help="the day to play (default: the coming Monday, or the next open day)")
    parser.add_argument("--from", dest="start", type=_hhmm, help="first arrivals (default: the hall opens)")
    parser.add_argument("--to", dest="arrivals_end", type=_hhmm, help="last arrivals (default: the hall closes)")
    parser.add_argument("--until", type=_hhmm, help="the clerks stop calling (default: 30 minutes after --to)")
    parser.add_argument("--speed", type=float, default=600.0, help="times real time (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="the day's seed (default: %(default)s)")
    parser.add_argument(
        "--load",
        type=float,
        default=0.85,
        help=(
            "arrivals as a share of what the hall serves at full staffing (every counter the config staffs), "
            "also when --counters names fewer: 0.85 with half the counters is 1.7 for those (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--visitors", type=int, help="this many arrivals instead, to compare staffings (--counters) under one crowd"
    )
    parser.add_argument("--mix", type=_mix, default={}, help="service weights, e.g. social=3,medical=2")
    parser.add_argument(
        "--booked",
        type=float,
        metavar="SHARE",
        help=(
            "the share of visitors for services taking appointments who booked a slot beforehand; 0 = nobody "
            f"(default: {plan.BOOKED_SHARE} when the config takes appointments, else 0)"
        ),
    )
    parser.add_argument(
        "--counters", type=_numbers, help="the counters with a clerk, e.g. 1,2,5 (default: those the config staffs)"
    )
    parser.add_argument("--lang", choices=("zh", "en"), help="the figures' language (default: the hall's first)")
    parser.add_argument("--out", type=Path, help="also write figures.json and figures.txt into this folder")


def run(args: argparse.Namespace) -> int:
    from hallcall.server.accounts import sign_up_hall
    from hallcall.server.child import ServerDidNotStart, start_server

    from . import runner
    from .figures import read_figures

    try:
        config = hall_config.load(args.config)
    except hall_config.ConfigError as exc:
        print(f"hallcall simulate: config error: {exc}", file=sys.stderr)
        return 2
    opens, closes = plan.opening_minutes(config)
    start = opens if args.start is None else args.start
    arrivals_end = closes if args.arrivals_end is None else args.arrivals_end
    until = arrivals_end + 30 if args.until is None else args.until
    numbers = {c.number for c in config.counters}
    problem = ""
    if not start < arrivals_end <= until:
        problem = "--from must come before --to, and --to no later than --until"
    elif not 0 < args.speed <= 1000:
        problem = f"--speed must be above 0 and at most 1000, not {args.speed}"
    elif args.counters is not None and not args.counters:
        problem = "--counters names no counter"
    elif args.counters and args.counters - numbers:
        problem = f"--counters: the hall has no counter {', '.join(str(n) for n in sorted(args.counters - numbers))}"
    elif not config.devices.kiosks:
        problem = f"{args.config} has no kiosks ([devices] kiosks) for the visitors to take tickets at"
    elif args.booked is not None and not 0 <= args.booked <= 1:
        problem = f"--booked must be between 0 and 1, not {args.booked}"
    elif args.booked and not plan.takes_appointments(config):
        problem = (
            f"--booked: {args.config} takes no appointments ([appointments] enabled = true, and a service with "
            "appointment_slot_minutes and appointment_quota)"
        )
    day = args.day or plan.next_open_day(config, dt.date.today())
    booked = args.booked if args.booked is not None else plan.BOOKED_SHARE if plan.takes_appointments(config) else 0.0
    try:
        profile = plan.Profile(load=args.load, visitors=args.visitors, mix=args.mix, booked_share=booked)
        plan.service_weights(config, profile.mix)
    except ValueError as exc:
        problem = problem or str(exc)
    if problem:
        print(f"hallcall simulate: {problem}", file=sys.stderr)
        return 2
    begin, stop = plan.moment(config, day, start), plan.moment(config, day, arrivals_end)
    if not plan.plan_arrivals(config, profile, args.seed, begin, stop):
        print(f"hallcall simulate: nobody comes on {day} in that span: the hall is closed then", file=sys.stderr)
        return 2
    data = Path(tempfile.mkdtemp(prefix="hallcall-simulate-"))
    password = secrets.token_urlsafe(12)
    try:
        spare = tuple(SPARE_CLERK.format(counter=c.number) for c in config.counters if c.open_to_any_clerk)
        database = sign_up_hall(Path(args.config), config, data, password, SUPERVISOR, spare)
        clock = dt.datetime.fromtimestamp(plan.moment(config, day, start - LEAD_MINUTES), config.tz)
        options = ("--clock-start", clock.strftime("%Y-%m-%dT%H:%M"), "--clock-speed", str(args.speed))
        try:
            # absolute: the server child runs in another folder, and a relative --config is the reader's
            server = start_server(Path(args.config).resolve(), data, options=options)
        except ServerDidNotStart as exc:
            print(f"hallcall simulate: {exc}", file=sys.stderr)
            return 1
        try:
            settings = runner.Settings(
                config,
                server.url,
                password,
                args.seed,
                begin,
                stop,
                plan.moment(config, day, until),
                profile=profile,
                supervisor=(SUPERVISOR, password),
                spare_clerk=SPARE_CLERK,
                counters=args.counters,
            )
            report = asyncio.run(runner.simulate(settings))
        finally:
            server.stop()
        figures = read_figures(
            database,
            config,
            report.day,
            until=plan.moment(config, day, until),
            estimates=report.estimates,
            late=report.bookings.late,
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)
    lang = args.lang or config.hall.languages[0]
    c = report.clerks
    print(WORDS("title", lang, hall=config.hall.name.get(lang), day=report.day, seed=args.seed, load=args.load))
    refused = _refusals(report.refused, lang)
    print(WORDS("arrivals", lang, planned=report.planned, issued=report.issued, refused=refused))
    counts = {"calls": c.calls, "finishes": c.finishes, "no_shows": c.no_shows, "transfers": c.transfers}
    print(WORDS("clerks", lang, breaks=c.breaks, cancels=report.cancels, **counts))
    b = report.bookings
    if b.planned:
        made = {"made": len(b.made), "refused": _refusals(b.refused, lang), "checked_in": len(b.checked_in)}
        print(WORDS("bookings", lang, late_refused=b.late_refused, late=len(b.late), not_come=b.not_come, **made))
    print()
    print(figures.table(lang))
    if args.out is not None:
        for path in figures.write(args.out):
            print(WORDS("wrote", lang, path=path))
    for problem in report.errors:
        print(f"hallcall simulate: {problem}", file=sys.stderr)
    return 0 if figures.adds_up() and not report.errors else 1
