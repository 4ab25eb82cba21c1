"""MoE: the reference against NvInfer.h's per-token definition evaluated with Python loops over tokens and
selected experts (each expert a gated unit: fcDown(fcUp(x) * act(fcGate(x))), weighted by the scores),
with biases, the SwiGLU limit/alpha/beta, and the static and dynamic quantization of the product; expert
ids out of range refused at run time; the TensorRT round trip; the error table."""

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, error_line, expect_error, f32, run_with

import trtdsl as td
from backend_rows import Row, FLOATS, tensorrt_case, randn, tensorrt_expectation, Layer, Const
from trtdsl.backends.tensorrt import lower, raise_network, standin
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.moe import MoE, MoEActType


def silu_like(g, alpha):
    return g / (1.0 + math.exp(-alpha * g))


def expert(x, n, w, act, limit, alpha, beta, quant):
    """One expert's output for one token (lists of floats), in Python."""
    gw, uw, dw, gb, ub, db = w
    size, inter = gw.shape[1], gw.shape[2]
    gate = [sum(x[h] * float(gw[n, h, i]) for h in range(size)) + (float(gb[n, i]) if gb is not None else 0.0)
            for i in range(inter)]
    up = [sum(x[h] * float(uw[n, h, i]) for h in range(size)) + (float(ub[n, i]) if ub is not None else 0.0)
          for i in range(inter)]
    gate = [min(g, limit) for g in gate]
    up = [max(-limit, min(u, limit)) for u in up]
    prod = [(silu_like(g, alpha) if act == "silu" else g) * (u + beta) for g, u in zip(gate, up)]
    prod = quant(prod)
    return [sum(prod[i] * float(dw[n, i, h]) for i in range(inter)) + (float(db[n, h]) if db is not None else 0.0)
            for h in range(size)]


def expected(x, experts, scores, w, act="silu", limit=math.inf, alpha=1.0, beta=0.0, quant=lambda p: p):
    batch, seq, size = x.shape
    out = np.zeros(x.shape, np.float64)
    for b in range(batch):
        for s in range(seq):
            token = [float(v) for v in x[b, s]]
            for k in range(experts.shape[2]):
                y = expert(token, int(experts[b, s, k]), w, act, limit, alpha, beta, quant)
                out[b, s] += float(scores[b, s, k]) * np.array(y)
    return out


@st.composite
def case(draw, dtype, biases):
    batch, seq, top_k = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    count, size, inter = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    small = dict(min_value=-2, max_value=2)
    x = draw(arrays(dtype, (batch, seq, size), **small))
    experts = draw(arrays(np.int32, (batch, seq, top_k), min_value=0, max_value=count - 1))
    scores = draw(arrays(dtype, (batch, seq, top_k), min_value=0, max_value=1))
    shapes = [(count, size, inter), (count, size, inter), (count, inter, size)]
    if biases:
        shapes += [(count, inter), (count, inter), (count, size)]
    w = [draw(arrays(dtype, shape, **small)) for shape in shapes]
    return x, experts, scores, w + [None] * (6 - len(w))


def run_moe(x, experts, scores, w, **kw):
    net = td.Network("moe")
    t = [net.input(n, td.dtype(a.dtype), a.shape) for n, a in (("x", x), ("e", experts), ("s", scores))]
    names = ("gate_weights", "up_weights", "down_weights", "gate_biases", "up_biases", "down_biases")
    net.output("y", td.moe(*t, **{n: v for n, v in zip(names, w) if v is not None}, **kw))
    return net.run({"x": x, "e": experts, "s": scores})["y"]


def assert_close(got, want, dtype, scale):
    tol = TOLERANCES[np.dtype(dtype)]
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0, atol=1e-5 + 8 * tol * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, td.bfloat16.numpy], ids=["f32", "f16", "bf16"])
@pytest.mark.parametrize("biases", [False, True], ids=["no_biases", "biases"])
@given(data=st.data())
def test_each_token_sums_its_experts_weighted_by_the_scores(dtype, biases, data):
    x, experts, scores, w = data.draw(case(dtype, biases))
    got = run_moe(x, experts, scores, w)
    want = expected(x, experts, scores, w)
    assert got.dtype == np.dtype(dtype) and got.shape == x.shape
    assert_close(got, want, dtype, 1 + np.max(np.abs(want), initial=0))


