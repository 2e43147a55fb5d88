"""The files hallcall ships: the demo hall, the chime, the web page templates and the
deployment examples.  Installed as package data (``hallcall.assets``), so a ``pip install``
finds them where a clone does."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEMO_HALL = ROOT / "demo-hall.toml"
SOUNDS = ROOT / "sounds"
WEB = ROOT / "web"
