"""Resize (td.resize): every interpolation mode, coordinate transformation, selector and rounding mode,
against a formula evaluated point by point in plain Python (one output element at a time)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.reference.interpreter import Form, plan
from backend_rows import Row, tensorrt_expectation, Layer, ANY

TRANSFORMS = ["align_corners", "asymmetric", "half_pixel"]
ROUNDING = {
    "floor": math.floor,
    "ceil": math.ceil,
    "half_up": lambda v: math.floor(v + 0.5),
    "half_down": lambda v: math.ceil(v - 0.5),
}


def source(x_out, n_in, n_out, transform, upper):
    """TensorRT's coordinate transformation of one output coordinate along one axis."""
    if n_out == 1 and upper:
        return 0.0
    if transform == "align_corners":
        return x_out * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    if transform == "asymmetric":
        return x_out * n_in / n_out
    return (x_out + 0.5) * n_in / n_out - 0.5


def cubic_weight(a, s):
    s = abs(s)
    if s <= 1:
        return ((a + 2) * s - (a + 3)) * s * s + 1
    if s < 2:
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a
    return 0.0


def taps(mode, coordinate, n_in, rounding, a, exclude):
    """The (input index, weight) pairs one axis reads for one input coordinate."""
    clamp = lambda i: min(max(i, 0), n_in - 1)  # noqa: E731
    if mode == "nearest":
        return [(clamp(ROUNDING[rounding](coordinate)), 1.0)]
    base = math.floor(coordinate)
    t = coordinate - base
    if mode == "linear":
        return [(clamp(base), 1 - t), (clamp(base + 1), t)]
    pairs = [(base + k, cubic_weight(a, t - k)) for k in (-1, 0, 1, 2)]
    if exclude:
        pairs = [(i, w if 0 <= i < n_in else 0.0) for i, w in pairs]
        total = sum(w for _, w in pairs)
        pairs = [(i, w / total) for i, w in pairs]
    return [(clamp(i), w) for i, w in pairs]


def resize_formula(x, out_shape, mode, transform, upper, rounding, a, exclude):
    """Each output element as the weighted sum over the product of every axis' taps."""
    out = np.zeros(out_shape)
    for index in itertools.product(*(range(n) for n in out_shape)):
        per_axis = []
        for axis, (i, n_in, n_out) in enumerate(zip(index, x.shape, out_shape)):
            if n_in == n_out:
                per_axis.append([(i, 1.0)])  # an axis that keeps its length is read as it is
            else:
                per_axis.append(
                    taps(mode, source(i, n_in, n_out, transform, upper), n_in, rounding, a, exclude)
                )
        out[index] = sum(
            math.prod(w for _, w in combo) * float(x[tuple(i for i, _ in combo)])
            for combo in itertools.product(*per_axis)
        )
    return out


@st.composite
def resize_case(draw, mode):
    rank = draw(st.integers(1, 3))
    in_shape = draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    resized = {"nearest": rank, "linear": min(rank, 3), "cubic": min(rank, 2)}[mode]
    out_shape = [d if axis < rank - resized else draw(st.integers(1, 6)) for axis, d in enumerate(in_shape)]
    x = draw(arrays(np.float32, tuple(in_shape), min_value=-100, max_value=100))
    return x, tuple(out_shape)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@given(data=st.data())
def test_resize_matches_the_pointwise_formula(mode, data):
    x, out_shape = data.draw(resize_case(mode))
    transform = data.draw(st.sampled_from(TRANSFORMS))
    upper = data.draw(st.booleans())
    rounding = data.draw(st.sampled_from(sorted(ROUNDING)))
    a = data.draw(st.sampled_from([-0.75, -0.5]))
    exclude = data.draw(st.booleans())
    got = run_layer(
        lambda t: td.resize(
            t,
            out_shape,
            mode=mode,
            coordinate_transformation=transform,
            selector="upper" if upper else "formula",
            nearest_rounding=rounding,
            cubic_coeff=a,
            exclude_outside=exclude,
        ),
        x,
    )
    want = resize_formula(x.astype(np.float64), out_shape, mode, transform, upper, rounding, a, exclude)
    assert got.dtype == np.float32 and got.shape == out_shape
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-5, atol=1e-3)