def test_many_tokens_group_by_expert_with_repeats_and_an_unused_expert():
    # 2 x 40 tokens, 3 experts each (repeats allowed), 5 experts of which expert 3 is never chosen: the
    # reference multiplies each expert's rows at once
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 40, 6)).astype(np.float32)
    experts = rng.choice(np.array([0, 1, 2, 4], np.int32), (2, 40, 3))
    scores = rng.random((2, 40, 3)).astype(np.float32)
    shapes = [(5, 6, 7), (5, 6, 7), (5, 7, 6), (5, 7), (5, 7), (5, 6)]
    w = [(rng.standard_normal(shape) * 0.5).astype(np.float32) for shape in shapes]
    want = expected(x, experts, scores, w)
    assert_close(run_moe(x, experts, scores, w), want, np.float32, 1 + np.max(np.abs(want)))


@given(data=st.data(), act=st.sampled_from(["silu", "none"]), limit=st.sampled_from([math.inf, 0.5, 7.0]),
       alpha=st.sampled_from([1.0, 1.702, -0.5]), beta=st.sampled_from([0.0, 1.0, -2.0]))
def test_swiglu_parameters_and_the_activation(data, act, limit, alpha, beta):
    x, experts, scores, w = data.draw(case(np.float32, True))
    got = run_moe(x, experts, scores, w, activation=act, swiglu_limit=limit, swiglu_alpha=alpha,
                  swiglu_beta=beta)
    want = expected(x, experts, scores, w, act, limit, alpha, beta)
    assert_close(got, want, np.float32, 1 + np.max(np.abs(want), initial=0))


def fp8(v):
    return float(np.float32(v).astype(ml_dtypes.float8_e4m3fn))


def test_static_quantization_rounds_the_product_to_fp8_steps_of_the_scale():
    rng = np.random.default_rng(3)
    x, scores = rng.standard_normal((1, 2, 3)).astype(np.float32), np.ones((1, 2, 1), np.float32)
    experts = np.array([[[1], [0]]], np.int32)
    w = [rng.standard_normal(s).astype(np.float32) for s in [(2, 3, 4), (2, 3, 4), (2, 4, 3)]] + [None] * 3
    scale = 0.01
    got = run_moe(x, experts, scores, w, quantize=td.fp8, quant_scale=scale)
    want = expected(x, experts, scores, w, quant=lambda p: [fp8(max(-448, min(448, v / scale))) * scale for v in p])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    unquantized = expected(x, experts, scores, w)
    assert not np.allclose(got, unquantized, rtol=1e-6, atol=0)


def nvfp4(p, d):
    """NVFP4 of one block (the whole intermediate row): an fp8 scale amax / 6 / d, fp4 values."""
    amax = max(abs(v) for v in p)
    s = fp8(amax / 6 / d)
    if s == 0:
        return [0.0] * len(p)
    return [float(np.float32(max(-6, min(6, v / (s * d)))).astype(ml_dtypes.float4_e2m1fn)) * s * d for v in p]


