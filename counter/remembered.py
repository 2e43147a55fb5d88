"""The hall's and the counter's names, remembered for the next sign-in page.

Before a clerk signs in the program cannot ask the server anything (a counter's hello carries
the clerk's password), yet the page should say which hall and counter it is.  So the names
the server gave in the last session are kept (QSettings: a small file in the user's
configuration folder, one entry per server address and counter) and shown until the next
snapshot says otherwise.  Without a settings object nothing is kept (tests, demos).
"""

from __future__ import annotations

from urllib.parse import quote

from PySide6.QtCore import QSettings

from hallcall.config import Names

FIELDS = ("hall_zh", "hall_en", "counter_zh", "counter_en")


class NameMemory:
    """``recall()`` the names kept for this server and counter; ``keep()`` new ones."""

    def __init__(self, settings: QSettings | None, url: str, counter: int) -> None:
        self.settings = settings
        self.group = f"{quote(url, safe='')}-{counter}"  # "/" would nest QSettings groups

    def recall(self) -> tuple[Names | None, Names | None]:
        if self.settings is None:
            return None, None
        self.settings.beginGroup(self.group)
        values = [str(self.settings.value(f, "") or "") for f in FIELDS]
        self.settings.endGroup()
        hall = Names(zh=values[0], en=values[1]) if any(values[:2]) else None
        counter = Names(zh=values[2], en=values[3]) if any(values[2:]) else None
        return hall, counter

    def keep(self, hall: Names, counter: Names | None) -> None:
        if self.settings is None or (hall, counter) == self.recall():
            return
        self.settings.beginGroup(self.group)
        values = (hall.zh, hall.en, counter.zh if counter else "", counter.en if counter else "")
        for field, value in zip(FIELDS, values, strict=True):
            self.settings.setValue(field, value)
        self.settings.endGroup()
        self.settings.sync()