@given(
    x=arrays(np.float32, (2, 3, 4), min_value=-10, max_value=10),
    scales=st.tuples(
        st.just(1.0), st.sampled_from([0.5, 1.0, 1.5, 2.0, 0.7]), st.sampled_from([0.25, 1.0, 3.0])
    ),
)
def test_scales_give_floor_of_in_times_scale(x, scales):
    got = run_layer(lambda t: td.resize(t, scales=scales, mode="linear"), x)
    out_shape = tuple(math.floor(d * float(np.float32(s))) for d, s in zip(x.shape, scales))
    assert got.shape == out_shape
    want = resize_formula(
        x.astype(np.float64), out_shape, "linear", "asymmetric", False, "floor", -0.75, False
    )
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-5, atol=1e-4)


def test_float16_is_computed_wide_and_rounded_once():
    x = np.array([[0, 1, 3]], np.float16)
    got = run_layer(
        lambda t: td.resize(t, (1, 5), mode="linear", coordinate_transformation="align_corners"), x
    )
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, np.array([[0, 0.5, 1, 2, 3]], np.float16))


@given(h=st.integers(1, 5), w=st.integers(1, 5))
def test_dynamic_output_dims(h, w):
    net = td.Network("r")
    x = net.input("x", td.float32, (1, "h", "w"))
    y = td.resize(x, (1, x.shape[1] * 2, x.shape[2] + 1), mode="nearest", nearest_rounding="half_down")
    z = td.resize(x, scales=(1, 0.5, 2), mode="linear", coordinate_transformation="half_pixel")
    assert y.shape == (1, td.Dim.symbol("h") * 2, td.Dim.symbol("w") + 1)
    net.output("y", y)
    net.output("z", z)
    a = np.arange(h * w, dtype=np.float32).reshape(1, h, w)
    out = net.run({"x": a})
    want_y = resize_formula(
        a.astype(np.float64), (1, 2 * h, w + 1), "nearest", "asymmetric", False, "half_down", 0, 0
    )
    want_z = resize_formula(
        a.astype(np.float64), (1, h // 2, 2 * w), "linear", "half_pixel", False, "floor", 0, 0
    )
    np.testing.assert_allclose(out["y"], want_y)
    np.testing.assert_allclose(out["z"], want_z, rtol=1e-6, atol=1e-5)


def test_a_shape_tensor_as_output_dims():
    net = td.Network("r")
    x = net.input("x", td.float32, (1, "n"))
    like = net.input("like", td.float32, (1, "m"))
    net.output("y", td.resize(x, td.shape_of(like)))
    out = net.run({"x": np.array([[1, 2]], np.float32), "like": np.zeros((1, 4), np.float32)})
    np.testing.assert_array_equal(out["y"], [[1, 1, 2, 2]])


def test_output_dims_that_resize_an_outer_dim_fail_when_the_network_runs():
    net = td.Network("r")
    x = net.input("x", td.float32, ("a", 2, 2, 2))
    dims = net.input("dims", td.int32, (4,), shape_tensor=True)
    net.output("y", td.resize(x, dims, mode="linear"))
    ok = net.run({"x": np.ones((1, 2, 2, 2), np.float32), "dims": np.array([1, 3, 3, 3], np.int32)})["y"]
    assert ok.shape == (1, 3, 3, 3)
    with pytest.raises(ExecutionError, match="LINEAR resizes only the innermost 3 dims"):
        net.run({"x": np.ones((1, 2, 2, 2), np.float32), "dims": np.array([2, 3, 3, 3], np.int32)})


def axis_matrix(n_in, n_out, mode, transform, upper, rounding, a, exclude):
    """One axis' weights as an (n_out, n_in) matrix, from the per-axis taps of the pointwise formula."""
    m = np.zeros((n_out, n_in))
    for j in range(n_out):
        for i, w in taps(mode, source(j, n_in, n_out, transform, upper), n_in, rounding, a, exclude):
            m[j, i] += w
    return m


def separable_formula(x, out_shape, mode, transform="asymmetric", upper=False, rounding="floor", a=-0.75,
                      exclude=False):
    """resize_formula for inputs too large for its loop: each resized axis' matrix applied in float64."""
    out = x.astype(np.float64)
    for axis, (n_in, n_out) in enumerate(zip(x.shape, out_shape)):
        if n_in != n_out:
            m = axis_matrix(n_in, n_out, mode, transform, upper, rounding, a, exclude)
            out = np.moveaxis(np.tensordot(m, out, axes=(1, axis)), 0, axis)
    return out


BLOCKS = [  # more output rows than one block holds (2**17 values), the last block shorter
    ("linear", "asymmetric", False, (11, 64, 64), (11, 128, 128)),
    ("linear", "align_corners", False, (11, 64, 64), (11, 128, 128)),
    ("linear", "half_pixel", False, (11, 100, 50), (11, 40, 333)),
    ("cubic", "half_pixel", True, (11, 64, 64), (11, 96, 150)),
    ("cubic", "asymmetric", False, (11, 64, 64), (11, 21, 257)),
    ("linear", "half_pixel", False, (9, 16, 24, 24), (9, 32, 12, 48)),
]


@pytest.mark.parametrize("mode, transform, exclude, in_shape, out_shape", BLOCKS)
def test_large_resizes_agree_with_the_formula_within_float32_rounding(mode, transform, exclude, in_shape,
                                                                     out_shape):
    x = np.random.default_rng(0).uniform(-10, 10, in_shape).astype(np.float32)
    got = run_layer(
        lambda t: td.resize(t, out_shape, mode=mode, coordinate_transformation=transform,
                            exclude_outside=exclude),
        x,
    )
    want = separable_formula(x, out_shape, mode, transform, exclude=exclude)
    assert got.dtype == np.float32 and got.shape == out_shape
    # a few roundings, each of a value no larger than the taps' (|cubic weights| sum to at most 1.5)
    np.testing.assert_allclose(got, want, rtol=0, atol=16 * np.finfo(np.float32).eps * 10)


def test_large_float16_resizes_are_computed_wide_and_rounded_once():
    # half-pixel weights of 2x (0.25, 0.75) times float16 values sum exactly in float64
    x = np.random.default_rng(1).uniform(-10, 10, (11, 64, 64)).astype(np.float16)
    got = run_layer(lambda t: td.resize(t, scales=(1, 2, 2), mode="linear",
                                        coordinate_transformation="half_pixel"), x)
    want = separable_formula(x, (11, 128, 128), "linear", "half_pixel")
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, want.astype(np.float16))