def test_dynamic_quantization_is_nvfp4_over_each_intermediate_row():
    rng = np.random.default_rng(4)
    x, scores = rng.standard_normal((2, 1, 3)).astype(np.float32), rng.random((2, 1, 2)).astype(np.float32)
    experts = np.array([[[0, 2]], [[2, 1]]], np.int32)
    w = [rng.standard_normal(s).astype(np.float32) for s in [(3, 3, 4), (3, 3, 4), (3, 4, 3)]] + [None] * 3
    got = run_moe(x, experts, scores, w, quantize=td.fp4, quant_scale=0.5, block_shape=(1, 1, 1, -1),
                  scale_dtype=td.fp8)
    want = expected(x, experts, scores, w, quant=lambda p: nvfp4(p, 0.5))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_the_ir():
    net = td.Network("ir")
    x, e = net.input("x", td.float32, ("b", 2, 3)), net.input("e", td.int64, ("b", 2, 1))
    w = np.ones((4, 3, 5), np.float32)
    td.moe(x, e, np.ones((1, 2, 1), np.float32), gate_weights=w, up_weights=w,
           down_weights=np.ones((4, 5, 3), np.float32), swiglu_beta=1.0, activation=td.MoEActType.NONE, name="m")
    assert net.nodes[-1].op == MoE(MoEActType.NONE, swiglu_beta=1.0)
    assert "%m : f32[b,2,3] = MoE[NONE](%x, %e, %constant_0, %constant_1, %constant_2, %constant_3, " \
           "swiglu_beta=1.0)" in net.format(locations=False)


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_round_trip_keeps_weights_biases_and_quantization(version):
    net = td.Network("rt")
    x, e, s = (net.input(n, dt, ("b", 2, k)) for n, dt, k in (("x", td.float16, 3), ("e", td.int32, 2),
                                                                ("s", td.float16, 2)))
    w = {"gate_weights": np.ones((4, 3, 8), np.float16), "up_weights": np.ones((4, 3, 8), np.float16),
         "down_weights": np.ones((4, 8, 3), np.float16)}
    b = {"gate_biases": np.ones((4, 8), np.float16), "up_biases": np.ones((4, 8), np.float16),
         "down_biases": np.ones((4, 3), np.float16)}
    net.output("a", td.moe(x, e, s, **w, **b, activation="none", swiglu_limit=7.0, swiglu_alpha=1.702,
                           swiglu_beta=1.0))
    net.output("b", td.moe(x, e, s, **w, quantize=td.fp8, quant_scale=0.25))
    net.output("c", td.moe(x, e, s, **w, **b, quantize=td.fp4, quant_scale=2.0, block_shape=(1, 1, 1, 4),
                           scale_dtype=td.e8m0))
    trt = standin.module(version)
    again = raise_network(lower(net, trt).network, trt)
    moes = [n for n in net.nodes if isinstance(n.op, MoE)]
    raised = [n for n in again.nodes if isinstance(n.op, MoE)]
    assert [n.op for n in raised] == [n.op for n in moes]
    assert [[t is None for t in n.inputs] for n in raised] == [[t is None for t in n.inputs] for n in moes]


def test_an_older_tensorrt_cannot_lower_a_moe():
    trt = standin.module("10.16")
    trt.__version__ = "10.15.1.29"
    net = td.Network("old")
    x = net.input("x", td.float32, (1, 1, 2))
    w = np.ones((1, 2, 2), np.float32)
    net.output("y", td.moe(x, [[[0]]], np.ones((1, 1, 1), np.float32), gate_weights=w, up_weights=w,
                           down_weights=w))
    expect_error(td.BackendError, "MoE layer moe_0 needs TensorRT 10.16 or newer (INetworkDefinition.add_moe); this is "
                 "TensorRT 10.15.1.29", lambda: lower(net, trt))


W = np.ones((2, 3, 4), np.float32)
WD = np.ones((2, 4, 3), np.float32)
S = np.ones((1, 2, 1), np.float32)
E = np.zeros((1, 2, 1), np.int32)


def moe_call(experts=E, scores=S, **kw):
    args = {"gate_weights": W, "up_weights": W, "down_weights": WD, **kw}
    return call(lambda x: td.moe(x, experts, scores, **args), f32(1, 2, 3))


