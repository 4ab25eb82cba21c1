"""Conformance of the ONNX import: the onnx package's backend node test cases (models with inputs and
expected outputs written by the ONNX project) imported with ``td.from_onnx`` and run on the reference.

Each case is *passed* (every output matches the expected one), *refused* (``from_onnx`` or the run
raises a DSLError: the importer does not read the node the way TensorRT's parser would, and says so) or
*wrong* (an output differs, or anything other than a DSLError is raised). No case may be wrong.

Small integer inputs (at most 64 elements: shapes, axes, pads, counts) are frozen as constants
(``from_onnx(freeze=...)``), as they are initializers in exported models and TensorRT's parser needs
many of them when it builds. Outputs are compared with the case's tolerances, widened for 16-bit floats
(each TensorRT layer rounds its result to 16 bits, where the ONNX reference rounds once at the end) and
to 1e-5 absolute for float32 (a network of several layers rounds more often than NumPy's one formula).
DOUBLE is read as float32, as the parser reads it.

*In scope* are the cases that TensorRT's parser support matrix (onnx-tensorrt docs/operators.md) covers:
every op (subgraphs included) is listed (:data:`PARSER_OPS`), each op's data is of a type the matrix lists
for it (:data:`OP_TYPES`, read from types onnx infers), no restriction the matrix states is broken
(:func:`restriction`), and the graph's inputs and outputs are tensors of types the parser reads. The
inputs that exported models carry as weights (Q/DQ scales and zero points, Resize's roi, scales and
sizes, OneHot's depth) are frozen too. Run with ``-s`` to see the counts and the reasons for refusals.
"""

from __future__ import annotations

import collections
import warnings
from typing import Any, Iterator

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import trtdsl as td

# The ONNX ops of TensorRT's ONNX parser support matrix (onnx-tensorrt docs/operators.md, TensorRT 10)
PARSER_OPS = frozenset("""
Abs Acos Acosh Add AffineGrid And ArgMax ArgMin Asin Asinh Atan Atanh Attention AveragePool
BatchNormalization BlackmanWindow Cast CastLike Ceil Celu Clip Concat Constant ConstantOfShape Conv
ConvTranspose Cos Cosh CumSum DFT DepthToSpace DequantizeLinear Div Dropout DynamicQuantizeLinear Einsum
Elu Equal Erf Exp Expand EyeLike Flatten Floor Gather GatherElements GatherND Gelu Gemm GlobalAveragePool
GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample GroupNormalization GRU HammingWindow
HannWindow HardSigmoid HardSwish Hardmax Identity If InstanceNormalization IsInf IsNaN LayerNormalization
LeakyRelu Less LessOrEqual Log LogSoftmax Loop LpNormalization LpPool LRN LSTM MatMul MatMulInteger Max
MaxPool Mean MeanVarianceNormalization Min Mish Mod Mul Neg NonMaxSuppression NonZero Not OneHot Or Pad
ParametricSoftplus Pow PRelu QuantizeLinear RandomNormal RandomNormalLike RandomUniform RandomUniformLike
Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd
ReduceSum ReduceSumSquare Relu Reshape Resize ReverseSequence RMSNormalization RNN RoiAlign RotaryEmbedding
Round ScaledTanh Scan Scatter ScatterElements ScatterND Selu Shape Shrink Sigmoid Sign Sin Sinh Size
Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt Squeeze STFT Sub Sum Tan Tanh ThresholdedRelu
Tile TopK Transpose Trilu Unsqueeze Upsample Where Xor
""".split())
# The element types the parser reads at a network's boundary (DOUBLE as float32)
PARSER_TYPES = frozenset({
    onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16, onnx.TensorProto.DOUBLE,
    onnx.TensorProto.INT8, onnx.TensorProto.UINT8, onnx.TensorProto.INT32, onnx.TensorProto.INT64,
    onnx.TensorProto.BOOL, onnx.TensorProto.FLOAT8E4M3FN, onnx.TensorProto.INT4, onnx.TensorProto.FLOAT4E2M1,
})
_T = onnx.TensorProto
_FLOATS = frozenset({_T.FLOAT, _T.FLOAT16, _T.BFLOAT16, _T.DOUBLE})
_NUMBERS = _FLOATS | {_T.INT32, _T.INT64}
_ANY = _NUMBERS | {_T.BOOL}
# The "Supported Types" column of the same matrix: the type of each op's data input (for Cast, of its
# input and output). Ops the matrix gained after that table read the float types.
OP_TYPES: dict[str, frozenset[int]] = {
    **dict.fromkeys("""Abs Add ArgMax ArgMin DepthToSpace Div Equal Greater GreaterOrEqual IsNaN Less
        LessOrEqual Max Min Mod Mul Neg Pad Range ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax
        ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Scatter ScatterElements ScatterND
        Shrink Sign SpaceToDepth Sub Sum TopK""".split(), _NUMBERS),
    **dict.fromkeys("""Concat Constant ConstantOfShape Expand EyeLike Flatten Gather GatherElements GatherND
        Identity If Loop OneHot Reshape ReverseSequence Shape Size Slice Split Squeeze Tile Transpose Trilu
        Unsqueeze Where""".split(), _ANY),
    **dict.fromkeys("DeformConv GridSample Mish NonMaxSuppression NonZero RoiAlign".split(),
                    frozenset({_T.FLOAT, _T.FLOAT16, _T.DOUBLE})),
    **dict.fromkeys("And Not Or Xor".split(), frozenset({_T.BOOL})),
    **dict.fromkeys("Cast CastLike".split(), _ANY | {_T.UINT8}),
    "DequantizeLinear": frozenset({_T.INT8, _T.FLOAT8E4M3FN, _T.INT4}),
    "Gelu": _NUMBERS | {_T.INT8},
    "Mean": _NUMBERS | {_T.FLOAT8E4M3FN},
    "MatMulInteger": frozenset({_T.INT8, _T.UINT8}),
}


