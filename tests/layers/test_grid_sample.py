"""GridSample against the ONNX GridSample definition evaluated per output pixel in Python: reflection by
repeated mirroring at the borders, LINEAR by PyTorch's rule (the coordinate is clamped or folded first,
taps outside read 0), NEAREST and CUBIC by padding each pixel read; and the example of TensorRT's
Operators reference."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, expect_error, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.grid_sample import GridSample, GridSampleMode
from trtdsl.layers.resize import InterpolationMode
from backend_rows import Row, FLOATS, tensorrt_expectation, Layer

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]
A = -0.75


def unnormalize(g, size, align):
    """The pixel coordinate, in float32 (the order of operations of onnxruntime's kernel)."""
    g = np.float32(g)
    if align:
        return float((g + np.float32(1)) / np.float32(2) * np.float32(size - 1))
    return float(((g + np.float32(1)) * np.float32(size) - np.float32(1)) / np.float32(2))


def borders(size, align):
    return (0.0, size - 1.0) if align else (-0.5, size - 0.5)


def mirror(u, size, align):
    """``u`` reflected at the borders until inside them."""
    low, high = borders(size, align)
    if high == low:
        return low
    while not low <= u <= high:
        u = 2 * low - u if u < low else 2 * high - u
    return u


def pixel(image, i, j, mode, align):
    """``image[i, j]``, with indices outside the image resolved by ``mode``."""
    h, w = image.shape
    if mode == "fill":
        return image[i, j] if 0 <= i < h and 0 <= j < w else 0.0
    if mode == "clamp":
        return image[min(max(i, 0), h - 1), min(max(j, 0), w - 1)]
    return image[int(mirror(i, h, align)), int(mirror(j, w, align))]


def keys(t):
    t = abs(t)
    if t <= 1:
        return ((A + 2) * t - (A + 3)) * t * t + 1
    return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A if t < 2 else 0.0


def sample(image, u, v, interpolation, mode, align):
    h, w = image.shape
    if interpolation == "nearest":
        return pixel(image, round(v), round(u), mode, align)  # round(): ties to even
    if interpolation == "cubic":
        u0, v0 = math.floor(u), math.floor(v)
        return sum(keys(v - (v0 + dv)) * keys(u - (u0 + du)) * pixel(image, v0 + dv, u0 + du, mode, align)
                   for dv in range(-1, 3) for du in range(-1, 3))
    if mode == "clamp":
        u, v = min(max(u, 0), w - 1), min(max(v, 0), h - 1)
    elif mode == "reflect":
        u, v = min(max(mirror(u, w, align), 0), w - 1), min(max(mirror(v, h, align), 0), h - 1)
    u0, v0 = math.floor(u), math.floor(v)
    return sum((1 - abs(v - (v0 + dv))) * (1 - abs(u - (u0 + du))) * pixel(image, v0 + dv, u0 + du, "fill", align)
               for dv in (0, 1) for du in (0, 1))


def expected(x, grid, interpolation, mode, align):
    x64 = x.astype(np.float64)
    n, c, h, w = x.shape
    out = np.zeros((n, c) + grid.shape[1:3])
    for b, i, j in np.ndindex(n, *grid.shape[1:3]):
        u = unnormalize(grid[b, i, j, 0].astype(np.float32), w, align)
        v = unnormalize(grid[b, i, j, 1].astype(np.float32), h, align)
        for ch in range(c):
            out[b, ch, i, j] = sample(x64[b, ch], u, v, interpolation, mode, align)
    return out


@st.composite
def case(draw, dtype):
    n, c, h, w = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 4)),
                  draw(st.integers(1, 4)))
    out = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    x = draw(arrays(dtype, (n, c, h, w), min_value=-10, max_value=10))
    grid = draw(arrays(dtype, (n,) + out + (2,), min_value=-2.5, max_value=2.5))
    return x, grid


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data(), interpolation=st.sampled_from(["nearest", "linear", "cubic"]),
       mode=st.sampled_from(["fill", "clamp", "reflect"]), align=st.booleans())
def test_grid_sample_matches_the_onnx_definition(dtype, data, interpolation, mode, align):
    x, grid = data.draw(case(dtype))
    got = run_layer(lambda a, g: td.grid_sample(a, g, interpolation=interpolation, sample_mode=mode,
                                                align_corners=align), x, grid)
    want = expected(x, grid, interpolation, mode, align)
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    # cubic weights sum to 1 but reach 1.4 in magnitude in total
    scale = 20 * (1.5 if interpolation == "cubic" else 1)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0,
                               atol=1e-5 + 2 * TOLERANCES[np.dtype(dtype)] * scale)


