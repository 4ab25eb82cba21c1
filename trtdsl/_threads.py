"""The cores the reference may use right now, and work split into blocks over that many threads.

Other processes may want the cores too. :func:`free_cores` counts the cores they leave idle: the cores
this process may run on (:func:`cores`), less the runnable tasks of other processes in ``/proc/loadavg``
(at least 1), looked up at most every 0.2 s. Where there is no ``/proc`` (not Linux) it is every core.

:func:`run_blocks` runs an elementwise kernel block by block on the calling thread and, where
:func:`free_cores` allows, on threads of a pool shared by the process: every thread draws the next block
from one counter, so a thread that the OS deschedules leaves its blocks to the others rather than holding
up the result. NumPy releases the interpreter lock inside its loops, so blocks large enough that a loop
outlasts the lock's hand-over (tens of thousands of elements) run on the cores at once. Each element is
computed by the same operations whichever thread computes it, so results do not depend on the threads.

>>> out = np.zeros(10)
>>> def fill(parts):
...     for part in parts:
...         out[part] = part.start
>>> run_blocks(10, 4, fill)
>>> out
array([0., 0., 0., 0., 4., 4., 4., 4., 8., 8.])
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

_RECHECK_S = 0.2
_MOST_THREADS = 8
# Elements per block: a few temporaries of this size stay in a core's cache, and NumPy's loops over one
# outlast the hand-over of the interpreter lock (on 2 cores, GELU over 16384-element blocks gained
# nothing from a second thread; over 65536, 1.6x).
BLOCK = 65536


def others_running() -> int | None:
    """The runnable tasks of other processes right now, or None where ``/proc`` does not tell."""
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
        own = 0
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/stat") as f:
                own += f.read().rpartition(")")[2].split()[0] == "R"
    except (OSError, ValueError, IndexError):
        return None
    return max(running - own, 0)


def cores() -> int:
    """The cores this process may run on, at most ``TRTDSL_NUM_THREADS`` where that is set to a positive
    int (``TRTDSL_NUM_THREADS=1`` keeps the reference's own kernels on the calling thread).

    >>> cores() >= 1
    True
    """
    found = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    cap = os.environ.get("TRTDSL_NUM_THREADS", "")
    return min(found, int(cap)) if cap.isdigit() and int(cap) > 0 else found


class _Free:
    """:func:`free_cores`' last count and when it was taken."""

    def __init__(self) -> None:
        self.checked = -float("inf")
        self.count = 1

    def now(self) -> int:
        now = time.monotonic()
        if now - self.checked >= _RECHECK_S:
            self.checked = now
            others = others_running()
            self.count = cores() if others is None else max(1, cores() - others)
        return self.count


_free = _Free()


def free_cores() -> int:
    """The cores other processes leave idle right now (at least 1; see the module)."""
    return _free.now()


class _Pool:
    """The process's pool of helper threads, made when first needed and made again in a child process
    after ``fork`` (whose copy of the pool has no threads)."""

    def __init__(self) -> None:
        self.executor: ThreadPoolExecutor | None = None
        self.pid = 0
        self.lock = threading.Lock()

    def get(self) -> ThreadPoolExecutor:
        with self.lock:
            if self.executor is None or self.pid != os.getpid():
                self.executor = ThreadPoolExecutor(_MOST_THREADS - 1, thread_name_prefix="trtdsl")
                self.pid = os.getpid()
            return self.executor


_pool = _Pool()


def run_blocks(size: int, block: int, work: Callable[[Iterator[slice]], None]) -> None:
    """Call ``work(parts)`` on this thread and on up to ``free_cores() - 1`` pool threads, each drawing
    from one shared iterator of the slices ``[start, start + block)`` that cover ``range(size)``; return
    when all are done, raising the first exception any of them raised. The pool threads run ``work``
    under the caller's ``np.errstate``."""
    parts = (slice(start, min(start + block, size)) for start in range(0, size, block))
    helpers = min(free_cores(), -(-size // block), _MOST_THREADS) - 1
    if helpers < 1:
        work(parts)
        return
    lock = threading.Lock()

    def shared() -> Iterator[slice]:
        while True:
            with lock:
                part = next(parts, None)
            if part is None:
                return
            yield part

    settings = np.geterr()  # NumPy 1 keeps the error state per thread, NumPy 2 per context

    def helper() -> None:
        with np.errstate(**settings):
            work(shared())

    executor = _pool.get()
    futures: list[Future[None]] = [executor.submit(helper) for _ in range(helpers)]
    try:
        work(shared())
    finally:
        failures = [future.exception() for future in futures]  # waits: no thread writes after we return
    for failure in failures:
        if failure is not None:
            raise failure


def run_rows(rows: int, length: int, work: Callable[[Iterator[slice]], None]) -> None:
    """:func:`run_blocks` over the rows of a ``(rows, length)`` matrix: blocks of whole rows, about
    :data:`BLOCK` elements each."""
    run_blocks(rows, max(1, BLOCK // max(length, 1)), work)


__all__ = ["BLOCK", "cores", "free_cores", "others_running", "run_blocks", "run_rows"]
