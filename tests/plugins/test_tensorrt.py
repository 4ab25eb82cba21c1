"""Plugins in TensorRT: dims translated to shape expressions, attributes as plugin fields, the lowering and
raise through the strict stand-ins of TensorRT 10.16 and 11.4 (every call checked against both
manifests), and registration with the real tensorrt.plugin where its bindings import."""

import functools
import re

import numpy as np
import pytest
from backends.tensorrt.irmatch import structure
from hypothesis import given
from hypothesis import strategies as st
from plugins.helpers import REGISTRY
from support import expect_error

import trtdsl as td
from trtdsl.backends.tensorrt import lower, manifest, raise_network, standin
from trtdsl.backends.tensorrt import plugins as plugins_trt
from trtdsl.backends.tensorrt.lowering.plugins import fields
from trtdsl.backends.tensorrt.standin_plugins import install
from trtdsl.errors import ArgumentError, BackendError
from trtdsl.ir.dims import Dim
from trtdsl.plugins.definition import check_aot_kernel, definition_of
from backend_rows import tensorrt_expectation, Layer

VERSIONS = ("10.16", "11.4")


@td.plugin("trtt::scale")
class Scale:
    factor: float = 2.0
    repeats: int = 1
    flag: bool = False
    mode: str = "linear"
    weights: tuple[float, ...] = ()
    sizes: tuple[np.int32, ...] = (1, 2)
    halves: tuple[np.float16, ...] = (0.5,)

    def shape(self, x):
        return td.TensorType(x.dtype, (x.shape[0] * self.repeats,) + x.shape[1:])

    def reference(self, x):
        return np.concatenate([x * np.float32(self.factor)] * self.repeats)

    def kernel(self, x, y, stream):
        raise AssertionError("not run here")


@td.plugin("trtt::split")
class Split:
    def shape(self, a, b):
        n = td.data_dependent_dim(a.shape[0], name="n")
        return td.TensorType(a.dtype, (n,)), td.TensorType(td.int64, (n, 2)), a

    def reference(self, a, b):
        keep = np.flatnonzero(a > b)
        return a[keep], np.stack([keep, keep], axis=1).astype(np.int64), a + b

    def kernel(self, a, b, values, pairs, total, stream):
        raise AssertionError("not run here")


@td.registry_plugin("TrttNorm_TRT", version="2", namespace="vendor")
class Norm:
    epsilon: np.float32 = 1e-5
    relu: np.int32 = 0
    scale: np.float16 = 1.0
    name: str = "norm"
    gains: tuple[np.float32, ...] = (1.0,)
    flag: bool = True
    count: int = 3

    def shape(self, x):
        return x

    def reference(self, x):
        return (x / (np.abs(x).max() + np.float32(self.epsilon))).astype(x.dtype)


def network():
    net = td.Network("plugins")
    x = net.input("x", td.float32, ("n", 3))
    y = net.input("y", td.float32, ("n", 3))
    scaled = Scale(factor=0.5, repeats=2, flag=True, mode="fast", weights=(1.0, -2.5), halves=(0.25, 3.0))(x)
    values, pairs, total = Split()(td.reshape(x, (-1,)), td.reshape(y, (-1,)))
    net.output("scaled", Norm(relu=1, gains=(0.5, 2.0), name="n1")(scaled))
    net.output("values", values)
    net.output("pairs", pairs)
    net.output("total", total)
    return net


def canonical(net):
    """The network's structure, with data-dependent sizes numbered by first appearance (each plugin layer
    names its own; lowering and raise give the same sizes new numbers)."""
    seen = {}
    return re.sub(
        r"(\w+)#\d+", lambda m: seen.setdefault(m.group(0), f"{m.group(1)}#{len(seen)}"), repr(structure(net))
    )


def roundtrip(net, version):
    trt = install(standin.module(version))
    return trt, raise_network(lower(net, trt).network, trt)


@pytest.mark.parametrize("version", VERSIONS)
def test_lower_then_raise_is_the_same_ir(version):
    net = network()
    _, again = roundtrip(net, version)
    assert canonical(again) == canonical(net)


def test_a_stand_in_without_its_plugin_api_says_how_to_install_it():
    with pytest.raises(BackendError, match=r"install its plugin API first: "
                                           r"trtdsl\.backends\.tensorrt\.standin_plugins\.install\(trt\)"):
        lower(network(), standin.module(VERSIONS[-1]))


