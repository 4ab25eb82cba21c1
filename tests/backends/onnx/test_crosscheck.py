"""Reference vs onnxruntime: every op variant and dtype (the ``onnx_rows()`` of the test modules, tests/backend_rows.py), exported, checked
by the ONNX checker with strict shape inference, and run on hypothesis-drawn inputs (shapes over the
named dims' ranges, NaN/±inf and edge values) within trtdsl.testing's default tolerances.

Combinations onnxruntime has no CPU kernel for are skipped with the reason, and only those listed in
ORT_GAPS (and in docs/onnx.md): an unlisted missing kernel fails the test.
"""

import enum
import pathlib

import attrs

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from backend_rows import Row, onnx_rows

import trtdsl as td
from trtdsl.backends import onnxruntime as ort_backend
from trtdsl.backends.onnx import EXPORTERS, NotExpressible, exported
from trtdsl.backends.onnxruntime import MissingKernel
from trtdsl.ir.table import all_op_types
from trtdsl.testing import assert_networks_close
from trtdsl.testing import strategies as tst

DOCS = pathlib.Path(__file__).parents[3] / "docs" / "onnx.md"
ROWS = onnx_rows()

# (ONNX op, dtype) pairs onnxruntime 1.31's CPU provider has no kernel for; each is listed in docs/onnx.md.
ORT_GAPS = {
    ("Relu", "int64"),
    ("Where", "bool"),
    ("QuantizeLinear", "float32->float4_e2m1"),
    ("RandomNormalLike", "float32->float16"),
    *(
        (op, "bfloat16")
        for op in (
            "Abs",
            "Add",
            "Ceil",
            "Div",
            "Equal",
            "Erf",
            "Exp",
            "Floor",
            "Greater",
            "IsNaN",
            "LeakyRelu",
            "Less",
            "Log",
            "MatMul",
            "Mul",
            "Neg",
            "Pad",
            "Pow",
            "Reciprocal",
            "ReduceProd",
            "ReduceSum",
            "Sigmoid",
            "Softmax",
            "Sqrt",
            "Sub",
            "Tanh",
            "Where",
        )
    ),
}


def onnxruntime_for(row: Row):
    def onnxruntime(network, feeds):
        return ort_backend.run(network, feeds, opset=row.opset)

    return onnxruntime


def unread_initializers(model: onnx.ModelProto) -> list[str]:
    """The initializers that no node reads, in the graph or a subgraph (which reads outer values by name)."""
    read, graphs = {o.name for o in model.graph.output}, [model.graph]
    while graphs:
        graph = graphs.pop()
        for node in graph.node:
            read.update(node.input)
            for a in node.attribute:
                graphs.extend([a.g] if a.type == onnx.AttributeProto.GRAPH else a.graphs)
        read.update(o.name for o in graph.output)
    return [i.name for i in model.graph.initializer if i.name not in read]


def session_or_skip(net: td.Network, row: Row) -> None:
    try:
        ort_backend._session(net, row.opset, 1, False)
    except MissingKernel as gap:
        if gap.layer is not None and gap.layer.op.kind == "PluginV3":
            pytest.skip(f"onnxruntime cannot run TensorRT plugins ({gap.op_type}; see docs/plugins.md)")
        if (gap.op_type, gap.dtype) not in ORT_GAPS:
            raise
        pytest.skip(
            f"onnxruntime has no CPU kernel for {gap.op_type} on {gap.dtype} (listed in docs/onnx.md)"
        )


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_reference_matches_onnxruntime(row):
    net = row.network()
    model = exported(net, row.opset).model
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    assert not unread_initializers(model)  # onnxruntime warns of each
    session_or_skip(net, row)

    @settings(database=None)
    @given(
        tst.inputs(
            net,
            dims=row.dims,
            values=row.values,
            allow_nan=row.special or row.nan_only,
            allow_inf=row.special and not row.nan_only,
        )
    )
    def check(feeds):
        assert_networks_close(
            net, feeds, backends=("reference", onnxruntime_for(row)), rtol=row.rtol, atol=row.atol
        )

    check()


