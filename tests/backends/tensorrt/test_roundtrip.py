"""Every op and example network, lowered into the strict stand-in of TensorRT 10.16 and of 11.4 and
raised back, is the same IR; every op kind has a table entry and a case here."""

from __future__ import annotations

import enum

import attrs
import pytest

import trtdsl as td
from backend_rows import TENSORRT_11_ONLY, kinds_of, tensorrt_cases
from backends.tensorrt.irmatch import assert_same_ir, differences
from trtdsl.backends.tensorrt import lower, raise_network, standin
from trtdsl.backends.tensorrt.lowering import LOWERINGS, RAISERS, NotExpressible
from trtdsl.ir.table import all_op_types

CASES = tensorrt_cases()

VERSIONS = ("10.16", "11.4")


def roundtrip(net: td.Network, version: str) -> td.Network:
    trt = standin.module(version)
    return raise_network(lower(net, trt).network, trt)


@pytest.mark.parametrize("name, version", [(name, version) for name in sorted(CASES) for version in VERSIONS
                                           if version == "11.4" or name not in TENSORRT_11_ONLY])
def test_lower_then_raise_is_the_same_ir(name, version):
    net = CASES[name]()
    again = roundtrip(net, version)
    assert_same_ir(net, again)
    assert again.name == net.name


def test_every_op_kind_has_an_entry():
    missing = [cls.kind for cls in LOWERINGS.missing(all_op_types())]
    assert not missing, f"op kinds without a TensorRT entry: {missing}"
    for op_cls, entry in LOWERINGS.items():
        if isinstance(entry, NotExpressible):
            assert entry.reason, op_cls.kind
        else:
            assert entry.op_cls is op_cls and RAISERS[entry.layer_type] is entry


# Kinds the stand-in cannot lower, and why (they are tested where TensorRT exists).
NOT_ON_THE_STANDIN = {
    "PluginV3": "plugins are created from TensorRT's plugin registry, which needs the library"
}


def test_every_op_kind_has_a_roundtrip_case():
    covered = set().union(*(kinds_of(fn()) for fn in CASES.values()))
    expressible = {cls.kind for cls, e in LOWERINGS.items() if not isinstance(e, NotExpressible)}
    kinds = {cls.kind for cls in all_op_types()}
    assert sorted((kinds & expressible) - covered - set(NOT_ON_THE_STANDIN)) == []


def test_cases_set_every_parameter_lopsided():
    """Across the cases, every enum parameter of every op kind takes two members (where its enum has two),
    every bool both values (and two bools of one op differ somewhere), every per-axis tuple unequal entries
    somewhere, and every pre-padding differs from its post-padding somewhere: a parameter read from the
    wrong side, axis or flag changes the IR."""
    seen: dict[tuple[str, str], list] = {}
    for fn in CASES.values():
        for node in fn().nodes:
            if attrs.has(type(node.op)):
                for field in attrs.fields(type(node.op)):
                    seen.setdefault((node.op.kind, field.name), []).append(getattr(node.op, field.name))
    same = []
    for (kind, name), values in sorted(seen.items()):
        first = values[0]
        if isinstance(first, enum.Enum) and len(type(first)) > 1 or isinstance(first, bool):
            if len(set(values)) < 2:
                same.append(f"{kind}.{name} is always {first}")
        elif isinstance(first, tuple) and first and all(isinstance(v, int) for v in first):
            if not any(len(set(v)) > 1 for v in values):
                same.append(f"{kind}.{name} has equal entries in every case: {sorted(set(values))}")
    for (kind, name), values in seen.items():
        posts = seen.get((kind, "post_padding"), [])
        if name == "pre_padding" and all(pre == post for pre, post in zip(values, posts)):
            same.append(f"{kind}: pre_padding equals post_padding in every case")
        if isinstance(values[0], bool):
            for (k, other), others in seen.items():
                if k == kind and other > name and isinstance(others[0], bool) and values == others:
                    same.append(f"{kind}: {name} equals {other} in every case")
    assert same == []


def test_the_comparison_sees_a_changed_parameter():
    net = CASES["reductions"]()
    other = CASES["reductions"]()
    node = next(n for n in other.nodes if n.op.kind == "SoftMax")
    node.op = type(node.op)(axis=2)
    assert differences(net, other) and "SoftMax" in differences(net, other)[0]


def test_the_comparison_sees_rewiring():
    net = td.Network("w")
    a, b = net.input("a", td.float32, (2,)), net.input("b", td.float32, (2,))
    net.output("y", a - b)
    other = td.Network("w")
    a, b = other.input("a", td.float32, (2,)), other.input("b", td.float32, (2,))
    other.output("y", b - a)
    assert differences(net, other)


def test_layer_and_tensor_names_come_from_the_dsl():
    net = td.Network("names")
    x = net.input("x", td.float32, ("batch", 3))
    y = td.relu(x, name="act")
    net.output("out", td.squeeze(td.unsqueeze(y, 0), 0))
    definition = lower(net, standin.module("11.4")).network
    names = [definition.get_layer(i).name for i in range(definition.num_layers)]
    line = next(n.location.line for n in net.nodes if n.name == "act")
    assert names[0] == f"act (test_roundtrip.py:{line})"
    assert any(n.startswith("unsqueeze_0.axes (test_roundtrip.py:") for n in names)
    outputs = [definition.get_layer(i).get_output(0).name for i in range(definition.num_layers)]
    assert "act" in outputs and "out" in outputs and "unsqueeze_0.axes" in outputs
    assert definition.get_input(0).get_dimension_name(0) == "batch"
    assert definition.get_output(0).name == "out"


def test_raise_keeps_layer_names_without_locations():
    net = CASES["identities_and_outputs"]()
    again = roundtrip(net, "10.16")
    assert [n.name for n in again.nodes] == [n.name for n in net.nodes]


def test_identity_transposes_come_back_as_none():
    # TensorRT cannot tell an identity permutation from none (documented in lowering/shuffle.py)
    net = td.Network("t")
    x = net.input("x", td.float32, (2, 3))
    net.output("y", td.transpose(x, (0, 1)))
    again = roundtrip(net, "11.4")
    assert again.nodes[0].op == td.ops.Shuffle()


def test_strongly_typed_on_both_versions():
    trt10, trt11 = standin.module("10.16"), standin.module("11.4")
    net = CASES["example_readme"]()
    flags10 = lower(net, trt10).network.flags
    assert flags10 == 1 << int(trt10.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    assert lower(net, trt11).network.flags == 0  # TensorRT 11 networks are always strongly typed
