"""Dynamic reshape, slice, fill, resize, concatenation and gather, driven by shape values, on every backend
present: inputs drawn by trtdsl.testing across each declared profile's min/opt/max, outputs compared with
NumPy formulas written here from the inputs' sizes."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trtdsl as td
from trtdsl.testing import strategies as tst
from backend_rows import Row, tensorrt_case


@pytest.fixture(autouse=True)
def no_synchronization():
    """These shapes are all computed on the host (from td.shape_of, constants and shape-tensor inputs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", td.ShapeSyncWarning)
        yield


def profiles(net):
    net.add_profile({"b": (1, 2, 4), "s": (1, 3, 6)})
    net.add_profile({"b": (5, 6, 8), "s": (2, 2, 3)})


def reshape_network():
    net = td.Network("reshape")
    x = net.input("x", td.float32, ("b", "s", 4))
    s = td.shape_of(x)
    net.output("merged", td.reshape(x, (x.shape[0] * x.shape[1], 2, -1)))
    net.output("swapped", td.reshape(x, td.concatenate([td.take(s, [1, 0]), [4]])))  # a gather on a shape
    net.output("flat", x.reshape(-1))
    net.output("split", td.reshape(x, (x.shape[0], -1, 2, x.shape[1])))
    net.output("transposed", td.shuffle(x, (2, 0, 1), td.concatenate([s[2:], s[:1] * s[1:2]])))
    profiles(net)
    return net


def reshape_numpy(x):
    b, s, _ = x.shape
    return {
        "merged": x.reshape(b * s, 2, -1),
        "swapped": x.reshape(s, b, 4),
        "flat": x.reshape(-1),
        "split": x.reshape(b, -1, 2, s),
        "transposed": np.transpose(x, (2, 0, 1)).reshape(4, b * s),
    }


def slice_network():
    net = td.Network("slice")
    x = net.input("x", td.float32, ("b", "s", 4))
    half = x.shape[1] // 2
    net.output("tail", x[1:, ::2])
    net.output("last", x[:, -1])
    net.output("reversed", x[::-1, :-1])
    net.output("second_half", td.slice(x, (0, half, 0), (x.shape[0], x.shape[1] - half, 4)))
    net.output("wrapped", td.slice(x, (0, -1, 0), (x.shape[0], x.shape[1] + 2, 4), mode="wrap"))
    net.output("strided", td.slice(x, (0, 0, 0), (x.shape[0], 2, 2), (1, x.shape[1] - 1, 3)))
    net.output(
        "filled", td.slice(x, (0, 0, -1), (x.shape[0], x.shape[1], x.shape[0] + 4), mode="fill", fill=9.0)
    )
    profiles(net)
    return net


def slice_numpy(x):
    b, s, _ = x.shape
    filled = np.full((b, s, b + 4), 9.0, np.float32)
    filled[:, :, 1:5] = x
    return {
        "tail": x[1:, ::2],
        "last": x[:, -1],
        "reversed": x[::-1, :-1],
        "second_half": x[:, s // 2 :],
        "wrapped": np.take(x, np.arange(-1, s + 1) % s, axis=1),
        "strided": x[:, [0, s - 1]][:, :, [0, 3]],
        "filled": filled,
    }


def fill_network():
    net = td.Network("fill")
    x = net.input("x", td.float32, ("b", "s", 4))
    net.output("arange", td.arange(x.shape[1], like=x))
    net.output("countdown", td.arange(x.shape[0], 0, -1, like=x))
    net.output("full", td.full((x.shape[0], x.shape[1]), 7.5, like=x))
    net.output("linspace", td.fill((x.shape[0], x.shape[1]), "linspace", 1, (10, 1), td.int32, like=x))
    net.output("zeros_like", td.zeros_like(x, td.int64))
    net.output("broadcast", td.broadcast_to(x[:, :1], (x.shape[0], x.shape[1], 4)))
    net.output("outer", td.broadcast_to(x[:1, :1, :1], (2, x.shape[0] + 1, x.shape[1], 1)))
    profiles(net)
    return net


def fill_numpy(x):
    b, s, _ = x.shape
    return {
        "arange": np.arange(s),
        "countdown": np.arange(b, 0, -1),
        "full": np.full((b, s), 7.5, np.float32),
        "linspace": (1 + 10 * np.arange(b)[:, None] + np.arange(s)[None, :]).astype(np.int32),
        "zeros_like": np.zeros((b, s, 4), np.int64),
        "broadcast": np.broadcast_to(x[:, :1], (b, s, 4)),
        "outer": np.broadcast_to(x[:1, :1, :1], (2, b + 1, s, 1)),
    }


def resize_network():
    net = td.Network("resize")
    x = net.input("x", td.float32, ("b", "s", 4))
    like = net.input("like", td.float32, ("b", "s", 2, 8))
    net.output("up", td.resize(x, (x.shape[0], x.shape[1] * 2, 12)))
    net.output("like_other", td.resize(x, td.take(td.shape_of(like), [0, 1, 3])))
    net.output("scaled", td.resize(x, scales=(1, 1, 0.5)))
    profiles(net)
    return net


def resize_numpy(x, like):
    # nearest with TensorRT's defaults (asymmetric, floor) reads index floor(i * L_in / L_out)
    return {
        "up": np.repeat(np.repeat(x, 2, axis=1), 3, axis=2),
        "like_other": np.repeat(x, 2, axis=2),
        "scaled": x[:, :, ::2],
    }


def concat_gather_network():
    net = td.Network("concat_gather")
    x = net.input("x", td.float32, ("b", "s", 4))
    zeros = td.zeros((x.shape[0], 1, 4), like=x)
    net.output("rows", td.concatenate([x, x[:1]], axis=0))
    net.output("columns", td.concatenate([zeros, x, zeros], axis=1))
    net.output("reversed", td.take(x, td.arange(x.shape[1] - 1, -1, -1, like=x), axis=1))
    net.output(
        "positions",
        td.take_along_axis(
            x,
            td.broadcast_to(td.reshape(td.arange(4, like=x), (1, 1, 4)), (x.shape[0], x.shape[1], 4)),
            axis=2,
        ),
    )
    net.output("dims", td.concatenate([td.shape_of(x), td.shape_of(x)[:2] * 10]))
    profiles(net)
    return net


def concat_gather_numpy(x):
    b, s, _ = x.shape
    zeros = np.zeros((b, 1, 4), np.float32)
    return {
        "rows": np.concatenate([x, x[:1]]),
        "columns": np.concatenate([zeros, x, zeros], axis=1),
        "reversed": x[:, ::-1],
        "positions": x,
        "dims": np.array([b, s, 4, 10 * b, 10 * s]),
    }


def shape_input_network():
    net = td.Network("shape_input")
    x = net.input("x", td.float32, ("b", 12))
    dims = net.input("dims", td.int32, (2,), shape_tensor=True)
    net.output("y", td.reshape(x, dims))
    net.output("tiled", td.broadcast_to(td.reshape(x, (x.shape[0], 1, 12)), (x.shape[0], dims[0], 12)))
    net.mark_output_for_shapes("out_dims", dims * 2)
    net.add_profile({"b": (1, 1, 2), "dims": ((1, 6), (2, 6), (2, 12))})
    net.add_profile({"b": (3, 3, 3), "dims": ((1, 12), (3, 12), (4, 36))})
    return net


def shape_input_numpy(x, dims):
    want = {
        "y": None,
        "tiled": np.broadcast_to(x[:, None], (x.shape[0], int(dims[0]), 12)),
        "out_dims": dims * 2,
    }
    if int(np.prod(dims)) == x.size:
        want["y"] = x.reshape(dims)
    return want


CASES = {
    "reshape": (reshape_network, lambda f: reshape_numpy(f["x"])),
    "slice": (slice_network, lambda f: slice_numpy(f["x"])),
    "fill": (fill_network, lambda f: fill_numpy(f["x"])),
    "resize": (resize_network, lambda f: resize_numpy(f["x"], f["like"])),
    "concat_gather": (concat_gather_network, lambda f: concat_gather_numpy(f["x"])),
    "shape_input": (shape_input_network, lambda f: shape_input_numpy(f["x"], f["dims"])),
}


def check(net, formula, feeds, backend):
    want = formula(feeds)
    if any(v is None for v in want.values()):
        with pytest.raises(td.ExecutionError):  # a reshape the drawn dims do not fit
            net.run(feeds, backend=backend)
        return
    got = net.run(feeds, backend=backend)
    assert sorted(got) == sorted(want)
    for name, value in want.items():
        assert got[name].shape == value.shape, (name, got[name].shape, value.shape)
        np.testing.assert_allclose(got[name], value, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("case", sorted(CASES))
@given(data=st.data())
def test_reference_across_profiles(case, data):
    build, formula = CASES[case]
    net = build()
    check(net, formula, data.draw(tst.inputs(net, allow_nan=False)), "reference")


@pytest.mark.parametrize("case", sorted(CASES))
def test_onnxruntime_across_profiles(case):
    pytest.importorskip("onnxruntime")
    build, formula = CASES[case]
    net = build()

    @settings(max_examples=10, database=None)
    @given(feeds=tst.inputs(net))
    def run(feeds):
        check(net, formula, feeds, "onnxruntime")

    run()


@pytest.mark.parametrize("case", sorted(CASES))
def test_min_opt_max_of_every_profile(case):
    """The sizes TensorRT is built for and tuned to: every profile's min, opt and max."""
    from trtdsl.testing import random_inputs

    build, formula = CASES[case]
    net = build()
    for profile in range(len(net.profiles)):
        for at in ("min", "opt", "max"):
            check(net, formula, random_inputs(net, profile=profile, at=at, seed=3), "reference")


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []

    def dynamic(net):
        y = net.input("y", td.float32, ("n", 6))
        z = net.input("z", td.float32, (12,))
        dims = net.input("dims", td.int64, (2,), shape_tensor=True)
        net.output("tail", td.slice(y, (1, 0), (y.shape[0] - 1, 6)))
        net.output("strided", td.slice(y, (0, 5), (y.shape[0], 3), (1, -2), mode="wrap"))
        net.output("reshaped", td.reshape(y, (3, y.shape[0] * 2)))
        net.output("by_dims", td.reshape(z, dims))  # [k, -1]: k in 1..4 divides 12
        net.add_profile({"n": (1, 2, 4), "dims": ([1, -1], [2, -1], [4, -1])})

    rows.append(Row("dynamic-shapes", dynamic))
    return rows


@tensorrt_case
def dynamic_shapes() -> td.Network:
    """Fill, Resize and NonZero, and reshapes, slices and resizes by shape tensors (trtdsl.shapes)."""
    net = td.Network("dynamic_shapes")
    x = net.input("x", td.float32, ("n", 6))
    net.output("reshape", td.reshape(x, (x.shape[0] * 3, -1)))
    net.output("shuffle", td.shuffle(x, (1, 0), td.shape_of(x)[::-1]))
    net.output("slice", td.slice(x, (1, x.shape[1] - 5), (x.shape[0] - 1, 2), (1, 2), mode="wrap"))
    net.output("arange", td.arange(x.shape[0], like=x))
    net.output("linspace", td.fill((x.shape[0], 3), "linspace", 1.0, (10.0, 0.5), like=x))
    net.output("linspace_static", td.fill((4,), "linspace", 3, 2, td.int32, like=x))
    net.output("uniform", td.fill((x.shape[0], 2), "random_uniform", 1.0, 2.0, like=x) >= 1.0)
    net.output("normal", td.isnan(td.random_normal((3,), like=x)))
    net.output("zeros", td.zeros_like(x, td.int32))
    net.output("broadcast", td.broadcast_to(x[:, :1], (x.shape[0], 4)))
    image = net.input("image", td.float32, (1, 2, "h", 4))
    net.output("nearest", td.resize(image, (1, 2, image.shape[2] * 2, 3), nearest_rounding="half_up"))
    half_pixel = {"coordinate_transformation": "half_pixel", "selector": "upper"}
    linear = td.resize(image, scales=(1, 1, 1.5, 0.5), mode="linear", **half_pixel)
    net.output("linear", linear)
    cubic = td.resize(
        image,
        (1, 2, 3, 5),
        mode="cubic",
        coordinate_transformation="align_corners",
        cubic_coeff=-0.5,
        exclude_outside=True,
    )
    net.output("cubic", cubic)
    net.output("nonzero", td.nonzero(x > 0))
    net.output("nonzero64", td.nonzero(x < 0, td.int64))
    net.mark_output_for_shapes("dims", td.shape_of(image) + 1)
    net.mark_output_for_shapes("dims32", td.cast(td.shape_of(image), td.int32))
    return net
