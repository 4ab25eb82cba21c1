"""The stand-in is strict where TensorRT's bindings are: unknown methods, properties and enum members,
wrong arity, unknown keywords, wrong argument types and writes to read-only properties are refused, with
pybind11's kinds of errors; what it implements behaves as TensorRT documents."""

from __future__ import annotations

import numpy as np
import pytest

import trtdsl as td
from trtdsl.backends.tensorrt import lower, manifest, standin
from trtdsl.backends.tensorrt.standin import StandInError
from trtdsl.errors import BackendError


@pytest.fixture(params=["10.16", "11.4"])
def trt(request):
    return standin.module(request.param)


@pytest.fixture
def net(trt):
    return trt.Builder(trt.Logger()).create_network(0)


REFUSED = [
    # (what, call, exception type, message fragment)
    (
        "unknown method",
        lambda trt, net, x: net.add_rnn(x),
        AttributeError,
        "'INetworkDefinition' object has no attribute 'add_rnn'",
    ),
    (
        "too many arguments",
        lambda trt, net, x: net.add_identity(x, x),
        TypeError,
        "add_identity(): incompatible function arguments",
    ),
    (
        "too few arguments",
        lambda trt, net, x: net.add_elementwise(x, x),
        TypeError,
        "add_elementwise(): incompatible function arguments",
    ),
    (
        "unknown keyword",
        lambda trt, net, x: net.add_identity(input=x, name="i"),
        TypeError,
        "Invoked with: INetworkDefinition, kwargs: input=ITensor, name='i'",
    ),
    (
        "an argument given twice",
        lambda trt, net, x: net.add_identity(x, input=x),
        TypeError,
        "Invoked with: INetworkDefinition, ITensor, kwargs: input=ITensor",
    ),
    (
        "an int for an enum",
        lambda trt, net, x: net.add_unary(x, 0),
        TypeError,
        "add_unary(): incompatible function arguments",
    ),
    (
        "an enum of another type",
        lambda trt, net, x: net.add_unary(x, trt.ActivationType.RELU),
        TypeError,
        "Invoked with: INetworkDefinition, ITensor, <ActivationType.RELU: 0>",
    ),
    (
        "a float for an int",
        lambda trt, net, x: net.add_gather(x, x, 0.5),
        TypeError,
        "add_gather(): incompatible function arguments",
    ),
    (
        "a bool for an int",
        lambda trt, net, x: net.add_gather(x, x, True),
        TypeError,
        "add_gather(): incompatible function arguments",
    ),
    (
        "an array for a tensor",
        lambda trt, net, x: net.add_identity(np.zeros(2)),
        TypeError,
        "add_identity(): incompatible function arguments",
    ),
    (
        "unknown enum member",
        lambda trt, net, x: trt.ActivationType.SWISH,
        AttributeError,
        "type object 'ActivationType' has no attribute 'SWISH'",
    ),
    (
        "unknown property",
        lambda trt, net, x: setattr(net.add_activation(x, trt.ActivationType.RELU), "slope", 1.0),
        AttributeError,
        "'IActivationLayer' object has no attribute 'slope'",
    ),
    (
        "read-only property",
        lambda trt, net, x: setattr(net.add_identity(x), "num_inputs", 2),
        AttributeError,
        "",
    ),
    (
        "wrong property type",
        lambda trt, net, x: setattr(net.add_activation(x, trt.ActivationType.RELU), "alpha", "1"),
        TypeError,
        "Invoked with: IActivationLayer, '1'",
    ),
    ("wrong Dims", lambda trt, net, x: setattr(net.add_shuffle(x), "reshape_dims", (1.5,)), TypeError, ""),
    (
        "no constructor",
        lambda trt, net, x: trt.IActivationLayer(),
        TypeError,
        "IActivationLayer: No constructor defined!",
    ),
    (
        "a tensor of another network",
        lambda trt, net, x: net.add_identity(
            trt.Builder(trt.Logger()).create_network(0).add_input("y", trt.float32, (1,))
        ),
        StandInError,
        "belongs to another network",
    ),
    (
        "a shape it cannot compute",
        lambda trt, net, x: net.add_identity(x).get_output(0).shape,
        StandInError,
        "computes no shapes",
    ),
    (
        "an engine build",
        lambda trt, net, x: trt.Builder(trt.Logger()).build_serialized_network(
            net, trt.Builder(trt.Logger()).create_builder_config()
        ),
        NotImplementedError,
        "cannot build engines",
    ),
]


