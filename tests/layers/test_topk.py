"""TopK: MAX and MIN along each of the last four axes, with ties and NaNs, against Python's sorted()."""

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers import topk as topk_module
from trtdsl.layers.topk import TopK, TopKOperation
from backend_rows import ANY, Row, FLOATS, INTS, each, tensorrt_expectation, Layer

TYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int32, np.int64]


def python_topk(row, k, largest):
    """Sort (value, index) pairs: NaN is the largest value; equal values keep the lower index first."""
    def key(pair):
        value, index = pair
        nan = isinstance(value, float) and math.isnan(value)
        if largest:
            return (0 if nan else 1, 0 if nan else -value, index)
        return (1 if nan else 0, 0 if nan else value, index)

    chosen = sorted(zip(row, range(len(row))), key=key)[:k]
    return [v for v, _ in chosen], [i for _, i in chosen]


def expected(x, k, axis, largest):
    moved = np.moveaxis(x, axis, -1)
    values = moved.astype(np.float64) if moved.dtype.kind != "i" else moved
    rows = values.reshape(-1, moved.shape[-1]).tolist()
    pairs = [python_topk(r, k, largest) for r in rows]
    shape = moved.shape[:-1] + (k,)
    vals = np.array([p[0] for p in pairs], dtype=values.dtype).reshape(shape).astype(x.dtype)
    idx = np.array([p[1] for p in pairs], dtype=np.int64).reshape(shape)
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)