def _data_types(node: onnx.NodeProto, types: dict[str, int]) -> Iterator[int]:
    """The element types of ``node`` that the matrix's types column speaks of (unknown ones skipped)."""
    if node.op_type in ("If", "Loop"):
        names = list(node.output)
    elif node.op_type == "Where":
        names = list(node.input[1:2])
    elif node.op_type in ("Cast", "CastLike"):
        names = [node.input[0], node.output[0]]
    else:
        names = list(node.input[:1])
    return (types[n] for n in names if n in types)


def _ints(node: onnx.NodeProto, name: str) -> list[int]:
    return next((list(a.ints) for a in node.attribute if a.name == name), [])


def _attr(node: onnx.NodeProto, name: str, default: Any) -> Any:
    for a in node.attribute:
        if a.name == name:
            value = onnx.helper.get_attribute_value(a)
            return value.decode() if isinstance(value, bytes) else value
    return default


# The matrix lists the nearest and linear modes; the parser's code (onnxOpImporters.cpp, Resize) reads cubic too
_RESIZE = {"mode": ("nearest", "linear", "cubic"), "keep_aspect_ratio_policy": ("stretch",),
           "coordinate_transformation_mode": ("half_pixel", "pytorch_half_pixel", "tf_half_pixel_for_nn",
                                              "asymmetric", "align_corners"),
           "nearest_mode": ("floor", "ceil", "round_prefer_floor", "round_prefer_ceil"), "antialias": (0,)}
_RESIZE_DEFAULTS = {"mode": "nearest", "keep_aspect_ratio_policy": "stretch", "antialias": 0,
                    "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_floor"}


