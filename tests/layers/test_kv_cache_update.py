"""KVCacheUpdate: writes at arbitrary indices (past the cache and negative ones ignored, position by
position), against a plain Python copy loop; and the cache as a loop's recurrence, one token per step."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32

import trtdsl as td
from backend_rows import TENSORRT_11_ONLY, Row, FLOATS, INTS, tensorrt_11_only, tensorrt_case, tensorrt_expectation, Layer
from trtdsl.backends.tensorrt import lower, raise_network, standin
from trtdsl.errors import ArgumentError, BackendError, DTypeError, ShapeError
from trtdsl.layers.kv_cache_update import KVCacheMode, KVCacheUpdate


def expected(cache, update, indices):
    out = cache.copy()
    batch, heads, size, width = cache.shape
    for b in range(batch):
        for s in range(update.shape[2]):
            position = int(indices[b]) + s
            if 0 <= position < size:
                for n in range(heads):
                    for h in range(width):
                        out[b, n, position, h] = update[b, n, s, h]
    return out


def run(cache, update, indices):
    net = td.Network("kv")
    ts = [net.input(n, td.dtype(a.dtype), a.shape) for n, a in zip(("c", "u", "w"), (cache, update, indices))]
    net.output("y", td.kv_cache_update(*ts))
    return net.run({"c": cache, "u": update, "w": indices})["y"]


@pytest.mark.parametrize("dtype", [np.float32, np.float16, td.bfloat16.numpy], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("index_type", [np.int32, np.int64])
@given(data=st.data())
def test_updates_land_at_their_write_indices(dtype, index_type, data):
    batch, heads, size, tokens, width = (data.draw(st.integers(1, n)) for n in (3, 2, 6, 4, 3))
    cache = data.draw(arrays(dtype, (batch, heads, size, width)))
    update = data.draw(arrays(dtype, (batch, heads, tokens, width)))
    indices = np.array(data.draw(st.lists(st.integers(-tokens - 1, size + 1), min_size=batch, max_size=batch)),
                       index_type)
    got = run(cache, update, indices)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.view(np.uint8), expected(cache, update, indices).view(np.uint8))


def test_the_positions_that_fit_are_written():
    cache = np.zeros((3, 1, 4, 1), np.float32)
    update = np.arange(1, 4, dtype=np.float32).reshape(1, 1, 3, 1).repeat(3, axis=0)
    got = run(cache, update, np.array([2, -1, 9], np.int64))[:, 0, :, 0]
    np.testing.assert_array_equal(got, [[0, 0, 1, 2], [2, 3, 0, 0], [0, 0, 0, 0]])


def test_the_cache_is_a_loop_recurrence():
    """A decoder's loop: each step appends one token's key at the step's position."""
    net = td.Network("decode")
    cache = net.input("cache", td.float32, (1, 2, 5, 3))
    keys = net.input("keys", td.float32, (5, 1, 2, 1, 3))

    def step(carry, key):
        position, kv = carry
        return (position + 1, td.kv_cache_update(kv, key, td.reshape(position, (1,)))), position

    (count, final), _ = td.scan(step, (np.int64(0), cache), keys)
    net.output("final", final)
    feeds = {"cache": np.full((1, 2, 5, 3), -1, np.float32),
             "keys": np.random.default_rng(0).standard_normal((5, 1, 2, 1, 3)).astype(np.float32)}
    got = net.run(feeds)["final"]
    np.testing.assert_array_equal(got, np.moveaxis(feeds["keys"][:, :, :, 0], 0, 2))


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_round_trip_through_tensorrt(version):
    net = td.Network("kv")
    cache = net.input("cache", td.float16, ("b", 2, 16, 4))
    update = net.input("update", td.float16, ("b", 2, "s", 4))
    net.output("y", td.kv_cache_update(cache, update, net.input("w", td.int64, ("b",))))
    trt = standin.module(version)
    assert raise_network(lower(net, trt).network, trt).format(locations=False) == net.format(locations=False)


