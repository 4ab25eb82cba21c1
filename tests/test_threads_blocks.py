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

    def work(parts):
        gate.wait()  # every thread holds the iterator before any block is taken
        for part in parts:
            with lock:
                seen.append((part, threading.get_ident()))

    _threads.run_blocks(1000, 7, work)
    covered = np.zeros(1000, int)
    for part, _ in seen:
        covered[part] += 1
    assert covered.tolist() == [1] * 1000 and all(p.stop - p.start <= 7 for p, _ in seen)
    assert len({ident for _, ident in seen}) <= cores


def test_the_callers_error_state_holds_in_the_helpers(cores):
    flags = []

    def work(parts):
        for _ in parts:
            flags.append(np.geterr()["invalid"])

    with np.errstate(invalid="raise"):
        _threads.run_blocks(64, 1, work)
    assert set(flags) == {"raise"}


def test_an_error_in_any_thread_reaches_the_caller_after_all_stop(cores):
    running = []

    def work(parts):
        running.append(1)
        for part in parts:
            if part.start == 40:
                raise FloatingPointError(f"block {part.start}")
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


def test_row_kernels_give_the_same_bits_on_any_number_of_cores_and_match_the_formula(monkeypatch):
    from trtdsl.layers.normalization import Normalization
    from trtdsl.layers.softmax import SoftMax

    rng = np.random.default_rng(1)
    x = (rng.standard_normal((3, 700, 300)) * 4 + 1).astype(np.float32)  # 630,000 values: several blocks
    x[1, 5, 7] = np.nan
    scale = rng.standard_normal((1, 1, 300)).astype(np.float32)
    bias = rng.standard_normal((1, 1, 300)).astype(np.float32)
    found = {}
    for count in (1, 2, 3):
        monkeypatch.setattr(_threads._free, "now", lambda: count)
        with np.errstate(all="ignore"):
            (p,) = SoftMax(2).reference(x)
            (y,) = Normalization((2,), 1e-5, 1).reference(x, scale, bias)
        found[count] = (p, y)
    for count in (2, 3):
        for got, want in zip(found[count], found[1]):
            np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))
    v = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        e = np.exp(v - v.max(2, keepdims=True))
        y = (v - v.mean(2, keepdims=True)) / np.sqrt(v.var(2, keepdims=True) + 1e-5) * scale + bias
    np.testing.assert_allclose(found[1][0], e / e.sum(2, keepdims=True), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(found[1][1], y, rtol=1e-4, atol=1e-4)
    assert np.isnan(found[1][0][1, 5]).all() and np.isnan(found[1][1][1, 5]).all()


def test_convolution_columns_copied_by_several_threads_give_the_same_bits(monkeypatch):
    import trtdsl as td

    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 6, 40, 40)).astype(np.float32)
    w = rng.standard_normal((5, 6, 3, 3)).astype(np.float32)
    net = td.Network("conv")
    net.output("y", td.conv(net.input("x", td.float32, x.shape), w, stride=2, padding=1))
    found = {}
    for count in (1, 2, 3):
        monkeypatch.setattr(_threads._free, "now", lambda: count)
        found[count] = net.run({"x": x})["y"]
    np.testing.assert_array_equal(found[2], found[1])
    np.testing.assert_array_equal(found[3], found[1])
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((2, 5, 20, 20))
    for i in range(3):
        for j in range(3):
            want += np.einsum("nchw,kc->nkhw", padded[:, :, i:i + 40:2, j:j + 40:2], w[:, :, i, j])
    np.testing.assert_allclose(found[1], want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("setting, expected", [("1", 1), ("1000", None), ("0", None), ("many", None)])
def test_trtdsl_num_threads_caps_the_cores(monkeypatch, setting, expected):
    monkeypatch.delenv("TRTDSL_NUM_THREADS", raising=False)
    every = _threads.cores()
    monkeypatch.setenv("TRTDSL_NUM_THREADS", setting)
    assert _threads.cores() == (every if expected is None else expected)