@pytest.mark.parametrize("version", VERSIONS)
def test_plugin_layers_and_fields(version):
    trt = install(standin.module(version))
    lowered = lower(network(), trt)
    layers = [lowered.network.get_layer(i) for i in range(lowered.network.num_layers)]
    plugins = [layer for layer in layers if layer.type == trt.LayerType.PLUGIN_V3]
    assert [layer.name.split(" ")[0] for layer in plugins] == ["scale_0", "split_0", "trttnorm_trt_0"]
    assert [layer.num_outputs for layer in plugins] == [1, 4, 1]  # Split: three outputs and a size tensor
    creators = [c for c in trt.calls if c.member == "create_plugin"]
    assert [c.owner for c in creators] == [
        "IPluginCreatorV3Quick",
        "IPluginCreatorV3Quick",
        "IPluginCreatorV3One",
    ]
    view = standin.StandIn.cls(trt, "IPluginV3Layer")
    fields = {}
    for layer in plugins:
        layer.__class__ = view
        runtime = layer.plugin.get_capability_interface(trt.PluginCapabilityType.RUNTIME)
        collection = runtime.get_fields_to_serialize()
        fields[layer.name.split(" ")[0]] = {
            collection[i].name: (collection[i].type.name, collection[i].data.tolist())
            for i in range(len(collection))
        }
    # tensorrt.plugin's field types for trtdsl plugins; INT32/FLOAT32 for registry ones (as the ONNX parser
    # sends them)
    assert fields["scale_0"] == {
        "factor": ("FLOAT64", [0.5]),
        "repeats": ("INT64", [2]),
        "flag": ("INT8", [True]),
        "mode": ("CHAR", list(b"fast")),
        "weights": ("FLOAT64", [1.0, -2.5]),
        "sizes": ("INT32", [1, 2]),
        "halves": ("UNKNOWN", list(np.array([0.25, 3.0], np.float16).tobytes().__iter__())),
    }
    assert fields["trttnorm_trt_0"] == {
        "epsilon": ("FLOAT32", [np.float32(1e-5).item()]),
        "relu": ("INT32", [1]),
        "scale": ("FLOAT16", [1.0]),
        "name": ("CHAR", list(b"n1")),
        "gains": ("FLOAT32", [0.5, 2.0]),
        "flag": ("INT32", [1]),
        "count": ("INT32", [3]),
    }


@functools.lru_cache(maxsize=None)
def recorded(version):
    trt, _ = roundtrip(network(), version)
    return frozenset(trt.calls)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("target", ["10.16", "11.4"])
def test_every_call_exists_in_both_manifests(version, target):
    api = manifest.load(target)
    calls = recorded(version)
    assert any(c.member == "add_plugin_v3" for c in calls)
    for call in calls:
        if call.owner == "":
            method = api.functions.get(call.member)
        elif call.kind == "call":
            method = api.method(call.owner, call.member)
        else:
            assert api.property(call.owner, call.member) is not None, call
            continue
        assert method is not None, call
        assert any(
            set(call.args) <= {p.name for p in sig.params}
            and {p.name for p in sig.params if p.required} <= set(call.args)
            for sig in method.overloads
        ), call


@st.composite
def dims(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from([Dim.symbol("a"), Dim.symbol("b"), 1, 2, 7]))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%"]))
    lhs = draw(dims(depth - 1))
    rhs = draw(dims(depth - 1)) if op in "+-*" else draw(st.integers(1, 5))
    return {
        "+": lhs + rhs if isinstance(lhs, Dim) else rhs + lhs,
        "-": Dim("-", (lhs, rhs)),
        "*": Dim("*", (lhs, rhs)),
        "//": Dim("//", (lhs, rhs)),
        "%": Dim("%", (lhs, rhs)),
    }[op]


