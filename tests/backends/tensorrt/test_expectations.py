"""The lowering gives TensorRT what its documentation says each op needs: every ``@tensorrt_expectation``
of the test modules (tests/backend_rows.py), lowered into the strict stand-ins of TensorRT 10.16 and 11.4,
is compared with the layers the stand-in
recorded (the method that added each layer, from the stand-in's call log; its properties and inputs, read
back through the Python API), and so is the layer computing each network output a row names. Every
registered op kind has a row."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from backend_rows import ANY, TENSORRT_11_ONLY, Axes, By, Const, Expectation, Layer, tensorrt_expectations

import trtdsl as td
from trtdsl.backends.tensorrt import lower, standin
from trtdsl.backends.tensorrt.api import LAYER_CLASSES
from trtdsl.backends.tensorrt.lowering import LOWERINGS, NotExpressible
from trtdsl.backends.tensorrt.standin_plugins import install

ROWS = tensorrt_expectations()

VERSIONS = ("10.16", "11.4")
# The objects whose add_* methods (and IIfConditional.set_condition) add layers.
BUILDERS = ("INetworkDefinition", "ILoop", "IIfConditional")


class Recorded:
    """A network lowered into a stand-in: each layer with the method that added it, the layer computing
    each tensor, and the IR tensor of each TensorRT tensor."""

    def __init__(self, net: td.Network, version: str) -> None:
        self.trt = install(standin.module(version))
        lowered = lower(net, self.trt)
        api = self.trt.manifest
        methods = [
            c.member for c in self.trt.calls
            if c.kind == "call" and c.owner in BUILDERS
            for returns in [api.method(c.owner, c.member).overloads[0].returns]
            # an IAttention adds its input and its output layer
            for _ in range(2 if returns == "IAttention" else int(api.is_subclass(returns, "ILayer")))
        ]
        definition = lowered.network
        self.layers = [definition.get_layer(i) for i in range(definition.num_layers)]
        assert len(methods) == len(self.layers), "every layer-adding call adds one layer"
        self.method = {id(layer._state): m for layer, m in zip(self.layers, methods)}
        self.producer = {
            id(layer.get_output(i)._state): layer for layer in self.layers for i in range(layer.num_outputs)
        }
        self.ir = {id(itensor._state): t for t, itensor in lowered.tensors.items()}
        for layer in self.layers:
            layer.__class__ = getattr(self.trt, LAYER_CLASSES[layer.type.name])
        self.outputs = {
            definition.get_output(i).name: definition.get_output(i) for i in range(definition.num_outputs)
        }

    def of_node(self, node: Any) -> list[Any]:
        """The layers trtdsl made for ``node``: named after it, or ``<node>.<role>`` for helpers."""
        return [
            layer for layer in self.layers
            if (base := layer.name.split(" (")[0]) == node.name or base.startswith(node.name + ".")
        ]


def plain(value: Any) -> Any:
    """A property value as a plain Python value: Dims/Permutation as tuples, enum members as "Enum.NAME",
    Weights as NumPy arrays."""
    kind = type(value).__name__
    if kind in ("Dims", "Dims2", "Dims3", "Dims4", "DimsHW", "Permutation"):
        return tuple(int(v) for v in value)
    if kind == "Weights":
        return value.numpy()
    if isinstance(value, list):
        return tuple(value)
    if hasattr(type(value), "__members__"):
        return str(value)
    return value


def same_value(want: Any, got: Any) -> bool:
    if type(got).__name__ == "Permutation":
        return plain(got)[:len(want)] == want  # a Permutation holds MAX_DIMS entries
    got = plain(got)
    if isinstance(want, np.ndarray):
        return isinstance(got, np.ndarray) and got.dtype == want.dtype and np.array_equal(got, want.ravel())
    if isinstance(want, bool):
        return isinstance(got, (bool, np.bool_)) and bool(got) == want
    if isinstance(want, float):
        return isinstance(got, (int, float, np.number)) and np.float32(got) == np.float32(want)
    if isinstance(want, int):
        return isinstance(got, (int, np.integer)) and not isinstance(got, bool) and int(got) == want
    return got == want


def constant_values(rec: Recorded, itensor: Any) -> np.ndarray | None:
    """The values of ``itensor`` if an IConstantLayer computes it."""
    layer = rec.producer.get(id(itensor._state))
    if layer is None or layer.type.name != "CONSTANT":
        return None
    return np.asarray(plain(layer.weights)).reshape(plain(layer.shape))


def input_problem(rec: Recorded, want: Any, got: Any) -> str | None:
    """Why the layer input ``got`` is not ``want`` (None if it is)."""
    if want is None:
        return None if got is None else f"present ({got.name!r}); expected absent"
    if got is None:
        return f"absent; expected {want!r}"
    if want is ANY:
        return None
    if isinstance(want, str):
        return None if got.name == want else f"{got.name!r}; expected {want!r}"
    if isinstance(want, By):
        producer = rec.producer.get(id(got._state))
        method = None if producer is None else rec.method[id(producer._state)]
        return None if method == want.method else f"{got.name!r}, computed by {method}; expected {want!r}"
    values = constant_values(rec, got)
    if values is None:
        return f"{got.name!r}, not computed by a constant layer; expected {want!r}"
    if isinstance(want, Const):
        expected = np.asarray(want.values)
        dtype_ok = values.dtype.name in want.int_dtypes if want.int_dtypes else values.dtype == expected.dtype
        if dtype_ok and values.shape == expected.shape and np.array_equal(values, expected):
            return None
        return f"a constant {values.dtype}{list(values.shape)} {values.tolist()}; expected {want!r}"
    assert isinstance(want, Axes)
    shape_ok = values.shape == (() if want.scalar else (len(want.axes),))
    in_range = bool(np.all((values >= -want.rank) & (values < want.rank)))
    if (values.dtype.name in ("int32", "int64") and shape_ok and in_range
            and sorted(int(v) % want.rank for v in values.ravel()) == sorted(want.axes)):
        return None
    return f"axes {values.dtype}{list(values.shape)} {values.tolist()}; expected {want!r}"


def layer_problems(rec: Recorded, want: Layer, layer: Any) -> list[str]:
    """What differs between ``layer`` and the expectation ``want``."""
    found = []
    method = rec.method[id(layer._state)]
    if method not in (want.method if isinstance(want.method, tuple) else (want.method,)):
        return [f"added by {method}; expected {want.method}"]
    for prop, value in want.properties.items():
        got = functools.reduce(getattr, prop.split("."), layer)  # "attention.causal": the IAttention's
        if not same_value(value, got):
            found.append(f"{prop} is {plain(got)!r}; expected {value!r}")
    for arg, value in want.arguments.items():
        got = layer._state["arguments"].get(arg)
        if not same_value(value, got):
            found.append(f"argument {arg} is {plain(got)!r}; expected {value!r}")
    if want.inputs is not None:
        got_inputs = [layer.get_input(i) for i in range(layer.num_inputs)]
        for i in range(max(len(got_inputs), len(want.inputs))):
            w = want.inputs[i] if i < len(want.inputs) else None
            g = got_inputs[i] if i < len(got_inputs) else None
            problem = input_problem(rec, w, g)
            if problem:
                found.append(f"input {i} is {problem}")
    if want.input_ranks is not None:
        ranks = tuple(rec.ir[id(layer.get_input(i)._state)].ndim for i in range(layer.num_inputs))
        if ranks != want.input_ranks:
            found.append(f"input ranks are {ranks}; expected {want.input_ranks}")
    return found


def nodes_of(net: td.Network, key: str) -> Any:
    kind, _, index = key.partition("#")
    nodes = [n for n in net.nodes if n.op.kind == kind]
    if index:
        return nodes[int(index)]
    assert len(nodes) == 1, f"{len(nodes)} {kind} nodes; name one with '{kind}#i'"
    return nodes[0]


def check(row: Expectation, version: str) -> list[str]:
    """Every mismatch between the row's expectations and what the lowering gave the stand-in."""
    net = td.Network(row.name)
    row.build(net)
    rec = Recorded(net, version)
    problems = []
    for key, expected in row.expect.items():
        node = nodes_of(net, key)
        layers = rec.of_node(node)
        unmatched = list(layers)
        for want in expected if isinstance(expected, tuple) else (expected,):
            tried = [(layer, layer_problems(rec, want, layer)) for layer in unmatched]
            match = next((layer for layer, found in tried if not found), None)
            if match is not None:
                unmatched.remove(match)
                continue
            details = "; ".join(f"{layer.name}: {', '.join(found)}" for layer, found in tried)
            problems.append(f"{key} ({node.name}): no layer is {want.method}(...) as expected ({details})")
    for name, want in row.outputs.items():
        output = rec.outputs.get(name)
        if output is None:
            problems.append(f"no network output is named {name!r}")
            continue
        found = layer_problems(rec, want, rec.producer[id(output._state)])
        if found:
            problems.append(f"output {name!r}: {', '.join(found)}")
    return problems


@pytest.mark.parametrize("row, version", [(row, version) for row in ROWS for version in VERSIONS
                                          if version == "11.4" or row.name not in TENSORRT_11_ONLY],
                         ids=lambda v: getattr(v, "name", v))
def test_lowering_gives_tensorrt_what_its_documentation_asks(row, version):
    problems = check(row, version)
    assert not problems, f"{row.name} (from {row.source}):\n" + "\n".join(problems)


def registered_kinds() -> set[str]:
    """The op kinds of the TensorRT table that have a TensorRT form."""
    return {
        getattr(key, "kind", key) for key, entry in LOWERINGS.items() if not isinstance(entry, NotExpressible)
    }


def test_every_registered_kind_has_an_expectation():
    covered = {key.partition("#")[0] for row in ROWS for key in row.expect}
    assert sorted(registered_kinds() - covered) == []
    assert sorted(covered - registered_kinds()) == []


def test_row_names_are_unique():
    names = [row.name for row in ROWS]
    assert len(names) == len(set(names))
