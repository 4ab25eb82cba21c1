"""How many threads NumPy's BLAS may use while the reference interpreter runs.

OpenBLAS splits a matrix product statically between its threads and synchronises them many times per
product. When other processes compete for the cores, a thread that the OS has descheduled stalls every
synchronisation: on 2 busy cores a product with 2 threads ran about 5 times slower than with 1 thread.
So while a network runs, the BLAS gets as many threads as there are cores not wanted by other processes
(at least 1, at most what it had), counted from the runnable tasks in ``/proc/loadavg`` less this
process's own; afterwards it gets back its own count. The count is taken at most every 0.2 s.

Where there is no ``/proc`` (not Linux) or NumPy's BLAS is not OpenBLAS, the threads are left alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import time
from collections.abc import Iterator
from typing import Any

from trtdsl.layers._blas import openblas_libraries

_RECHECK_S = 0.2
_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")


def _openblas() -> tuple[Any, Any] | None:
    """The (set, get) thread-count functions of the OpenBLAS this process has loaded, or None."""
    for lib in openblas_libraries():
        for set_name, get_name in zip(_SETTERS, _GETTERS):
            setter, getter = getattr(lib, set_name, None), getattr(lib, get_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                return setter, getter
    return None


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


class _Policy:
    def __init__(self) -> None:
        self.looked_up = False
        self.blas: tuple[Any, Any] | None = None
        self.checked = -float("inf")
        self.threads = 0

    def threads_for_now(self, own: int) -> int:
        now = time.monotonic()
        if now - self.checked >= _RECHECK_S:
            self.checked = now
            others = others_running()
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            self.threads = own if others is None else max(1, min(own, cores - others))
        return self.threads


_policy = _Policy()


@contextlib.contextmanager
def threads_for_load() -> Iterator[None]:
    """Within the block, OpenBLAS uses no more threads than there are cores other processes leave idle."""
    if not _policy.looked_up:
        _policy.blas, _policy.looked_up = _openblas(), True
    if _policy.blas is None:
        yield
        return
    setter, getter = _policy.blas
    own = getter()
    threads = _policy.threads_for_now(own)
    if threads == own:
        yield
        return
    setter(threads)
    try:
        yield
    finally:
        setter(own)


__all__ = ["threads_for_load", "others_running"]
