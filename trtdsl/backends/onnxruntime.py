"""The onnxruntime backend: export the network to ONNX (trtdsl.backends.onnx) and run it on
onnxruntime's CPU kernels, an engine independent of trtdsl's NumPy reference.

``run(network, inputs, *, opset=None, threads=1, optimize=False)`` returns ``{output name: array}`` like
the reference. The model and session are cached on the network until it changes. Graph optimizations
are off by default so onnxruntime runs the ops the export wrote (fusions may change rounding).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("demo")
>>> x = net.input("x", td.int32, (4,))
>>> net.output("q", x / 3)
>>> net.run({"x": np.array([-7, -1, 5, 9], np.int32)}, backend="onnxruntime")["q"]
array([-2,  0,  1,  3], dtype=int32)
"""

from __future__ import annotations

import ctypes
import re
from typing import Any, Iterator, Mapping

import numpy as np

from trtdsl.backends import nibbles
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, BackendError, ExecutionError
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node

_NUMPY_NATIVE = frozenset({"float32", "float16", "int32", "int64", "bool", "int8", "uint8"})
_PACKED = frozenset({"int4", "float4_e2m1"})  # two values per byte in ONNX (see nibbles)
_MISSING = re.compile(r"Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'")
_NODE_NAME = re.compile(r"Name:'([^']*)'")


class MissingKernel(BackendError):
    """onnxruntime has no kernel for an ONNX op with these input types (e.g. Add on bfloat16).

    ``op_type`` is the ONNX op, ``dtype`` the trtdsl name of the type it computes on (see
    :func:`_input_dtype`), ``layer`` the IR node it was written for."""

    def __init__(self, message: str, *, op_type: str, dtype: str, layer: Node | None) -> None:
        super().__init__(message, location=layer.location if layer is not None else None)
        self.op_type = op_type
        self.dtype = dtype
        self.layer = layer


def run(
    network: Network,
    inputs: Mapping[str, Any],
    *,
    opset: int | None = None,
    threads: int = 1,
    optimize: bool = False,
    **unknown: Any,
) -> dict[str, np.ndarray]:
    """Run ``network`` on ``inputs`` (name -> array) with onnxruntime; returns {output name: array}.
    ``opset`` as for :func:`trtdsl.backends.onnx.export`, ``threads`` onnxruntime's intra-op threads,
    ``optimize`` its graph optimizations (off: it runs the ops the export wrote)."""
    from trtdsl.reference.interpreter import bind_inputs

    if unknown:
        raise ArgumentError(
            f"run: backend 'onnxruntime' has no option {sorted(unknown)[0]!r}; its options are opset, "
            "threads and optimize"
        )
    ort = _onnxruntime()
    values, _ = bind_inputs(network, inputs)
    exported, session = _session(network, opset, threads, optimize)
    feeds = {t.name: _to_ort(ort, array, t.dtype) for t, array in values.items()}
    names = list(network.outputs)
    try:
        results = session.run_with_ort_values(names, feeds)
    except Exception as exc:  # onnxruntime raises its own exception types; name the layer that failed
        found = _NODE_NAME.search(str(exc))
        layer = exported.origin.get(found.group(1)) if found else None
        where = f" in layer {layer.name} ({layer.op.label()})" if layer is not None else ""
        raise ExecutionError(
            f"onnxruntime failed{where}: {exc}", location=layer.location if layer is not None else None
        ) from exc
    return {name: _from_ort(value, network.outputs[name].dtype) for name, value in zip(names, results)}


def _onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise BackendError(
            "the onnxruntime backend needs the onnx and onnxruntime packages: pip install 'trtdsl[onnx]'"
        ) from exc
    return onnxruntime


def _session(network: Network, opset: int | None, threads: int, optimize: bool) -> tuple[Any, Any]:
    session: tuple[Any, Any] = network.derived(("onnxruntime", opset, threads, optimize),
                                               lambda: _new_session(network, opset, threads, optimize))
    return session


def _new_session(network: Network, opset: int | None, threads: int, optimize: bool) -> tuple[Any, Any]:
    from trtdsl.backends.onnx import exported

    ort = _onnxruntime()
    result = exported(network, opset)
    for node in _all_nodes(result.model.graph):
        if node.domain not in ("", "ai.onnx"):  # e.g. TensorRT plugins (trt.plugins): no kernels for them
            layer = result.origin[node.name]
            raise MissingKernel(
                f"onnxruntime has no kernel for {node.domain}:{node.op_type} (written for layer "
                f"{layer.name}, {layer.op.label()})",
                op_type=node.op_type,
                dtype=_input_dtype(result.model, node),
                layer=layer,
            )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if not optimize:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        session = ort.InferenceSession(
            result.model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime's own exception types
        raise _session_error(result, exc) from exc
    return result, session


def _all_nodes(graph: Any) -> Iterator[Any]:
    """The nodes of ``graph`` and, depth first, of the subgraphs of its Loop, If and Scan nodes."""
    for node in graph.node:
        yield node
        for attribute in node.attribute:
            for sub in ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs):
                yield from _all_nodes(sub)


