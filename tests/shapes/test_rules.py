"""TensorRT's shape-tensor and execution-tensor rules: every tensor classified, each rejection with its
exact message and the user's line, and a ShapeSyncWarning (at the user's line) wherever a shape needs a
value the GPU computes."""

import warnings

import numpy as np
import pytest
from support import expect_error

import trtdsl as td
from trtdsl.errors import DTypeError, ShapeError
from trtdsl.shapes import EXECUTION, SHAPE, classify, sync_points


def kinds(net, t):
    return sorted(classify(net)[t])


def test_classification_follows_the_inference_rules():
    net = td.Network("c")
    x = net.input("x", td.float32, ("n", 6))
    k = net.input("k", td.int32, (), shape_tensor=True)
    three = net.constant(np.array([3], np.int64))
    s = td.shape_of(x)
    dims = td.concatenate([s[:1] * 2, three])  # ElementWise, Slice, Concatenation: t x t -> t
    y = td.reshape(x, dims)  # Shuffle: t x S -> t
    z = y + td.cast(td.broadcast_to(three, (1,)), td.float32)  # the constant is also read by the GPU
    net.output("z", z)
    net.output("w", td.reshape(x, (k, -1)))
    net.mark_output_for_shapes("dims", dims)
    found = classify(net)
    assert sorted(found[dims]) == [SHAPE]
    assert sorted(found[s]) == [SHAPE] and sorted(found[x]) == [EXECUTION]
    assert sorted(found[three]) == [EXECUTION, SHAPE]  # both kinds: computed in both phases
    assert sorted(found[y]) == [EXECUTION] and sorted(found[z]) == [EXECUTION]
    assert SHAPE in found[k]
    assert sync_points(net) == []


def warned(build):
    """Run ``build`` and return the ShapeSyncWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build()
    return [w for w in caught if issubclass(w.category, td.ShapeSyncWarning)]


def net_x():
    net = td.Network("w")
    return net, net.input("x", td.float32, ("n", 4))


def _reduction(net, x):
    return td.reshape(x, (td.cast(td.max(x), td.int64), -1))


def _gpu_layer(net, x):
    rows = td.cast(td.softmax(net.constant(np.ones(2, np.float32)))[0] * 4, td.int64)
    return td.slice(x, (0, 0), (rows, 4))


def _execution_input(net, x):
    return td.fill(td.cast(net.input("v", td.float32, (1,)), td.int32), like=x)


def _too_large(net, x):
    return td.resize(x, (td.take(net.input("big", td.int64, (100,)), 0), 4))


def _nonzero_count(net, x):
    return td.arange(td.nonzero(x).shape[1], like=x)


def _computed_slice(net, x):
    return td.reshape(x, (td.slice(td.shape_of(x), (x.shape[0] - x.shape[0],), (1,)), -1))


SYNC = [
    (
        _reduction,
        "reshape: argument 'shape' depends on %reduce_max_0, computed by Reduce[MAX] (layer reduce_max_0, "
        "test_rules.py:{line}), which the GPU computes from %x (f32[n,4])",
    ),
    (
        _gpu_layer,
        "slice: argument 'size' depends on %softmax_0, computed by SoftMax (layer softmax_0, "
        "test_rules.py:{line}), which the GPU computes",
    ),
    (_execution_input, "fill: argument 'shape' depends on input 'v' (f32[1]), an execution input"),
    (
        _too_large,
        "resize: argument 'shape' depends on %gather_0, computed by Gather[DEFAULT] (layer gather_0, "
        "test_rules.py:{line}), which the GPU computes from %big (i64[100], too large for a shape tensor)",
    ),
    (
        _nonzero_count,
        "fill: argument 'shape' depends on %shape_0, computed by Shape (layer shape_0, "
        "test_rules.py:{line}): the dims of %non_zero_0 include nonzero(%x), which GPU layers compute",
    ),
    (
        _computed_slice,
        "reshape: argument 'shape' depends on %slice_0, computed by Slice (layer slice_0, "
        "test_rules.py:{line}), which the GPU computes",
    ),
]


def line_of(build):
    """The last line of ``build``'s body: where the layer taking the shape is created."""
    return max(line for _, _, line in build.__code__.co_lines() if line is not None)


def first_line(build):
    """The first line of ``build``'s body: where the layer computing the shape is created."""
    return build.__code__.co_firstlineno + 1


SUFFIX = (
    ": TensorRT copies that value from the GPU to the host and synchronizes before it computes the shape "
    "(compute shapes from td.shape_of, constants and shape-tensor inputs to avoid it)"
)


@pytest.mark.parametrize("build, message", SYNC, ids=[build.__name__[1:] for build, _ in SYNC])
def test_a_shape_computed_on_the_gpu_warns_at_the_users_line(build, message):
    net, x = net_x()
    found = warned(lambda: build(net, x))
    assert [str(w.message) for w in found] == [message.format(line=first_line(build)) + SUFFIX]
    assert (found[0].filename, found[0].lineno) == (__file__, line_of(build))
    assert len(sync_points(net)) == 1, "the network lists where it synchronizes"


def test_each_synchronization_is_reported_once():
    net, x = net_x()
    n = td.cast(td.max(x), td.int64)
    assert len(warned(lambda: td.reshape(x, (n, -1)))) == 1
    assert len(warned(lambda: td.reshape(x, (n, -1)))) == 0  # the same computation again
    assert len(sync_points(net)) == 1