@pytest.mark.parametrize("dtype, bits", [(np.float32, np.uint32), (np.float16, np.uint16)])
@pytest.mark.parametrize(  # the innermost axis repeating each value 2 (or 4) times, or other indices
    "in_shape, out_shape",
    [((3, 7, 6), (3, 11, 4)), ((11, 64, 64), (11, 128, 128)), ((2, 5, 5), (2, 15, 20)),
     ((2, 3, 4), (2, 6, 32))],
)
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("rounding", sorted(ROUNDING))
def test_nearest_copies_the_bits(dtype, bits, in_shape, out_shape, transform, rounding):
    # every bit pattern: NaNs with payloads (signaling ones too), infinities, -0, subnormals
    x = np.random.default_rng(2).integers(0, np.iinfo(bits).max, in_shape, dtype=bits, endpoint=True)
    got = run_layer(
        lambda t: td.resize(t, out_shape, coordinate_transformation=transform, nearest_rounding=rounding),
        x.view(dtype),
    )
    want = x
    for axis, (n_in, n_out) in enumerate(zip(in_shape, out_shape)):
        index = [taps("nearest", source(j, n_in, n_out, transform, False), n_in, rounding, 0, False)[0][0]
                 for j in range(n_out)]
        want = np.take(want, index, axis=axis)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.view(bits), want)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("out_shape", [(1, 0, 8), (1, 3, 0), (1, 0, 0)])
