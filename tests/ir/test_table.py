"""Backend tables keyed by op class (trtdsl.ir.table): discovery finds op modules and backend entry modules
that nothing imports, the completeness checks report an op without entries, and the lookup and
registration errors are the same for the ONNX and the TensorRT table."""

import importlib
import sys
import textwrap

import pytest
from support import expect_error, line_of

import trtdsl as td
import trtdsl.backends.onnx
import trtdsl.backends.tensorrt.lowering
import trtdsl.layers
from trtdsl.backends.onnx import EXPORTERS
from trtdsl.backends.tensorrt import lower, standin
from trtdsl.backends.tensorrt.lowering import LOWERINGS, RAISERS, register
from trtdsl.errors import BackendError
from trtdsl.ir.op import OP_TYPES, Op
from trtdsl.ir.table import OP_PACKAGES, NotExpressible, OpTable, all_op_types, import_package
from trtdsl.layers.activation import Activation
from trtdsl.layers.softmax import SoftMax
from trtdsl.layers.topk import TopK

PROBE_OP = """
import attrs

from trtdsl.ir.op import Op


@attrs.frozen
class Frobnicate(Op):
    kind = "Frobnicate"
    input_names = ("x",)
"""

PROBE_ONNX_ENTRY = """
from trtdsl.backends.onnx.registry import not_expressible
from trtdsl.layers.probe_frobnicate import Frobnicate

not_expressible(Frobnicate, "ONNX has no frobnication")
"""

PROBE_TENSORRT_ENTRY = """
from trtdsl.backends.tensorrt.lowering.registry import not_expressible
from trtdsl.layers.probe_frobnicate import Frobnicate

not_expressible(Frobnicate, "TensorRT has no frobnication")
"""

PROBES = {
    trtdsl.layers: ("probe_frobnicate", PROBE_OP),
    trtdsl.backends.onnx: ("probe_frobnicate_onnx", PROBE_ONNX_ENTRY),
    trtdsl.backends.tensorrt.lowering: ("probe_frobnicate_tensorrt", PROBE_TENSORRT_ENTRY),
}


@pytest.fixture
def op_types_kept():
    """OP_TYPES as before the test: op classes the test defines are forgotten afterwards."""
    saved = dict(OP_TYPES)
    yield
    OP_TYPES.clear()
    OP_TYPES.update(saved)


@pytest.fixture
def probe_folders(tmp_path, monkeypatch, op_types_kept):
    """One folder per package of PROBES, added to the package's path, to hold a module nothing imports;
    afterwards the modules and their entries are gone."""
    folders = {}
    for package, (name, _) in PROBES.items():
        folder = tmp_path / package.__name__
        folder.mkdir()
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
        folders[package] = folder
    importlib.invalidate_caches()
    yield folders
    probe = getattr(sys.modules.get("trtdsl.layers.probe_frobnicate"), "Frobnicate", None)
    EXPORTERS.pop(probe, None)
    LOWERINGS.pop(probe, None)
    for package, (name, _) in PROBES.items():
        sys.modules.pop(f"{package.__name__}.{name}", None)
        if hasattr(package, name):
            delattr(package, name)


def write_probe(folders, package):
    name, text = PROBES[package]
    (folders[package] / f"{name}.py").write_text(textwrap.dedent(text))


def test_an_op_module_nothing_imports_is_found_and_fails_both_completeness_checks(probe_folders):
    write_probe(probe_folders, trtdsl.layers)
    assert "trtdsl.layers.probe_frobnicate" not in sys.modules
    found = all_op_types()
    probe = sys.modules["trtdsl.layers.probe_frobnicate"].Frobnicate
    assert probe in found and probe.kind == "Frobnicate"
    # what tests/backends/onnx/test_export.py and tests/backends/tensorrt/test_roundtrip.py assert empty
    assert EXPORTERS.missing(found) == [probe]
    assert LOWERINGS.missing(found) == [probe]


def test_entry_modules_nothing_imports_are_found_and_complete_the_tables(probe_folders):
    for package in PROBES:
        write_probe(probe_folders, package)
    found = all_op_types()
    probe = sys.modules["trtdsl.layers.probe_frobnicate"].Frobnicate
    assert LOWERINGS.missing(found) == [probe]
    import_package("trtdsl.backends.onnx")
    import_package("trtdsl.backends.tensorrt.lowering")
    assert EXPORTERS.missing(found) == [] and LOWERINGS.missing(found) == []
    assert EXPORTERS[probe] == NotExpressible("ONNX has no frobnication")
    assert LOWERINGS[probe] == NotExpressible("TensorRT has no frobnication")


