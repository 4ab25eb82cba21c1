"""The ONNX graph being written for a trtdsl network, and the context each export entry writes through.

An export entry (see :mod:`trtdsl.backends.onnx.registry`) receives a :class:`NodeContext` for one IR
node. It reads the node's inputs as ONNX value names (``ctx.input(i)``), adds ONNX nodes with
``ctx.emit`` and constants with ``ctx.const``, and returns the names of the values that hold the IR
node's outputs; the exporter then gives those values the IR tensors' names.

16-bit floats: TensorRT computes 16-bit layers in float32 and rounds once (the reference's
``in_float``). Where one ONNX op's schema does not accept the dtype, or a layer becomes several ONNX
ops, :meth:`NodeContext.in_float32` computes between Casts to float32 so the result is rounded once,
as TensorRT's kernel does.

Quantized data (fp8, int4): ONNX's Slice, Gather and Where take neither at any opset, and its Transpose,
Squeeze and Unsqueeze take fp8 only from opset 21, so the layers that move such data write their ops on
its values as float32, between a DequantizeLinear and a QuantizeLinear of scale 1
(:meth:`NodeContext.moved`), which changes no value.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import BackendError
from trtdsl.ir.dims import DimLike
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers.constant import Constant

# trtdsl dtype name -> (ONNX element type, the first opset whose ops take it)
ONNX_TYPES: dict[str, tuple[int, int]] = {
    "float32": (TensorProto.FLOAT, 1),
    "float16": (TensorProto.FLOAT16, 1),
    "bfloat16": (TensorProto.BFLOAT16, 13),
    "int32": (TensorProto.INT32, 1),
    "int64": (TensorProto.INT64, 1),
    "bool": (TensorProto.BOOL, 1),
    "int8": (TensorProto.INT8, 1),
    "uint8": (TensorProto.UINT8, 1),
    "float8_e4m3": (TensorProto.FLOAT8E4M3FN, 19),
    "int4": (TensorProto.INT4, 21),
    "float4_e2m1": (TensorProto.FLOAT4E2M1, 23),
    "e8m0": (TensorProto.FLOAT8E8M0, 24),
}


def onnx_type(dtype: DType) -> int:
    """The ONNX element type (``onnx.TensorProto.FLOAT``, ...) of a trtdsl dtype.

    >>> onnx_type(dtypes.bfloat16) == onnx.TensorProto.BFLOAT16
    True
    """
    return ONNX_TYPES[dtype.name][0]


def type_opset(dtype: DType) -> int:
    """The first opset in which ONNX ops take ``dtype`` (e.g. 21 for int4).

    >>> type_opset(dtypes.int4)
    21
    """
    return ONNX_TYPES[dtype.name][1]


def onnx_shape(shape: Sequence[DimLike]) -> list[int | str]:
    """Dims for ``helper.make_tensor_value_info``: ints stay, named dims and dim expressions become
    ``dim_param`` strings (``"batch"``, ``"batch*2"``).

    >>> from trtdsl.ir.dims import Dim
    >>> onnx_shape((Dim.symbol("batch") * 2, 3))
    ['batch*2', 3]
    """
    return [d if isinstance(d, int) else str(d) for d in shape]


def value_info(name: str, ty: TensorType) -> onnx.ValueInfoProto:
    """The ONNX declaration of a value: element type and shape (with dim_params)."""
    info = onnx.ValueInfoProto(name=name)
    info.type.CopyFrom(_type_proto(ty))
    return info


def add_value_info(container: Any, name: str, ty: TensorType) -> None:
    """Append the declaration :func:`value_info` makes to a repeated field of ValueInfoProtos (a graph's
    inputs, outputs or value_info), written in place rather than copied there."""
    info = container.add()
    info.name = name
    info.type.CopyFrom(_type_proto(ty))


@functools.lru_cache(maxsize=1024)
def _type_proto(ty: TensorType) -> onnx.TypeProto:
    """The ONNX type of ``ty``, made once per type (networks declare many values of few types)."""
    return helper.make_tensor_type_proto(onnx_type(ty.dtype), onnx_shape(ty.shape))


@functools.lru_cache(maxsize=4096)
def accepts(op_type: str, opset: int, dtype: DType, input_index: int = 0) -> bool:
    """Whether the ONNX schema of ``op_type`` at ``opset`` allows ``dtype`` for input ``input_index``.

    >>> accepts("Sin", 17, dtypes.float16), accepts("Sin", 17, dtypes.bfloat16)
    (True, False)
    """
    schema = onnx.defs.get_schema(op_type, max_inclusive_version=opset, domain="")
    type_str = schema.inputs[min(input_index, len(schema.inputs) - 1)].type_str
    wanted = f"tensor({_SCHEMA_NAMES.get(dtype.name, dtype.name)})"
    for constraint in schema.type_constraints:
        if constraint.type_param_str == type_str:
            return wanted in constraint.allowed_type_strs
    return type_str == wanted


# The quantized types that data-movement layers (Slice, Gather, Shuffle, Squeeze, Unsqueeze) take. ONNX's
# Slice, Gather, GatherElements, GatherND, Where and Expand take none of them at any opset (Transpose,
# Squeeze and Unsqueeze take fp8 from opset 21 only), so those layers move them as float32
# (NodeContext.moved).
QUANTIZED = (dtypes.float8_e4m3, dtypes.int4, dtypes.float4_e2m1)

_DIM_OPS = {"+": "Add", "-": "Sub", "*": "Mul", "//": "Div", "%": "Mod"}  # dims are >= 0: Div floors

_SCHEMA_NAMES = {
    "float32": "float",
    "float8_e4m3": "float8e4m3fn",
    "float4_e2m1": "float4e2m1",
    "e8m0": "float8e8m0",
}


class GraphBuilder:
    """The nodes of one ONNX graph being written (the model's, or a Loop body's or If branch's), and the
    IR tensors it defines under their own names. Value names, initializers (all in the main graph,
    visible in subgraphs) and node origins are shared with the graphs it contains."""

    def __init__(
        self,
        opset: int,
        taken: set[str],
        *,
        symbols: dict[str, tuple[str, int]] | None = None,
        parent: GraphBuilder | None = None,
    ) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.bound: list[Any] = []  # IR tensors whose values this graph defines under their IR names
        # named dim -> (network input, axis) it can be read from
        self.symbols: dict[str, tuple[str, int]] = (
            parent.symbols if parent is not None else dict(symbols or {})
        )
        if parent is None:
            self.initializers: list[onnx.TensorProto] = []
            self.origin: dict[str, Node] = {}  # ONNX node name -> the IR node it comes from
            self._taken = set(taken)
            self._counter = [0]
        else:
            self.initializers, self.origin = parent.initializers, parent.origin
            self._taken, self._counter = parent._taken, parent._counter
        self._doc: tuple[Node | None, str] = (None, "")  # the doc string of the last origin's nodes
        # the doc strings made, by the ids of the op and the location they name (layers share ops, and a
        # loop's layers their lines); both kept with it, so that the ids stay theirs
        self._docs: dict[tuple[int, int], tuple[Any, Any, str]] = {}

    def child(self) -> GraphBuilder:
        """A builder for a subgraph of this graph."""
        return GraphBuilder(self.opset, set(), parent=self)

    def fresh(self, stem: str) -> str:
        """A value or node name used nowhere else in the model."""
        while True:
            name = f"{stem}.{self._counter[0]}"
            self._counter[0] += 1
            if name not in self._taken:
                self._taken.add(name)
                return name

    def add_node(
        self,
        op_type: str,
        inputs: Sequence[str | None],
        outputs: Sequence[str],
        origin: Node,
        *,
        name: str | None = None,
        domain: str = "",
        **attrs: Any,
    ) -> onnx.NodeProto:
        """Append an ONNX node written for IR node ``origin`` (absent inputs are None)."""
        name = name or self.fresh(origin.name)
        if self._doc[0] is not origin:  # an IR node often becomes several ONNX nodes in a row
            op, location = origin.op, origin.location
            key = (id(op), id(location))
            made = self._docs.get(key)
            if made is None:
                label = op.label()
                made = self._docs[key] = (op, location, f"{label} at {location}" if location else label)
            self._doc = (origin, made[2])
        doc = self._doc[1]
        node = helper.make_node(
            op_type,
            ["" if i is None else i for i in inputs],
            list(outputs),
            name=name,
            doc_string=doc,
            domain=domain or None,
            **attrs,
        )
        self.nodes.append(node)
        self.origin[name] = origin
        return node


class NodeContext:
    """What an export entry uses to write the ONNX form of one IR node."""

    def __init__(
        self, builder: GraphBuilder, node: Node, names: dict[Any, str], network_outputs: set[Any]
    ) -> None:
        self.builder = builder
        self.node = node
        self.opset = builder.opset
        self._names = names
        self._network_outputs = network_outputs
        self.first_node = len(builder.nodes)
        self.first_initializer = len(builder.initializers)

    # -- reading the IR node ----------------------------------------------------------------------
    def optional_input(self, i: int) -> str | None:
        """The ONNX name of IR input ``i`` (None for an absent optional input)."""
        t = self.node.inputs[i] if i < len(self.node.inputs) else None
        return None if t is None else self._names[t]

    def input(self, i: int) -> str:
        """The ONNX name of IR input ``i``, which is given (the op's ``infer`` checked that)."""
        return self._names[self._given(i)]

    def input_type(self, i: int) -> TensorType:
        """The type of IR input ``i``, which is given."""
        return self._given(i).type

    def _given(self, i: int) -> Tensor:
        t = self.node.inputs[i] if i < len(self.node.inputs) else None
        assert t is not None, f"{self.node.op.label()}: input {i} is absent; its export entry needs it"
        return t

    def output_type(self, i: int = 0) -> TensorType:
        return self.node.outputs[i].type

    def constant_input(self, i: int) -> np.ndarray | None:
        """The values of IR input ``i`` when a Constant layer produces it, directly or through the
        ConditionalInput layers that bring it into conditionals (else None)."""
        t = self.node.inputs[i] if i < len(self.node.inputs) else None
        while t is not None and t.producer is not None and t.producer.op.kind == "ConditionalInput":
            t = t.producer.inputs[0]
        if t is None or t.producer is None or not isinstance(t.producer.op, Constant):
            return None
        return t.producer.op.weights.array

    def is_network_output(self, i: int = 0) -> bool:
        return self.node.outputs[i] in self._network_outputs

    def fail(self, why: str) -> BackendError:
        """A BackendError for this node: ONNX cannot express it as configured."""
        where = f" (layer {self.node.name}, created at {self.node.location})" if self.node.location else ""
        return BackendError(f"onnx export: {self.node.op.label()}{where} {why}", location=self.node.location)

    # -- writing ONNX -----------------------------------------------------------------------------
    def emit(self, op_type: str, inputs: Sequence[str | None], *, outputs: int = 1, **attrs: Any) -> Any:
        """Add one ONNX node; returns its output name (a tuple of names if ``outputs > 1``).
        Absent optional inputs are ``None`` (ONNX's empty name)."""
        b = self.builder
        name = self.node.name if self.node.name not in b.origin else None
        outs = [b.fresh(self.node.name) for _ in range(outputs)]
        b.add_node(op_type, inputs, outs, self.node, name=name, **attrs)
        return outs[0] if outputs == 1 else tuple(outs)

    def const(self, value: Any, dtype: DType, *, name: str | None = None) -> str:
        """An initializer holding ``value`` converted to ``dtype`` (named ``name``, or a fresh name)."""
        array = np.asarray(value).astype(dtype.numpy, copy=False)  # from_array copies the values
        name = name or self.builder.fresh(self.node.name)
        self.builder.initializers.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, values: Iterable[int]) -> str:
        """A 1-D int64 initializer (axes, shapes, pads)."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1), dtypes.int64)

    def cast(self, name: str, to: DType) -> str:
        return self.emit("Cast", [name], to=onnx_type(to))

    def where(self, condition: str, a: str, b: str, dtype: DType) -> str:
        """ONNX Where choosing between values ``a`` and ``b`` of ``dtype``: int8 and uint8 values are chosen
        as int32 and cast back, as the parser makes a Where into TensorRT's Select layer, which takes no
        8-bit integers."""
        if dtype not in (dtypes.int8, dtypes.uint8):
            return self.emit("Where", [condition, a, b])
        wide = [self.cast(v, dtypes.int32) for v in (a, b)]
        return self.cast(self.emit("Where", [condition, *wide]), dtype)

    def strict_indices(self, indices: str, length: str) -> str:
        """int64 ``indices`` into an axis of ``length`` for ONNX's Gather that fail (as TensorRT's strict
        reads do) outside ``[0, length)``: Gather reads ``[-length, -1]`` from the back, so negative ones
        are moved below ``-length``, where it fails too."""
        negative = self.emit("Less", [indices, self.const(0, dtypes.int64)])
        return self.emit("Where", [negative, self.emit("Sub", [indices, length]), indices])

    def dim(self, i: int, axis: int) -> str:
        """Dim ``axis`` of IR input ``i`` as a 0-D int64 value (a constant when static)."""
        d = self.input_type(i).shape[axis]
        if isinstance(d, int):
            return self.const(d, dtypes.int64)
        return self.emit(
            "Gather", [self.emit("Shape", [self.input(i)]), self.const(axis, dtypes.int64)], axis=0
        )

    def shape_value(self, shape: Sequence[DimLike]) -> str | None:
        """An IR shape as a 1-D int64 value: ints as constants, named dims read from the network inputs
        that have them, dim expressions computed; None if a dim depends on a value computed at run time."""
        parts = [self._dim_value(d) for d in shape]
        if any(p is None for p in parts):
            return None
        return self.emit("Concat", parts, axis=0) if parts else self.ints([])

    def _dim_value(self, d: DimLike) -> str | None:
        if isinstance(d, int):
            return self.ints([d])
        if d.is_symbol:
            source = self.builder.symbols.get(d.args[0])
            return (
                None
                if source is None
                else self.emit("Shape", [source[0]], start=source[1], end=source[1] + 1)
            )
        a, b = (self._dim_value(x) for x in d.args)
        return None if a is None or b is None else self.emit(_DIM_OPS[d.op], [a, b])

    def reduce(self, op_type: str, x: str, axes: Sequence[int], keepdims: bool) -> str:
        """An ONNX Reduce* op over ``axes``; the axes are an input from opset 18 (ReduceSum: 13), an
        attribute before."""
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.emit(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.emit(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    def in_float32(self, dtype: DType, build: Callable[..., str], *names: str) -> str:
        """``build(*names)`` computed in float32 when ``dtype`` is a 16-bit float (inputs cast to float32,
        the result cast back to ``dtype``), as TensorRT computes 16-bit layers; directly otherwise."""
        if dtype not in (dtypes.float16, dtypes.bfloat16):
            return build(*names)
        wide = [self.cast(n, dtypes.float32) for n in names]
        return self.cast(build(*wide), dtype)

    def widened(self, name: str, dtype: DType) -> str:
        """Value ``name`` of quantized ``dtype`` (fp8, int4, fp4) as the float32 values it holds: a
        DequantizeLinear with scale 1, which is exact (every value of these types is a float32)."""
        return self.emit("DequantizeLinear", [name, self.const(1.0, dtypes.float32), self._zero(dtype)])

    def narrowed(self, name: str, dtype: DType) -> str:
        """float32 value ``name`` that holds values of quantized ``dtype`` (as :meth:`widened` makes them)
        back in that type: a QuantizeLinear with scale 1, which gives each such value back exactly."""
        extra = {"saturate": 1} if dtype is dtypes.float8_e4m3 else {}
        one = self.const(1.0, dtypes.float32)
        return self.emit("QuantizeLinear", [name, one, self._zero(dtype)], **extra)

    def moved(self, op_types: Iterable[str], build: Callable[[str, DType], str]) -> str:
        """``build(x, dtype)`` for a layer that moves the data of input 0 with the ONNX ops ``op_types``:
        ``x`` the input as it is and ``dtype`` its dtype where those ops take it at this opset; else, for a
        quantized dtype (:data:`QUANTIZED`), the input as float32 values (:meth:`widened`), and the result
        quantized back (:meth:`narrowed`), which is exact; another dtype is an export error."""
        x, dtype = self.input(0), self.input_type(0).dtype
        refused = [t for t in op_types if not accepts(t, self.opset, dtype)]
        if not refused:
            return build(x, dtype)
        if dtype not in QUANTIZED:
            raise self.fail(f"has dtype {dtype.name}, which ONNX {refused[0]} (opset {self.opset}) does not "
                            "take")
        return self.narrowed(build(self.widened(x, dtype), dtypes.float32), dtype)

    def _zero(self, dtype: DType) -> str:
        return self.const(np.zeros((), np.float32), dtype)

    def compute(
        self,
        op_type: str,
        inputs: Sequence[str | float | None],
        dtype: DType,
        *,
        same_type_output: bool = True,
        **attrs: Any,
    ) -> str:
        """One ONNX op on inputs of ``dtype`` (numbers among ``inputs`` become constants of that dtype);
        a 16-bit float that the op's schema does not accept is computed in float32 (see
        :meth:`in_float32`)."""
        if accepts(op_type, self.opset, dtype):
            return self.emit(op_type, [self._operand(v, dtype) for v in inputs], **attrs)
        if dtype in (dtypes.float16, dtypes.bfloat16) and accepts(op_type, self.opset, dtypes.float32):
            wide = [
                self.cast(v, dtypes.float32) if isinstance(v, str) else self._operand(v, dtypes.float32)
                for v in inputs
            ]
            result = self.emit(op_type, wide, **attrs)
            return self.cast(result, dtype) if same_type_output else result
        raise self.fail(f"has dtype {dtype.name}, which ONNX {op_type} (opset {self.opset}) does not take")

    def _operand(self, value: str | float | None, dtype: DType) -> str | None:
        return value if value is None or isinstance(value, str) else self.const(value, dtype)