ERRORS = [
    (ExecutionError, "MoE[SILU] (layer moe_0): selected_experts[0, 1, 0] is 2; expected an expert id in [0, 1]",
     run_with(lambda x, e: td.moe(x, e, S, gate_weights=W, up_weights=W, down_weights=WD),
              {"t0": np.ones((1, 2, 3), np.float32), "t1": np.array([[[0], [2]]], np.int32)},
              f32(1, 2, 3), (td.int32, (1, 2, 1)))),
    (ShapeError, "MoE[SILU]: input 'hidden' has shape (2, 3); expected (batch, seq, hidden): NvInfer.h addMoE",
     call(lambda x: td.moe(x, E[0], S[0], gate_weights=W, up_weights=W, down_weights=WD), f32(2, 3))),
    (ShapeError, "MoE[SILU]: input 'selected_experts' has shape (1, 3, 1); expected (1, 2, top_k), the experts of "
                 "each token of hidden (1, 2, 3)", moe_call(experts=np.zeros((1, 3, 1), np.int32))),
    (ShapeError, "MoE[SILU]: input 'scores' has shape (1, 2, 2); expected (1, 2, 1)",
     moe_call(scores=np.ones((1, 2, 2), np.float32))),
    (ShapeError, "MoE[SILU]: input 'up_weights' has shape (2, 3, 5); expected (2, 3, 4)",
     moe_call(up_weights=np.ones((2, 3, 5), np.float32))),
    (ShapeError, "MoE[SILU]: input 'down_weights' has shape (2, 3, 4); expected (2, 4, 3)",
     moe_call(down_weights=W)),
    (ShapeError, "MoE[SILU]: input 'gate_weights' has shape (2, 4, 4); expected (?, 3, ?)",
     moe_call(gate_weights=np.ones((2, 4, 4), np.float32))),
    (ShapeError, "MoE[SILU]: input 'down_biases' has shape (2, 4); expected (2, 3)",
     moe_call(gate_biases=np.ones((2, 4), np.float32), up_biases=np.ones((2, 4), np.float32),
              down_biases=np.ones((2, 4), np.float32))),
    (ArgumentError, "moe: gate_biases given without up_biases and down_biases; give all three biases or none "
                    "of them", moe_call(gate_biases=np.ones((2, 4), np.float32))),
    (DTypeError, "MoE[SILU]: input 'selected_experts' has dtype float32; expected one of int32, int64",
     call(lambda x, e: td.moe(x, e, S, gate_weights=W, up_weights=W, down_weights=WD), f32(1, 2, 3), f32(1, 2, 1))),
    (DTypeError, "MoE[SILU]: input 'gate_weights' has dtype float16; expected float32, the dtype of hidden",
     call(lambda x, g: td.moe(x, E, S, gate_weights=g, up_weights=W, down_weights=WD), f32(1, 2, 3),
          (td.float16, (2, 3, 4)))),
    (DTypeError, "MoE[SILU]: input 'hidden' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.moe(x, E, E, gate_weights=W.astype(np.int32), up_weights=W.astype(np.int32),
                           down_weights=WD.astype(np.int32)), (td.int32, (1, 2, 3)))),
    (ArgumentError, "moe: argument 'activation' is 'gelu'; expected one of NONE, SILU", moe_call(activation="gelu")),
    (ArgumentError, "MoE[SILU]: argument 'swiglu_limit' is -1.0; expected a float > 0 (+inf: no limit)",
     moe_call(swiglu_limit=-1.0)),
    (ArgumentError, "moe: argument 'swiglu_alpha' is nan; expected a finite float", moe_call(swiglu_alpha=math.nan)),
    (DTypeError, "MoE[SILU,i8]: quant_type is td.int8; expected one of float8_e4m3, float4_e2m1 (NvInfer.h "
                 "IMoELayer::setQuantizationToType)", moe_call(quantize=td.int8, quant_scale=1.0)),
    (ArgumentError, "moe: argument 'quant_scale' is None; expected a scale (a positive float32 number or 0-D "
                    "tensor) for quantize=float8_e4m3", moe_call(quantize=td.fp8)),
    (ArgumentError, "moe: argument 'quantize' is None; expected a quantized type (td.fp8, td.fp4) when "
                    "quant_scale or block_shape is given", moe_call(quant_scale=1.0)),
    (ShapeError, "MoE[SILU,fp4]: quant_block_shape is (1, 1, 4); expected 4 block sizes, for (batch, seq, top_k, "
                 "intermediate): NvInfer.h setQuantizationBlockShape",
     call(lambda x: x.network.add1(MoE(quant_type=td.fp4, quant_block_shape=(1, 1, 4), quant_scale_type=td.fp8),
                                   (x, *(x.network.constant(a) for a in (E, S, W, W, WD)), None, None, None,
                                    x.network.constant(np.float32(1)))), f32(1, 2, 3))),
    (ShapeError, "MoE[SILU,fp8]: input 'quant_scale' is f32[1]; expected a 0-D float32 scale",
     moe_call(quantize=td.fp8, quant_scale=[1.0])),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