@pytest.mark.parametrize("what, call, error, text", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused(trt, net, what, call, error, text):
    x = net.add_input("x", trt.float32, (2,))
    with pytest.raises(error) as info:
        call(trt, net, x)
    assert text in str(info.value)


def test_the_error_lists_the_supported_signatures(trt, net):
    x = net.add_input("x", trt.float32, (2,))
    with pytest.raises(TypeError) as info:
        net.add_topk(x, trt.TopKOperation.MAX, 2)
    text = str(info.value)
    assert (
        "1. (self: INetworkDefinition, input: ITensor, op: TopKOperation, k: typing.SupportsInt, axes: "
        "typing.SupportsInt) -> ITopKLayer" in text
    )
    assert (
        "2. (self: INetworkDefinition, input: ITensor, op: TopKOperation, k: typing.SupportsInt, axes: "
        "typing.SupportsInt, indices_type: DataType) -> ITopKLayer" in text
    )


def test_versions_differ_where_tensorrt_does():
    trt10, trt11 = standin.module("10.16"), standin.module("11.4")
    assert hasattr(trt10.BuilderFlag, "FP16") and not hasattr(trt11.BuilderFlag, "FP16")
    assert int(trt10.NetworkDefinitionCreationFlag.STRONGLY_TYPED) == 1
    assert int(trt11.NetworkDefinitionCreationFlag.STRONGLY_TYPED) == 0
    net10 = trt10.Builder(trt10.Logger()).create_network(0)
    net11 = trt11.Builder(trt11.Logger()).create_network(0)
    x10, x11 = net10.add_input("x", trt10.float32, (2,)), net11.add_input("x", trt11.float32, (2,))
    x10.dtype = trt10.float16  # writable in 10.x only
    with pytest.raises(AttributeError):
        x11.dtype = trt11.float16
    with pytest.raises(TypeError):
        net10.add_squeeze(x10)  # 10.16 needs the axes; 11.4 makes them optional
    net11.add_squeeze(x11)


def test_layers_record_inputs_arguments_and_outputs(trt, net):
    x = net.add_input("x", trt.float32, (-1, 3))
    x.set_dimension_name(0, "batch")
    layer = net.add_reduce(x, trt.ReduceOperation.MAX, 2, keep_dims=True)
    assert (layer.op, layer.axes, layer.keep_dims) == (trt.ReduceOperation.MAX, 2, True)
    assert layer.num_inputs == 1 and layer.get_input(0) is x and layer.num_outputs == 1
    assert layer.get_output(0) is layer.get_output(0) and layer.get_output(1) is None
    topk = net.add_topk(x, trt.TopKOperation.MIN, 2, 1)
    assert topk.num_outputs == 2
    assert net.num_layers == 2 and net.get_layer(0).type == trt.LayerType.REDUCE
    assert trt.ILayer.type.fget(topk) == trt.LayerType.TOPK
    assert x.get_dimension_name(0) == "batch" and x.is_network_input
    assert tuple(x.shape) == (-1, 3)
    net.mark_output(topk.get_output(1))
    assert topk.get_output(1).is_network_output and not topk.get_output(0).is_network_output


def test_a_stand_in_is_made_from_its_own_version_string_too():
    for version in ("10.16", "11.4"):
        full = standin.module(version).__version__
        assert standin.module(full).__version__ == full


def test_a_module_that_is_not_tensorrt_is_refused_as_such():
    net = td.Network("n")
    net.output("y", td.relu(net.input("x", td.float32, (2,))))
    with pytest.raises(td.BackendError, match=r"the module given as TensorRT \('numpy'\) is not TensorRT"):
        lower(net, np)


def test_a_nested_enum_a_subclass_inherits_is_the_bases_own(trt):
    """pybind11's Logger.Severity is ILogger.Severity: the first line of most TensorRT programs works."""
    assert trt.Logger.Severity is trt.ILogger.Severity and trt.Logger.WARNING is trt.ILogger.Severity.WARNING
    trt.Logger(trt.Logger.WARNING)
    trt.Logger(min_severity=trt.ILogger.Severity.ERROR)


def test_values_behave_like_the_bindings(trt):
    dims = trt.Dims((2, -1, 3))
    assert (len(dims), dims[1], dims[-1], list(dims), dims == (2, -1, 3), dims[0:2]) == (
        3,
        -1,
        3,
        [2, -1, 3],
        True,
        (2, -1),
    )
    with pytest.raises(ValueError):
        trt.Dims(list(range(9)))
    perm = trt.Permutation([1, 0])
    assert len(perm) == 8 and tuple(perm) == (1, 0, 0, 0, 0, 0, 0, 0)
    w = trt.Weights(np.arange(4, dtype=np.int64))
    assert (w.dtype, w.size, w.nbytes) == (trt.int64, 4, 32)
    np.testing.assert_array_equal(w.numpy(), np.arange(4))
    raw = np.array([1, 2, 3], np.uint16)
    bf16 = trt.Weights(trt.DataType.BF16, raw.ctypes.data, 3)
    assert bf16.numpy() is bf16  # the bindings cannot give BF16 weights as an array
    with pytest.raises(ValueError):
        trt.Weights(np.zeros(2, np.float64))
    assert trt.nptype(trt.float16) is np.float16
    assert trt.DataType.FLOAT == trt.float32 and trt.DataType.FLOAT != trt.DataType.HALF
    assert repr(trt.DataType.HALF) == "<DataType.HALF: 1>" and str(trt.DataType.HALF) == "DataType.HALF"


def test_subclassing_interfaces(trt):
    seen = []

    class Logger(trt.ILogger):
        def __init__(self):
            trt.ILogger.__init__(self)

        def log(self, severity, msg):
            seen.append((severity, msg))

    logger = Logger()
    logger.log(trt.ILogger.WARNING, "hello")
    assert seen == [(trt.ILogger.Severity.WARNING, "hello")]
    trt.Builder(logger)
    with pytest.raises(TypeError):
        trt.Builder("not a logger")


def test_unset_properties_without_a_known_default_are_an_error(trt, net):
    x = net.add_input("x", trt.float32, (2,))
    layer = net.add_activation(x, trt.ActivationType.ELU)
    with pytest.raises(StandInError, match="IActivationLayer.alpha was read before it was set"):
        layer.alpha  # noqa: B018
    shuffle = net.add_shuffle(x)
    assert shuffle.zero_is_placeholder is True
    # NvInfer.h: unset reshape dims have nbDims -1, whose __len__ the bindings return and Python refuses
    unset = shuffle.reshape_dims
    assert [d for d in unset] == []
    with pytest.raises(ValueError, match="should return >= 0"):
        len(unset)


def test_implement_adds_behaviour_checked_by_the_manifest(trt):
    trt.implement(
        "Runtime", "deserialize_cuda_engine", lambda runtime, serialized_engine: ("engine", serialized_engine)
    )
    runtime = trt.Runtime(trt.Logger())
    assert runtime.deserialize_cuda_engine(b"plan") == ("engine", b"plan")
    with pytest.raises(TypeError):
        runtime.deserialize_cuda_engine(b"plan", 2)
    with pytest.raises(StandInError, match="has no Runtime.deserialize"):
        trt.implement("Runtime", "deserialize", lambda *a: None)


def test_implement_replaces_a_behaviour_already_called(trt, net):
    layer = net.add_activation(net.add_input("x", trt.float32, (2,)), trt.ActivationType.RELU)
    assert layer.get_output(0) is net.get_layer(0).get_output(0) is not None
    trt.implement("ILayer", "get_output", lambda layer, index: ("output", index))
    assert layer.get_output(1) == ("output", 1)
    assert trt.ILayer.get_output(layer, 2) == ("output", 2)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        layer.get_output("0")


def test_the_manifests_describe_both_versions():
    m10, m11 = manifest.load("10"), manifest.load("11")
    assert (m10.version, m11.version) == ("10.16.1.11", "11.4.0.106")
    assert manifest.available() == ["10.16.1", "11.4.0"]
    for m in (m10, m11):
        assert len(m.classes) > 200
        assert m.is_subclass("IActivationLayer", "ILayer")
        assert m.property("IActivationLayer", "name").writable
        assert not m.property("ILayer", "num_inputs").writable
        assert set(m.enum("ActivationType")) >= {"RELU", "GELU_ERF", "GELU_TANH"}
    with pytest.raises(BackendError, match="no TensorRT API manifest for version '9'"):
        manifest.load("9")
