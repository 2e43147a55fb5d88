"""``hallcall simulate``: a hall's own config played for a stretch of a day, as a planner runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TEST_HALL


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hallcall.launch.cli", "simulate", "--config", str(TEST_HALL), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)


@pytest.mark.timeout(240)
def test_a_simulated_stretch_prints_and_writes_figures_that_add_up(tmp_path: Path) -> None:
    done = simulate("--from", "09:00", "--to", "09:40", "--counters", "1,3,4", "--seed", "5", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "取号 = 办结 + 过号 + 取消 + 等候（+ 未结）：核对无误" in done.stdout
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert figures["adds_up"] is True
    total = figures["total"]
    assert total["issued"] > 0 and total["served"] > 0
    # counter 1 (comprehensive, open to any clerk) and 3 (consultation) were staffed on request
    consult = next(s for s in figures["services"] if s["service"] == "consult")
    assert consult["issued"] > 0 and consult["served"] + consult["no_show"] > 0
    text = (tmp_path / "figures.txt").read_text(encoding="utf-8")
    assert text.startswith("服务") and "\nService " in text  # Chinese, then English


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--counters", "9"), "--counters: the hall has no counter 9"),
        (("--mix", "nosuch=2"), "the mix names services the hall does not have: nosuch"),
        (("--from", "10:00", "--to", "09:00"), "--from must come before --to"),
        (("--from", "25:00"), "'25:00' is not a time of day like 08:30"),
        (("--speed", "0"), "--speed must be above 0"),
        (("--counters", ""), "--counters names no counter"),
        (("--load", "inf"), "load must be above 0 and at most 50, not inf"),
        (("--mix", "social=nan"), "the weight of 'social' must be a number of 0 or more, not nan"),
        (("--from", "19:00", "--to", "23:00"), "nobody comes on"),
    ],
)
def test_bad_options_are_named_and_nothing_runs(args: tuple[str, ...], problem: str) -> None:
    done = simulate(*args)
    assert done.returncode == 2
    assert problem in done.stderr


def test_a_broken_config_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "hall.toml"
    broken.write_text(TEST_HALL.read_text(encoding="utf-8").replace("[hall]", "[hall", 1), encoding="utf-8")
    command = [sys.executable, "-m", "hallcall.launch.cli", "simulate", "--config", str(broken)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "config error" in done.stderr and "hall.toml" in done.stderr


@pytest.mark.timeout(240)
def test_an_overloaded_stretch_speaks_one_language_and_counts_those_still_waiting(tmp_path: Path) -> None:
    """Counter 3 alone (consultation) against three times the load, tax tickets capped at 5: many
    are refused and most are still waiting when the clerks stop.  Every line is in the chosen
    language, refusals are said in words, and the waits count those still waiting."""
    args = ("--from", "09:00", "--to", "09:40", "--counters", "3", "--load", "3", "--mix", "tax=5,social=1")
    zh = simulate(*args, "--seed", "2", "--out", str(tmp_path))
    assert zh.returncode == 0, zh.stdout + zh.stderr
    head = zh.stdout.split("\n服务", 1)[0]
    assert "{" not in head and "'" not in head  # no Python dict
    assert not re.search(r"[A-Za-z]{3,}", head.replace("Test Hall", "")), head  # no English words
    assert "未取到号" in head and "该业务今日号已取完" in head
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    total = figures["total"]
    assert total["waiting"] > 0 and 0 < total["waits_so_far"] <= total["waiting"]
    assert f"结束时仍在等候的 {total['waits_so_far']} 人计至结束" in zh.stdout
    # the longest wait is one still waiting at the end, from near the start to the clerks' stop at 10:10
    assert total["max_wait_minutes"] > 40

    en = simulate(*args, "--seed", "2", "--lang", "en")
    assert en.returncode == 0, en.stdout + en.stderr
    assert not re.search(r"[\u4e00-\u9fff]", en.stdout), en.stdout
    assert "refused " in en.stdout and "(This service has no tickets left today)" in en.stdout
    assert f"the {total['waits_so_far']} still waiting at the end count up to then" in en.stdout


def test_load_is_explained_as_a_share_of_full_staffing() -> None:
    done = simulate("--help")
    said = " ".join(done.stdout.split())
    assert "full staffing" in said and "also when --counters names fewer" in said