def test_shapes_computed_on_the_host_do_not_warn():
    net, x = net_x()
    k = net.input("k", td.int32, (2,), shape_tensor=True)

    def build():
        s = td.shape_of(x)
        td.reshape(x, (x.shape[0] * 2, -1))
        td.reshape(x, td.concatenate([td.take(s, [1, 0]), [1]]))
        td.reshape(x, k)
        td.slice(x, (1, 0), (x.shape[0] - 1, td.maximum(k[1:], 4)))
        td.fill((td.sum(s[:1]), 2), "linspace", 0.0, (1.0, 2.0), like=x)
        net.mark_output_for_shapes("s", s * 2)

    assert warned(build) == []
    assert sync_points(net) == []


# -- what TensorRT rejects --------------------------------------------------------------------------------
def _reject_undeclared_input(x):
    i = x.network.input("i", td.int32, (2,))
    return td.reshape(x, i)


def _reject_average(x):
    return td.reshape(x, (td.mean(td.shape_of(x)), -1))


def _layer(op, inputs):
    return inputs[0].network.add1(op, inputs)


ERRORS = [
    # shape-tensor inputs and outputs
    (
        DTypeError,
        "input 'k': a shape tensor at the network's boundary is int32 or int64, not float32",
        lambda x: x.network.input("k", td.float32, (2,), shape_tensor=True),
    ),
    (
        ShapeError,
        "input 'k': a shape tensor at the network's boundary has rank 0 or 1, not 2 (shape (2, 2))",
        lambda x: x.network.input("k", td.int32, (2, 2), shape_tensor=True),
    ),
    (
        ShapeError,
        "input 'k': a shape tensor's shape is known when the network is built; (m,) has dynamic dims",
        lambda x: x.network.input("k", td.int32, ("m",), shape_tensor=True),
    ),
    (
        ShapeError,
        "input 'k': a shape tensor has at most 64 elements; shape (65,) has 65",
        lambda x: x.network.input("k", td.int64, (65,), shape_tensor=True),
    ),
    (
        DTypeError,
        "mark_output_for_shapes 's': a shape tensor at the network's boundary is int32 or int64, not bool",
        lambda x: x.network.mark_output_for_shapes("s", td.shape_of(x) > 1),
    ),
    (
        ShapeError,
        "mark_output_for_shapes 's': a shape tensor's shape is known when the network is built; (n,) has "
        "dynamic dims",
        lambda x: x.network.mark_output_for_shapes("s", td.arange(x.shape[0], like=x)),
    ),
    # shape arguments of layers
    (
        DTypeError,
        "reshape: argument 'shape' (%f) has dtype float32; a shape tensor is int32 or int64",
        lambda x: td.reshape(x, x.network.input("f", td.float32, (2,))),
    ),
    (
        ShapeError,
        "reshape: argument 'shape' (%unsqueeze_0) has shape (2, 1); a shape tensor is 1-D",
        lambda x: td.reshape(x, td.unsqueeze(td.shape_of(x), 1)),
    ),
    (
        ShapeError,
        "fill: argument 'shape' (%cast_0) has the dynamic length nonzero(%x); TensorRT needs a shape "
        "tensor's length when the network is built (it is the rank of a result)",
        lambda x: td.fill(td.nonzero(x)[0].astype(td.int64), like=x),
    ),
    (
        ShapeError,
        "slice: argument 'start' is (n-n,); expected 2 dims",
        lambda x: td.slice(x, (x.shape[0] - x.shape[0],), (1, 1)),
    ),
    (
        ShapeError,
        "reshape: argument 'shape' depends on %reduce_avg_0, computed by Reduce[AVG] (layer reduce_avg_0, "
        "test_rules.py:{line}); TensorRT does not compute an integer average (Reduce AVG) as a shape tensor "
        "(use td.sum and //)",
        _reject_average,
    ),
    (
        ShapeError,
        "reshape: argument 'shape' depends on input 'i' (i32[2]), which TensorRT then makes a shape-tensor "
        "input whose values every optimization profile must give: declare it with net.input('i', td.int32, "
        "(2,), shape_tensor=True) and give its (min, opt, max) values in net.add_profile",
        _reject_undeclared_input,
    ),
    # the layers themselves (also what raise checks)
    (
        ShapeError,
        "Shuffle: input 'reshape dims' has 3 elements; expected 2",
        lambda x: _layer(
            td.ops.Shuffle(reshape=(x.shape[0], 4)), (x, td.shape_of(td.unsqueeze(x, 0)))
        ),
    ),
    (
        DTypeError,
        "Slice: input 'size' has dtype float32; a shape tensor is int32 or int64",
        lambda x: _layer(td.ops.Slice((0, 0), (1, 1), (1, 1)), (x, None, td.cast(td.shape_of(x), td.float32))),
    ),
    (
        ShapeError,
        "Fill[LINSPACE]: input 'dims' has the dynamic length n; TensorRT needs a shape tensor's length when "
        "the network is built (it is the rank of a result)",
        lambda x: _layer(td.ops.Fill((1,)), (td.cast(x[:, 0], td.int32),)),
    ),
    (
        ShapeError,
        "Resize[NEAREST]: input 'output dims' has shape (); a shape tensor is 1-D",
        lambda x: _layer(td.ops.Resize((1, 1)), (x, td.take(td.shape_of(x), 0))),
    ),
]


@pytest.mark.parametrize("cls, message, build", ERRORS, ids=[m[:70] for _, m, _ in ERRORS])
def test_what_tensorrt_rejects(cls, message, build):
    expect_error(cls, message.format(line=line_of(build)), lambda: build(net_x()[1]))