@pytest.mark.parametrize("row", [r for r in ROWS if r.id.startswith("normalization-")], ids=lambda r: r.id)
def test_normalization_of_a_constant_input_matches_onnxruntime(row):
    """A constant x gives the bias exactly in both (each takes the rounding error out of its mean); a
    rounded mean would differ by (x - mean) / sqrt(eps), beyond the row's tolerances."""
    net = row.network()
    session_or_skip(net, row)

    @settings(database=None)
    @given(tst.inputs(net, dims=row.dims, values=row.values, allow_nan=False), st.floats(-3, 3, width=32))
    def check(feeds, value):
        feeds["x"] = np.full_like(feeds["x"], value)
        assert_networks_close(
            net, feeds, backends=("reference", onnxruntime_for(row)), rtol=row.rtol, atol=row.atol
        )

    check()


def test_every_op_kind_has_an_export_entry():
    missing = [cls.kind for cls in EXPORTERS.missing(all_op_types())]
    assert not missing, f"no ONNX export entry (or not_expressible, or region_boundary) for {missing}"


# Exportable kinds that onnxruntime cannot run at all, and why.
NOT_ON_ONNXRUNTIME = {"PluginV3": "TensorRT plugins are custom-domain nodes onnxruntime has no kernels for"}


def test_every_exportable_op_kind_has_a_crosscheck_row_that_runs():
    """Counted only from rows onnxruntime runs (not those skipped for a missing kernel)."""
    covered = {node.op.kind for row in ROWS if _gap_of(row) is None for node in row.network().nodes}
    exportable = {cls.kind for cls, entry in EXPORTERS.items() if not isinstance(entry, NotExpressible)}
    missing = exportable & {cls.kind for cls in all_op_types()} - covered - set(NOT_ON_ONNXRUNTIME)
    assert not missing, sorted(missing)


# Enum members whose export is refused with a BackendError that says why (the op's ONNX entry documents
# it, and the op's test module checks the refusal): TensorRT 11's packed attention tensors.
REFUSED_MEMBERS = {td.AttentionIOForm.PACKED_NHD}


def test_every_enum_member_of_every_covered_op_has_a_row():
    """Each enum-valued parameter of a covered op (ActivationType, UnaryOperation, ...) is exported and
    cross-checked with every member (but those in REFUSED_MEMBERS), in rows onnxruntime runs."""
    seen: dict[tuple[str, str], set] = {}
    for row in ROWS:
        if _gap_of(row) is not None:
            continue
        for node in row.network().nodes:
            for field in attrs.fields(type(node.op)):
                value = getattr(node.op, field.name)
                if isinstance(value, enum.Enum):
                    seen.setdefault((node.op.kind, field.name), set()).add(value)
    for node_kind, field in seen:
        members = set(type(next(iter(seen[node_kind, field])))) - REFUSED_MEMBERS
        assert seen[node_kind, field] == members, (node_kind, field, members - seen[node_kind, field])


def test_not_expressible_kinds_and_onnxruntime_gaps_are_documented():
    text = DOCS.read_text()
    for op_cls, entry in EXPORTERS.items():
        if isinstance(entry, NotExpressible):
            assert f"`{op_cls.kind}`" in text, f"docs/onnx.md does not list {op_cls.kind} as not expressible"
    for op_type, dtype in sorted(ORT_GAPS):
        assert f"| {op_type} | {dtype} |" in text, (
            f"docs/onnx.md does not list the onnxruntime gap {op_type}/{dtype}"
        )


def test_each_listed_gap_is_still_missing_in_onnxruntime():
    """A gap closed by a newer onnxruntime must leave the list (and the docs), so its rows run again."""
    hit = {gap for gap in map(_gap_of, ROWS) if gap is not None}
    assert ORT_GAPS <= hit, (
        f"no row hits the listed gaps {sorted(ORT_GAPS - hit)}: remove them from ORT_GAPS and docs/onnx.md"
    )


def _gap_of(row: Row):
    try:
        ort_backend._session(row.network(), row.opset, 1, False)
    except MissingKernel as gap:
        return gap.op_type, gap.dtype
    return None
