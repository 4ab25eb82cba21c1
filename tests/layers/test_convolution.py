"""Convolution and Deconvolution against plain-Python formulas written here from TensorRT's
documentation: output sizes from NvInfer.h's PaddingMode table, values by index arithmetic."""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, call, expect_error, f32, run_layer

import trtdsl as td
import trtdsl.ir.network as network_module
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers import convolution
from trtdsl.layers._blas import gemm_available
from trtdsl.layers.convolution import Convolution, Deconvolution, PaddingMode
from trtdsl.reference.interpreter import constant_forms, plan
from backend_rows import Row, FLOATS, tensorrt_case, randn, tensorrt_expectation, Layer, Const, EMPTY

MODES = ["explicit_round_down", "explicit_round_up", "same_upper", "same_lower"]


def ceil_div(a, b):
    return -(-a // b)


def same_split(mode, total):
    """SAME padding: P clamped at 0; SAME_UPPER puts floor(P/2) before the data, SAME_LOWER after it."""
    total = max(total, 0)
    half = total // 2
    return (half, total - half) if mode == "same_upper" else (total - half, half)


def conv_geometry(mode, size, pre, post, stride, extent):
    """(output size, pre padding) of one spatial dim, from the table in NvInfer.h."""
    if mode.startswith("same"):
        before, _ = same_split(mode, (size - 1) // stride * stride + extent - size)
        return ceil_div(size, stride), before
    padded = size + pre + post
    if mode == "explicit_round_down":
        return (padded - extent) // stride + 1, pre
    return ceil_div(padded - extent, stride) + 1, pre


def naive_conv(x, w, b, stride, pre, post, dilation, groups, mode):
    """y[n, k, o] = b[k] + sum over c, r of x[n, g*Cg + c, o*S + r*D - B] * w[k, c, r], reading 0 outside
    x."""
    n_, _, *sizes = x.shape
    k_, cg, *kernel = w.shape
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    geo = [conv_geometry(mode, *args) for args in zip(sizes, pre, post, stride, extents)]
    out = [o for o, _ in geo]
    before = [p for _, p in geo]
    y = np.zeros([n_, k_] + out, np.float64)
    for n, k in itertools.product(range(n_), range(k_)):
        g = k // (k_ // groups)
        for o in itertools.product(*(range(v) for v in out)):
            acc = 0.0 if b is None else float(b[k])
            for c in range(cg):
                for r in itertools.product(*(range(v) for v in kernel)):
                    pos = [oi * s + ri * d - p for oi, s, ri, d, p in zip(o, stride, r, dilation, before)]
                    if all(0 <= q < i for q, i in zip(pos, sizes)):
                        acc += float(x[(n, g * cg + c, *pos)]) * float(w[(k, c, *r)])
            y[(n, k, *o)] = acc
    return y


def naive_deconv(x, w, b, stride, pre, post, dilation, groups, mode):
    """Scatter every x[n, c, i] * w[c, k, r] to full[n, g*Kg + k, i*S + r*D], then trim pre/post."""
    n_, c_, *sizes = x.shape
    _, kg, *kernel = w.shape
    cg = c_ // groups
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    full = [(i - 1) * s + e for i, s, e in zip(sizes, stride, extents)]
    if mode.startswith("same"):
        trims = [same_split(mode, e - s) for e, s in zip(extents, stride)]
        want_out = [min(i * s, (i - 1) * s + e) for i, s, e in zip(sizes, stride, extents)]
    else:
        trims = list(zip(pre, post))
        want_out = [(i - 1) * s + e - (p + q) for i, s, e, p, q in zip(sizes, stride, extents, pre, post)]
    y = np.zeros([n_, kg * groups] + full, np.float64)
    for n, c in itertools.product(range(n_), range(c_)):
        g = c // cg
        for i in itertools.product(*(range(v) for v in sizes)):
            for k in range(kg):
                for r in itertools.product(*(range(v) for v in kernel)):
                    pos = tuple(ii * s + ri * d for ii, s, ri, d in zip(i, stride, r, dilation))
                    y[(n, g * kg + k, *pos)] += float(x[(n, c, *i)]) * float(w[(c, k, *r)])
    y = y[(slice(None), slice(None)) + tuple(slice(p, f - q) for (p, q), f in zip(trims, full))]
    assert list(y.shape[2:]) == want_out
    if b is not None:
        y = y + b.astype(np.float64).reshape((1, -1) + (1,) * len(sizes))
    return y


@st.composite
def conv_case(draw, transposed=False, max_side=5):
    nb = draw(st.sampled_from([2, 2, 3]))
    side = max_side if nb == 2 else 3
    groups = draw(st.integers(1, 3))
    cg, kg = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    kernel = draw(st.lists(st.integers(1, 3), min_size=nb, max_size=nb))
    sizes = draw(st.lists(st.integers(1, side), min_size=nb, max_size=nb))
    ints = lambda lo, hi: draw(st.lists(st.integers(lo, hi), min_size=nb, max_size=nb))
    stride, dilation, pre, post = ints(1, 3), ints(1, 2), ints(0, 2), ints(0, 2)
    mode = draw(st.sampled_from(MODES))
    if mode.startswith("same"):
        pre = post = [0] * nb
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if transposed:
        if mode.startswith("same"):
            out = [min(i * s, (i - 1) * s + e) for i, s, e in zip(sizes, stride, extents)]
        else:
            out = [(i - 1) * s + e - p - q for i, s, e, p, q in zip(sizes, stride, extents, pre, post)]
        w_shape = (cg * groups, kg) + tuple(kernel)
    else:
        out = [conv_geometry(mode, *args)[0] for args in zip(sizes, pre, post, stride, extents)]
        w_shape = (kg * groups, cg) + tuple(kernel)
    assume(all(o >= 1 for o in out))
    x = draw(arrays(np.float32, (n, cg * groups) + tuple(sizes), min_value=-2, max_value=2))
    w = draw(arrays(np.float32, w_shape, min_value=-2, max_value=2))
    b = draw(st.none() | arrays(np.float32, (w_shape[0] if not transposed else kg * groups,), min_value=-2,
                                max_value=2))
    padding = tuple(zip(pre, post))
    return x, w, b, {"stride": stride, "pre": pre, "post": post, "dilation": dilation, "groups": groups,
                     "mode": mode, "padding": padding}


def build(fn, case, constant=False):
    """The layer ``fn`` on the case's input, with its kernel and bias as network inputs or, where
    ``constant``, as arrays (constants)."""
    x, w, b, p = case
    kwargs = {"stride": tuple(p["stride"]), "dilation": tuple(p["dilation"]), "groups": p["groups"],
              "padding_mode": p["mode"]}
    if not p["mode"].startswith("same"):
        kwargs["padding"] = p["padding"]
    if constant:
        return run_layer(lambda t: fn(t, w, b, **kwargs), x)
    if b is None:
        return run_layer(lambda t, k: fn(t, k, **kwargs), x, w)
    return run_layer(lambda t, k, c: fn(t, k, c, **kwargs), x, w, b)


def expected(naive, case, dtype=np.float32):
    x, w, b, p = case
    return naive(x, w, b, p["stride"], p["pre"], p["post"], p["dilation"], p["groups"],
                 p["mode"]).astype(dtype)


@given(case=conv_case())
def test_conv_matches_index_formula(case):
    assert_close(build(td.conv, case), expected(naive_conv, case), rtol=1e-4, atol=1e-4)


@given(case=conv_case())
def test_conv_of_constant_weights_matches_index_formula(case):
    """Constants as kernel and bias: the interpreter adds the bias in the product where it can (see the
    next test)."""
    assert_close(build(td.conv, case, constant=True), expected(naive_conv, case), rtol=1e-4, atol=1e-4)


def test_the_bias_goes_into_the_product_where_that_is_faster():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 7, 7)).astype(np.float32)

    def weights(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    net = td.Network("biased")
    t = net.input("x", td.float32, x.shape)
    cases = {  # name: (kernel, bias, groups, padding, stride, whether the bias goes into the product)
        "windows": (weights(3, 4, 3, 3), weights(3), 1, 1, 1, True),  # 49 positions, 36 weights each
        "few_positions": (weights(3, 4, 3, 3), weights(3), 1, 1, 3, False),  # 9 positions
        "widening_1x1": (weights(8, 4, 1, 1), weights(8), 1, 0, 1, True),
        "narrowing_1x1": (weights(2, 4, 1, 1), weights(2), 1, 0, 1, False),  # its input would be copied
        "padded_1x1": (weights(2, 4, 1, 1), weights(2), 1, 1, 1, True),
        "no_bias": (weights(3, 4, 3, 3), None, 1, 1, 1, False),
        "grouped": (weights(4, 2, 3, 3), weights(4), 2, 1, 1, False),
    }
    for name, (w, b, groups, padding, stride, _) in cases.items():
        net.output(f"y_{name}", td.conv(t, w, b, padding=padding, stride=stride, groups=groups, name=name))
    constants = {n.outputs[0]: n.op.weights.array for n in net.nodes if n.op.kind == "Constant"}
    expected = plan(net).expected({})
    forms = constant_forms([n for n in net.nodes if n.op.kind == "Convolution"], constants, expected, [])
    assert {n.name for n in forms} == {name for name, case in cases.items() if case[-1]}

    got = net.run({"x": x})
    for name, (w, b, groups, padding, stride, _) in cases.items():
        want = naive_conv(x, w, b, (stride,) * 2, (padding,) * 2, (padding,) * 2, (1, 1), groups,
                          "explicit_round_down")
        assert_close(got[f"y_{name}"], want.astype(np.float32), rtol=1e-5, atol=1e-5)



WIDE = {  # name: (kernel, bias, padding, stride, dilation, mode, whether it sums shifted products)
    "same_3x3": ((4, 16, 3, 3), True, ((1, 1), (1, 1)), (1, 1), (1, 1), "explicit_round_down", True),
    "no_bias_row_dilated": ((3, 16, 3, 3), False, ((2, 0), (1, 2)), (1, 1), (2, 1), "explicit_round_down",
                            True),
    "round_up_1x3": ((2, 16, 1, 3), True, ((0, 1), (1, 1)), (1, 1), (1, 1), "explicit_round_up", True),
    "same_upper_2x2": ((2, 16, 2, 2), True, None, (1, 1), (1, 1), "same_upper", True),
    "few_channels": ((4, 8, 3, 3), True, ((1, 1), (1, 1)), (1, 1), (1, 1), "explicit_round_down", False),
    "strided": ((4, 16, 3, 3), True, ((1, 1), (1, 1)), (2, 2), (1, 1), "explicit_round_down", False),
    "narrow_output": ((4, 16, 1, 5), True, ((0, 0), (2, 2)), (1, 1), (1, 1), "explicit_round_down", False),
}


def wide_network(rng):
    """A network of the WIDE convolutions of one input (of its first channels, as many as the kernel
    takes), its input value and each layer's (kernel, bias)."""
    x = rng.standard_normal((2, 16, 8, 16)).astype(np.float32)
    net = td.Network("wide")
    t = net.input("x", td.float32, x.shape)
    weights = {}
    for name, (shape, biased, padding, stride, dilation, mode, _) in WIDE.items():
        w = rng.standard_normal(shape).astype(np.float32)
        b = rng.standard_normal(shape[0]).astype(np.float32) if biased else None
        weights[name] = w, b
        pads = {} if padding is None else {"padding": padding}
        net.output(f"y_{name}", td.conv(t[:, :shape[1]], w, b, stride=stride, dilation=dilation,
                                         padding_mode=mode, name=name, **pads))
    return net, x, weights


def check_wide(net, x, weights):
    got = net.run({"x": x})
    for name, (_, _, padding, stride, dilation, mode, _) in WIDE.items():
        pre, post = ((0, 0), (0, 0)) if padding is None else zip(*padding)
        w, b = weights[name]
        want = naive_conv(x[:, :w.shape[1]], w, b, stride, pre, post, dilation, 1, mode)
        assert_close(got[f"y_{name}"], want.astype(np.float32), rtol=1e-5, atol=1e-5)


def forms_of(net):
    constants = {n.outputs[0]: n.op.weights.array for n in net.nodes if n.op.kind == "Constant"}
    return constant_forms([n for n in net.nodes if n.op.kind == "Convolution"], constants,
                          plan(net).expected({}), [])


@pytest.mark.skipif(not gemm_available(), reason="NumPy's BLAS here is not an OpenBLAS with a 64-bit CBLAS "
                    "interface: convolutions keep im2col (the next test covers that)")
def test_stride_1_kernels_over_16_channels_sum_shifted_products():
    net, x, weights = wide_network(np.random.default_rng(1))
    shifted = {node.name for node, form in forms_of(net).items() if form.__name__ == "shifted"}
    assert shifted == {name for name, case in WIDE.items() if case[-1]}
    check_wide(net, x, weights)


@pytest.mark.skipif(not gemm_available(), reason="NumPy's BLAS here is not an OpenBLAS with a 64-bit CBLAS "
                    "interface")
@given(case=conv_case())
def test_shifted_products_match_the_index_formula_for_any_geometry(case):
    """The shifted products themselves, for every stride, dilation, padding and mode (the interpreter
    takes them for stride 1 only)."""
    x, w, b, p = case
    assume(p["groups"] == 1 and x.ndim == 4)
    op = Convolution(w.shape[0], w.shape[2:], tuple(p["stride"]), tuple(p["pre"]), tuple(p["post"]),
                     tuple(p["dilation"]), 1, PaddingMode(p["mode"]))
    pads, out = op._geometry(x.shape[2:])
    got = convolution._convolve_shifted(x, convolution._taps(w), op.kernel_size, b, pads, op.stride,
                                        op.dilation, out)
    assert_close(got, expected(naive_conv, case), rtol=1e-4, atol=1e-4)


def test_without_blas_adding_products_convolutions_keep_their_columns(monkeypatch):
    monkeypatch.setattr(convolution, "gemm_available", lambda: False)
    net, x, weights = wide_network(np.random.default_rng(2))
    assert not any(form.__name__ == "shifted" for form in forms_of(net).values())
    check_wide(net, x, weights)


def test_a_product_blas_refuses_falls_back_to_the_columns(monkeypatch):
    monkeypatch.setattr(convolution, "gemm", lambda a, b, c, add: False)
    net, x, weights = wide_network(np.random.default_rng(3))
    check_wide(net, x, weights)

def tap_sum_conv(x, w, b, stride, pre, post, dilation, groups, mode):
    """:func:`naive_conv` vectorised over the output positions, in float64: for each group and kernel tap,
    the padded input's positions that tap reads (zeros past the input) times its weights."""
    nb = x.ndim - 2
    k_, cg, *kernel = w.shape
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    geo = [conv_geometry(mode, *args) for args in zip(x.shape[2:], pre, post, stride, extents)]
    out = [o for o, _ in geo]
    before = [p for _, p in geo]
    ends = [max(o * s + e, i + p) for o, s, e, i, p in zip(out, stride, extents, x.shape[2:], before)]
    xp = np.zeros(x.shape[:2] + tuple(ends), np.float64)
    xp[(slice(None), slice(None)) + tuple(slice(p, p + i) for p, i in zip(before, x.shape[2:]))] = x
    y = np.zeros((x.shape[0], k_) + tuple(out), np.float64)
    kg = k_ // groups
    for g in range(groups):
        for r in itertools.product(*(range(v) for v in kernel)):
            read = tuple(slice(ri * d, ri * d + (o - 1) * s + 1, s)
                         for ri, d, o, s in zip(r, dilation, out, stride))
            part = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + read]
            taps = w[(slice(g * kg, (g + 1) * kg), slice(None)) + r].astype(np.float64)
            y[:, g * kg:(g + 1) * kg] += np.tensordot(part, taps, axes=([1], [1])).transpose(
                (0, nb + 1) + tuple(range(1, nb + 1)))
    if b is not None:
        y += b.astype(np.float64).reshape((1, -1) + (1,) * nb)
    return y