def test_the_example_of_tensorrts_operators_reference():
    """LINEAR, FILL, unaligned corners; the page lists the values to three decimals (truncated)."""
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    grid = np.array([[[[-2.0, -1.83], [-1.67, -1.5], [-1.33, -1.17]],
                      [[-1.0, -0.83], [-0.67, -0.5], [-0.33, -0.17]],
                      [[0.0, 0.17], [0.33, 0.5], [0.67, 0.83]],
                      [[1.0, 1.17], [1.33, 1.5], [1.67, 1.83]]]], np.float32)
    got = run_layer(lambda a, g: td.grid_sample(a, g), x, grid)
    page = [[0.0, 0.0, 0.0], [0.0, 0.746, 2.74], [4.764, 6.744, 6.009], [0.979, 0.0, 0.0]]
    np.testing.assert_allclose(got[0, 0], page, atol=1.01e-3)


def test_reflection_of_a_single_pixel_repeats_it():
    x = np.array([[[[7.0]]]], np.float32)
    grid = np.array([[[[-3.0, 2.0], [0.4, -0.9]]]], np.float32)
    for align in (True, False):
        got = run_layer(lambda a, g: td.grid_sample(a, g, sample_mode="reflect", align_corners=align), x, grid)
        np.testing.assert_array_equal(got, np.full((1, 1, 1, 2), 7.0, np.float32))


def test_an_input_of_no_pixels_reads_zeros_with_fill_and_fails_otherwise():
    x, grid = np.zeros((1, 2, 0, 3), np.float32), np.zeros((1, 2, 2, 2), np.float32)
    np.testing.assert_array_equal(run_layer(lambda a, g: td.grid_sample(a, g), x, grid), np.zeros((1, 2, 2, 2)))
    with pytest.raises(ExecutionError, match="CLAMP cannot sample an input of no pixels"):
        run_layer(lambda a, g: td.grid_sample(a, g, sample_mode="clamp"), x, grid)


def test_names_of_onnx_and_tensorrt_and_the_ir():
    net = td.Network("g")
    x = net.input("x", td.float16, ("n", 3, 8, 8))
    grid = net.input("grid", td.float16, ("n", 4, 5, 2))
    y = td.grid_sample(x, grid, interpolation="bicubic", sample_mode=td.SampleMode.REFLECT, align_corners=True)
    td.grid_sample(x, grid, interpolation=td.InterpolationMode.NEAREST, sample_mode="border")
    assert net.nodes[0].op == GridSample(InterpolationMode.CUBIC, True, GridSampleMode.REFLECT)
    assert net.nodes[1].op == GridSample(InterpolationMode.NEAREST, False, GridSampleMode.CLAMP)
    assert y.dtype == td.float16 and y.shape == (x.shape[0], 3, 4, 5)
    assert ("%grid_sample_0 : f16[n,3,4,5] = GridSample[CUBIC](%x, %grid, align_corners=True, "
            "sample_mode=REFLECT)") in net.format(locations=False)