class Expr:
    """An integer algebra as TensorRT's ShapeExpr: expressions only combine with ints on the right."""

    def __init__(self, value):
        self.value = value

    def _op(self, other, fn):
        assert isinstance(other, (Expr, int))
        return Expr(fn(self.value, other.value if isinstance(other, Expr) else other))

    def __add__(self, other):
        return self._op(other, lambda a, b: a + b)

    def __sub__(self, other):
        return self._op(other, lambda a, b: a - b)

    def __mul__(self, other):
        return self._op(other, lambda a, b: a * b)

    def __floordiv__(self, other):
        return self._op(other, lambda a, b: a // b)


@given(dim=dims(), a=st.integers(0, 50), b=st.integers(0, 50))
def test_dims_translate_to_shape_expression_arithmetic(dim, a, b):
    values = {"a": a, "b": b}
    got = plugins_trt.translate(dim, lambda name: Expr(values[name]), Expr)
    want = dim if isinstance(dim, int) else dim.evaluate(values)
    assert (got.value if isinstance(got, Expr) else got) == want


def test_registration_needs_an_implementation_and_tensorrt_plugin():
    @td.plugin("trtt::no_kernel")
    class NoKernel:
        def shape(self, x):
            return x

        def reference(self, x):
            return x.copy()

    trt = install(standin.module("11.4"))
    definition = definition_of(NoKernel)
    expect_error(
        BackendError,
        "trtt::no_kernel: its number of outputs is not known yet; use it in a network first or "
        "pass example input types to trtdsl.backends.tensorrt.plugins.register",
        lambda: plugins_trt.ensure_registered(definition, trt),
    )
    NoKernel()(td.Network("n").input("x", td.float32, (2,)))
    expect_error(
        BackendError,
        "trtt::no_kernel: has no GPU implementation for TensorRT; define kernel(self, ...) or "
        "aot(self, ...) in its class",
        lambda: plugins_trt.ensure_registered(definition, trt),
    )
    expect_error(
        ArgumentError,
        "vendor::TrttNorm_TRT v2: a registry plugin is registered by its own library, not by trtdsl",
        lambda: plugins_trt.register(Norm, trt=trt),
    )


def test_aot_kernels_are_checked():
    definition = definition_of(Scale)
    expect_error(
        ArgumentError,
        "trtt::scale: aot returned None; expected a td.AOTKernel",
        lambda: check_aot_kernel(definition, None),
    )
    expect_error(
        ArgumentError,
        "trtt::scale: AOTKernel grid is (); expected 1 to 3 dims (x, y, z)",
        lambda: check_aot_kernel(definition, td.AOTKernel("k", "", grid=(), block=(32,))),
    )
    expect_error(
        ArgumentError,
        "trtt::scale: AOTKernel block is (0,); expected positive ints",
        lambda: check_aot_kernel(definition, td.AOTKernel("k", "", grid=(1,), block=(0,))),
    )


def test_registration_with_tensorrt_plugin(monkeypatch):
    """tensorrt.plugin accepts the generated register/impl functions, creates the plugin from trtdsl's fields,
    and the plugin reports the output dtypes and keeps the attribute values."""
    trt = pytest.importorskip("tensorrt")
    pytest.importorskip("tensorrt.plugin")
    if trt.get_plugin_registry() is None:
        monkeypatch.setattr(trt, "get_plugin_registry", lambda: REGISTRY)
    net = network()
    for node in net.nodes:
        if node.op.kind != "PluginV3" or node.op.definition.registry:
            continue
        definition = node.op.definition
        plugins_trt.ensure_registered(definition, trt)
        creator = trt.get_plugin_registry().get_creator(node.op.name, "1", node.op.namespace)
        collection, _keep_alive = fields(trt, definition, node.op.fields)
        plugin = creator.create_plugin(
            node.op.name,
            node.op.namespace,
            collection,
            trt.TensorRTPhase.BUILD,
            trt.QuickPluginCreationRequest.STRICT_JIT,
        )
        types = plugin.get_output_data_types([trt.float32] * len(node.inputs), [t.ndim for t in node.inputs])
        assert [t.name for t in types][: len(node.outputs)] == [o.dtype.trt for o in node.outputs]
        assert definition.op(plugin.attrs) == node.op


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@td.plugin("trtexp::weighted")
class Weighted:
    """``a * weight + b``: two inputs whose order matters."""

    weight: float = 3.0

    def shape(self, a, b):
        return a

    def reference(self, a, b):
        return (a * np.float32(self.weight) + b).astype(a.dtype)

    def kernel(self, a, b, out, stream):
        raise AssertionError("not run here")


@tensorrt_expectation("plugin", "NvInfer.h INetworkDefinition::addPluginV3(inputs, nbInputs, shapeInputs, nbShapeInputs, "
     "plugin)",
     {"PluginV3": Layer("add_plugin_v3", {}, ("b", "a"))})
def _(net):
    a, b = net.input("a", td.float32, (2, 3)), net.input("b", td.float32, (2, 3))
    net.output("y", Weighted(weight=0.5)(b, a))