def test_empty_outputs(mode, transform, out_shape):
    x = np.ones((1, 5, 4), np.float32)
    got = run_layer(lambda t: td.resize(t, out_shape, mode=mode, coordinate_transformation=transform), x)
    assert got.shape == out_shape and got.dtype == np.float32


def forms(net, bindings):
    """The kinds of the layers a run of ``net`` evaluates in a form made for its input shapes."""
    steps = plan(net).program(bindings).steps
    return [step[5].op.kind for step in steps if step and isinstance(step[0], Form)]


def test_static_output_dims_take_a_plan_made_once_per_input_shape():
    net = td.Network("r")
    x = net.input("x", td.float32, (1, "w")) * np.float32(1)  # a layer's output: its shape is in the plan
    net.output("y", td.resize(x, (1, 4)))
    assert forms(net, {"w": 2}) == ["Resize"]
    for _ in range(2):  # the plan serves every run alike
        np.testing.assert_array_equal(net.run({"x": np.array([[1, 2]], np.float32)})["y"], [[1, 1, 2, 2]])
    # an empty input cannot be resized: no plan, the reference fails when the network runs
    assert forms(net, {"w": 0}) == []
    with pytest.raises(ExecutionError, match="axis 1 is empty, so it cannot be resized to 4"):
        net.run({"x": np.zeros((1, 0), np.float32)})


def test_output_dims_read_when_the_network_runs_take_no_plan():
    net = td.Network("r")
    x = net.input("x", td.float32, (1, 2)) * np.float32(1)
    dims = net.input("dims", td.int32, (2,), shape_tensor=True)
    net.output("y", td.resize(x, dims, mode="linear", coordinate_transformation="align_corners"))
    assert forms(net, {}) == []
    got = net.run({"x": np.array([[0, 3]], np.float32), "dims": np.array([1, 4], np.int32)})["y"]
    np.testing.assert_array_equal(got, [[0, 1, 2, 3]])


def test_textual_ir():
    net = td.Network("r")
    x = net.input("x", td.float32, (1, "w"))
    net.output("y", td.resize(x, scales=(1, 2), mode="cubic", cubic_coeff=-0.5))
    assert "%y : f32[1,w*2] = Resize[CUBIC](%x, scales=(1.0,2.0), cubic_coeff=-0.5)" in net.format(
        locations=False
    )


def _x(shape=(1, 2, 3, 3), dtype=td.float32):
    return td.Network("e").input("x", dtype, shape)