# -- the packed update (TensorRT 11) --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float16, td.bfloat16.numpy], ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_a_packed_update_writes_each_items_tokens_at_its_write_index(dtype, data):
    batch, heads, size, width = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2)),
                                 data.draw(st.integers(1, 6)), data.draw(st.integers(1, 3)))
    counts = data.draw(st.lists(st.integers(0, 4), min_size=batch, max_size=batch))
    spare = data.draw(st.integers(0, 2))  # rows past the last length
    cache = data.draw(arrays(dtype, (batch, heads, size, width)))
    update = data.draw(arrays(dtype, (sum(counts) + spare, heads, width)))
    starts = np.array(data.draw(st.lists(st.integers(-3, size + 1), min_size=batch, max_size=batch)), np.int32)
    lengths = np.array([0] + np.cumsum(counts).tolist(), np.int32)
    net = td.Network("kv")
    c, u = net.input("c", td.dtype(dtype), cache.shape), net.input("u", td.dtype(dtype), update.shape)
    w, n = net.input("w", td.int32, (batch,)), net.input("n", td.int32, (batch + 1,))
    net.output("y", td.kv_cache_update(c, u, w, update_form="packed_nhd", update_lengths=n))
    got = net.run({"c": cache, "u": update, "w": starts, "n": lengths})["y"]
    want = cache.copy()
    for b in range(batch):
        for s in range(counts[b]):
            if 0 <= starts[b] + s < size:
                want[b, :, starts[b] + s] = update[lengths[b] + s]
    np.testing.assert_array_equal(got, want)


def test_update_lengths_are_checked_when_the_network_runs():
    net = td.Network("kv")
    c, u = net.input("c", td.float32, (1, 1, 4, 1)), net.input("u", td.float32, (2, 1, 1))
    n = net.input("n", td.int32, (2,))
    net.output("y", td.kv_cache_update(c, u, [0], update_form="packed_nhd", update_lengths=n))
    with pytest.raises(td.errors.ExecutionError, match=re.escape(
            "update_lengths is [1, 2]; expected cumulative token counts from 0, non-decreasing, at most the 2 "
            "tokens (IKVCacheUpdateLayer::setUpdateLengths)")):
        net.run({"c": np.zeros((1, 1, 4, 1), np.float32), "u": np.ones((2, 1, 1), np.float32),
                 "n": np.array([1, 2], np.int32)})


def test_tensorrt_10_has_no_packed_update():
    with pytest.raises(BackendError, match=re.escape(
            "TensorRT 10.16.1.11 has no packed KV cache update (IKVCacheUpdateLayer.update_form and "
            "update_lengths come with TensorRT 11)")):
        lower(packed_kv_cache_updates(), standin.module("10.16"))


def test_onnx_export_refuses_a_packed_update():
    with pytest.raises(BackendError, match="has a PACKED_NHD update with update lengths, whose per-item scatter"):
        packed_kv_cache_updates().to_onnx()


def test_ir_text():
    net = td.Network("kv")
    cache = net.input("cache", td.float32, ("b", 2, 8, 4))
    td.kv_cache_update(cache, net.input("u", td.float32, ("b", 2, 1, 4)), net.input("w", td.int32, ("b",)))
    assert net.nodes[-1].op == KVCacheUpdate(KVCacheMode.LINEAR)
    assert "KVCacheUpdate[LINEAR](%cache, %u, %w)" in net.format(locations=False)


