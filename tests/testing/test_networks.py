"""Drawn networks (trtdsl.testing.networks) run alike on the reference and onnxruntime, rebuild from their
code, and a backend that gets one layer wrong is caught and shrunk to a network of a few layers."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trtdsl as td
from backends.tensorrt.irmatch import assert_same_ir
from trtdsl.cli import main
from trtdsl.layers.unary import UnaryOperation
from trtdsl.testing import compare
from trtdsl.testing.fuzz import fuzz, pruned, write_failure
from trtdsl.testing.networks import ATOL, OPS, RTOL, networks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANY = settings(max_examples=8 * settings().max_examples)  # 200 in the ci profile, 8000 when thorough


def agree(case, data, backends=("reference", "onnxruntime")):
    feeds = data.draw(case.inputs)
    report = compare(case.network, feeds, backends=backends, rtol=RTOL, atol=ATOL)
    assert report.ok, f"{report}\n{case!r}"


@MANY
@given(networks(), st.data())
def test_reference_and_onnxruntime_agree_on_drawn_networks(case, data):
    agree(case, data)


@settings(max_examples=2 * settings().max_examples)
@given(networks(max_depth=2, max_layers=6, dtypes=("float32", "int32", "int64")), st.data())
def test_nested_regions_and_more_dtypes_agree(case, data):
    agree(case, data)


@settings(max_examples=2 * settings().max_examples)
@given(networks(ops=["unary", "elementwise", "reduce", "matmul"], dtypes=("float16",)), st.data())
def test_float16_networks_agree(case, data):
    agree(case, data)


def rebuilt(net: td.Network) -> td.Network:
    namespace: dict = {}
    exec(net.to_python(), namespace)
    return namespace["build_network"]()


@settings(max_examples=4 * settings().max_examples)
@given(networks(max_depth=2))
def test_drawn_networks_rebuild_from_their_code(case):
    again = rebuilt(case.network)
    assert_same_ir(case.network, again)
    assert again.format(locations=False) == case.network.format(locations=False)


@settings(max_examples=settings().max_examples)
@given(networks(), st.data())
def test_drawn_networks_lower_and_raise(case, data):
    from trtdsl.backends.tensorrt import lower, raise_network, standin

    trt = standin.module("11.4")
    again = raise_network(lower(case.network, trt).network, trt)
    assert_same_ir(case.network, again)


def floor_as_ceil(network, feeds):
    """A broken backend: the reference, with every FLOOR computed as CEIL."""
    copy = rebuilt(network)
    for node in copy.nodes:
        if node.op.kind == "Unary" and node.op.op is UnaryOperation.FLOOR:
            node.op = type(node.op)(UnaryOperation.CEIL)
    return copy.run(feeds)


def test_a_broken_backend_is_caught_and_shrunk_to_a_few_layers(tmp_path):
    drawn = networks(ops=["unary", "elementwise", "slice", "reduce", "cast", "cond"], max_layers=6)
    result = fuzz("reference", floor_as_ceil, count=1000, seed=0, strategy=drawn)
    failure = result.failure
    assert failure is not None
    kinds = [n.op.kind for n in failure.network.nodes]
    assert len(kinds) <= 3 and "Unary" in kinds, kinds
    again = floor_as_ceil(failure.network, failure.inputs)
    want = failure.network.run(failure.inputs)
    assert any(not np.array_equal(want[k], again[k]) for k in want)
    path = write_failure(failure, str(tmp_path / "smallest.py"))
    done = subprocess.run([sys.executable, path], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": ROOT})
    assert "Unary[FLOOR]" in done.stdout and "floor_as_ceil" in open(path).read()


def test_a_backend_that_raises_is_a_finding():
    def refuses(network, feeds):
        if any(n.op.kind == "SoftMax" for n in network.nodes):
            raise td.BackendError("no softmax here")
        return network.run(feeds)

    drawn = networks(ops=["unary", "elementwise", "softmax", "reduce"], max_layers=5)
    failure = fuzz("reference", refuses, count=1000, seed=0, strategy=drawn).failure
    assert failure is not None and "no softmax here" in failure.report
    assert [n.op.kind for n in failure.network.nodes] == ["SoftMax"]


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_fuzzing_lower_raise_finds_nothing(version):
    result = fuzz("reference", f"lower-raise-{version}", count=40, seed=int(version == "11.4"))
    assert (result.count, result.failure) == (40, None)


def test_pruning_keeps_the_layers_an_output_needs_and_its_regions():
    net = td.Network("p")
    x = net.input("x", td.float32, ("n", 3))
    s = td.cond(td.max(x) > 0.0, lambda a: td.relu(a), lambda a: -a, x)
    net.output("a", td.sigmoid(x))
    net.output("b", s * 2.0)
    small = pruned(net, ["b"])
    assert [n.op.kind for n in small.nodes if n.op.kind == "Activation"] == ["Activation"]
    assert "Condition" in {n.op.kind for n in small.nodes} and list(small.outputs) == ["b"]
    feeds = {"x": np.array([[1, -2, 3], [-4, 5, -6]], np.float32)}
    np.testing.assert_array_equal(small.run(feeds)["b"], net.run(feeds)["b"])


# the layer kinds each of networks()'s ops adds (one of them at least)
KINDS = {
    "unary": {"Unary"}, "elementwise": {"ElementWise"}, "select": {"Select"}, "transpose": {"Shuffle"},
    "reshape": {"Shuffle", "Squeeze", "Unsqueeze"}, "slice": {"Slice"}, "concat": {"Concatenation"},
    "gather": {"Gather"}, "cast": {"Cast"}, "reduce": {"Reduce"}, "softmax": {"SoftMax"},
    "matmul": {"MatrixMultiply"}, "cumsum": {"Cumulative"}, "activation": {"Activation"},
    "pad": {"Slice", "Padding"}, "pooling": {"Pooling"}, "conv": {"Convolution", "Deconvolution"},
    "identity": {"Identity"}, "shuffle": {"Shuffle"}, "topk": {"TopK"}, "layer_norm": {"Normalization"},
    "scatter": {"Scatter"}, "reverse_sequence": {"ReverseSequence"}, "einsum": {"Einsum"}, "fill": {"Fill"},
    "resize": {"Resize"}, "one_hot": {"OneHot"}, "attention": {"Attention"}, "qdq": {"Quantize"},
    "rotary_embedding": {"RotaryEmbedding"}, "kv_cache_update": {"KVCacheUpdate"}, "loop": {"Recurrence"},
    "grid_sample": {"GridSample"}, "cond": {"Condition"},
}


@pytest.mark.parametrize("op", OPS)
def test_every_op_kind_is_drawn(op):
    seen: set[str] = set()

    @settings(max_examples=40, database=None, derandomize=True)
    @given(networks(ops=[op], max_layers=3, dtypes=("int32",) if op == "one_hot" else ("float32",),
                    dynamic_dims=False))
    def collect(case):
        seen.update(n.op.kind for n in case.network.nodes)

    collect()
    assert KINDS[op] & seen, (op, seen)


def test_bad_options_are_argument_errors():
    with pytest.raises(td.ArgumentError, match="networks: argument 'ops' is \\['nope'\\]"):
        networks(ops=["nope"])
    with pytest.raises(td.ArgumentError, match="argument 'max_layers' is 0"):
        networks(max_layers=0)
    with pytest.raises(td.ArgumentError, match="argument 'dtypes' is 'bool'"):
        networks(dtypes=["bool"])
    assert set(OPS) >= {"loop", "cond", "qdq"}


def test_the_fuzz_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["fuzz", "reference", "lower-raise-10.16", "--count", "20", "--seed", "4"]) == 0
    assert capsys.readouterr() == ("20 networks: reference and lower-raise-10.16 agree\n", "")
    assert main(["fuzz", "reference", "tensorrt"]) == 1
    assert "backend 'tensorrt' cannot run here: TensorRT is not installed" in capsys.readouterr().err
    assert main(["fuzz", "reference", "nope"]) == 1
    assert "backend 'nope' is unknown; expected one of reference," in capsys.readouterr().err
    assert main(["fuzz", "reference", "onnxruntime", "--ops", "unary,bad"]) == 1
    assert "--ops names 'bad'; expected some of unary," in capsys.readouterr().err
    assert not (tmp_path / "fuzz_failure.py").exists()


def test_inspect_python_prints_code_that_rebuilds_the_network(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    example = os.path.join(ROOT, "examples", "early_exit.py")
    assert main(["inspect", example, "--python"]) == 0
    code = capsys.readouterr().out
    assert code.startswith("import numpy as np\n")
    (tmp_path / "again.py").write_text(code)
    assert main(["inspect", example, "--no-locations"]) == 0
    first = capsys.readouterr().out
    assert main(["inspect", "again.py", "--no-locations"]) == 0
    assert capsys.readouterr().out == first and first.startswith('network "early_exit" {')
