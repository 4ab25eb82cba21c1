"""Shuffle (both transposes, reshape with 0/-1), Squeeze, Unsqueeze."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, run_layer, shapes

import trtdsl as td
from backend_rows import Row, tensorrt_case, tensorrt_expectation, Layer, Axes, ANY


@st.composite
def shuffle_case(draw):
    shape = draw(shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    x = draw(arrays(np.float32, shape))
    first = draw(st.permutations(range(len(shape))))
    moved = [shape[p] for p in first]
    # a reshape that merges two neighbours or splits nothing, written with 0 and -1 placeholders
    if len(moved) >= 2 and draw(st.booleans()):
        i = draw(st.integers(0, len(moved) - 2))
        target = moved[:i] + [moved[i] * moved[i + 1]] + moved[i + 2:]
    else:
        target = list(moved)
    dims = list(target)
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    for j in range(len(dims)):
        if dims[j] != -1 and j < len(moved) and target[j] == moved[j] and draw(st.booleans()):
            dims[j] = 0
    second = draw(st.permutations(range(len(target))))
    return x, tuple(first), tuple(dims), tuple(target), tuple(second)


@given(case=shuffle_case())
def test_shuffle_is_transpose_reshape_transpose(case):
    x, first, dims, target, second = case
    got = run_layer(lambda t: td.shuffle(t, first, dims, second), x)
    want = np.transpose(np.transpose(x, first).reshape(target), second)
    np.testing.assert_array_equal(got, want)


def test_shuffle_documented_example():
    x = np.array([[1, 2, 3, 4], [10, 20, 30, 40], [100, 200, 300, 400]], np.float32)
    got = run_layer(lambda t: td.shuffle(t, first_transpose=(1, 0), reshape=(2, 6)), x)
    assert got.tolist() == [[1, 10, 100, 2, 20, 200], [3, 30, 300, 4, 40, 400]]


def test_zero_is_not_placeholder():
    got = run_layer(lambda t: td.shuffle(t, reshape=(0, 3), zero_is_placeholder=False), np.zeros((0, 3), np.float32))
    assert got.shape == (0, 3)


@given(x=arrays(np.int32, shapes(min_dims=1, max_dims=5, min_side=1)), data=st.data())
def test_reshape_and_transpose_methods(x, data):
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    flat, tr, T = run_layer(lambda t: (t.reshape(-1), t.transpose(perm), t.T), x)
    np.testing.assert_array_equal(flat, x.ravel())
    np.testing.assert_array_equal(tr, np.transpose(x, perm))
    np.testing.assert_array_equal(T, x.T)


def test_reshape_keeps_dynamic_dims():
    net = td.Network("r")
    x = net.input("x", td.float32, ("batch", 6))
    y = x.reshape(x.shape[0], 2, 3)
    assert str(y.type) == "f32[batch,2,3]"
    net.output("y", y)
    out = net.run({"x": np.arange(24, dtype=np.float32).reshape(4, 6)})["y"]
    np.testing.assert_array_equal(out, np.arange(24).reshape(4, 2, 3))
    z = x.reshape(-1, 3)
    assert str(z.type) == "f32[batch*6//3,3]" or str(z.type) == "f32[batch*2,3]" or z.shape[1] == 3


@given(x=arrays(np.float32, shapes(max_dims=4, min_side=1, max_side=3)), data=st.data())
def test_squeeze_unsqueeze(x, data):
    ones = [i for i, d in enumerate(x.shape) if d == 1]
    axes = tuple(data.draw(st.lists(st.sampled_from(ones), unique=True))) if ones else ()
    n_new = data.draw(st.integers(1, 3))
    new_axes = tuple(sorted(data.draw(st.lists(st.integers(0, x.ndim + n_new - 1), min_size=n_new,
                                                max_size=n_new, unique=True))))
    sq, un = run_layer(lambda t: (td.squeeze(t, axes), td.unsqueeze(t, new_axes)), x)
    keep = [d for i, d in enumerate(x.shape) if i not in axes]
    assert sq.shape == tuple(keep)
    np.testing.assert_array_equal(sq.ravel(), x.ravel())
    dims = iter(x.shape)
    assert un.shape == tuple(1 if i in new_axes else next(dims) for i in range(x.ndim + n_new))
    np.testing.assert_array_equal(un.ravel(), x.ravel())


@pytest.mark.parametrize("perm", list(itertools.permutations(range(3))))
def test_every_rank3_permutation(perm):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    got = run_layer(lambda t: td.transpose(t, perm), x)
    for idx in np.ndindex(got.shape):
        src = [0, 0, 0]
        for out_axis, in_axis in enumerate(perm):
            src[in_axis] = idx[out_axis]
        assert got[idx] == x[tuple(src)]


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Shuffle, Squeeze, Unsqueeze ------------------------------------------------------------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.int64, td.bool_):

        def build(net, dtype=dtype):
            x3 = net.input("x3", dtype, ("n", 3, 2))
            x2 = net.input("x2", dtype, (2, "n", 3))
            x6 = net.input("x6", dtype, ("n", 6))
            ones = net.input("ones", dtype, (1, "n", 1))
            empty = net.input("empty", dtype, (0, 3))
            net.output("transpose", td.transpose(x3))
            net.output("all_three", td.shuffle(x2, (2, 0, 1), (0, -1), (1, 0)))
            net.output("placeholder", td.shuffle(x6, reshape=(0, 3, 2)))
            net.output("zero_length", td.shuffle(empty, reshape=(0, 3), zero_is_placeholder=False))
            net.output("squeeze", td.squeeze(ones, (0, 2)))
            net.output("unsqueeze", td.unsqueeze(x6, (0, 3)))
            net.output("reshape", x6.reshape(x6.shape[0], 3, 2))

        rows.append(Row(f"shuffle-squeeze-unsqueeze-{dtype.name}", build))
    return rows


@tensorrt_case
def shuffles() -> td.Network:
    net = td.Network("shuffles")
    x = net.input("x", td.float32, ("batch", 2, 3, 4))
    net.output("transposed", td.transpose(x, (0, 3, 1, 2)))
    net.output("reshaped", x.reshape(x.shape[0], 6, -1))
    net.output(
        "both", td.shuffle(x, first_transpose=(0, 2, 3, 1), reshape=(0, 3, 8), second_transpose=(2, 0, 1))
    )
    y = net.input("y", td.float32, (0, 4))
    net.output("zero_dims", td.shuffle(y, reshape=(4, 0), zero_is_placeholder=False))
    net.output("squeezed", td.squeeze(td.unsqueeze(x, (0, -1)), (-1, 0)))
    net.output("expanded", td.expand_dims(x, -1))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("shuffle_transpose", "NvInfer.h Permutation: CHW -> HWC is [1, 2, 0] (NumPy's transpose axes); a "
     "permutation that is not its own inverse",
     {"Shuffle": Layer("add_shuffle", {"first_transpose": (0, 3, 1, 2)}, ("x",))})
def _(net):
    net.output("y", td.transpose(net.input("x", td.float32, ("b", 2, 3, 4)), (0, 3, 1, 2)))


@tensorrt_expectation("shuffle_all", "NvInfer.h IShuffleLayer: first transpose, reshape (0 copies the input dim), second "
     "transpose",
     {"Shuffle": Layer("add_shuffle", {"first_transpose": (0, 2, 1, 3), "reshape_dims": (0, 3, 8),
                                       "second_transpose": (2, 0, 1), "zero_is_placeholder": True}, ("x",))})
def _(net):
    x = net.input("x", td.float32, ("b", 2, 3, 4))
    net.output("y", td.shuffle(x, first_transpose=(0, 2, 1, 3), reshape=(0, 3, 8),
                               second_transpose=(2, 0, 1)))


@tensorrt_expectation("shuffle_zero_is_size", "NvInfer.h IShuffleLayer::setZeroIsPlaceholder(false): 0 is a size",
     {"Shuffle": Layer("add_shuffle", {"reshape_dims": (4, 0), "zero_is_placeholder": False}, ("x",))})
def _(net):
    net.output("y", td.shuffle(net.input("x", td.float32, (0, 4)), reshape=(4, 0), zero_is_placeholder=False))


@tensorrt_expectation("shuffle_dynamic", "NvInfer.h IShuffleLayer::setInput: 1 the reshape dims as a 1-D shape tensor",
     {"Shuffle": Layer("add_shuffle", {}, ("x", ANY))})
def _(net):
    x = net.input("x", td.float32, ("n", 6))
    net.output("y", td.reshape(x, (x.shape[0] * 3, -1)))


@tensorrt_expectation("squeeze", "NvInfer.h addSqueeze: axes a constant 1-D Int32/Int64 shape tensor, values in [-r, r-1]",
     {"Squeeze": Layer("add_squeeze", {}, ("x", Axes((1, 3), 4)))})
def _(net):
    net.output("y", td.squeeze(net.input("x", td.float32, (2, 1, 3, 1)), (-1, 1)))


@tensorrt_expectation("unsqueeze", "NvInfer.h addUnsqueeze: axes in [-r_final, r_final-1], r_final = rank + len(axes)",
     {"Unsqueeze": Layer("add_unsqueeze", {}, ("x", Axes((0, 3), 4)))})
def _(net):
    net.output("y", td.unsqueeze(net.input("x", td.float32, (2, 3)), (0, -1)))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "expand_dims": lambda e: dict(x=e.m, axis=0),
    "unsqueeze": lambda e: dict(x=e.m, axis=0),
    "squeeze": lambda e: dict(x=td.unsqueeze(e.m, 0), axis=0),
    "reshape": lambda e: dict(x=e.m, shape=(3, 2)),
    "shuffle": lambda e: dict(x=e.m, first_transpose=(1, 0), reshape=(6,), second_transpose=(0,)),
    "transpose": lambda e: dict(x=e.m, perm=(1, 0)),
}


def test_a_minus_one_over_no_values_fails_with_tensorrts_rule_not_numpys_words():
    """x.reshape(n, -1) of n = 0 (PyTorch's view(size(0), -1)): TensorRT's Shuffle cannot infer the -1 from
    a volume of 0, as the static case says when the network is defined."""
    net = td.Network("r")
    x = net.input("x", td.float32, ("n", 3, 2))
    net.output("y", td.reshape(x, (x.shape[0], -1)))
    assert net.run({"x": np.ones((2, 3, 2), np.float32)})["y"].shape == (2, 6)
    with pytest.raises(td.ExecutionError, match=r"ValueError: the reshape dims \[0, -1\] are invalid for the "
                                                r"input's shape \(0, 3, 2\): Shuffle: cannot infer the -1 in "
                                                r"reshape dims \(0, -1\): the other dims have volume 0"):
        net.run({"x": np.ones((0, 3, 2), np.float32)})