C = f32(2, 3, 8, 4)
ERRORS = [
    (ShapeError, "KVCacheUpdate[LINEAR]: cache (2, 3, 8, 4) and update (2, 3, 1, 5) differ in batch, heads or head "
                 "size; expected [B, N, Smax, H] and [B, N, S, H]",
     call(lambda c, u: td.kv_cache_update(c, u, [0, 0]), C, f32(2, 3, 1, 5))),
    (ShapeError, "KVCacheUpdate[LINEAR]: input 'update' has shape (2, 3, 4); expected rank 4: [batch, heads, "
                 "tokens, head size]",
     call(lambda c, u: td.kv_cache_update(c, u, [0, 0]), C, f32(2, 3, 4))),
    (DTypeError, "KVCacheUpdate[LINEAR]: input 'update' has dtype float16; expected the cache's dtype float32",
     call(lambda c, u: td.kv_cache_update(c, u, [0, 0]), C, (td.float16, (2, 3, 1, 4)))),
    (DTypeError, "KVCacheUpdate[LINEAR]: input 'cache' has dtype int32; expected one of float32, float16, "
                 "bfloat16",
     call(lambda c: td.kv_cache_update(c, c, [0]), (td.int32, (1, 1, 2, 2)))),
    (ShapeError, "KVCacheUpdate[LINEAR]: input 'write_indices' has shape (3,); expected [B] = [2]",
     call(lambda c, u: td.kv_cache_update(c, u, [0, 1, 2]), C, f32(2, 3, 1, 4))),
    (DTypeError, "KVCacheUpdate[LINEAR]: input 'write_indices' has dtype float32; expected one of int32, int64",
     call(lambda c, u, w: td.kv_cache_update(c, u, w), C, f32(2, 3, 1, 4), f32(2))),
    (DTypeError, "kv_cache_update: argument 'write_indices' ([0.5, 1.0], float64) cannot be used as int32: "
                 "TensorRT networks are strongly typed; convert it first (e.g. .astype) or cast the tensor with "
                 "td.cast",
     call(lambda c, u: td.kv_cache_update(c, u, [0.5, 1.0]), C, f32(2, 3, 1, 4))),
    (ArgumentError, "KVCacheUpdate[LINEAR]: a PACKED_NHD update needs 'update_lengths', the cumulative token "
                    "counts [B + 1] (IKVCacheUpdateLayer::setUpdateLengths)",
     call(lambda c, u: td.kv_cache_update(c, u, [0, 0], update_form="packed_nhd"), C, f32(5, 3, 4))),
    (ArgumentError, "KVCacheUpdate[LINEAR]: 'update_lengths' is given with a PADDED_BHND update; TensorRT takes "
                    "them only for a PACKED_NHD one (IKVCacheUpdateLayer::setUpdateLengths)",
     call(lambda c, u, n: td.kv_cache_update(c, u, [0, 0], update_lengths=n), C, f32(2, 3, 1, 4),
          (td.int32, (3,)))),
    (ShapeError, "KVCacheUpdate[LINEAR]: input 'update' has shape (2, 3, 1, 4); expected rank 3 (PACKED_NHD): "
                 "[tokens, heads, head size]",
     call(lambda c, u, n: td.kv_cache_update(c, u, [0, 0], update_form="packed_nhd", update_lengths=n), C,
          f32(2, 3, 1, 4), (td.int32, (3,)))),
    (ShapeError, "KVCacheUpdate[LINEAR]: cache (2, 3, 8, 4) and update (5, 2, 4) differ in batch, heads or head "
                 "size; expected [B, N, Smax, H] and [T, N, H]",
     call(lambda c, u, n: td.kv_cache_update(c, u, [0, 0], update_form="packed_nhd", update_lengths=n), C,
          f32(5, 2, 4), (td.int32, (3,)))),
    (ShapeError, "KVCacheUpdate[LINEAR]: input 'update_lengths' has shape (2,); expected [B + 1] with B = 2",
     call(lambda c, u, n: td.kv_cache_update(c, u, [0, 0], update_form="packed_nhd", update_lengths=n), C,
          f32(5, 3, 4), (td.int32, (2,)))),
    (DTypeError, "KVCacheUpdate[LINEAR]: input 'update_lengths' has dtype int64; expected one of int32",
     call(lambda c, u, n: td.kv_cache_update(c, u, [0, 0], update_form="packed_nhd", update_lengths=n), C,
          f32(5, 3, 4), (td.int64, (3,)))),
    (ArgumentError, "kv_cache_update: argument 'update_form' is 'nhd'; expected one of PADDED_BHND, PACKED_NHD",
     call(lambda c, u: td.kv_cache_update(c, u, [0, 0], update_form="nhd"), C, f32(2, 3, 1, 4))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        for index_type in INTS:

            def build(net, dtype=dtype, index_type=index_type):
                cache = net.input("cache", dtype, ("b", 2, 6, 3))
                update = net.input("update", dtype, ("b", 2, "s", 3))
                net.output("y", td.kv_cache_update(cache, update, net.input("w", index_type, ("b",))))

            # indices from -3 to 8 against 6 positions and 1 to 4 new tokens: writes past both ends
            rows.append(Row(f"kv-cache-update-{dtype.name}-{index_type.name}", build,
                            dims={"b": (1, 3), "s": (1, 4)}, values={"w": (-3, 8)}))
    return rows


# -- TensorRT round-trip cases (collected by tests/backends/tensorrt/test_roundtrip.py) ---------------
@tensorrt_case
def kv_cache_updates() -> td.Network:
    net = td.Network("kv_cache_updates")
    cache = net.input("cache", td.float16, ("b", 2, 8, 4))
    update = net.input("update", td.float16, ("b", 2, "s", 4))
    net.output("block", td.kv_cache_update(cache, update, net.input("w", td.int32, ("b",))))
    token = net.input("token", td.float16, ("b", 2, 1, 4))
    start = net.input("start", td.int64, ("b",))
    # the decoder's recurrence: one token written per step, at the step's position
    net.output("steps", td.fori_loop(0, 3, lambda i, kv: td.kv_cache_update(kv, token, start + td.cast(i, td.int64)),
                                     cache))
    return net


@tensorrt_11_only
@tensorrt_case
def packed_kv_cache_updates() -> td.Network:
    net = td.Network("packed_kv_cache_updates")
    cache = net.input("cache", td.bfloat16, ("b", 2, 8, 4))
    update = net.input("update", td.bfloat16, ("t", 2, 4))
    # a constant: the shared checks' runs feed 0 or 1 to int inputs, rarely cumulative counts from 0
    lengths = net.constant(np.array([0, 1, 2], np.int32))
    net.output("y", td.kv_cache_update(cache, update, net.input("w", td.int32, ("b",)), update_form="packed_nhd",
                                       update_lengths=lengths))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("kv_cache_update", "NvInfer.h addKVCacheUpdate(cache, update, writeIndices, KVCacheMode::kLINEAR)",
     {"KVCacheUpdate": Layer("add_kv_cache_update", {"cache_mode": "KVCacheMode.LINEAR"}, ("cache", "update", "w"))})
def _(net):
    cache, update = net.input("cache", td.float32, (2, 3, 16, 8)), net.input("update", td.float32, (2, 3, 4, 8))
    net.output("y", td.kv_cache_update(cache, update, net.input("w", td.int64, (2,))))


@tensorrt_expectation("kv_cache_update_packed", "NvInfer.h 11.1 IKVCacheUpdateLayer::setUpdateForm "
     "(AttentionIOForm::kPACKED_NHD), setUpdateLengths (input 3)",
     {"KVCacheUpdate": Layer("add_kv_cache_update", {"cache_mode": "KVCacheMode.LINEAR",
                                                     "update_form": "AttentionIOForm.PACKED_NHD"},
                             ("cache", "update", "w", "n"))})
def _(net):
    cache, update = net.input("cache", td.float32, (2, 3, 16, 8)), net.input("update", td.float32, (5, 3, 8))
    net.output("y", td.kv_cache_update(cache, update, net.input("w", td.int32, (2,)), update_form="packed_nhd",
                                       update_lengths=net.input("n", td.int32, (3,))))


TENSORRT_11_ONLY.add("kv_cache_update_packed")


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "kv_cache_update": lambda e: dict(cache=e.x, update=e.x, write_indices=np.zeros(2, np.int32),
                                      update_form="padded_bhnd", update_lengths=None),
}
