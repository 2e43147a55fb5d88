"""Guards against a Qt binding that breaks every long-running screen.

PySide6 6.12.0 drops a reference to ``True`` on every ``Signal.emit()``; after a few hundred
signals the interpreter aborts ("bool_dealloc: deallocating True or False").  A hall display
emits thousands a day, so pyproject.toml keeps 6.12.0 out; this test fails if such a build
comes back in."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(str, object)


def test_emitting_signals_leaves_the_refcount_of_true_alone(qtbot: object) -> None:
    emitter = _Emitter()
    received: list[str] = []
    emitter.changed.connect(lambda name, payload: received.append(name))
    before = sys.getrefcount(True)
    for i in range(200):
        emitter.changed.emit("tick", {"i": i})
    after = sys.getrefcount(True)
    assert len(received) == 200
    assert abs(after - before) < 20, f"refcount of True went from {before} to {after} over 200 emits"