def restriction(node: onnx.NodeProto, values: dict[str, np.ndarray]) -> str | None:
    """The matrix's "Restrictions" column: which one ``node`` breaks, if any (``values``: the constant and
    given inputs)."""
    op = node.op_type
    if op in ("AveragePool", "MaxPool", "LpPool") and any(d != 1 for d in _ints(node, "dilations")):
        return "pooling dilations"
    if op == "MaxPool" and len(node.output) > 1 and node.output[1]:
        return "MaxPool's Indices output"
    if op in ("QuantizeLinear", "DequantizeLinear") and len(node.input) > 2 and node.input[2]:
        zero = values.get(node.input[2])
        if zero is None or np.any(zero.astype(np.float32) != 0):
            return "a non-zero zero point"
    if op == "LSTM" and (_attr(node, "layout", 0) or _attr(node, "input_forget", 0)):
        return "LSTM layout or input_forget"
    if op == "Dropout" and (_attr(node, "training_mode", 0) or len(node.input) > 2 and node.input[2]):
        return "Dropout in training mode"
    if op == "ScatterND" and _attr(node, "reduction", "none") != "none":
        return "ScatterND reduction"
    if op == "TopK" and not _attr(node, "sorted", 1):
        return "TopK sorted=0"
    if op == "LayerNormalization" and any(node.output[1:]):
        return "LayerNormalization's Mean and InvStdDev outputs"
    if op == "GridSample" and node.input[0] in values and values[node.input[0]].ndim != 4:
        return "GridSample beyond 4-D"
    if op == "Resize":
        for name, allowed in _RESIZE.items():
            if _attr(node, name, _RESIZE_DEFAULTS[name]) not in allowed:
                return f"Resize {name}"
    return None


def _types(model: onnx.ModelProto) -> dict[str, int]:
    inferred = onnx.shape_inference.infer_shapes(model)
    types: dict[str, int] = {}

    def walk(graph: onnx.GraphProto) -> None:
        for v in [*graph.input, *graph.value_info, *graph.output]:
            if v.type.HasField("tensor_type"):
                types[v.name] = v.type.tensor_type.elem_type
        for i in graph.initializer:
            types[i.name] = i.data_type
        for node in graph.node:
            for a in node.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)

    walk(inferred.graph)
    return types


def _nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    for node in graph.node:
        yield node
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _nodes(a.g)


def _typed(values: Any) -> bool:
    return all(v.type.HasField("tensor_type") and v.type.tensor_type.elem_type in PARSER_TYPES
               for v in values)


def in_scope(model: onnx.ModelProto, values: dict[str, np.ndarray]) -> bool:
    """Whether ``model`` is in the parser's support matrix: every op listed, each op's data of a type
    listed for it, no listed restriction broken, and the graph's inputs and outputs tensors of types the
    parser reads."""
    graph = model.graph
    if not (_typed(graph.input) and _typed(graph.output)):
        return False
    try:
        types = _types(model)
    except Exception:  # noqa: BLE001  (a model onnx cannot infer: judge it by its ops alone)
        types = {}
    for node in _nodes(graph):
        if node.op_type not in PARSER_OPS or restriction(node, values) is not None:
            return False
        if not set(_data_types(node, types)) <= OP_TYPES.get(node.op_type, _FLOATS):
            return False
    return True


_TOLERANCES = {"float16": (1e-2, 1e-3), "bfloat16": (2e-2, 1e-2)}


def _array(value: Any) -> np.ndarray:
    return np.asarray(numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else value)


def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or "float" in a.dtype.name


def _mismatch(case: Any, name: str, got: np.ndarray, expected: np.ndarray) -> str | None:
    """Why ``got`` is not ``expected`` (None when it is, within the case's tolerances)."""
    if expected.dtype == np.float64:
        expected = expected.astype(np.float32)
    if got.shape != expected.shape:
        return f"output {name}: shape {got.shape}, expected {expected.shape}"
    if _is_float(expected) or _is_float(got):
        rtol, atol = _TOLERANCES.get(expected.dtype.name, (1e-3, 1e-5))
        a, b = got.astype(np.float64), expected.astype(np.float64)
        if not np.allclose(a, b, rtol=max(case.rtol, rtol), atol=max(case.atol, atol), equal_nan=True):
            return f"output {name}: largest difference {np.nanmax(np.abs(a - b))}"
        return None
    if got.dtype != expected.dtype or not np.array_equal(got, expected):
        return f"output {name}: values differ ({got.dtype} vs {expected.dtype})"
    return None