@pytest.mark.parametrize("expert", [-1, -2, 2])
def test_an_expert_id_outside_the_experts_fails_on_onnxruntime_too(expert):
    """The export's Gather would read a negative id from the back; it fails there as in the reference."""
    net = td.Network("m")
    x, e = net.input("x", td.float32, (1, 2, 3)), net.input("e", td.int32, (1, 2, 1))
    net.output("y", td.moe(x, e, S, gate_weights=W, up_weights=W, down_weights=WD))
    feeds = {"x": np.ones((1, 2, 3), np.float32), "e": np.array([[[0], [expert]]], np.int32)}
    for backend in ("reference", "onnxruntime"):
        with pytest.raises(ExecutionError):
            net.run(feeds, backend=backend)


def test_an_infinite_swiglu_limit_of_any_float_type_is_no_limit():
    net = td.Network("m")
    x = net.input("x", td.float32, (1, 2, 3))
    for limit in (np.float32(np.inf), np.float64(np.inf), float("inf")):
        assert td.moe(x, E, S, gate_weights=W, up_weights=W, down_weights=WD,
                      swiglu_limit=limit).producer.op.swiglu_limit == np.inf


def test_a_quantized_moe_has_no_onnx_form():
    net = td.Network("q")
    x = net.input("x", td.float32, (1, 2, 3))
    net.output("y", td.moe(x, E, S, gate_weights=W, up_weights=W, down_weights=WD, quantize=td.fp8, quant_scale=1.0))
    with pytest.raises(td.BackendError, match=r"quantizes to float8_e4m3 before the down projection, which the ONNX "
                                              r"export does not express"):
        net.to_onnx()


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    rng = np.random.default_rng(7)
    for dtype in FLOATS:
        w = {name: rng.uniform(-1, 1, shape).astype(np.float32).astype(dtype.numpy) for name, shape in (
            ("gate_weights", (4, 3, 5)), ("up_weights", (4, 3, 5)), ("down_weights", (4, 5, 3)),
            ("gate_biases", (4, 5)), ("up_biases", (4, 5)), ("down_biases", (4, 3)))}

        def build(net, dtype=dtype, w=w):
            x = net.input("x", dtype, ("n", 2, 3))
            experts = net.input("experts", td.int32, ("n", 2, 2))
            scores = net.input("scores", dtype, ("n", 2, 2))
            plain = {k: v for k, v in w.items() if k.endswith("weights")}
            net.output("silu", td.moe(x, experts, scores, **plain))
            net.output("swiglu", td.moe(x, experts, scores, **w, activation="none", swiglu_limit=1.5,
                                        swiglu_alpha=1.702, swiglu_beta=1.0))

        rows.append(Row(f"moe-{dtype.name}", build, values={"experts": (0, 3), "x": (-2, 2), "scores": (0, 1)},
                        special=False))
    return rows


# -- TensorRT round-trip cases (collected by tests/backends/tensorrt/test_roundtrip.py) ---------------
@tensorrt_case
def moe() -> td.Network:
    net = td.Network("moe")
    x = net.input("x", td.float16, ("n", 2, 3))
    experts, scores = net.input("experts", td.int32, ("n", 2, 2)), net.input("scores", td.float16, ("n", 2, 2))
    w = {"gate_weights": randn(2, 3, 4, dtype=np.float16), "up_weights": randn(2, 3, 4, dtype=np.float16, seed=1),
         "down_weights": randn(2, 4, 3, dtype=np.float16, seed=2)}
    b = {"gate_biases": randn(2, 4, dtype=np.float16), "up_biases": randn(2, 4, dtype=np.float16, seed=1),
         "down_biases": randn(2, 3, dtype=np.float16, seed=2)}
    net.output("silu", td.moe(x, experts, scores, **w))
    net.output("swiglu", td.moe(x, experts, scores, **w, **b, activation="none", swiglu_limit=7.0,
                                swiglu_alpha=1.702, swiglu_beta=1.0))
    net.output("static_fp8", td.moe(x, experts, scores, **w, quantize=td.fp8, quant_scale=0.5))
    net.output("dynamic_fp4", td.moe(x, experts, scores, **w, **b, quantize=td.fp4, quant_scale=2.0,
                                     block_shape=(1, 1, 1, -1), scale_dtype=td.fp8))
    net.output("dynamic_fp8", td.moe(x, experts, scores, **w, quantize=td.fp8, quant_scale=1.0,
                                     block_shape=(1, 1, 2, 2), scale_dtype=td.e8m0))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
