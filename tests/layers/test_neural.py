"""The neural-network helpers (linear, batch_norm, fold_batch_norm, log_softmax, silu, hard_swish,
split_heads, merge_heads) against NumPy formulas written here, the layers they add, and the table of bad
calls."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, expect_error, f32, layer_labels, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from backend_rows import Row, each, rng

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]


def close(got, want, dtype, scale=1.0):
    """``got`` (of ``dtype``) within the dtype's tolerance, relative to the data's magnitude ``scale``."""
    tol = TOLERANCES[np.dtype(dtype)]
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=4 * tol, atol=4 * tol * scale, equal_nan=True)


# -- linear -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_linear_matches_numpy(dtype, data):
    batch = data.draw(shapes(max_dims=2, max_side=3))
    n_in, n_out = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    x = data.draw(arrays(dtype, batch + (n_in,), min_value=-4, max_value=4))
    w = data.draw(arrays(np.float32, (n_out, n_in), min_value=-4, max_value=4))
    b = data.draw(st.one_of(st.none(), arrays(np.float32, (n_out,), min_value=-4, max_value=4)))
    as_input = data.draw(st.booleans())
    dims = tuple(f"b{i}" for i in range(len(batch))) + (n_in,)
    if as_input:
        feeds = [x, w.astype(dtype)] + ([] if b is None else [b.astype(dtype)])
        got = run_layer(lambda t, *p: td.linear(t, *p), *feeds, shapes=[dims, w.shape] + ([] if b is None else [b.shape]))
    else:
        got = run_layer(lambda t: td.linear(t, w, b), x, shapes=[dims])
    w_used = w.astype(dtype).astype(np.float64)
    want = sum(x.astype(np.float64)[..., i, None] * w_used[:, i] for i in range(n_in))
    if b is not None:
        want = want + b.astype(dtype).astype(np.float64)
    close(got, want, dtype, scale=16 * n_in)


def test_linear_is_a_transposing_matmul_and_a_sum():
    net = td.Network("l")
    x = net.input("x", td.float32, ("n", 3))
    y = td.linear(x, np.zeros((5, 3), np.float32), np.zeros(5, np.float32), name="fc")
    assert y.shape == (x.shape[0], 5) and y.name == "fc"
    assert layer_labels(net) == ["Constant", "MatrixMultiply[NONE,TRANSPOSE]", "Constant", "ElementWise[SUM]"]
    assert net.nodes[0].op.weights.shape == (5, 3)  # kept in PyTorch's layout


# -- batch norm -------------------------------------------------------------------------------------------


def bn_formula(x, mean, var, scale, bias, eps, axis):
    shape = [1] * x.ndim
    shape[axis] = -1
    m, v, g, b = (np.asarray(p, np.float64).reshape(shape) for p in (mean, var, scale, bias))
    return (x.astype(np.float64) - m) / np.sqrt(v + eps) * g + b


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_batch_norm_matches_the_formula(dtype, data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    c = shape[axis]
    x = data.draw(arrays(dtype, shape, min_value=-8, max_value=8))
    mean, scale, bias = (data.draw(arrays(np.float32, (c,), min_value=-4, max_value=4)) for _ in range(3))
    var = data.draw(arrays(np.float32, (c,), min_value=0, max_value=4))
    eps = data.draw(st.sampled_from([1e-5, 1e-3, 0.5]))
    params = [mean, var, scale, bias]
    declared = [tuple(f"d{i}" for i in range(len(shape)))]
    if data.draw(st.booleans()):  # the parameters as network inputs, combined by layers
        feeds = [p.astype(dtype) for p in params]
        got = run_layer(lambda t, *ps: td.batch_norm(t, *ps, eps=eps, axis=axis), x, *feeds,
                        shapes=declared + [(c,)] * 4)
        params = [p.astype(dtype) for p in params]
    else:
        got = run_layer(lambda t: td.batch_norm(t, *params, eps=eps, axis=axis), x, shapes=declared)
    want = bn_formula(x, *params, eps, axis % len(shape))
    close(got, want, dtype, scale=float(np.abs(want).max(initial=1)))


def test_batch_norm_of_constants_is_one_scale_layer():
    net = td.Network("bn")
    x = net.input("x", td.float16, ("n", 3, "h", "w"))
    y = td.batch_norm(x, np.ones(3), np.full(3, 4.0), np.full(3, 2.0), np.zeros(3), eps=0.0, name="bn")
    assert y.type == x.type and y.name == "bn"
    assert layer_labels(net) == ["Scale[CHANNEL]"]
    op = net.nodes[0].op
    assert op.channel_axis == 1 and op.power is None
    np.testing.assert_array_equal(op.scale.array, np.ones(3, np.float16))  # 2 / sqrt(4)
    np.testing.assert_array_equal(op.shift.array, np.full(3, -1, np.float16))  # 0 - 1 * 1


def test_batch_norm_where_no_scale_layer_fits_is_one_multiply_and_one_add():
    net = td.Network("bn")
    x = net.input("x", td.float16, ("n", "h", 3))  # rank 3, and channels last
    td.batch_norm(x, np.zeros(3), np.ones(3), np.ones(3), np.zeros(3), axis=-1)
    assert layer_labels(net) == ["Constant", "Constant", "ElementWise[PROD]", "ElementWise[SUM]"]
    scale = net.nodes[0].op.weights.array
    assert scale.shape == (1, 1, 3) and scale.dtype == np.float16


# -- fold_batch_norm --------------------------------------------------------------------------------------


@st.composite
def conv_case(draw):
    groups = draw(st.integers(1, 2))
    c_in, k_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.lists(st.integers(1, 2), min_size=2, max_size=2)))
    transposed = draw(st.booleans())
    w_shape = (c_in, k_out // groups, *kernel) if transposed else (k_out, c_in // groups, *kernel)
    w = draw(arrays(np.float32, w_shape, min_value=-2, max_value=2))
    b = draw(st.one_of(st.none(), arrays(np.float32, (k_out,), min_value=-2, max_value=2)))
    mean, scale, bias = (draw(arrays(np.float32, (k_out,), min_value=-2, max_value=2)) for _ in range(3))
    var = draw(arrays(np.float32, (k_out,), min_value=0.1, max_value=4))
    x = draw(arrays(np.float32, (1, c_in, 3, 3), min_value=-2, max_value=2))
    return groups, transposed, w, b, (mean, var, scale, bias), x


@given(case=conv_case())
def test_folded_weights_follow_the_formula_per_output_channel(case):
    groups, transposed, w, b, (mean, var, scale, bias), _ = case
    w2, b2 = td.fold_batch_norm(w, b, mean, var, scale, bias, 1e-3, transposed=transposed, groups=groups)
    s = scale.astype(np.float64) / np.sqrt(var.astype(np.float64) + 1e-3)
    conv_b = np.zeros(len(s)) if b is None else b.astype(np.float64)
    np.testing.assert_allclose(b2, (conv_b - mean) * s + bias, rtol=1e-6, atol=1e-6)
    assert w2.dtype == w.dtype == b2.dtype and w2.shape == w.shape
    per_group_in = w.shape[0] // groups
    for index in np.ndindex(*w.shape):
        # the output channel that weight feeds
        out = index[1] + (index[0] // per_group_in) * w.shape[1] if transposed else index[0]
        assert math.isclose(w2[index], w[index] * s[out], rel_tol=1e-6, abs_tol=1e-6)


@given(case=conv_case())
def test_a_folded_convolution_computes_the_convolution_then_the_batch_norm(case):
    groups, transposed, w, b, params, x = case
    layer = td.conv_transpose if transposed else td.conv
    w2, b2 = td.fold_batch_norm(w, b, *params, 1e-3, transposed=transposed, groups=groups)
    got = run_layer(lambda t: (td.batch_norm(layer(t, w, b, groups=groups), *params, eps=1e-3),
                               layer(t, w2, b2, groups=groups)), x)
    np.testing.assert_allclose(got[1], got[0], rtol=1e-4, atol=1e-4)


# -- log_softmax, silu, hard_swish ------------------------------------------------------------------------


def log_softmax_row(row):
    top = max(row)
    if math.isinf(top):
        return [math.nan] * len(row)
    total = math.fsum(math.exp(v - top) for v in row)
    return [v - top - math.log(total) for v in row]


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_log_softmax_matches_python(dtype, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(dtype, shape, min_value=-300, max_value=300))
    got = run_layer(lambda t: td.log_softmax(t, axis), x, shapes=[tuple(f"d{i}" for i in range(len(shape)))])
    moved = np.moveaxis(x.astype(np.float64), axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]).tolist() if moved.shape[-1] else []
    want = np.moveaxis(np.array([log_softmax_row(r) for r in rows], np.float64).reshape(moved.shape), -1, axis)
    close(got, want, dtype, scale=float(np.abs(want).max(initial=1)))


def test_log_softmax_stays_finite_where_the_log_of_softmax_would_not():
    got = run_layer(lambda t: td.log_softmax(t), np.array([0, 200], np.float32))
    np.testing.assert_array_equal(got, [-200, 0])


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_silu_and_hard_swish_match_their_formulas(dtype, data):
    x = data.draw(arrays(dtype, shapes(max_dims=3), min_value=-20, max_value=20))
    silu, hswish = run_layer(lambda t: (td.silu(t), td.hard_swish(t)), x)
    v = x.astype(np.float64)
    close(silu, v / (1 + np.exp(-v)), dtype, scale=20)
    close(hswish, v * np.minimum(np.maximum(v + 3, 0), 6) / 6, dtype, scale=20)


# -- attention heads --------------------------------------------------------------------------------------


@given(data=st.data())
def test_split_heads_and_merge_heads_match_numpy_reshapes(data):
    lead = data.draw(shapes(max_dims=2, max_side=3))
    seq, heads, head_dim = (data.draw(st.integers(1, 3)) for _ in range(3))
    x = data.draw(arrays(np.float32, lead + (seq, heads * head_dim)))
    dims = tuple(f"b{i}" for i in range(len(lead))) + ("seq", data.draw(st.sampled_from([heads * head_dim, "hd"])))
    split, back = run_layer(lambda t: (td.split_heads(t, heads), td.merge_heads(td.split_heads(t, heads))), x,
                            shapes=[dims])
    want = np.swapaxes(x.reshape(lead + (seq, heads, head_dim)), -2, -3)
    np.testing.assert_array_equal(split, want)
    np.testing.assert_array_equal(back, x)


def test_heads_are_one_shuffle_each_without_shape_tensors():
    net = td.Network("h")
    x = net.input("x", td.float32, ("batch", "seq", 8))
    q = td.split_heads(x, 2)
    y = td.merge_heads(q)
    assert q.shape == (x.shape[0], 2, x.shape[1], 4) and y.type == x.type
    assert layer_labels(net) == ["Shuffle", "Shuffle"]


# -- errors -----------------------------------------------------------------------------------------------

ERRORS = [
    (DTypeError, "linear: argument 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.linear(x, np.ones((2, 3))), (td.int32, (3,)))),
    (ShapeError, "linear: argument 'x' has shape (); expected rank >= 1, (..., in_features)",
     call(lambda x: td.linear(x, np.ones((2, 1))), f32())),
    (ShapeError, "linear: argument 'w' is '<shape (3,)>'; expected a 2-D (out_features, in_features) matrix, "
                 "PyTorch's layout",
     call(lambda x: td.linear(x, np.ones(3)), f32(2, 3))),
    (ShapeError, "linear: argument 'w' has shape (3, 2); expected (out_features, 3): its dim 1 is x's last dim (x "
                 "has shape (n, 3); PyTorch's layout is (out, in))",
     call(lambda x: td.linear(x, np.ones((3, 2))), f32("n", 3))),
    (ShapeError, "linear: argument 'b' is '<shape (3,)>'; expected shape (2,), one value per output feature",
     call(lambda x: td.linear(x, np.ones((2, 3)), np.ones(3)), f32(3))),
    (DTypeError, "linear: argument 'w' ([['a']], <U1) cannot be used as float32: TensorRT networks are strongly typed; "
                 "convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda x: td.linear(x, [["a"]]), f32(1))),
    (DTypeError, "batch_norm: argument 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.batch_norm(x, [0], [1], [1], [0]), (td.int32, (1, 1)))),
    (ShapeError, "batch_norm: argument 'var' is '<shape (2,)>'; expected shape (3,), one value per channel (axis 1 "
                 "of x, shape (n, 3, 4))",
     call(lambda x: td.batch_norm(x, [0, 0, 0], [1, 1], [1, 1, 1], [0, 0, 0]), f32("n", 3, 4))),
    (ShapeError, "batch_norm: argument 'scale' is '<shape (1, 3)>'; expected shape (3,), one value per channel "
                 "(axis 0 of x, shape (3,))",
     call(lambda x: td.batch_norm(x, [0, 0, 0], [1, 1, 1], [[1, 1, 1]], [0, 0, 0], axis=0), f32(3))),
    (ShapeError, "batch_norm: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.batch_norm(x, [0], [1], [1], [0], axis=2), f32(1, 1))),
    (ArgumentError, "batch_norm: argument 'var' is [1.0, -1.0]; expected variances >= 0",
     call(lambda x: td.batch_norm(x, [0, 0], [1, -1], [1, 1], [0, 0]), f32(1, 2))),
    (ArgumentError, "batch_norm: argument 'mean' is [nan]; expected finite values",
     call(lambda x: td.batch_norm(x, [np.nan], [1], [1], [0]), f32(1, 1))),
    (ArgumentError, "batch_norm: var + eps is 0 at channel 1; expected > 0 (give eps > 0)",
     call(lambda x: td.batch_norm(x, [0, 0], [1, 0], [1, 1], [0, 0], eps=0.0), f32(1, 2))),
    (ArgumentError, "batch_norm: argument 'eps' is -0.1; expected a finite float >= 0",
     call(lambda x: td.batch_norm(x, [0], [1], [1], [0], eps=-0.1), f32(1, 1))),
    (ArgumentError, "fold_batch_norm: argument 'conv_weights' is Tensor(%t0: f32[2,1,1,1]); expected a NumPy array "
                    "or numbers (folding computes new weights before the network is built, so tensors cannot be "
                    "folded)",
     call(lambda w: td.fold_batch_norm(w, None, [0, 0], [1, 1], [1, 1], [0, 0]), f32(2, 1, 1, 1))),
    (ShapeError, "fold_batch_norm: argument 'conv_weights' is '<shape (2, 3)>'; expected a kernel of rank >= 3: (K, "
                 "C / groups, *kernel), or (C, K / groups, *kernel) when transposed",
     lambda: td.fold_batch_norm(np.ones((2, 3)), None, [0, 0], [1, 1], [1, 1], [0, 0])),
    (DTypeError, "fold_batch_norm: argument 'conv_weights' is [[[1]], [[1]]]; expected an array of floats",
     lambda: td.fold_batch_norm(np.ones((2, 1, 1), np.int32), None, [0, 0], [1, 1], [1, 1], [0, 0])),
    (ShapeError, "fold_batch_norm: argument 'mean' is '<shape (3,)>'; expected shape (2,), one value per output "
                 "channel",
     lambda: td.fold_batch_norm(np.ones((2, 1, 1)), None, [0, 0, 0], [1, 1], [1, 1], [0, 0])),
    (ShapeError, "fold_batch_norm: argument 'conv_bias' is '<shape (4,)>'; expected shape (6,), one value per output "
                 "channel",
     lambda: td.fold_batch_norm(np.ones((4, 3, 1)), np.ones(4), *[np.ones(6)] * 4, transposed=True, groups=2)),
    (ShapeError, "fold_batch_norm: argument 'groups' is 3; expected a divisor of the kernel's dim 0 (4, the input "
                 "channels of a transposed convolution)",
     lambda: td.fold_batch_norm(np.ones((4, 3, 1)), None, *[np.ones(9)] * 4, transposed=True, groups=3)),
    (ArgumentError, "fold_batch_norm: argument 'groups' is 0; expected an int >= 1",
     lambda: td.fold_batch_norm(np.ones((2, 1, 1)), None, *[np.ones(2)] * 4, groups=0)),
    (ArgumentError, "fold_batch_norm: argument 'transposed' is 1; expected a bool",
     lambda: td.fold_batch_norm(np.ones((2, 1, 1)), None, *[np.ones(2)] * 4, transposed=1)),
    (DTypeError, "fold_batch_norm: argument 'scale' is 'ab'; expected a NumPy array or numbers",
     lambda: td.fold_batch_norm(np.ones((2, 1, 1)), None, [0, 0], [1, 1], "ab", [0, 0])),
    (DTypeError, "log_softmax: argument 'x' has dtype int64; expected one of float32, float16, bfloat16",
     call(lambda x: td.log_softmax(x), (td.int64, (2,)))),
    (ShapeError, "log_softmax: argument 'x' has shape (); expected rank >= 1 (log_softmax needs an axis)",
     call(lambda x: td.log_softmax(x), f32())),
    (ShapeError, "log_softmax: argument 'axis' is 1; expected an int in [-1, 0] for a rank-1 input",
     call(lambda x: td.log_softmax(x, 1), f32(2))),
    (DTypeError, "silu: argument 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.silu(x), (td.int32, (2,)))),
    (DTypeError, "hard_swish: argument 'x' is 1.0; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)", lambda: td.hard_swish(1.0)),
    (ShapeError, "split_heads: argument 'x' has shape (8,); expected rank >= 2, (..., seq, heads * head_dim)",
     call(lambda x: td.split_heads(x, 2), f32(8))),
    (ShapeError, "split_heads: the last dim of x (shape (n, 2, 6)) is 6, which num_heads=4 does not divide",
     call(lambda x: td.split_heads(x, 4), f32("n", 2, 6))),
    (ArgumentError, "split_heads: argument 'num_heads' is 0; expected an int >= 1",
     call(lambda x: td.split_heads(x, 0), f32(2, 6))),
    (ArgumentError, "split_heads: argument 'num_heads' is 2.0; expected an int >= 1",
     call(lambda x: td.split_heads(x, 2.0), f32(2, 6))),
    (ShapeError, "merge_heads: argument 'x' has shape (2, 6); expected rank >= 3, (..., heads, seq, head_dim)",
     call(lambda x: td.merge_heads(x), f32(2, 6))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Helpers built from layers (td.stack, td.linear, ...): they export as the layers they are made of --------
def onnx_rows() -> list[Row]:
    w = np.linspace(-1, 1, 24, dtype=np.float32).reshape(3, 8)
    rng = np.random.default_rng(0)
    conv_w = rng.uniform(-1, 1, (4, 2, 3, 3)).astype(np.float32)
    bn = [rng.uniform(-1, 1, 4), rng.uniform(0.5, 2, 4), rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 4)]

    def arrays(x, y, k):
        n, m = x.shape[0], k.shape[0]
        left, middle, right = td.split(x, [1, 3], axis=1)
        return {
            "stack": td.stack([x, y], axis=1), "left": left, "middle": middle, "right": right,
            "halves": td.split(y, 2, axis=1)[1], "rows": td.split(x, [m])[1], "flat": td.flatten(x),
            "tile": td.tile(x, (2, 1, 3)), "repeat": td.repeat(y, 2, axis=0), "flip": td.flip(x),
            "last": x[n - 1], "head": x[:m], "argmax": td.argmax(x, 1), "argmin": td.argmin(y, keepdims=True),
            "zeros": td.zeros(x.shape, x.dtype) + td.ones((n, 4), x.dtype),
        }

    def neural(x, images):
        folded_w, folded_b = td.fold_batch_norm(conv_w, None, *bn, transposed=False)
        heads = td.split_heads(td.linear(x, np.vstack([w, w]), np.arange(6, dtype=np.float32)), 3)
        return {
            "linear": td.linear(x, w), "heads": heads, "merged": td.merge_heads(td.silu(heads)),
            "bn": td.batch_norm(x, *(np.linspace(0.5, 1, 8) for _ in range(4)), eps=1e-3, axis=-1),
            "conv_bn": td.batch_norm(td.conv(images, conv_w, padding=1), *bn),
            "folded": td.conv(images, folded_w, folded_b, padding=1),
            "log_softmax": td.log_softmax(x), "hard_swish": td.hard_swish(x), "gelu_tanh": td.gelu(x, "tanh"),
        }

    def build(layers, inputs):
        def network(net: td.Network) -> None:
            tensors = [net.input(name, dtype, shape) for name, (dtype, shape) in inputs.items()]
            for name, t in layers(*tensors).items():
                net.output(name, t)

        return network

    rows = []
    for dtype in (td.float32, td.int32):
        inputs = {"x": (dtype, ("n", 4)), "y": (dtype, ("n", 4)), "k": (dtype, ("m",))}
        rows.append(Row(f"helpers-arrays-{dtype.name}", build(arrays, inputs), dims={"n": (2, 4), "m": (1, 2)},
                        special=False))
    rows.append(Row("helpers-arg-extremes-nan-float32", each({"x": (td.float32, ("n", 3, 2))}, {
        "argmax": lambda x: td.argmax(x, 1), "argmin": lambda x: td.argmin(x, 1),
        "argmax_flat": lambda x: td.argmax(x), "argmin_flat": lambda x: td.argmin(x, keepdims=True),
    }), values={"x": (-1, 1)}, nan_only=True))
    neural_inputs = {"x": (td.float32, ("batch", "seq", 8)), "images": (td.float32, ("n", 2, 5, 5))}
    rows.append(Row("helpers-neural-float32", build(neural, neural_inputs), values={"x": (-4, 4), "images": (-2, 2)},
                    special=False))
    return rows


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "hard_swish": lambda e: dict(x=e.m),
    "silu": lambda e: dict(x=e.m),
    "log_softmax": lambda e: dict(x=e.m, axis=1),
    "batch_norm": lambda e: dict(x=e.x, mean=np.ones((3,), np.float32), var=np.ones((3,), np.float32), scale=np.ones((3,), np.float32), bias=np.ones((3,), np.float32), eps=1e-5, axis=1),
    "fold_batch_norm": lambda e: dict(conv_weights=np.ones((2, 3, 2, 2), np.float32), conv_bias=np.ones((2,), np.float32), mean=np.ones((2,), np.float32), var=np.ones((2,), np.float32),
                                      scale=np.ones((2,), np.float32), bias=np.ones((2,), np.float32), eps=1e-5),
    "linear": lambda e: dict(x=e.m, w=np.ones((4, 3), np.float32), b=np.ones((4,), np.float32)),
    "merge_heads": lambda e: dict(x=e.x),
    "split_heads": lambda e: dict(x=td.reshape(e.x, (2, 3, 20)), num_heads=4),
}