# Inputs that exported models carry as initializers and that the parser reads as weights: (op, input index)
_WEIGHT_SLOTS = {("QuantizeLinear", 1), ("QuantizeLinear", 2), ("DequantizeLinear", 1),
                 ("DequantizeLinear", 2), ("Resize", 1), ("Resize", 2), ("Resize", 3), ("Upsample", 1),
                 ("OneHot", 1)}


def classify(case: Any) -> tuple[bool, str, str]:
    """(in scope, "pass" | "refused" | "wrong", why) for one node test case (its first data set)."""
    model = case.model
    initialized = {i.name for i in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in initialized]
    given, expected = case.data_sets[0]
    try:
        feeds = {v.name: _array(a) for v, a in zip(inputs, given)}
        outputs = [_array(a) for a in expected]
    except ValueError:  # sequences and optionals: the importer refuses their graph inputs
        feeds, outputs = {}, []
    weights = {n.input[i] for n in _nodes(model.graph) for op, i in _WEIGHT_SLOTS
               if n.op_type == op and len(n.input) > i}
    freeze = {k: v for k, v in feeds.items()
              if v.dtype.kind in "iub" and v.size <= 64 or k in weights}
    values = {**{i.name: numpy_helper.to_array(i) for i in model.graph.initializer}, **feeds}
    scope = in_scope(model, values)
    verdict, why = _verdict(case, model, feeds, freeze, outputs)
    return scope, verdict, why


def _verdict(case: Any, model: onnx.ModelProto, feeds: dict[str, np.ndarray],
             freeze: dict[str, np.ndarray], outputs: list[np.ndarray]) -> tuple[str, str]:
    try:
        net = td.from_onnx(model, freeze=freeze)
        run_feeds = {k: v.astype(net.inputs[k].dtype.numpy) if v.dtype.kind == "f" else v
                     for k, v in feeds.items() if k not in freeze}
        got = net.run(run_feeds)
    except td.DSLError as e:
        return "refused", e.message
    except Exception as e:  # noqa: BLE001  (anything but a DSLError is a wrong answer)
        return "wrong", f"raised {type(e).__name__}: {e}"
    for value, want in zip(model.graph.output, outputs):
        why = _mismatch(case, value.name, got[value.name], want)
        if why is not None:
            return "wrong", why
    return "pass", ""


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[bool, str, str]]:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cases' own generators overflow casts on purpose
        cases = collect_testcases(None)
        return {case.name: classify(case) for case in cases}


def test_no_case_is_wrong(results):
    wrong = {name: why for name, (_, verdict, why) in results.items() if verdict == "wrong"}
    assert not wrong, f"{len(wrong)} cases give wrong answers: {wrong}"


def test_counts(results):
    counts: dict[str, collections.Counter[str]] = {"in scope": collections.Counter(),
                                                   "overall": collections.Counter()}
    reasons: collections.Counter[str] = collections.Counter()
    for scope, verdict, why in results.values():
        counts["overall"][verdict] += 1
        if scope:
            counts["in scope"][verdict] += 1
            if verdict == "refused":
                reasons[why.split(": ", 2)[-1][:100]] += 1
    for label, c in counts.items():
        print(f"ONNX node tests {label}: {c['pass']} pass, {c['refused']} refused, {c['wrong']} wrong")
    for why, n in reasons.most_common():
        print(f"  refused in scope x{n}: {why}")
    assert len(results) > 1000  # the onnx package's cases were found
    assert counts["in scope"]["pass"] >= 0.90 * sum(counts["in scope"].values())


def test_a_refusal_names_the_node_the_op_and_what_is_supported():
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Det", ["x"], ["y"], name="determinant")], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 2])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    with pytest.raises(td.BackendError) as info:
        td.from_onnx(model)
    message = info.value.message
    assert message.startswith("from_onnx: <ModelProto>: node determinant (Det): op Det is not supported by "
                              "the importer (TensorRT's parser) at any opset; supported ops: Abs, Acos,")
    assert ", Conv, " in message