FLAT = {  # name: (x shape, kernel shape, groups, stride, dilation, pre, post, mode, the path it takes)
    "depthwise": ((2, 40, 37, 55), (40, 1, 3, 3), 40, (1, 1), (1, 1), (1, 1), (1, 1), "explicit_round_down",
                  "flat"),
    "depthwise_multiplier": ((1, 36, 29, 61), (72, 1, 3, 2), 36, (1, 1), (2, 1), (2, 0), (1, 3),
                             "explicit_round_down", "flat"),
    "depthwise_round_up": ((1, 8, 9, 10), (8, 1, 3, 3), 8, (1, 1), (1, 1), (0, 1), (2, 0),
                           "explicit_round_up", "flat"),
    "depthwise_same_lower": ((1, 6, 7, 8), (6, 1, 2, 4), 6, (1, 1), (1, 2), (0, 0), (0, 0), "same_lower",
                             "flat"),
    "depthwise_3d": ((2, 4, 5, 6, 7), (8, 1, 3, 2, 3), 4, (1, 1, 1), (1, 2, 1), (1, 0, 1), (0, 1, 1),
                     "explicit_round_down", "flat"),
    "depthwise_1x1": ((1, 4, 3, 5), (4, 1, 1, 1), 4, (1, 1), (1, 1), (0, 0), (0, 0), "explicit_round_down",
                      "columns"),
    "grouped": ((2, 40, 31, 33), (60, 2, 3, 3), 20, (1, 1), (1, 1), (1, 1), (1, 1), "explicit_round_down",
                "flat"),
    "grouped_dilated": ((1, 12, 11, 13), (6, 4, 3, 2), 3, (1, 1), (2, 3), (3, 0), (1, 2),
                        "explicit_round_down", "flat"),
    "grouped_same_upper": ((1, 6, 6, 9), (9, 2, 4, 3), 3, (1, 1), (1, 1), (0, 0), (0, 0), "same_upper",
                           "flat"),
    "grouped_3d": ((1, 4, 4, 5, 6), (4, 2, 2, 3, 3), 2, (1, 1, 1), (1, 1, 2), (1, 1, 0), (0, 1, 2),
                   "explicit_round_up", "flat"),
    "depthwise_strided": ((1, 8, 9, 11), (8, 1, 3, 3), 8, (2, 1), (1, 1), (1, 1), (1, 1),
                          "explicit_round_down", "columns"),
    "grouped_strided": ((1, 8, 9, 11), (8, 2, 3, 3), 4, (1, 3), (1, 1), (1, 1), (1, 1), "explicit_round_up",
                        "columns"),
    "one_group": ((1, 3, 9, 11), (4, 3, 3, 3), 1, (1, 1), (1, 1), (1, 1), (1, 1), "explicit_round_down",
                  "columns"),
    "one_group_3d": ((1, 2, 18, 16, 17), (4, 2, 3, 2, 3), 1, (1, 1, 1), (2, 1, 1), (1, 0, 2), (0, 1, 1),
                     "explicit_round_down", "flat"),
    "one_group_3d_same": ((1, 2, 16, 16, 16), (3, 2, 2, 3, 2), 1, (1, 1, 1), (1, 1, 1), (0, 0, 0),
                          (0, 0, 0), "same_lower", "flat"),
    "one_group_3d_small": ((2, 3, 5, 6, 7), (4, 3, 3, 2, 3), 1, (1, 1, 1), (2, 1, 1), (1, 0, 2), (0, 1, 1),
                           "explicit_round_down", "columns"),
    "pointwise_3d": ((1, 3, 4, 5, 6), (4, 3, 1, 1, 1), 1, (1, 1, 1), (1, 1, 1), (0, 0, 0), (0, 0, 0),
                     "explicit_round_down", "columns"),
    "strided_3d": ((1, 3, 5, 6, 7), (2, 3, 2, 2, 2), 1, (1, 2, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1),
                   "explicit_round_up", "columns"),
}