MOE_GATE, MOE_UP, MOE_DOWN = randn(3, 2, 4, seed=21), randn(3, 2, 4, seed=22), randn(3, 4, 2, seed=23)


@tensorrt_expectation("moe", "NvInfer.h addMoE(hiddenStates, selectedExpertsForTokens, scoresForSelectedExperts), "
     "IMoELayer::setGatedWeights(gate, up, down, kSILU), setSwigluParams(limit, alpha, beta) (defaults +inf, 1, 0)",
     {"MoE": Layer("add_moe", {"activation_type": "MoEActType.SILU", "swiglu_param_limit": 7.0,
                               "swiglu_param_alpha": 1.5, "swiglu_param_beta": -0.5,
                               "quantization_to_type": "DataType.FLOAT"},
                   ("x", "experts", "scores", Const(MOE_GATE), Const(MOE_UP), Const(MOE_DOWN)))})
def _(net):
    x, experts = net.input("x", td.float32, (1, 3, 2)), net.input("experts", td.int32, (1, 3, 2))
    net.output("y", td.moe(x, experts, net.input("scores", td.float32, (1, 3, 2)), gate_weights=MOE_GATE,
                           up_weights=MOE_UP, down_weights=MOE_DOWN, swiglu_limit=7.0, swiglu_alpha=1.5,
                           swiglu_beta=-0.5))


@tensorrt_expectation("moe_dynamic_quantization", "NvInfer.h IMoELayer::setQuantizationDynamicDblQ(doubleQuantScale, kFP4, "
     "blockShape of rank 4 (batchSize, seqLen, topK, moeInterSize), dynQOutputScaleType)",
     {"MoE": Layer("add_moe", {"activation_type": "MoEActType.NONE", "quantization_to_type": "DataType.FP4",
                               "quantization_block_shape": (1, 1, 1, 4),
                               "dyn_q_output_scale_type": "DataType.FP8"},
                   ("x", "experts", "scores", Const(MOE_GATE), Const(MOE_UP), Const(MOE_DOWN), None, None, None,
                    Const(np.float32(0.5))))})
def _(net):
    x, experts = net.input("x", td.float32, (1, 3, 2)), net.input("experts", td.int32, (1, 3, 2))
    net.output("y", td.moe(x, experts, net.input("scores", td.float32, (1, 3, 2)), gate_weights=MOE_GATE,
                           up_weights=MOE_UP, down_weights=MOE_DOWN, activation="none", quantize=td.fp4,
                           quant_scale=0.5, block_shape=(1, 1, 1, 4)))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "moe": lambda e: dict(hidden=td.reshape(e.m, (1, 2, 3)), selected_experts=np.zeros((1, 2, 1), np.int32),
                          scores=np.ones((1, 2, 1), np.float32), gate_weights=np.ones((2, 3, 4), np.float32),
                          up_weights=np.ones((2, 3, 4), np.float32), down_weights=np.ones((2, 4, 3), np.float32),
                          gate_biases=None, up_biases=None, down_biases=None, activation="silu", swiglu_limit=7.0,
                          swiglu_alpha=1.0, swiglu_beta=0.0, quantize=td.fp8, quant_scale=0.5, block_shape=None,
                          scale_dtype=td.fp8),
}
