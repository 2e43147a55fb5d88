#!/usr/bin/env bash
# Sets up everything hallcall needs on a fresh Debian/Ubuntu machine (or any machine with
# Python 3.11+): the system packages the programs and tests use (a CJK font, the espeak-ng
# speech engine, sox and ALSA tools for sound, the libraries Qt needs), then a virtual
# environment in .venv with hallcall and its test tools installed.
# Sourced by demo.sh and test.sh; safe to run again (it only installs what is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian packages: fonts-wqy-microhei (Chinese glyphs on screens and printed previews),
# espeak-ng (the voice), sox + alsa-utils (measuring and playing WAVs), and the shared
# libraries PySide6 loads even offscreen, and those its X11 (xcb) platform needs to open windows
# on a desktop (the demo).
APT_PACKAGES=(python3-venv  # Debian's python3 makes no virtual environment without it
  fonts-wqy-microhei fonts-dejavu-core espeak-ng sox alsa-utils libegl1 libgl1 libxkbcommon0 libfontconfig1
  libglib2.0-0 libdbus-1-3 fontconfig
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
  chromium  # Debian's Chromium: tests/test_console.py drives the supervisor console with Playwright
  strace  # tests/test_campaign_power.py audits that no answer leaves before its write is synced
  postgresql)  # tests/test_city.py: the city report on a real PostgreSQL (tests/pg.py starts one)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages (sudo): ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: please install these system packages: ${missing[*]}" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "hallcall needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.hallcall-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$stamp"
fi
echo "hallcall is installed in .venv/bin; to type \`hallcall\` in a shell, run \`. .venv/bin/activate\` there first (README, \"Running a hall\")"