ERRORS = [
    (ArgumentError, "resize: give exactly one of 'shape' and 'scales'", lambda: td.resize(_x())),
    (ShapeError, "Resize[NEAREST]: axis 2 of x (1, 2, 0, 3) is empty, so it cannot be resized to 2",
     lambda: td.resize(td.Network("e").input("x", td.float32, (1, 2, 0, 3)), (1, 2, 2, 3))),
    (
        ArgumentError,
        "resize: give exactly one of 'shape' and 'scales'",
        lambda: td.resize(_x(), (1, 2, 3, 3), scales=(1, 1, 1, 1)),
    ),
    (
        DTypeError,
        "Resize[NEAREST]: input 'x' has dtype int32; expected one of float32, float16 (int32 is invalid; "
        "int8 is a quantized type)",
        lambda: td.resize(_x(dtype=td.int32), (1, 2, 6, 6)),
    ),
    (
        ShapeError,
        "Resize[CUBIC]: dim 1 changes from 2 to 4, but CUBIC resizes only the innermost 2 dims; outer dims "
        "keep their length",
        lambda: td.resize(_x(), (1, 4, 6, 6), mode="cubic"),
    ),
    (
        ShapeError,
        "Resize[LINEAR]: dim 0 changes from 1 to 2, but LINEAR resizes only the innermost 3 dims; outer "
        "dims keep their length",
        lambda: td.resize(_x(), scales=(2, 1, 1, 1), mode="linear"),
    ),
    (ShapeError, "resize: argument 'shape' is (6, 6); expected 4 dims", lambda: td.resize(_x(), (6, 6))),
    (
        ShapeError,
        "Resize[NEAREST]: argument 'scales' is (1.0, 2.0); expected 4 scales, one per dim of input shape "
        "(1, 2, 3, 3)",
        lambda: td.resize(_x(), scales=(1, 2)),
    ),
    (
        ArgumentError,
        "Resize[NEAREST]: argument 'scales' is (1.0, 1.0, 0.0, 1.0); expected finite scales > 0",
        lambda: td.resize(_x(), scales=(1, 1, 0, 1)),
    ),
    (
        ArgumentError,
        "resize: argument 'mode' is 'bilinear'; expected one of 'nearest', 'linear', 'cubic'",
        lambda: td.resize(_x(), (1, 2, 6, 6), mode="bilinear"),
    ),
    (
        ArgumentError,
        "resize: argument 'nearest_rounding' is 'round'; expected one of 'half_up', 'half_down', "
        "'floor', 'ceil'",
        lambda: td.resize(_x(), (1, 2, 6, 6), nearest_rounding="round"),
    ),
    (
        ShapeError,
        "Resize[NEAREST]: input 'x' has shape (); resize needs rank >= 1",
        lambda: td.resize(_x(()), scales=()),
    ),
    (
        DTypeError,
        "resize: argument 'shape' (%s) has dtype float32; a shape tensor is int32 or int64",
        lambda: _resize_by_input(td.float32, (1,)),
    ),
    (
        ShapeError,
        "resize: argument 'shape' (%s) has 2 elements; expected 1",
        lambda: _resize_by_input(td.int32, (2,)),
    ),
]


def _resize_by_input(dtype, shape):
    net = td.Network("e")
    return td.resize(net.input("x", td.float32, (2,)), net.input("s", dtype, shape))


@pytest.mark.parametrize("cls, message, build", ERRORS, ids=[m for _, m, _ in ERRORS])
def test_errors(cls, message, build):
    expect_error(cls, message, build)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    from trtdsl.layers.resize import (
        InterpolationMode,
        ResizeCoordinateTransformation,
        ResizeRoundMode,
        ResizeSelector,
    )

    for dtype in (td.float32, td.float16):

        def resizes(net, dtype=dtype):
            x = net.input("x", dtype, (1, 2, "h", 5))
            for mode in InterpolationMode:
                for transform in ResizeCoordinateTransformation:
                    for selector in ResizeSelector:
                        rounding = (
                            list(ResizeRoundMode)
                            if mode is InterpolationMode.NEAREST
                            else [ResizeRoundMode.FLOOR]
                        )
                        for r in rounding:
                            net.output(
                                f"{mode.name}_{transform.name}_{selector.name}_{r.name}",
                                td.resize(
                                    x,
                                    (1, 2, x.shape[2] * 2, 3),
                                    mode=mode,
                                    coordinate_transformation=transform,
                                    selector=selector,
                                    nearest_rounding=r,
                                ),
                            )
            net.output(
                "one_row_upper",
                td.resize(
                    x, (1, 2, 1, 7), mode="linear", coordinate_transformation="half_pixel", selector="upper"
                ),
            )
            net.output(
                "cubic_excluding",
                td.resize(x, (1, 2, 4, 9), mode="cubic", exclude_outside=True, cubic_coeff=-0.5),
            )
            net.output("scaled", td.resize(x, scales=(1, 1, 1.5, 0.6), mode="linear"))

        tol = {"float32": 1e-4, "float16": 4e-3}
        rows.append(
            Row(f"resize-{dtype.name}", resizes, values={"x": (-4, 4)}, special=False, rtol=tol, atol=tol)
        )
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("resize_dims", "NvInfer.h IResizeLayer: setOutputDimensions, kNEAREST with a non-default rounding",
     {"Resize": Layer("add_resize", {"shape": (1, 2, 6, 3), "resize_mode": "InterpolationMode.NEAREST",
                                     "coordinate_transformation": "ResizeCoordinateTransformation.ASYMMETRIC",
                                     "nearest_rounding": "ResizeRoundMode.HALF_DOWN"}, ("x",))})