@pytest.mark.parametrize("biased", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("name", list(FLAT))
def test_groups_and_3d_kernels_of_stride_1_read_the_flat_padded_input(name, biased, monkeypatch):
    """Groups and 3-D kernels with stride 1 multiply blocks of columns read from the flat padded input (of
    the last kernel dim's taps only, with one channel per group or one group); other strides, 2-D kernels
    of one group, kernels of one tap and 3-D kernels of one group with fewer than 4096 output positions keep
    the columns of :func:`_convolve`. The larger cases span several blocks of groups."""
    shape, kernel, groups, stride, dilation, pre, post, mode, path = FLAT[name]
    taken = []
    for fn, what in [("_convolve_flat", "flat"), ("_convolve", "columns")]:
        original = getattr(convolution, fn)
        monkeypatch.setattr(convolution, fn, lambda *a, _f=original, _w=what: taken.append(_w) or _f(*a))
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(kernel).astype(np.float32)
    b = rng.standard_normal(kernel[0]).astype(np.float32) if biased else None
    kwargs = {"stride": stride, "dilation": dilation, "groups": groups, "padding_mode": mode}
    if not mode.startswith("same"):
        kwargs["padding"] = tuple(zip(pre, post))
    if biased:  # kernel and bias as network inputs: a constant one-group kernel could take another form
        got = run_layer(lambda t, k, c: td.conv(t, k, c, **kwargs), x, w, b)
    else:
        got = run_layer(lambda t, k: td.conv(t, k, **kwargs), x, w)
    assert taken == [path]
    want = tap_sum_conv(x, w, b, stride, pre, post, dilation, groups, mode)
    assert_close(got, want.astype(np.float32), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["one_group_3d", "one_group_3d_same", "depthwise", "depthwise_3d"])
def test_the_flat_path_without_blas_adding_products(name, monkeypatch):
    """Where BLAS cannot add a product into the sums (:func:`gemm` does nothing), NumPy adds it."""
    monkeypatch.setattr(convolution, "gemm", lambda a, b, c, add: False)
    shape, kernel, groups, stride, dilation, pre, post, mode, _ = FLAT[name]
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(kernel).astype(np.float32)
    b = rng.standard_normal(kernel[0]).astype(np.float32)
    op = Convolution(kernel[0], kernel[2:], stride, pre, post, dilation, groups, PaddingMode(mode))
    want = tap_sum_conv(x, w, b, stride, pre, post, dilation, groups, mode)
    assert_close(op.reference(x, w, b)[0], want.astype(np.float32), rtol=1e-5, atol=1e-5)


def test_3d_kernels_of_stride_1_with_constant_weights_read_flat(monkeypatch):
    """A 3-D kernel of stride 1 has no form of its own for constant weights: the flat path is faster. With
    stride 2 the bias goes into the product."""
    taken = []
    original = convolution._convolve_flat
    monkeypatch.setattr(convolution, "_convolve_flat", lambda *a: taken.append(True) or original(*a))
    rng = np.random.default_rng(8)
    x = rng.standard_normal((1, 4, 16, 16, 16)).astype(np.float32)  # 4096 output positions: flat
    w = rng.standard_normal((8, 4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    net = td.Network("c3")
    t = net.input("x", td.float32, x.shape)
    net.output("y", td.conv(t, w, b, padding=1))
    net.output("z", td.conv(t, w, b, padding=1, stride=2))
    assert [node.name for node in forms_of(net)] == ["conv_1"]
    got = net.run({"x": x})
    assert taken == [True]
    for name, stride in (("y", (1, 1, 1)), ("z", (2, 2, 2))):
        want = tap_sum_conv(x, w, b, stride, (1,) * 3, (1,) * 3, (1,) * 3, 1, "explicit_round_down")
        assert_close(got[name], want.astype(np.float32), rtol=1e-5, atol=1e-5)


def test_the_tap_sum_formula_agrees_with_the_index_formula():
    """The test's vectorised formula against the loop over output positions, on one small case of each
    kind."""
    rng = np.random.default_rng(5)
    for shape, kernel, groups, stride, dilation, pre, post, mode, _ in FLAT.values():
        if np.prod(shape) > 2000:
            continue
        x = rng.standard_normal(shape)
        w = rng.standard_normal(kernel)
        b = rng.standard_normal(kernel[0])
        np.testing.assert_allclose(tap_sum_conv(x, w, b, stride, pre, post, dilation, groups, mode),
                                   naive_conv(x, w, b, stride, pre, post, dilation, groups, mode), rtol=1e-12,
                                   atol=1e-12)


DECONV = {  # name: (x shape, kernel shape, groups, stride, dilation, padding or a SAME mode)
    "stride_2_kernel_4": ((2, 6, 5, 7), (6, 3, 4, 4), 1, (2, 2), (1, 1), ((1, 1), (1, 1))),
    "stride_over_kernel": ((1, 3, 4, 3), (3, 2, 2, 1), 1, (3, 2), (1, 1), ((0, 0), (0, 0))),
    "dilated_phases": ((1, 4, 5, 6), (4, 2, 3, 3), 2, (2, 3), (3, 2), ((2, 0), (1, 4))),
    "trim_past_a_stride": ((1, 2, 6, 5), (2, 3, 5, 3), 1, (2, 1), (1, 2), ((4, 1), (0, 3))),
    "same_lower": ((1, 4, 3, 4), (4, 1, 3, 2), 2, (2, 2), (1, 1), "same_lower"),
    "same_upper_3d": ((1, 2, 3, 2, 4), (2, 2, 3, 2, 2), 1, (2, 1, 3), (1, 1, 1), "same_upper"),
    "grouped_3d": ((2, 4, 2, 3, 3), (4, 1, 2, 3, 2), 2, (1, 2, 2), (2, 1, 1), ((1, 0), (0, 1), (1, 1))),
}


@pytest.mark.parametrize("biased", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("name", list(DECONV))
def test_conv_transpose_scatters_each_tap_by_phase(name, biased):
    """The direct form's phases (taps landing on outputs of ``r * dilation % stride``), on sizes larger
    than the drawn cases: strides past the kernel leave outputs no tap reaches, dilations send taps to
    other phases, trims remove more than a stride."""
    shape, kernel, groups, stride, dilation, padding = DECONV[name]
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(kernel).astype(np.float32)
    b = rng.standard_normal(kernel[1] * groups).astype(np.float32) if biased else None
    nb = len(stride)
    if isinstance(padding, str):
        mode, pre, post, kwargs = padding, (0,) * nb, (0,) * nb, {"padding_mode": padding}
    else:
        mode, kwargs = "explicit_round_down", {"padding": padding}
        pre, post = (tuple(p) for p in zip(*padding))
    got = run_layer(lambda t: td.conv_transpose(t, w, b, stride=stride, dilation=dilation, groups=groups,
                                                **kwargs), x)
    want = naive_deconv(x, w, b, stride, pre, post, dilation, groups, mode)
    assert_close(got, want.astype(np.float32), rtol=1e-5, atol=1e-5)


@given(case=conv_case(transposed=True, max_side=4))
def test_conv_transpose_matches_scatter_formula(case):
    assert_close(build(td.conv_transpose, case), expected(naive_deconv, case), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float16, td.bfloat16.numpy], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "deconv"])
@given(data=st.data())
def test_16_bit_floats_compute_in_float32(dtype, transposed, data):
    x, w, b, p = data.draw(conv_case(transposed=transposed, max_side=4))
    case = (x.astype(dtype), w.astype(dtype), None if b is None else b.astype(dtype), p)
    got = build(td.conv_transpose if transposed else td.conv, case)
    want = expected(naive_deconv if transposed else naive_conv, case, dtype)
    tol = TOLERANCES[np.dtype(dtype)]
    assert_close(got, want, rtol=tol, atol=tol)


def test_padding_forms_and_stride_defaults():
    x = np.arange(2 * 3 * 5 * 4, dtype=np.float32).reshape(2, 3, 5, 4) / 10
    w = np.linspace(-1, 1, 4 * 3 * 3 * 2, dtype=np.float32).reshape(4, 3, 3, 2)
    got = run_layer(lambda t: (td.conv(t, w, padding=1), td.conv(t, w, padding=(2, 0)),
                               td.conv(t, w, padding=((0, 1), (2, 0)))), x)
    assert_close(got[0], naive_conv(x, w, None, (1, 1), (1, 1), (1, 1), (1, 1), 1, "explicit_round_down")
                 .astype(np.float32), rtol=1e-5, atol=1e-5)
    assert_close(got[1], naive_conv(x, w, None, (1, 1), (2, 0), (2, 0), (1, 1), 1, "explicit_round_down")
                 .astype(np.float32), rtol=1e-5, atol=1e-5)
    assert_close(got[2], naive_conv(x, w, None, (1, 1), (0, 2), (1, 0), (1, 1), 1, "explicit_round_down")
                 .astype(np.float32), rtol=1e-5, atol=1e-5)


def test_same_modes_put_the_odd_padding_where_tensorrt_says():
    # I=4, S=1, K=2: P = 1; SAME_UPPER pads after the data, SAME_LOWER before it.
    x = np.array([[[[1, 2, 3, 4]]]], np.float32)
    w = np.array([[[[1, 10]]]], np.float32)
    upper, lower = run_layer(lambda t: (td.conv(t, w, padding_mode="same_upper"),
                                        td.conv(t, w, padding_mode=PaddingMode.SAME_LOWER)), x)
    np.testing.assert_array_equal(upper, [[[[21, 32, 43, 4]]]])
    np.testing.assert_array_equal(lower, [[[[10, 21, 32, 43]]]])


def test_round_up_reads_zeros_past_the_padded_input():
    # I=5, K=2, S=2: ROUND_DOWN gives 2 outputs, ROUND_UP 3; the last window covers x[4] and a zero.
    x = np.array([[[[1, 2, 3, 4, 5]]]], np.float32)
    w = np.array([[[[1, 1]]]], np.float32)
    down, up = run_layer(lambda t: (td.conv(t, w, stride=(1, 2)),
                                    td.conv(t, w, stride=(1, 2), padding_mode="explicit_round_up")), x)
    np.testing.assert_array_equal(down, [[[[3, 7]]]])
    np.testing.assert_array_equal(up, [[[[3, 7, 5]]]])


def test_dynamic_spatial_dims_and_kernel_as_a_network_input():
    net = td.Network("dyn")
    x = net.input("x", td.float32, ("n", 2, "h", "w"))
    k = net.input("k", td.float32, (3, 2, 3, 3))
    bias = net.input("b", td.float32, (3,))
    y = td.conv(x, k, bias, stride=2, padding_mode="same_lower")
    z = td.conv_transpose(x, np.ones((2, 1, 2, 2), np.float32), stride=2, groups=2)
    assert str(y.type) == "f32[n,3,(h+1)//2,(w+1)//2]"
    assert str(z.type) == "f32[n,2,h*2,w*2]"
    net.output("y", y)
    net.output("z", z)
    rng = np.random.default_rng(0)
    kv = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    bv = rng.standard_normal(3).astype(np.float32)
    for shape in [(1, 2, 5, 4), (2, 2, 2, 7)]:
        xv = rng.standard_normal(shape).astype(np.float32)
        out = net.run({"x": xv, "k": kv, "b": bv})
        assert_close(out["y"], naive_conv(xv, kv, bv, (2, 2), (0, 0), (0, 0), (1, 1), 1, "same_lower")
                     .astype(np.float32), rtol=1e-5, atol=1e-5)
        assert_close(out["z"], xv.repeat(2, axis=2).repeat(2, axis=3), rtol=0, atol=0)


def test_weights_from_python_values_take_the_input_dtype():
    net = td.Network("w")
    x = net.input("x", td.float16, (1, 1, 2, 2))
    y = td.conv(x, np.ones((1, 1, 1, 1)), [0.5])
    assert y.dtype is td.float16
    assert [n.op.kind for n in net.nodes] == ["Constant", "Constant", "Convolution"]
    assert all(n.outputs[0].dtype is td.float16 for n in net.nodes)


def test_textual_ir_shows_the_parameters_that_are_set():
    net = td.Network("ir")
    x = net.input("x", td.float32, ("n", 4, 8, 8))
    net.output("y", td.conv(x, np.ones((6, 2, 3, 3), np.float32), stride=2, padding=1, groups=2))
    net.output("z", td.conv_transpose(x, np.ones((4, 1, 2, 2), np.float32), padding_mode="same_upper"))
    text = net.format(locations=False)
    assert ("%y : f32[n,6,4,4] = Convolution(%x, %constant_0, None, num_output_maps=6, kernel_size=(3,3), "
            "stride=(2,2), pre_padding=(1,1), post_padding=(1,1), num_groups=2)") in text
    assert ("%z : f32[n,1,8,8] = Deconvolution(%x, %constant_1, None, num_output_maps=1, kernel_size=(2,2), "
            "padding_mode=SAME_UPPER)") in text


def test_layer_names():
    net = td.Network("names")
    x = net.input("x", td.float32, (1, 1, 4, 4))
    w = np.ones((1, 1, 1, 1), np.float32)
    assert td.conv(x, w).name == "conv_0"
    assert td.conv_transpose(x, w).name == "deconv_0"
    assert td.conv(x, w, name="stem").name == "stem"


# -- invalid calls ---------------------------------------------------------------------------------


def raw(op, *specs, drop=()):
    """Add ``op`` directly (as the raise path from a TensorRT network does) on inputs of ``specs``."""
    def build(*ts):
        ins = [None if i in drop else t for i, t in enumerate(ts)]
        return ts[0].network.add1(op, ins)
    return call(build, *specs)


def op(cls=Convolution, maps=2, kernel=(3, 3), stride=(1, 1), pre=(0, 0), post=(0, 0), dilation=(1, 1),
       groups=1, mode=PaddingMode.EXPLICIT_ROUND_DOWN):
    return cls(maps, kernel, stride, pre, post, dilation, groups, mode)


W = np.ones((2, 1, 3, 3), np.float32)

ROWS = [
    (DTypeError, "conv: argument 'x' is <ndarray float32[1, 1, 4, 4]>; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)",
     lambda: td.conv(np.ones((1, 1, 4, 4), np.float32), W)),
    (ShapeError, "conv: argument 'w' has shape (2, 1, 3); expected a 4-D or 5-D kernel for a 2-D or 3-D "
                 "convolution",
     call(lambda x: td.conv(x, np.ones((2, 1, 3), np.float32)), f32(1, 1, 5))),
    (ShapeError, "conv: argument 'w' has shape (k, 1, 3, 3); a kernel's dims must be static ints",
     call(lambda x, k: td.conv(x, k), f32(1, 1, 5, 5), f32("k", 1, 3, 3))),
    (ArgumentError, "conv: argument 'stride' is '2'; expected an int or 2 ints",
     call(lambda x: td.conv(x, W, stride="2"), f32(1, 1, 5, 5))),
    (ArgumentError, "conv: argument 'dilation' is (1, 1, 1); expected an int or 2 ints",
     call(lambda x: td.conv(x, W, dilation=(1, 1, 1)), f32(1, 1, 5, 5))),
    (ArgumentError, "conv: argument 'padding' is ((1, 2), (1,)); expected an int, 2 ints, or 2 (pre, post) "
                    "pairs",
     call(lambda x: td.conv(x, W, padding=((1, 2), (1,))), f32(1, 1, 5, 5))),
    (ArgumentError, "conv: argument 'padding_mode' is 'same'; expected one of EXPLICIT_ROUND_DOWN, "
                    "EXPLICIT_ROUND_UP, SAME_UPPER, SAME_LOWER",
     call(lambda x: td.conv(x, W, padding_mode="same"), f32(1, 1, 5, 5))),
    (ArgumentError, "conv: argument 'padding' is 1; expected 0 with padding_mode 'same_upper', which "
                    "computes the padding",
     call(lambda x: td.conv(x, W, padding=1, padding_mode="same_upper"), f32(1, 1, 5, 5))),
    (ArgumentError, "conv_transpose: argument 'groups' is 1.5; expected an int >= 1",
     call(lambda x: td.conv_transpose(x, W, groups=1.5), f32(1, 1, 5, 5))),
    (ShapeError, "Convolution: input 'x' has shape (1, 2, 5); expected a 4-D tensor (N, C, H, W) for a 2-D "
                 "kernel",
     call(lambda x: td.conv(x, W), f32(1, 2, 5))),
    (ShapeError, "Deconvolution: input 'x' has shape (1, 1, 5, 5); expected a 5-D tensor (N, C, D, H, W) for "
                 "a 3-D kernel",
     call(lambda x: td.conv_transpose(x, np.ones((1, 1, 2, 2, 2), np.float32)), f32(1, 1, 5, 5))),
    (DTypeError, "Convolution: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x, k: td.conv(x, k), (td.int32, (1, 1, 5, 5)), (td.int32, (2, 1, 3, 3)))),
    (DTypeError, "Convolution: input 'kernel' has dtype float16 but 'x' has float32; TensorRT networks are "
                 "strongly typed, so they must be the same",
     call(lambda x, k: td.conv(x, k), f32(1, 1, 5, 5), (td.float16, (2, 1, 3, 3)))),
    (DTypeError, "Deconvolution: input 'bias' has dtype float16 but 'x' has float32; TensorRT networks are "
                 "strongly typed, so they must be the same",
     call(lambda x, b: td.conv_transpose(x, W, b), f32(2, 2, 5, 5), (td.float16, (1,)))),
    (ArgumentError, "Convolution: argument 'stride' is (0, 0); expected 2 ints >= 1",
     call(lambda x: td.conv(x, W, stride=0), f32(1, 1, 5, 5))),
    (ArgumentError, "Convolution: argument 'dilation' is (1, -1); expected 2 ints >= 1",
     call(lambda x: td.conv(x, W, dilation=(1, -1)), f32(1, 1, 5, 5))),
    (ArgumentError, "Convolution: argument 'pre_padding' is (-1, 0); expected 2 ints >= 0",
     call(lambda x: td.conv(x, W, padding=((-1, 0), (0, 0))), f32(1, 1, 5, 5))),
    (ArgumentError, "Deconvolution: argument 'post_padding' is (0, -2); expected 2 ints >= 0",
     call(lambda x: td.conv_transpose(x, W, padding=((0, 0), (0, -2))), f32(1, 1, 5, 5))),
    (ArgumentError, "conv: argument 'groups' is 0; expected an int >= 1",
     call(lambda x: td.conv(x, W, groups=0), f32(1, 1, 5, 5))),
    (ArgumentError, "conv_transpose: argument 'groups' is 0; expected an int >= 1",
     call(lambda x: td.conv_transpose(x, W, groups=0), f32(1, 1, 5, 5))),
    (ArgumentError, "Convolution: argument 'num_groups' is 0; expected an int >= 1",
     raw(op(groups=0), f32(1, 1, 5, 5), f32(2, 1, 3, 3))),
    (ShapeError, "Convolution: the input channel count 3 is not a multiple of num_groups 2",
     call(lambda x: td.conv(x, np.ones((2, 1, 3, 3), np.float32), groups=2), f32(1, 3, 5, 5))),
    (ShapeError, "Convolution: num_output_maps 3 is not a multiple of num_groups 2",
     call(lambda x: td.conv(x, np.ones((3, 1, 3, 3), np.float32), groups=2), f32(1, 2, 5, 5))),
    (ShapeError, "Convolution: input 'kernel' has shape (4, 2, 3, 3); expected (4, 3, 3, 3) = "
                 "(num_output_maps, C/num_groups, *kernel_size)",
     call(lambda x: td.conv(x, np.ones((4, 2, 3, 3), np.float32)), f32(1, 3, 5, 5))),
    (ShapeError, "Deconvolution: input 'kernel' has shape (2, 1, 3, 3); expected (4, 1, 3, 3) = (C, "
                 "num_output_maps/num_groups, *kernel_size)",
     call(lambda x: td.conv_transpose(x, W), f32(1, 4, 5, 5))),
    (ShapeError, "Convolution: input 'bias' has shape (3,); expected (2,) = (num_output_maps,)",
     call(lambda x: td.conv(x, W, np.ones(3, np.float32)), f32(1, 1, 5, 5))),
    (ShapeError, "Convolution: input 'x' has shape (1, c, 5, 5); its channel dim (1) must be a static int",
     call(lambda x: td.conv(x, W), f32(1, "c", 5, 5))),
    (ShapeError, "Convolution: spatial dim 1 of the output would be 0 for input shape (1, 1, 5, 2); the "
                 "window does not fit in the padded input",
     call(lambda x: td.conv(x, W), f32(1, 1, 5, 2))),
    (ShapeError, "Deconvolution: spatial dim 0 of the output would be -1 for input shape (1, 1, 1, 1); the "
                 "padding trims more than the whole output",
     call(lambda x: td.conv_transpose(x, np.ones((1, 1, 1, 1), np.float32), padding=1), f32(1, 1, 1, 1))),
    # the layer itself, as a network raised from TensorRT would give it
    (ShapeError, "Convolution: the kernel is 1-D; TensorRT supports 2-D and 3-D only",
     raw(op(kernel=(3,), stride=(1,), pre=(0,), post=(0,), dilation=(1,)), f32(1, 1, 5), f32(2, 1, 3))),
    (ArgumentError, "Convolution: input 1 ('kernel') is None; it is required",
     raw(op(), f32(1, 1, 5, 5), f32(2, 1, 3, 3), drop=(1,))),
    (ArgumentError, "Convolution: argument 'stride' is (1,); expected 2 ints >= 1",
     raw(op(stride=(1,)), f32(1, 1, 5, 5), f32(2, 1, 3, 3))),
    (ArgumentError, "Convolution: argument 'kernel_size' is (3, 0); expected 2 ints >= 1",
     raw(op(kernel=(3, 0)), f32(1, 1, 5, 5), f32(2, 1, 3, 0))),
    (ArgumentError, "Deconvolution: argument 'num_output_maps' is 0; expected an int >= 1",
     raw(op(Deconvolution, maps=0), f32(1, 1, 5, 5), f32(1, 0, 3, 3))),
    (ArgumentError, "Convolution: argument 'padding_mode' is 'same'; expected a PaddingMode",
     raw(op(mode="same"), f32(1, 1, 5, 5), f32(2, 1, 3, 3))),
]


@pytest.mark.parametrize("cls, message, build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_invalid_calls(cls, message, build):
    expect_error(cls, message, build)


def test_a_size_that_only_fails_at_run_time_names_the_layer():
    net = td.Network("late")
    x = net.input("x", td.float32, (1, 1, "h", 5))
    net.output("y", td.conv(x, W))
    with pytest.raises(td.ExecutionError,
                       match=r"Convolution \(layer conv_0\) failed on the NumPy reference on inputs of "
                             r"shapes \(1, 1, 2, 5\) and \(2, 1, 3, 3\) \(typed f32\[1,1,h,5\] and "
                             r"f32\[2,1,3,3\]\): "
                             r"ValueError: input shape \(1, 1, 2, 5\) gives output spatial dims "
                             r"\(0, 3\); the window does not fit in the padded input"):
        net.run({"x": np.ones((1, 1, 2, 5), np.float32)})


def test_deconvolution_of_an_empty_spatial_dim_is_its_bias():
    # full output length (I - 1) * S + DK with I = 0: DK - S positions that no input reaches
    x = np.zeros((1, 2, 0, 2), np.float32)
    w = np.ones((2, 3, 3, 3), np.float32)
    got = run_layer(lambda t: td.conv_transpose(t, w, np.array([1, 2, 3], np.float32)), x)
    assert_close(got, naive_deconv(x, w, np.array([1, 2, 3], np.float32), (1, 1), (0, 0), (0, 0), (1, 1), 1,
                                   "explicit_round_down").astype(np.float32))
    assert got.shape == (1, 3, 2, 4) and (got[0, 2] == 3).all()


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "deconv"])
def test_an_empty_batch_gives_an_empty_output(transposed):
    """Grouped stride-1 convolutions (the flat path) and transposed ones on a batch of no images."""
    x = np.zeros((0, 4, 5, 6), np.float32)
    w = np.ones((4, 2, 3, 3), np.float32)
    fn = td.conv_transpose if transposed else td.conv
    got = run_layer(lambda t: fn(t, w, np.ones(4, np.float32), padding=1, groups=2), x)
    assert got.shape == (0, 4, 5, 6)  # padding 1 keeps a 3x3 kernel's sizes both ways


@pytest.mark.parametrize("channels, maps, kernel, bias", [
    (3, 4, (3, 3), True),     # windows in columns (the biased product)
    (3, 4, (1, 1), False),    # the input read as it is
    (16, 8, (3, 3), True),    # shifted products
    (2, 3, (3, 3, 3), False),  # 3-D
])
def test_a_batch_of_no_images_gives_an_empty_output_on_every_path(channels, maps, kernel, bias):
    """Of every form the reference takes (a network's constant weights pick the faster ones), after a run
    on images and before one, as on onnxruntime."""
    rng = np.random.default_rng(0)
    spatial = (5,) * len(kernel)
    net = td.Network("empty")
    x = net.input("x", td.float32, ("b", channels) + spatial)
    w = rng.standard_normal((maps, channels) + kernel).astype(np.float32)
    padding = tuple(k // 2 for k in kernel)
    net.output("y", td.conv(x, w, rng.standard_normal(maps).astype(np.float32) if bias else None,
                            padding=padding))
    empty = np.zeros((0, channels) + spatial, np.float32)
    for batch in (empty, np.ones((2, channels) + spatial, np.float32), empty):
        got = net.run({"x": batch})["y"]
        assert got.shape == (len(batch), maps) + spatial and got.dtype == np.float32
    assert net.run({"x": empty}, backend="onnxruntime")["y"].shape == (0, maps) + spatial


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Convolution, Deconvolution, Pooling ----------------------------------------------------------------
_RNG = np.random.default_rng(7)
_W = _RNG.uniform(-1, 1, (4, 2, 3, 3)).astype(np.float32)
_B = _RNG.uniform(-1, 1, (4,)).astype(np.float32)
_W3 = _RNG.uniform(-1, 1, (2, 2, 2, 2, 2)).astype(np.float32)
_WT = _RNG.uniform(-1, 1, (2, 3, 3, 2)).astype(np.float32)
_CONV_TOL = {"float32": 1e-4, "float16": 2e-2, "bfloat16": 0.2}

def onnx_rows() -> list[Row]:
    rows = []
    modes = ("explicit_round_down", "explicit_round_up", "same_upper", "same_lower")
    for dtype in FLOATS:

        def conv(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 2, 5, 6))
            w, b = _W.astype(dtype.numpy), _B.astype(dtype.numpy)
            for mode in modes:
                pad = 0 if mode.startswith("same") else ((1, 0), (2, 1))
                net.output(f"conv_{mode}", td.conv(x, w, b, stride=(2, 1), padding=pad, padding_mode=mode))
            net.output(
                "conv_grouped_dilated",
                td.conv(x, _W[:, :1].astype(dtype.numpy), stride=2, dilation=2, groups=2, padding=2),
            )
            net.output("conv_kernel_input", td.conv(x, net.input("w", dtype, (4, 2, 3, 3))))
            x3 = net.input("x3", dtype, (1, 2, 3, 4, "m"))
            net.output("conv3d", td.conv(x3, _W3.astype(dtype.numpy), padding=1))
            for mode in modes:
                pad = 0 if mode.startswith("same") else ((1, 0), (0, 2))
                net.output(
                    f"deconv_{mode}",
                    td.conv_transpose(
                        x, _WT.astype(dtype.numpy), stride=(2, 3), padding=pad, padding_mode=mode
                    ),
                )
            net.output(
                "deconv_grouped",
                td.conv_transpose(
                    x, _WT[:, :1].astype(dtype.numpy), stride=2, dilation=2, groups=2, padding=1
                ),
            )

        rows.append(
            Row(
                f"convolution-{dtype.name}",
                conv,
                values={"x": (-2, 2), "w": (-1, 1), "x3": (-2, 2)},
                atol=_CONV_TOL[dtype.name],
                rtol=_CONV_TOL[dtype.name],
                special=False,
            )
        )
    return rows


@tensorrt_case
def convolutions() -> td.Network:
    net = td.Network("convs")
    x = net.input("x", td.float32, ("n", 4, 9, 9))
    net.output("conv", td.conv(x, randn(6, 4, 3, 2), randn(6)))
    net.output(
        "conv_strided",
        td.conv(x, randn(4, 2, 3, 2), stride=(2, 1), padding=((1, 2), (0, 1)), dilation=(2, 1), groups=2),
    )
    net.output("conv_same", td.conv(x, randn(2, 4, 2, 3), stride=(1, 2), padding_mode="same_upper"))
    net.output("conv_same_lower", td.conv(x, randn(2, 4, 3, 2), padding_mode="same_lower"))
    net.output("conv_round_up", td.conv(x, randn(2, 4, 2, 2), stride=(3, 2), padding_mode="explicit_round_up"))
    net.output(
        "deconv", td.conv_transpose(x, randn(4, 3, 2, 3), randn(3), stride=(2, 3), padding=((1, 0), (0, 2)))
    )
    net.output(
        "deconv_groups",
        td.conv_transpose(
            x, randn(4, 1, 3, 2), stride=(1, 2), padding=((1, 2), (0, 1)), dilation=(1, 2), groups=2
        ),
    )
    net.output("deconv_same", td.conv_transpose(x, randn(4, 2, 3, 2), stride=(2, 1), padding_mode="same_lower"))
    k = net.input("k", td.float32, (5, 4, 1, 1))
    net.output("conv_tensor_kernel", td.conv(x, k))
    v = net.input("v", td.float16, (1, 2, 4, 4, 4))
    net.output(
        "conv3d",
        td.conv(v, randn(3, 2, 2, 3, 1, dtype=np.float16), stride=(1, 2, 1), padding=((1, 0), (0, 1), (2, 0))),
    )
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
CONV_W, CONV_B = randn(6, 2, 3, 2, seed=5), randn(6, seed=6)




@tensorrt_expectation("convolution", "NvInfer.h IConvolutionLayer: kernel KCRS with C = input channels / groups (input 1), "
     "bias input 2 with empty weights; pre/post padding per dim",
     {"Convolution": Layer("add_convolution_nd", {
         "num_output_maps": 6, "kernel_size_nd": (3, 2), "stride_nd": (2, 1), "dilation_nd": (1, 2),
         "pre_padding": (1, 0), "post_padding": (2, 3), "num_groups": 2,
         "padding_mode": "PaddingMode.EXPLICIT_ROUND_DOWN", "kernel": EMPTY},
         ("x", Const(CONV_W), Const(CONV_B)))})
def _(net):
    x = net.input("x", td.float32, ("n", 4, 9, 8))
    net.output("y", td.conv(x, CONV_W, CONV_B, stride=(2, 1), padding=((1, 2), (0, 3)), dilation=(1, 2),
                            groups=2))


CONV3D_W = randn(3, 2, 2, 3, 1, seed=7, dtype=np.float16)


@tensorrt_expectation("convolution_3d_same", "NvInfer.h IConvolutionLayer::setPaddingMode (kSAME_UPPER), 3-D kernels",
     {"Convolution": Layer("add_convolution_nd", {
         "num_output_maps": 3, "kernel_size_nd": (2, 3, 1), "stride_nd": (1, 2, 3), "num_groups": 1,
         "padding_mode": "PaddingMode.SAME_UPPER"}, ("x", Const(CONV3D_W), None))})
def _(net):
    x = net.input("x", td.float16, (1, 2, 4, 5, 6))
    net.output("y", td.conv(x, CONV3D_W, stride=(1, 2, 3), padding_mode="same_upper"))


@tensorrt_expectation("convolution_kernel_tensor", "NvInfer.h IConvolutionLayer::setInput: 1 is the kernel tensor",
     {"Convolution": Layer("add_convolution_nd", {"num_output_maps": 5, "kernel_size_nd": (1, 1)},
                           ("x", "k"))})
def _(net):
    net.output("y", td.conv(net.input("x", td.float32, ("n", 4, 3, 3)), net.input("k", td.float32, (5, 4, 1, 1))))


DECONV_W, DECONV_B = randn(4, 3, 2, 3, seed=8), randn(6, seed=9)


@tensorrt_expectation("deconvolution", "NvInfer.h IDeconvolutionLayer: kernel CKRS (C input channels, K output maps per "
     "group), pre/post padding trim the output per dim",
     {"Deconvolution": Layer("add_deconvolution_nd", {
         "num_output_maps": 6, "kernel_size_nd": (2, 3), "stride_nd": (2, 3), "dilation_nd": (2, 1),
         "pre_padding": (1, 2), "post_padding": (0, 1), "num_groups": 2,
         "padding_mode": "PaddingMode.EXPLICIT_ROUND_DOWN", "kernel": EMPTY},
         ("x", Const(DECONV_W), Const(DECONV_B)))})
def _(net):
    x = net.input("x", td.float32, ("n", 4, 5, 5))
    net.output("y", td.conv_transpose(x, DECONV_W, DECONV_B, stride=(2, 3), padding=((1, 0), (2, 1)),
                                      dilation=(2, 1), groups=2))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "conv": lambda e: dict(x=e.x, w=np.ones((2, 3, 2, 2), np.float32), b=np.ones((2,), np.float32), stride=1, padding=0, dilation=1, groups=1),
    "conv_transpose": lambda e: dict(x=e.x, w=np.ones((3, 2, 2, 2), np.float32), b=np.ones((2,), np.float32), stride=1, padding=0, dilation=1,
                                     groups=1),
}


@given(data=st.data())
def test_pointwise_conv_matches_index_formula(data):
    # a 1x1 kernel, unpadded and stride 1, multiplies the input in place (no window copy)
    groups, cg, kg, n = (data.draw(st.integers(1, 3)) for _ in range(4))
    sizes = tuple(data.draw(st.lists(st.integers(1, 5), min_size=2, max_size=3)))
    stride = data.draw(st.sampled_from([1, 2]))
    x = data.draw(arrays(np.float32, (n, cg * groups) + sizes, min_value=-2, max_value=2))
    w = data.draw(arrays(np.float32, (kg * groups, cg) + (1,) * len(sizes), min_value=-2, max_value=2))
    b = data.draw(arrays(np.float32, (kg * groups,), min_value=-2, max_value=2))
    p = {"stride": [stride] * len(sizes), "pre": [0] * len(sizes), "post": [0] * len(sizes),
         "dilation": [1] * len(sizes), "groups": groups, "mode": "explicit_round_down",
         "padding": ((0, 0),) * len(sizes)}
    assert_close(build(td.conv, (x, w, b, p)), expected(naive_conv, (x, w, b, p)), rtol=1e-4, atol=1e-4)


def test_a_repeated_convolution_is_inferred_once(monkeypatch):
    """The output types of each convolution checked are kept, by op and input types, for every network where
    they are static: a repeated one (a ResNet's blocks, a network defined again) is not checked again, and
    anything that differs is."""
    inferred = []
    infer = Convolution.infer
    monkeypatch.setattr(Convolution, "infer", lambda op, inputs: inferred.append(op) or infer(op, inputs))
    monkeypatch.setattr(network_module, "_INFERRED", {})
    w = np.ones((4, 2, 3, 3), np.float32)
    net = td.Network("memo")
    x = net.input("x", td.float32, (1, 2, 8, 8))
    first = td.conv(x, w, np.zeros(4, np.float32), padding=1)
    again = td.conv(x, w, np.zeros(4, np.float32), padding=1)
    assert len(inferred) == 1 and again.type == first.type == td.TensorType(td.float32, (1, 4, 8, 8))
    strided = td.conv(x, w, np.zeros(4, np.float32), padding=1, stride=2)  # another op
    wider = td.conv(net.input("y", td.float32, (1, 2, 8, 16)), w, padding=1)  # another input type
    assert len(inferred) == 3 and strided.shape == (1, 4, 4, 4) and wider.shape == (1, 4, 8, 16)
    # the checks that come before the types stay: a kernel of another network is refused
    foreign = td.Network("other").constant(w)
    with pytest.raises(ArgumentError, match="belongs to network .other."):
        td.conv(x, foreign, padding=1)
    with pytest.raises(ShapeError, match="kernel"):  # as is a layer whose check fails, every time
        td.conv(x, np.ones((4, 3, 3, 3), np.float32), padding=1)
    assert len(inferred) == 4
    # another network finds what the first checked where the output's dims are ints; symbolic ones may
    # remember their network, so each network checks its own
    other = td.Network("again")
    y = td.conv(other.input("x", td.float32, (1, 2, 8, 8)), w, np.zeros(4, np.float32), padding=1)
    assert len(inferred) == 4 and y.type == first.type and y.network is other
    dynamic = [td.conv(n.input("x", td.float32, ("b", 2, "h", 8)), w, padding=1)
               for n in (td.Network("d1"), td.Network("d2"))]
    assert len(inferred) == 6 and [str(t.type) for t in dynamic] == ["f32[b,4,h,8]"] * 2
