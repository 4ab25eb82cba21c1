"""Progress of long work a person waits for (calibration over many batches, for instance): one line on
stderr, redrawn in place, shown only when stderr is a terminal (never in logs, pipes or tests' captured
output).

>>> import io
>>> class Terminal(io.StringIO):
...     def isatty(self):
...         return True
>>> screen = Terminal()
>>> list(counted([10, 20, 30], "calibrate", "batches", stream=screen))
[10, 20, 30]
>>> screen.getvalue().split("\\r\\x1b[K")[-1]
'calibrate: 3/3 batches done\\n'
>>> quiet = io.StringIO()                     # not a terminal: nothing is written
>>> list(counted([10, 20], "calibrate", "batches", stream=quiet)), quiet.getvalue()
([10, 20], '')
"""

from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator, Sized, TextIO, TypeVar

T = TypeVar("T")

# Redrawing at most this often (seconds) keeps the cost of the display negligible for quick items.
_INTERVAL = 0.1


def counted(items: Iterable[T], label: str, unit: str, *, stream: TextIO | None = None) -> Iterator[T]:
    """``items``, one by one, counting them on ``stream`` (stderr by default) as ``label: done/total
    unit`` (``done unit`` when ``items`` has no length) when ``stream`` is a terminal."""
    out = sys.stderr if stream is None else stream
    if not getattr(out, "isatty", lambda: False)():
        yield from items
        return
    total = f"/{len(items)}" if isinstance(items, Sized) else ""
    shown = 0.0
    done = 0
    finished = False

    def draw(end: str) -> None:
        out.write(f"\r\x1b[K{label}: {done}{total} {unit}{end}")
        out.flush()

    draw("")
    try:
        for item in items:
            yield item
            done += 1
            if time.monotonic() - shown >= _INTERVAL:
                shown = time.monotonic()
                draw("")
        finished = True
    finally:  # an error or an early stop leaves the count where it stopped
        draw(" done\n" if finished else "\n")