def _(net):
    net.output("y", td.resize(net.input("x", td.float32, (1, 2, 4, 4)), (1, 2, 6, 3), nearest_rounding="half_down"))


@tensorrt_expectation("resize_scales", "NvInfer.h IResizeLayer: ResizeCoordinateTransformation's formulas map coordinates by the "
     "ratio of the lengths; setOutputDimensions with floor(inputDims[i] * scales[i]), scales left unset",
     {"Resize": Layer("add_resize", {"shape": (1, 2, 6, 2), "scales": (),
                                     "resize_mode": "InterpolationMode.LINEAR",
                                     "coordinate_transformation": "ResizeCoordinateTransformation.HALF_PIXEL",
                                     "selector_for_single_pixel": "ResizeSelector.UPPER"}, ("x",))})
def _(net):
    x = net.input("x", td.float32, (1, 2, 4, 4))
    net.output("y", td.resize(x, scales=(1, 1, 1.5, 0.5), mode="linear",
                              coordinate_transformation="half_pixel", selector="upper"))


@tensorrt_expectation("resize_scales_dynamic", "NvInfer.h IResizeLayer::setInput: 1 the output dims as a 1-D shape tensor "
     "(floor(inputDims[i] * scales[i]) of a dim known at run time), scales left unset",
     {"Resize": Layer("add_resize", {"scales": (), "resize_mode": "InterpolationMode.NEAREST"}, ("x", ANY))})
def _(net):
    net.output("y", td.resize(net.input("x", td.float32, (1, 2, "h", 4)), scales=(1, 1, 1.5, 0.5)))


@tensorrt_expectation("resize_cubic", "NvInfer.h IResizeLayer::setCubicCoeff, setExcludeOutside",
     {"Resize": Layer("add_resize", {"resize_mode": "InterpolationMode.CUBIC", "cubic_coeff": -0.5,
                                     "exclude_outside": True,
                                     "coordinate_transformation":
                                         "ResizeCoordinateTransformation.ALIGN_CORNERS",
                                     "nearest_rounding": "ResizeRoundMode.CEIL"}, ("x",))})
def _(net):
    x = net.input("x", td.float32, (1, 2, 4, 4))
    net.output("y", td.resize(x, (1, 2, 3, 5), mode="cubic", coordinate_transformation="align_corners",
                              cubic_coeff=-0.5, exclude_outside=True, nearest_rounding="ceil"))


@tensorrt_expectation("resize_dynamic", "NvInfer.h IResizeLayer::setInput: 1 the output dims as a 1-D shape tensor",
     {"Resize": Layer("add_resize", {"resize_mode": "InterpolationMode.NEAREST"}, ("x", ANY))})
def _(net):
    x = net.input("x", td.float32, (1, 2, "h", 4))
    net.output("y", td.resize(x, (1, 2, x.shape[2] * 2, 3)))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "resize": lambda e: dict(x=e.x, shape=(2, 3, 8, 10)),
}
