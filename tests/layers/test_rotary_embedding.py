"""RotaryEmbedding: half-split and interleaved pairs, partial rotary dims and position ids, against the
rotation of each pair written out per element in plain Python (RoPE, arXiv 2104.09864: a pair (a, b) at
angle t becomes (a cos t - b sin t, b cos t + a sin t))."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32

import trtdsl as td
from backend_rows import Row, FLOATS, tensorrt_case, tensorrt_expectation, Layer
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.rotary_embedding import RotaryEmbedding

TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float16): 4e-3, np.dtype(td.bfloat16.numpy): 3e-2}
DTYPES = [np.float32, np.float16, td.bfloat16.numpy]


def expected(x, cos, sin, ids, interleaved, rotary):
    x = x.astype(np.float64)
    out = x.copy()
    batch, heads, tokens, size = x.shape
    rotary = rotary or size
    for b in range(batch):
        for t in range(tokens):
            row = ids[b, t] if ids is not None else None
            for k in range(rotary // 2):
                c = float(cos[row, k] if ids is not None else cos[b, t, k])
                s = float(sin[row, k] if ids is not None else sin[b, t, k])
                i, j = (2 * k, 2 * k + 1) if interleaved else (k, k + rotary // 2)
                for h in range(heads):
                    a, e = x[b, h, t, i], x[b, h, t, j]
                    out[b, h, t, i], out[b, h, t, j] = a * c - e * s, e * c + a * s
    return out


def run(x, cos, sin, ids=None, **kw):
    net = td.Network("r")
    ts = [net.input(n, td.dtype(a.dtype), a.shape) for n, a in zip(("x", "c", "s"), (x, cos, sin))]
    p = None if ids is None else net.input("p", td.int64, ids.shape)
    net.output("y", td.rotary_embedding(*ts, position_ids=p, **kw))
    return net.run({"x": x, "c": cos, "s": sin} | ({} if ids is None else {"p": ids}))["y"]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_pairs_are_rotated_by_the_cached_angles(dtype, data):
    batch, heads, tokens = (data.draw(st.integers(1, 3)) for _ in range(3))
    size = 2 * data.draw(st.integers(1, 4))
    rotary = data.draw(st.sampled_from([None] + list(range(2, size + 1, 2))))
    half = (rotary or size) // 2
    interleaved, with_ids = data.draw(st.booleans()), data.draw(st.booleans())
    x = data.draw(arrays(dtype, (batch, heads, tokens, size), min_value=-4, max_value=4))
    angles = data.draw(arrays(np.float64, (5 if with_ids else batch, *(() if with_ids else (tokens,)), half),
                              min_value=-7, max_value=7))
    cos, sin = np.cos(angles).astype(dtype), np.sin(angles).astype(dtype)
    ids = data.draw(arrays(np.int64, (batch, tokens), min_value=0, max_value=4)) if with_ids else None
    got = run(x, cos, sin, ids, interleaved=interleaved, rotary_dim=rotary)
    assert got.dtype == np.dtype(dtype) and got.shape == x.shape
    want = expected(x, cos, sin, ids, interleaved, rotary)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0, atol=TOL[np.dtype(dtype)] * 16)


def test_a_quarter_turn_of_the_first_pair_only():
    x = np.array([[[[1, 2, 3, 4, 5, 6]]]], np.float32)
    cos = np.array([[[0.0, 1.0]]], np.float32)
    sin = np.array([[[1.0, 0.0]]], np.float32)
    # half-split pairs of R = 4: (0, 2) turned, (1, 3) kept; features 4 and 5 pass through
    assert run(x, cos, sin, rotary_dim=4).ravel().tolist() == [-3, 2, 1, 4, 5, 6]
    # interleaved pairs: (0, 1) turned, (2, 3) kept
    assert run(x, cos, sin, rotary_dim=4, interleaved=True).ravel().tolist() == [-2, 1, 3, 4, 5, 6]
    angle = math.pi / 3
    full = run(x[..., :2], np.full((1, 1, 1), math.cos(angle), np.float32),
               np.full((1, 1, 1), math.sin(angle), np.float32))
    np.testing.assert_allclose(full.ravel(), [math.cos(angle) - 2 * math.sin(angle),
                                              2 * math.cos(angle) + math.sin(angle)], rtol=1e-6)


def test_a_position_outside_the_caches_is_an_error():
    x = np.ones((1, 1, 2, 2), np.float32)
    cache = np.ones((3, 1), np.float32)
    with pytest.raises(ExecutionError, match="position id 3 is outside the caches' 3 positions"):
        run(x, cache, cache, np.array([[0, 3]]))


def test_ir_text():
    net = td.Network("r")
    x = net.input("x", td.float16, ("b", 2, "s", 8))
    c = net.input("c", td.float16, (64, 2))
    td.rotary_embedding(x, c, c, position_ids=net.input("p", td.int64, ("b", "s")), interleaved=True, rotary_dim=4)
    assert net.nodes[-1].op == RotaryEmbedding(True, 4)
    assert "RotaryEmbedding(%x, %c, %c, %p, interleaved=True, rotary_dim=4)" in net.format(locations=False)


X = f32(1, 2, 3, 8)
C = f32(1, 3, 4)
ERRORS = [
    (ShapeError, "RotaryEmbedding: input 'cos' has shape (1, 3, 3); expected [B, S, R/2] with R = 8",
     call(lambda x, c: td.rotary_embedding(x, c, c), X, f32(1, 3, 3))),
    (ShapeError, "RotaryEmbedding: input 'sin' has shape (1, 3, 1); expected [B, S, R/2] with R = 4",
     call(lambda x, c, s: td.rotary_embedding(x, c, s, rotary_dim=4), X, f32(1, 3, 2), f32(1, 3, 1))),
    (ShapeError, "RotaryEmbedding: input 'cos' has shape (1, 3, 4); expected [positions, R/2] with R = 8",
     call(lambda x, c, p: td.rotary_embedding(x, c, c, position_ids=p), X, C, (td.int64, (1, 3)))),
    (ShapeError, "RotaryEmbedding: input 'position_ids' has shape (3,); expected [B, S] = [1, 3]",
     call(lambda x, c, p: td.rotary_embedding(x, c, c, position_ids=p), X, f32(9, 4), (td.int64, (3,)))),
    (DTypeError, "RotaryEmbedding: input 'position_ids' has dtype int32; expected one of int64",
     call(lambda x, c, p: td.rotary_embedding(x, c, c, position_ids=p), X, f32(9, 4), (td.int32, (1, 3)))),
    (DTypeError, "RotaryEmbedding: input 'cos' has dtype float16; expected x's dtype float32",
     call(lambda x, c: td.rotary_embedding(x, c, c), X, (td.float16, (1, 3, 4)))),
    (ShapeError, "RotaryEmbedding: input 'x' has shape (2, 3, 8); expected rank 4: [batch, heads, tokens, head "
                 "size]",
     call(lambda x, c: td.rotary_embedding(x, c, c), f32(2, 3, 8), C)),
    (ShapeError, "RotaryEmbedding: the head size is 7; expected an even head size or a rotary_dim <= it "
                 "(rotary_dim is 0)",
     call(lambda x, c: td.rotary_embedding(x, c, c), f32(1, 2, 3, 7), f32(1, 3, 3))),
    (ShapeError, "RotaryEmbedding: the head size is 8; expected an even head size or a rotary_dim <= it "
                 "(rotary_dim is 10)",
     call(lambda x, c: td.rotary_embedding(x, c, c, rotary_dim=10), X, f32(1, 3, 5))),
    (ArgumentError, "rotary_embedding: argument 'rotary_dim' is 3; expected a positive even int, or None for the "
                    "whole head",
     call(lambda x, c: td.rotary_embedding(x, c, c, rotary_dim=3), X, C)),
    (ArgumentError, "rotary_embedding: argument 'rotary_dim' is 0; expected a positive even int, or None for the "
                    "whole head",
     call(lambda x, c: td.rotary_embedding(x, c, c, rotary_dim=0), X, C)),
    (ArgumentError, "rotary_embedding: argument 'interleaved' is 1; expected a bool",
     call(lambda x, c: td.rotary_embedding(x, c, c, interleaved=1), X, C)),
    (ArgumentError, "RotaryEmbedding: argument 'rotary_dim' is -2; expected an even int >= 0 (0: the whole head)",
     call(lambda x, c: x.network.add1(RotaryEmbedding(False, -2), (x, c, c)), X, C)),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            x = net.input("x", dtype, ("b", 3, "s", 8))
            cos, sin = net.input("cos", dtype, ("b", "s", 4)), net.input("sin", dtype, ("b", "s", 4))
            table = [net.input(n, dtype, (6, 2)) for n in ("cos_table", "sin_table")]
            ids = net.input("ids", td.int64, ("b", "s"))
            net.output("halves", td.rotary_embedding(x, cos, sin))
            net.output("interleaved", td.rotary_embedding(x, cos, sin, interleaved=True))
            net.output("partial_ids", td.rotary_embedding(x, *table, position_ids=ids, rotary_dim=4))
            net.output("interleaved_ids", td.rotary_embedding(x, *table, position_ids=ids, rotary_dim=4,
                                                              interleaved=True))

        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        rows.append(Row(f"rotary-embedding-{dtype.name}", build, dims={"b": (1, 2), "s": (1, 4)},
                        values={"ids": (0, 5), "x": (-4, 4), "cos": (-1, 1), "sin": (-1, 1),
                                "cos_table": (-1, 1), "sin_table": (-1, 1)}, special=False, rtol=tol, atol=tol))
    return rows


# -- TensorRT round-trip cases (collected by tests/backends/tensorrt/test_roundtrip.py) ---------------
@tensorrt_case
def rotary_embeddings() -> td.Network:
    net = td.Network("rotary_embeddings")
    x = net.input("x", td.bfloat16, ("b", 2, "s", 8))
    cos, sin = net.input("cos", td.bfloat16, ("b", "s", 3)), net.input("sin", td.bfloat16, ("b", "s", 3))
    net.output("partial", td.rotary_embedding(x, cos, sin, rotary_dim=6))
    table = [net.input(n, td.bfloat16, (16, 4)) for n in ("cos_table", "sin_table")]
    ids = net.input("ids", td.int64, ("b", "s"))
    net.output("interleaved_ids", td.rotary_embedding(x, *table, position_ids=ids, interleaved=True))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("rotary_embedding", "NvInfer.h addRotaryEmbedding(input, cosCache, sinCache, interleaved, rotaryEmbeddingDim); "
     "IRotaryEmbeddingLayer input 3 is positionIds",
     {"RotaryEmbedding": Layer("add_rotary_embedding", {"interleaved": True, "rotary_embedding_dim": 4},
                               ("x", "cos", "sin", "ids"))})
def _(net):
    x = net.input("x", td.float32, (2, 3, 5, 8))
    cos, sin = net.input("cos", td.float32, (32, 2)), net.input("sin", td.float32, (32, 2))
    ids = net.input("ids", td.int64, (2, 5))
    net.output("y", td.rotary_embedding(x, cos, sin, position_ids=ids, interleaved=True, rotary_dim=4))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "rotary_embedding": lambda e: dict(x=e.x, cos=np.ones((2, 4, 2), np.float32), sin=np.ones((2, 4, 2), np.float32),
                                       position_ids=None, interleaved=False, rotary_dim=4),
}