@pytest.mark.parametrize("largest", [True, False], ids=["MAX", "MIN"])
@pytest.mark.parametrize("dtype", TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_topk_matches_sorted(dtype, largest, data):
    rank = data.draw(st.integers(1, 5))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    is_float = np.dtype(dtype).kind == "f" or dtype == td.bfloat16.numpy
    # A small range of values makes ties common.
    x = data.draw(arrays(dtype, shape, min_value=-3, max_value=3, allow_nan=is_float, allow_inf=is_float))
    axis = data.draw(st.integers(max(rank - 4, 0), rank - 1))
    k = data.draw(st.integers(1, shape[axis]))
    indices_dtype = data.draw(st.sampled_from([td.int32, td.int64]))
    spelled = data.draw(st.sampled_from([axis, axis - rank]))
    values, indices = run_layer(lambda t: td.topk(t, k, spelled, largest=largest,
                                                  indices_dtype=indices_dtype), x)
    want_values, want_indices = expected(x, k, axis, largest)
    assert values.dtype == np.dtype(dtype) and indices.dtype == indices_dtype.numpy
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_array_equal(values.astype(np.float64), want_values.astype(np.float64))


def test_operators_reference_example():
    # The example of TensorRT's TopK operator documentation.
    x = np.array([[-3.0, -2.0, -1.0, 10.0, -25.0], [0.0, 1.0, 2.0, -2.0, -1.0]], np.float32)
    values, indices = run_layer(lambda t: td.topk(t, 3, axis=1), x)
    np.testing.assert_array_equal(values, [[10.0, -1.0, -2.0], [2.0, 1.0, 0.0]])
    np.testing.assert_array_equal(indices, [[3, 2, 1], [2, 1, 0]])


def test_extreme_integers_order_correctly():
    x = np.array([0, np.iinfo(np.int64).min, np.iinfo(np.int64).max, -1], np.int64)
    values, indices = run_layer(lambda t: td.topk(t, 4), x)
    assert values.tolist() == [2**63 - 1, 0, -1, -(2**63)] and indices.tolist() == [2, 0, 3, 1]


def test_ir_and_dynamic_dims():
    net = td.Network("t")
    x = net.input("x", td.float32, ("n", 7))
    values, indices = td.topk(x, 2, axis=1, largest=False, indices_dtype="int64")
    assert values.type == td.TensorType(td.float32, (x.shape[0], 2))
    assert indices.type == td.TensorType(td.int64, (x.shape[0], 2))
    assert net.nodes[-1].op == TopK(TopKOperation.MIN, 2, 1, td.int64)
    assert "TopK[MIN](%x, k=2, axis=1, indices_dtype=i64)" in net.format(locations=False)


def test_k_larger_than_a_dynamic_dim_fails_at_run_time_naming_the_layer_and_its_line():
    net = td.Network("t")
    x = net.input("x", td.float32, ("n",))
    values = td.topk(x, 3)[0]
    net.output("v", values)
    with pytest.raises(ExecutionError) as info:
        net.run({"x": np.ones(2, np.float32)})
    assert info.value.message == ("TopK[MAX] (layer topk_0): k=3 exceeds the size 2 of axis 0 of the input "
                                  "(shape (2,))")
    assert info.value.location == values.producer.location



@pytest.mark.parametrize("largest", [True, False], ids=["MAX", "MIN"])
@given(data=st.data())
def test_k_known_when_the_network_runs_matches_sorted(largest, data):
    """k from a dim expression, from an int32 input, and from an int64 one-element tensor computed from
    the shape, against Python's sorted()."""
    rows, n = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 9))
    x = data.draw(arrays(np.float32, (rows, n), min_value=-3, max_value=3))
    k_given = data.draw(st.integers(1, n))
    net = td.Network("t")
    t = net.input("x", td.float32, ("r", "n"))
    k_input = net.input("k", td.int32, (), shape_tensor=True)
    ks = {"dim": (t.shape[1] + 1) // 2, "input": k_input,
          "shape": td.reshape(td.minimum(td.shape_of(t)[1:], np.int64(3)), (1,))}
    for name, k in ks.items():
        values, indices = td.topk(t, k, 1, largest=largest)
        net.output(f"values_{name}", values)
        net.output(f"indices_{name}", indices)
    out = net.run({"x": x, "k": np.array(k_given, np.int32)})
    for name, k in {"dim": (n + 1) // 2, "input": k_given, "shape": min(n, 3)}.items():
        want_values, want_indices = expected(x, k, 1, largest)
        np.testing.assert_array_equal(out[f"indices_{name}"], want_indices)
        np.testing.assert_array_equal(out[f"values_{name}"], want_values)


def test_a_run_time_k_is_the_layers_input_1_a_0d_int32_tensor():
    net = td.Network("t")
    x = net.input("x", td.float32, ("n", 7))
    values, _ = td.topk(x, x.shape[0], axis=1)
    node = values.producer
    assert values.shape == (x.shape[0], x.shape[0])
    assert node.op == TopK(TopKOperation.MAX, x.shape[0], 1)
    assert node.inputs[1].type == td.TensorType(td.int32, ())
    k = net.input("k", td.int64, (1,), shape_tensor=True)
    assert td.topk(x, k)[0].producer.inputs[1].type == td.TensorType(td.int32, ())
    static = td.topk(x, td.shape_of(x)[1])[0]  # its value is known: a static k, no input
    assert static.shape == (x.shape[0], 7)
    assert len(static.producer.inputs) == 1 and static.producer.inputs[0] is x


@pytest.mark.parametrize("k, message", [
    (9, "k=9 exceeds the size 4 of axis 1 of the input (shape (2, 4))"),
    (-1, "k=-1, read from input 'k' when the network ran, is outside [0, 3840]"),
    (3841, "k=3841, read from input 'k' when the network ran, is outside [0, 3840]"),
])
def test_a_run_time_k_out_of_range_fails_naming_the_layer_and_its_line(k, message):
    net = td.Network("t")
    x = net.input("x", td.float32, (2, 4))
    values = td.topk(x, net.input("k", td.int32, (), shape_tensor=True))[0]
    net.output("v", values)
    with pytest.raises(ExecutionError) as info:
        net.run({"x": np.ones((2, 4), np.float32), "k": np.array(k, np.int32)})
    assert info.value.message == f"TopK[MAX] (layer topk_0): {message}"
    assert info.value.location == values.producer.location

# -- the packed keys: inputs of 32 bits or fewer and at least 512 values, against np.lexsort ----------
# Bit patterns of each type: -inf, -2.5, -1, -0.0, +0.0, +1, +2.5, +inf, the smallest subnormals of both
# signs, and NaNs of both signs, quiet and signalling: few values, so that ties are common.
POOLS = {
    np.dtype(np.float32): np.array([0xFF80_0000, 0xC020_0000, 0xBF80_0000, 0x8000_0000, 0, 0x3F80_0000,
                                    0x4020_0000, 0x7F80_0000, 1, 0x8000_0001, 0x7FC0_0000, 0xFFC0_0000,
                                    0x7F80_0001], np.uint32).view(np.float32),
    np.dtype(np.float16): np.array([0xFC00, 0xC100, 0xBC00, 0x8000, 0, 0x3C00, 0x4100, 0x7C00, 1, 0x8001,
                                    0x7E00, 0xFE00, 0x7C01], np.uint16).view(np.float16),
    np.dtype(td.bfloat16.numpy): np.array([0xFF80, 0xC020, 0xBF80, 0x8000, 0, 0x3F80, 0x4020, 0x7F80, 1,
                                           0x8001, 0x7FC0, 0xFFC0, 0x7F81],
                                          np.uint16).view(td.bfloat16.numpy),
    np.dtype(np.int32): np.array([-(2**31), -5, -1, 0, 1, 5, 2**31 - 1], np.int32),
    np.dtype(np.int64): np.array([-(2**63), -(2**40), -1, 0, 1, 2**40, 2**63 - 1], np.int64),
}


def lexsort_topk(x, k, axis, largest):
    """(values, indices) by np.lexsort of each line along ``axis`` on (NaN or not, the value, the index):
    NaN above every number, -0.0 equal to +0.0, equal values in increasing index order."""
    moved = np.moveaxis(x, axis, -1)
    if moved.dtype.kind == "i":
        # ~ reverses the order without overflowing
        nan, value = np.zeros(moved.shape, bool), (~moved if largest else moved)
    else:
        with np.errstate(invalid="ignore"):  # signalling NaNs become quiet
            wide = moved.astype(np.float64)
        nan = np.isnan(wide)
        value = np.where(nan, 0.0, -wide if largest else wide)
    index = np.broadcast_to(np.arange(moved.shape[-1]), moved.shape)
    order = np.lexsort((index, value, ~nan if largest else nan), axis=-1)[..., :k]
    return np.moveaxis(np.take_along_axis(moved, order, -1), -1, axis), np.moveaxis(order, -1, axis)


def check_against_lexsort(x, k, axis, largest, indices_dtype=td.int32):
    values, indices = run_layer(
        lambda t: td.topk(t, k, axis, largest=largest, indices_dtype=indices_dtype), x)
    want_values, want_indices = lexsort_topk(x, k, axis, largest)
    assert indices.dtype == indices_dtype.numpy
    np.testing.assert_array_equal(indices, want_indices)
    assert values.dtype == x.dtype and values.tobytes() == want_values.tobytes()  # zeros' signs, NaNs' bits


@contextlib.contextmanager
def refusing(name):
    """A context in which the function ``name`` of the TopK module fails: the other path must serve."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(topk_module, name, lambda *args: pytest.fail(f"{name} was called"))
        yield


@pytest.mark.parametrize("largest", [True, False], ids=["MAX", "MIN"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, td.bfloat16.numpy, np.int32],
                         ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_packed_keys_match_lexsort(dtype, largest, data):
    rank = data.draw(st.integers(1, 4))
    axis = data.draw(st.integers(0, rank - 1))
    n = data.draw(st.sampled_from([4, 5, 64, 600, 1100]))  # axes of 1 to 3 values take the stable sort
    others = data.draw(st.lists(st.integers(1, 6), min_size=rank - 1, max_size=rank - 1))
    if others:
        others[0] = max(others[0], -(-512 // (n * math.prod(others[1:]))))
    else:
        n = max(n, 512)
    shape = tuple(others[:axis]) + (n,) + tuple(others[axis:])
    k = data.draw(st.sampled_from([1, min(n, 5), n]) | st.integers(1, n))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.choice(POOLS[np.dtype(dtype)], shape)
    with refusing("_selected_by_stable_sort"):
        check_against_lexsort(x, k, axis, largest, data.draw(st.sampled_from([td.int32, td.int64])))


@pytest.mark.parametrize("largest", [True, False], ids=["MAX", "MIN"])
@pytest.mark.parametrize("dtype, shape", [(np.int64, (3, 400)), (np.float32, (3, 170)), (np.int32, (511,)),
                                          (np.float32, (600, 3))],
                         ids=["int64", "float32-small", "int32-small", "float32-short-axis"])
def test_int64_small_inputs_and_short_axes_take_the_stable_sort(dtype, shape, largest):
    x = np.random.default_rng(7).choice(POOLS[np.dtype(dtype)], shape)
    with refusing("_selected_by_packed_keys"):
        for k in sorted({1, min(5, shape[-1]), shape[-1]}):
            check_against_lexsort(x, k, -1, largest)


def test_packed_keys_tie_signed_zeros_and_every_nan():
    zeros = np.where(np.arange(600) % 3 == 0, np.float32(-0.0), np.float32(0.0))
    nans = np.full(600, 1.0, np.float32)
    nans[[5, 9, 300, 599]] = np.array([0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0xFFFF_FFFF],
                                      np.uint32).view(np.float32)
    x = np.stack([zeros, nans])
    with refusing("_selected_by_stable_sort"):
        values, indices = run_layer(lambda t: td.topk(t, 4), x)
    assert indices.tolist() == [[0, 1, 2, 3], [5, 9, 300, 599]]
    assert values.view(np.uint32).tolist() == [[0x8000_0000, 0, 0, 0x8000_0000],
                                               [0x7FC0_0000, 0xFFC0_0000, 0x7F80_0001, 0xFFFF_FFFF]]

def raw(*args):
    return lambda x: x.network.add(TopK(*args), (x,))


ERRORS = [
    (ShapeError, "TopK[MAX]: argument 'k' is 4; expected at most 3, the size of axis 1 of input shape (2, 3)",
     call(lambda x: td.topk(x, 4), f32(2, 3))),
    (ArgumentError, "TopK[MAX]: argument 'k' is 0; expected an int in [1, "
                    "3840]", call(lambda x: td.topk(x, 0), f32(3))),
    (ArgumentError, "TopK[MIN]: argument 'k' is 3841; expected an int in [1, 3840]",
     call(lambda x: td.topk(x, 3841, largest=False), f32(5000))),
    (ArgumentError, "topk: argument 'k' is 2.0; expected an int, a dim or a 0-D (or one-element) int32/int64 "
                    "tensor", call(lambda x: td.topk(x, 2.0), f32(3))),
    (ArgumentError, "topk: argument 'k' is Tensor(%t1: f32[]); expected an int, a dim or a 0-D (or "
                    "one-element) int32/int64 tensor", call(lambda x, k: td.topk(x, k), f32(3), f32())),
    (ArgumentError, "topk: argument 'k' is Tensor(%t1: i32[2]); expected an int, a dim or a 0-D (or "
                    "one-element) int32/int64 tensor", call(lambda x, k: td.topk(x, k), f32(3), (td.int32, (2,)))),
    (ArgumentError, "TopK[MAX]: input 'k' is i64[]; TensorRT's k tensor is a 0-D int32 shape tensor",
     call(lambda x, k: x.network.add(TopK(TopKOperation.MAX, x.shape[0], 0), (x, k)), f32("n"),
          (td.int64, ()))),
    (ArgumentError, "TopK[MAX]: argument 'k' is 2; expected a Dim (the value of input 'k' as the IR knows "
                    "it)",
     call(lambda x, k: x.network.add(TopK(TopKOperation.MAX, 2, 0), (x, k)), f32("n"), (td.int32, ()))),
    (ShapeError, "TopK[MAX]: argument 'axis' is 0; expected one of the last four dims (1 to 4) of a rank-5 "
                 "input",
     call(lambda x: td.topk(x, 1, axis=0), f32(1, 1, 1, 1, 1))),
    (ShapeError, "topk: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.topk(x, 1, axis=2), f32(2, 3))),
    (ShapeError, "topk: argument 'x' has shape (); expected rank >= 1 (top-k needs an axis)",
     call(lambda x: td.topk(x, 1), f32())),
    (DTypeError, "TopK[MAX]: input 'x' has dtype bool; expected one of float32, float16, bfloat16, int32, "
                 "int64",
     call(lambda x: td.topk(x, 1), (td.bool, (3,)))),
    (ArgumentError, "TopK[MAX]: argument 'indices_dtype' is td.float32; expected td.int32 or td.int64",
     call(lambda x: td.topk(x, 1, indices_dtype=td.float32), f32(3))),
    (ArgumentError, "topk: argument 'largest' is 'no'; expected a "
                    "bool", call(lambda x: td.topk(x, 1, largest="no"), f32(3))),
    (DTypeError, "topk: argument 'x' is [3, 1]; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.topk([3, 1], 1)),
    (ShapeError, "TopK[MIN]: argument 'axis' is -1; expected one of the last four dims (0 to 1) of a rank-2 "
                 "input",
     call(raw(TopKOperation.MIN, 1, -1), f32(2, 3))),
    (ShapeError, "TopK[MAX]: input 'x' has shape (); expected rank >= 1 (top-k needs an axis)",
     call(raw(TopKOperation.MAX, 1, 0), f32())),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS + INTS:

        def topk(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 5))
            for largest in (True, False):
                for indices in INTS:
                    values, positions = td.topk(x, 2, 1, largest=largest, indices_dtype=indices)
                    net.output(f"values_{largest}_{indices.name}", values)
                    net.output(f"indices_{largest}_{indices.name}", positions)

        rows.append(Row(f"topk-{dtype.name}", topk, values={"x": (-3, 3)}, special=False))
    nan_topk = {
        f"{'max' if lg else 'min'}_{part}": (lambda x, lg=lg, i=i: td.topk(x, 3, 0, largest=lg)[i])
        for lg in (True, False)
        for i, part in enumerate(("values", "indices"))
    }
    rows.append(Row("topk-nan-float32", each({"x": (td.float32, (4, "n"))}, nan_topk), nan_only=True))

    def run_time_k(net):
        x = net.input("x", td.float32, ("n", 6))
        k_input = net.input("k", td.int32, (), shape_tensor=True)
        for name, k in {"dim": x.shape[0] % 6 + 1, "input": k_input}.items():
            values, indices = td.topk(x, k, 1, largest=name == "dim")
            net.output(f"values_{name}", values)
            net.output(f"indices_{name}", indices)

    rows.append(Row("topk-run-time-k", run_time_k, values={"x": (-3, 3), "k": (1, 6)}, special=False))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("topk_min", "NvInfer.h addTopK(input, op, k, reduceAxes, indicesType): reduceAxes a one-bit mask",
     {"TopK": Layer("add_topk", {"op": "TopKOperation.MIN", "k": 3, "axes": 0b010,
                                 "indices_type": "DataType.INT64"}, ("x",))})
def _(net):
    v, i = td.topk(net.input("x", td.float32, ("n", 4, 5)), 3, axis=-2, largest=False, indices_dtype=td.int64)
    net.output("v", v)
    net.output("i", i)


@tensorrt_expectation("topk_max", "NvInfer.h TopKOperation::kMAX",
     {"TopK": Layer("add_topk", {"op": "TopKOperation.MAX", "k": 2, "axes": 0b100,
                                 "indices_type": "DataType.INT32"}, ("x",))})
def _(net):
    v, i = td.topk(net.input("x", td.float32, ("n", 4, 5)), 2)
    net.output("v", v)
    net.output("i", i)


@tensorrt_expectation("topk_run_time_k", "NvInfer.h ITopKLayer::setInput(1, k): a 0-D int32 shape "
                      "tensor that overrides the static k",
     {"TopK": Layer("add_topk", {"op": "TopKOperation.MAX", "axes": 0b10}, ("x", ANY))})
def _(net):
    x = net.input("x", td.float32, ("n", 8))
    v, i = td.topk(x, net.input("k", td.int32, (), shape_tensor=True))
    net.output("v", v)
    net.output("i", i)


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "topk": lambda e: dict(x=e.m, k=2, axis=1),
}


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_a_tensorrt_top_k_whose_k_input_is_a_constant_raises_with_a_static_k(version):
    from trtdsl.backends.tensorrt import raise_network, standin

    trt = standin.module(version)
    network = trt.Builder(trt.Logger()).create_network(0)
    x = network.add_input("x", trt.float32, (-1, 8))
    k = network.add_constant((), np.array(3, np.int32)).get_output(0)
    layer = network.add_topk(x, trt.TopKOperation.MAX, 1, 2, trt.int32)
    layer.set_input(1, k)
    network.mark_output(layer.get_output(0))
    (node,) = [n for n in raise_network(network, trt).nodes if n.op.kind == "TopK"]
    assert node.op == TopK(TopKOperation.MAX, 3, 1) and len(node.inputs) == 1


def test_a_run_time_k_of_0_gives_empty_results_as_onnx_does():
    """mmdeploy's min(k, n) on an empty axis (no detections) is 0: empty values and indices."""
    net = td.Network("t")
    x = net.input("x", td.float32, (3, "n"))
    values, indices = td.topk(x, td.reshape(td.minimum(td.shape_of(x)[1:], np.int64(5)), ()))
    net.output("v", values)
    net.output("i", indices)
    for backend in ("reference", "onnxruntime"):
        out = net.run({"x": np.zeros((3, 0), np.float32)}, backend=backend)
        assert out["v"].shape == out["i"].shape == (3, 0) and out["i"].dtype == np.int32