ERRORS = [
    (ArgumentError, "grid_sample: argument 'interpolation' is 'area'; expected one of 'nearest', 'linear', "
                    "'cubic', 'bilinear', 'bicubic'",
     call(lambda x, g: td.grid_sample(x, g, interpolation="area"), (td.float32, (1, 1, 2, 2)),
          (td.float32, (1, 2, 2, 2)))),
    (ArgumentError, "grid_sample: argument 'sample_mode' is <SampleMode.WRAP: 'wrap'>; expected one of "
                    "'clamp', 'fill', 'reflect', 'zeros', 'border', 'reflection'",
     call(lambda x, g: td.grid_sample(x, g, sample_mode=td.SampleMode.WRAP), (td.float32, (1, 1, 2, 2)),
          (td.float32, (1, 2, 2, 2)))),
    (ArgumentError, "grid_sample: argument 'align_corners' is 1; expected a bool",
     call(lambda x, g: td.grid_sample(x, g, align_corners=1), (td.float32, (1, 1, 2, 2)),
          (td.float32, (1, 2, 2, 2)))),
    (DTypeError, "GridSample[LINEAR]: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(td.grid_sample, (td.int32, (1, 1, 2, 2)), (td.int32, (1, 2, 2, 2)))),
    (DTypeError, "GridSample[LINEAR]: input 'grid' has dtype float16; expected one of float32 (the dtype of "
                 "'x')",
     call(td.grid_sample, (td.float32, (1, 1, 2, 2)), (td.float16, (1, 2, 2, 2)))),
    (ShapeError, "GridSample[LINEAR]: input 'x' has shape (1, 1, 2, 2, 2); expected rank 4 (N, C, H, W)",
     call(td.grid_sample, (td.float32, (1, 1, 2, 2, 2)), (td.float32, (1, 2, 2, 2)))),
    (ShapeError, "GridSample[LINEAR]: input 'grid' has shape (1, 2, 2); expected rank 4 (N, H_out, W_out, 2)",
     call(td.grid_sample, (td.float32, (1, 1, 2, 2)), (td.float32, (1, 2, 2)))),
    (ShapeError, "GridSample[LINEAR]: input 'grid' has shape (1, 2, 2, 3); expected its last dim to be 2 (x, y)",
     call(td.grid_sample, (td.float32, (1, 1, 2, 2)), (td.float32, (1, 2, 2, 3)))),
    (ShapeError, "GridSample[LINEAR]: inputs 'x' (2, 1, 2, 2) and 'grid' (3, 2, 2, 2) have batch dims 2 and 3; "
                 "they must be equal",
     call(td.grid_sample, (td.float32, (2, 1, 2, 2)), (td.float32, (3, 2, 2, 2)))),
    (ShapeError, "GridSample[LINEAR]: inputs 'x' (n, 1, 2, 2) and 'grid' (m, 2, 2, 2) have batch dims n and m; "
                 "they must be equal",
     call(td.grid_sample, (td.float32, ("n", 1, 2, 2)), (td.float32, ("m", 2, 2, 2)))),
    (DTypeError, "grid_sample: argument 'grid' is None; expected a trtdsl Tensor",
     call(lambda x: td.grid_sample(x, None), (td.float32, (1, 1, 2, 2)))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def samples(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 2, 3, 4))
            grid = net.input("grid", dtype, ("n", 2, 5, 2))
            for mode in ("nearest", "linear", "cubic"):
                for sample_mode in ("fill", "clamp", "reflect"):
                    for align in (False, True):
                        net.output(f"{mode}_{sample_mode}_{align}", td.grid_sample(
                            x, grid, interpolation=mode, sample_mode=sample_mode, align_corners=align))

        values = {"x": (-10, 10), "grid": (-2.5, 2.5)}
        rows.append(Row(f"grid-sample-{dtype.name}", samples, values=values, special=False))
        if dtype is td.float32:
            rows.append(Row("grid-sample-opset20-float32", samples, values=values, special=False, opset=20))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("grid_sample", "NvInfer.h addGridSample(input, grid), IGridSampleLayer::setInterpolationMode, "
     "setAlignCorners, setSampleMode (defaults kLINEAR, false, kFILL)",
     {"GridSample": Layer("add_grid_sample", {"interpolation_mode": "InterpolationMode.CUBIC",
                                              "align_corners": True, "sample_mode": "SampleMode.REFLECT"},
                          ("x", "grid"))})
def _(net):
    x, grid = net.input("x", td.float32, ("n", 2, 4, 5)), net.input("grid", td.float32, ("n", 3, 2, 2))
    net.output("y", td.grid_sample(x, grid, interpolation="cubic", align_corners=True, sample_mode="reflect"))


@tensorrt_expectation("grid_sample_nearest", "NvInfer.h InterpolationMode::kNEAREST, SampleMode::kCLAMP",
     {"GridSample": Layer("add_grid_sample", {"interpolation_mode": "InterpolationMode.NEAREST",
                                              "align_corners": False, "sample_mode": "SampleMode.CLAMP"},
                          ("x", "grid"))})
def _(net):
    x, grid = net.input("x", td.float32, (1, 2, 4, 5)), net.input("grid", td.float32, (1, 3, 2, 2))
    net.output("y", td.grid_sample(x, grid, interpolation="nearest", sample_mode="clamp"))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "grid_sample": lambda e: dict(x=e.x, grid=e.net.constant(np.zeros((2, 3, 3, 2), np.float32)),
                                  interpolation="linear", align_corners=False),
}