def _session_error(result: Any, exc: Exception) -> BackendError:
    found = _MISSING.search(str(exc))
    if found is None:
        return BackendError(f"onnxruntime could not load the exported model: {exc}")
    graph = result.model.graph
    op_type, name = found.group(1), found.group(3)
    # onnxruntime names the node it has no kernel for; a node it expanded from an ONNX function (e.g.
    # LeakyRelu on bfloat16 becomes Less, ...) has no name, and the function's node is reported instead.
    node = next((n for n in graph.node if n.name == name), None) or next(
        (n for n in graph.node if _is_function(n.op_type, result.opset)), None
    )
    if node is None:
        return BackendError(f"onnxruntime has no CPU kernel for ONNX {op_type}: {exc}")
    layer = result.origin.get(node.name)
    dtype = _input_dtype(result.model, node)
    expanded = f" (onnxruntime expands it to {op_type}, which has none)" if node.op_type != op_type else ""
    where = f", written for layer {layer.name} ({layer.op.label()})" if layer is not None else ""
    return MissingKernel(
        f"onnxruntime has no CPU kernel for ONNX {node.op_type} on {dtype}{expanded}{where}",
        op_type=node.op_type,
        dtype=dtype,
        layer=layer,
    )


def _is_function(op_type: str, opset: int) -> bool:
    import onnx

    schema = onnx.defs.get_schema(op_type, max_inclusive_version=opset, domain="")
    # onnx's type stubs omit these two OpSchema properties, which its bindings define
    return schema.has_function or schema.has_context_dependent_function  # type: ignore[attr-defined]


def _input_dtype(model: Any, node: Any) -> str:
    """The data type an ONNX node computes on, by trtdsl name: its first input that is not bool (a
    condition or mask), with ``->`` and the output's type when that is another one that is not bool
    (``"float32->float4_e2m1"`` for a QuantizeLinear to fp4)."""
    import onnx

    from trtdsl.backends.onnx.graph import ONNX_TYPES

    graph = onnx.shape_inference.infer_shapes(model).graph
    types = {v.name: v.type.tensor_type.elem_type for v in [*graph.input, *graph.output, *graph.value_info]}
    types.update({t.name: t.data_type for t in graph.initializer})
    by_code: dict[int | None, str] = {code: name for name, (code, _) in ONNX_TYPES.items()}
    found = [by_code.get(types.get(name), "unknown") for name in node.input if name]
    data = next((t for t in found if t != "bool"), "bool" if found else "unknown")
    out = by_code.get(types.get(node.output[0]), "unknown") if node.output else "unknown"
    return data if out in (data, "bool", "unknown") else f"{data}->{out}"


def _to_ort(ort: Any, array: np.ndarray, dtype: DType) -> Any:
    from trtdsl.backends.onnx.graph import onnx_type

    array = array if array.flags.c_contiguous else array.copy(order="C")  # (ascontiguousarray makes 0-D 1-D)
    if dtype.name in _NUMPY_NATIVE:
        return ort.OrtValue.ortvalue_from_numpy(array)
    if dtype.name not in _PACKED:
        return ort.OrtValue.ortvalue_from_numpy_with_onnx_type(
            array.view(f"u{array.itemsize}"), onnx_type(dtype)
        )
    value = ort.OrtValue.ortvalue_from_shape_and_type(list(array.shape), onnx_type(dtype))
    packed = nibbles.pack(array)
    if packed.size:
        ctypes.memmove(value.data_ptr(), packed.ctypes.data, packed.size)
    return value


def _from_ort(value: Any, dtype: DType) -> np.ndarray:
    if dtype.name in _NUMPY_NATIVE:
        return value.numpy()
    shape = tuple(value.shape())
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0:
        return np.zeros(shape, dtype.numpy)
    size = value.tensor_size_in_bytes()
    raw = np.ctypeslib.as_array((ctypes.c_uint8 * size).from_address(value.data_ptr())).copy()
    if dtype.name in _PACKED:
        return nibbles.unpack(raw, count).view(dtype.numpy).reshape(shape)
    return raw.view(dtype.numpy).reshape(shape)


__all__ = ["run", "MissingKernel"]