def test_an_op_class_without_entries_is_missing_from_both_tables(op_types_kept):
    class Unlisted(Op):
        kind = "Unlisted"

    every = [*all_op_types(), Unlisted]
    assert EXPORTERS.missing(every) == [Unlisted]
    assert LOWERINGS.missing(every) == [Unlisted]


def test_every_op_class_of_the_package_is_defined_in_an_op_package():
    """all_op_types() walks OP_PACKAGES only: no other module of trtdsl may define an op."""
    import_package("trtdsl")
    defined = {cls for cls in OP_TYPES.values() if cls.__module__.startswith("trtdsl.")}
    outside = [cls for cls in defined if not cls.__module__.startswith(tuple(f"{p}." for p in OP_PACKAGES))]
    assert outside == []
    assert set(all_op_types()) == defined


def relu_network() -> td.Network:
    net = td.Network("t")
    x = net.input("x", td.float32, (2,))
    net.output("y", td.relu(x, name="act"))  # the relu layer
    return net


def test_an_op_without_an_entry_is_named_by_each_backend(monkeypatch):
    monkeypatch.delitem(EXPORTERS, Activation)
    monkeypatch.delitem(LOWERINGS, Activation)
    net = relu_network()
    expect_error(
        BackendError,
        "onnx export: layer kind 'Activation' has no entry in the ONNX export table (trtdsl.backends.onnx)",
        net.to_onnx,
        line=line_of("the relu layer"),
    )
    expect_error(
        BackendError,
        "tensorrt: layer kind 'Activation' has no entry in the TensorRT table "
        "(trtdsl.backends.tensorrt.lowering)",
        lambda: lower(net, standin.module("11.4")),
        line=line_of("the relu layer"),
    )


def test_an_op_not_expressible_gives_its_reason_in_each_backend(monkeypatch):
    monkeypatch.setitem(EXPORTERS, Activation, NotExpressible("no activations here"))
    monkeypatch.setitem(LOWERINGS, Activation, NotExpressible("no activations there"))
    net = relu_network()
    expect_error(
        BackendError,
        "onnx export: Activation[RELU] (layer act) has no ONNX form: no activations here",
        net.to_onnx,
        line=line_of("the relu layer"),
    )
    expect_error(
        BackendError,
        "tensorrt: Activation[RELU] (layer act) has no TensorRT form: no activations there",
        lambda: lower(net, standin.module("11.4")),
        line=line_of("the relu layer"),
    )


def test_the_table_refuses_a_second_entry_a_key_that_is_no_op_class_and_a_missing_reason():
    table: OpTable[int] = OpTable("demo", "the demo table", "demo")
    assert table.register(SoftMax, 1) == 1
    with pytest.raises(ValueError, match=r"^'SoftMax' is registered twice in the demo table$"):
        table.register(SoftMax, 2)
    with pytest.raises(ValueError, match=r"^'SoftMax' is registered twice in the demo table$"):
        table.not_expressible(SoftMax, "why")
    keyed = r"^the demo table is keyed by op class \(a subclass of Op\); got 'TopK'$"
    with pytest.raises(TypeError, match=keyed):
        table.register("TopK", 3)
    with pytest.raises(ValueError, match=r"^'TopK' is not expressible in the demo table without a reason$"):
        table.not_expressible(TopK, "")
    assert table == {SoftMax: 1}


def test_a_tensorrt_entry_is_refused_for_a_registered_op_or_layer_type():
    entry = LOWERINGS[SoftMax]
    before = (dict(LOWERINGS), dict(RAISERS))
    with pytest.raises(ValueError, match=r"^'SoftMax' is registered twice in the TensorRT table"):
        register(SoftMax, "NO_SUCH_LAYER", entry.lower, entry.raise_)
    with pytest.raises(ValueError, match=r"^LayerType SOFTMAX is raised by both 'SoftMax' and 'TopK'$"):
        register(TopK, "SOFTMAX", entry.lower, entry.raise_)
    assert (dict(LOWERINGS), dict(RAISERS)) == before

