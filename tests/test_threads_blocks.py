"""Blocks of work spread over threads (trtdsl._threads): every block done once, the caller's NumPy error
state in every thread, the first error raised after every thread has stopped."""

import threading

import numpy as np
import pytest

from trtdsl import _threads
from trtdsl.layers._erf import erf, gelu


@pytest.fixture(params=[1, 2, 4])
def cores(request, monkeypatch):
    monkeypatch.setattr(_threads._free, "now", lambda: request.param)
    return request.param


def test_every_block_is_done_once_and_the_helpers_take_a_share(cores):
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()
    gate = threading.Barrier(cores, timeout=10)

    def work(starts):
        gate.wait()  # every thread holds the iterator before any block is taken
        for start in starts:
            with lock:
                seen.append((start, threading.get_ident()))

    _threads.run_blocks(1000, 7, work)
    assert sorted(start for start, _ in seen) == list(range(0, 1000, 7))
    assert len({ident for _, ident in seen}) <= cores


def test_the_callers_error_state_holds_in_the_helpers(cores):
    flags = []

    def work(starts):
        for _ in starts:
            flags.append(np.geterr()["invalid"])

    with np.errstate(invalid="raise"):
        _threads.run_blocks(64, 1, work)
    assert set(flags) == {"raise"}


def test_an_error_in_any_thread_reaches_the_caller_after_all_stop(cores):
    running = []

    def work(starts):
        running.append(1)
        for start in starts:
            if start == 40:
                raise FloatingPointError(f"block {start}")
        running.pop()

    with pytest.raises(FloatingPointError, match="block 40"):
        _threads.run_blocks(100, 1, work)
    assert len(running) == 1  # only the failed one never finished: no thread still runs


def test_kernels_give_the_same_bits_on_any_number_of_cores(monkeypatch):
    x = (np.random.default_rng(0).standard_normal(300_001) * 3).astype(np.float32)
    x[::1001] = np.nan
    found = {}
    for count in (1, 2, 3):
        monkeypatch.setattr(_threads._free, "now", lambda: count)
        with np.errstate(all="ignore"):
            found[count] = (gelu(x).view(np.int32), erf(x).view(np.int32))
    for count in (2, 3):
        np.testing.assert_array_equal(found[count][0], found[1][0])
        np.testing.assert_array_equal(found[count][1], found[1][1])
