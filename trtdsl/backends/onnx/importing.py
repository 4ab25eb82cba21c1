"""The ONNX import table and the context each import entry reads one ONNX node through.

An import entry is a function ``entry(ctx) -> Tensor | sequence of Tensors`` registered with
:func:`imports` for an ONNX op type (domain, op type and the opsets it reads). It lives in the same
module as the export entry of the layer it builds (``convolution.py`` imports Conv and writes
Convolution), and builds the layers that TensorRT's ONNX parser builds for the node (onnx-tensorrt,
``onnxOpImporters.cpp``) with the public DSL functions, so every layer is validated as if written by
hand. It reads the node's inputs (``ctx.input(i)``), attributes (``ctx.attr(name, default)``) and
build-time constant inputs (``ctx.static(i)``); an attribute that the entry does not read is refused
by the importer (:mod:`trtdsl.backends.onnx.reader`), so a setting nobody handles never changes the
meaning silently. ``ctx.refuse(why)`` makes the error for a node the parser rejects.

>>> from trtdsl.backends.onnx.importing import IMPORTERS
>>> [entry.since for entry in IMPORTERS["", "Softmax"]]
[1, 13]
"""

from __future__ import annotations

import contextlib
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, Union

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import ONNX_TYPES, TensorProto
from trtdsl.dtypes import DType
from trtdsl.errors import BackendError, DSLError, user_location
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor
from trtdsl.shapes.values import fold_constant

if TYPE_CHECKING:
    import onnx

Result = Union[Tensor, Sequence[Union[Tensor, None]]]
ImportFn = Callable[["ImportContext"], Result]


@attrs.frozen
class ImportEntry:
    """How one ONNX op type is read, for opsets ``since`` to ``until`` (inclusive; None: no end)."""

    fn: ImportFn
    since: int
    until: int | None


IMPORTERS: dict[tuple[str, str], list[ImportEntry]] = {}
"""The import table: (domain, op type) -> its entries, by opset range (``""`` is the ONNX domain)."""


def imports(*op_types: str, domain: str = "", since: int = 1, until: int | None = None
            ) -> Callable[[ImportFn], ImportFn]:
    """Register the decorated function as the import of ``op_types`` (of ``domain``) for the opsets
    ``since`` to ``until``."""

    def register(fn: ImportFn) -> ImportFn:
        for op_type in op_types:
            entries = IMPORTERS.setdefault((domain, op_type), [])
            for other in entries:
                if not (until is not None and until < other.since or other.until is not None
                        and other.until < since):
                    raise ValueError(f"ONNX import of {domain or 'ai.onnx'}::{op_type} is registered twice "
                                     f"for opsets {since}..{until}")
            entries.append(ImportEntry(fn, since, until))
            entries.sort(key=lambda e: e.since)
        return fn

    return register


def find_entry(domain: str, op_type: str, opset: int) -> ImportEntry | None:
    """The entry reading ``op_type`` of ``domain`` at ``opset``, or None."""
    for entry in IMPORTERS.get((domain, op_type), ()):
        if entry.since <= opset and (entry.until is None or opset <= entry.until):
            return entry
    return None


def supported_ops() -> list[str]:
    """Every op type the importer reads, as ``domain::OpType`` (ONNX's own without a domain).

    >>> "Conv" in supported_ops()
    True
    """
    return sorted(f"{d}::{t}" if d else t for d, t in IMPORTERS)


def unsupported(domain: str, op_type: str, opset: int) -> str:
    """Why no entry reads ``op_type`` of ``domain`` at ``opset``: the opsets it is read at, or, for an op
    read at none, the ops that are read.

    >>> unsupported("", "Gelu", 17)
    "op Gelu at opset 17 is not supported by the importer (TensorRT's parser); it reads it from opset 20"
    >>> unsupported("", "Softmax", 0).split("; ")[1]
    'it reads it at opsets 1 to 12 and from opset 13'
    """
    entries = IMPORTERS.get((domain, op_type), [])
    if not entries:
        return (f"op {op_type} is not supported by the importer (TensorRT's parser) at any opset; supported "
                f"ops: {', '.join(supported_ops())}")
    spans = [f"from opset {e.since}" if e.until is None else f"at opset {e.since}" if e.since == e.until
             else f"at opsets {e.since} to {e.until}" for e in entries]
    listed = spans[0] if len(spans) == 1 else f"{', '.join(spans[:-1])} and {spans[-1]}"
    return (f"op {op_type} at opset {opset} is not supported by the importer (TensorRT's parser); "
            f"it reads it {listed}")


# ONNX element type -> trtdsl dtype: the inverse of the export's table, and DOUBLE read as float32, as
# TensorRT's parser converts double weights and tensors (onnx-tensorrt importerUtils.cpp, convertDtype /
# the DOUBLE weights conversion)
_DTYPES: dict[int, DType] = {
    **{elem: dtypes.dtype(name) for name, (elem, _) in ONNX_TYPES.items()},
    TensorProto.DOUBLE: dtypes.float32,
}


def element_dtype(elem_type: int, what: str) -> DType:
    """The trtdsl dtype of ONNX element type ``elem_type``; a BackendError saying ``what`` has it and
    which types TensorRT has when it has none."""
    dtype = _DTYPES.get(elem_type)
    if dtype is None:
        import onnx

        name = onnx.TensorProto.DataType.Name(elem_type) if elem_type in onnx.TensorProto.DataType.values() \
            else str(elem_type)
        have = ", ".join(onnx.TensorProto.DataType.Name(t) for t in _DTYPES)
        raise BackendError(f"{what} has ONNX type {name}, which TensorRT has no type for; expected one of "
                           f"{have}")
    return dtype


class ImportContext:
    """One ONNX node being imported: its inputs as tensors, its attributes, and the network."""

    def __init__(self, node: onnx.NodeProto, opset: int, values: Callable[[str], Tensor],
                 network: Network, where: str, subgraph: Callable[..., Any],
                 initializer: Callable[[str], np.ndarray | None]) -> None:
        self.node = node
        self.opset = opset
        self.network = network
        self.where = where  # "model.onnx: node NAME (OpType)"
        self._values = values
        self._subgraph = subgraph
        self._initializer = initializer
        self._attrs = {a.name: a for a in node.attribute}
        self.read: set[str] = set()  # the attributes the entry asked for

    @property
    def op_type(self) -> str:
        return str(self.node.op_type)

    @property
    def num_inputs(self) -> int:
        """The number of inputs given (trailing absent ones not counted)."""
        names = list(self.node.input)
        while names and not names[-1]:
            names.pop()
        return len(names)

    @property
    def num_outputs(self) -> int:
        return len(self.node.output)

    def output_used(self, i: int) -> bool:
        """Whether output ``i`` is given a name (ONNX leaves optional outputs out with an empty name)."""
        return i < len(self.node.output) and bool(self.node.output[i])

    def optional(self, i: int) -> Tensor | None:
        """Input ``i``, or None if it is absent."""
        if i >= len(self.node.input) or not self.node.input[i]:
            return None
        return self._values(self.node.input[i])

    def input(self, i: int) -> Tensor:
        """Input ``i``, which the op needs."""
        t = self.optional(i)
        if t is None:
            raise self.refuse(f"input {i} is missing; the op needs it")
        return t

    def inputs(self) -> list[Tensor]:
        """Every input, none absent."""
        return [self.input(i) for i in range(self.num_inputs)]

    def has(self, name: str) -> bool:
        return name in self._attrs

    def attr(self, name: str, default: Any = None) -> Any:
        """Attribute ``name`` as a Python value (ints, floats, strings, lists, numpy arrays for tensors,
        GraphProtos for graphs), ``default`` when the node does not set it."""
        self.read.add(name)
        a = self._attrs.get(name)
        if a is None:
            return default
        import onnx
        from onnx import numpy_helper

        value = onnx.helper.get_attribute_value(a)
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, onnx.TensorProto):
            return numpy_helper.to_array(value)
        if isinstance(value, list) and value and isinstance(value[0], bytes):
            return [v.decode("utf-8", "replace") for v in value]
        return value

    def ints(self, name: str, default: Sequence[int] | None = None) -> list[int] | None:
        value = self.attr(name, default)
        return None if value is None else [int(v) for v in value]

    def static(self, i: int, what: str) -> np.ndarray:
        """The value of input ``i`` (``what`` it is), which must be a build-time constant (an initializer,
        a Constant node, or computed from them), as TensorRT's parser needs it when it builds."""
        value = self.peek(i)
        if value is None:
            raise self.refuse(f"input {i} ({what}) must be a build-time constant (an initializer or a "
                              "Constant node, or computed from them); it is computed at run time"
                              f"{self._freeze_hint([self.input(i)])}")
        return np.asarray(value)

    def _freeze_hint(self, tensors: Iterable[Tensor]) -> str:
        """How to make ``tensors`` build-time constants: freeze the graph inputs they are computed from."""
        names = graph_inputs_of(self.network, tensors)
        if not names:
            return ("; from_onnx(model, freeze={NAME: array}) makes graph inputs constants, as when a model "
                    "is exported with them fixed")
        shown = ", ".join(repr(n) for n in names)
        example = ", ".join(f"{n!r}: array" for n in names)
        several = len(names) > 1
        return (f" from graph input{'s' if several else ''} {shown}: from_onnx(model, freeze={{{example}}}) "
                f"makes {'them constants' if several else 'it a constant'}, as when a model is exported with "
                f"{'them' if several else 'it'} fixed")

    def warn(self, message: str, category: type[Warning]) -> None:
        """A warning about this node (``message`` is prefixed with the node), at the user's line that imports
        the model, or attributed to the model itself where there is none (``trtdsl import``)."""
        where = user_location()
        text = f"{self.where}: {message}"
        if where is not None:
            warnings.warn_explicit(text, category, where.file, where.line)
        else:
            warnings.warn_explicit(text, category, self.where.rsplit(": node ", 1)[0], 0)

    @contextlib.contextmanager
    def sync_warnings(self, what: str) -> Iterator[None]:
        """Make the ShapeSyncWarnings of the layers built inside one warning that names this node and says
        that ``what`` (a shape the node computes) depends on values known only when the network runs, and
        how to make them constants (``freeze``); the DSL's own warning names trtdsl's layer and its
        arguments, which the model's author never wrote. Other warnings pass through."""
        from trtdsl.shapes.rules import ShapeSyncWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        synced = False
        for w in caught:
            if issubclass(w.category, ShapeSyncWarning):
                synced = True
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if synced:
            inputs = [self.input(i) for i in range(self.num_inputs) if self.peek(i) is None]
            self.warn(f"{what} is computed from values known only when the network runs: TensorRT copies "
                      "them from the GPU to the host and synchronizes before it computes the shape; they "
                      f"are computed{self._freeze_hint(inputs)}", ShapeSyncWarning)

    def peek(self, i: int) -> np.ndarray | None:
        """The value of input ``i`` if it is a build-time constant, else None. An initializer read this
        way becomes no layer (as the parser folds weights it consumes, e.g. BatchNormalization's)."""
        if i >= len(self.node.input) or not self.node.input[i]:
            return None
        found = self._initializer(self.node.input[i])
        if found is not None:
            return found
        tensor = self.input(i)
        value = fold_constant(tensor)
        if value is not None:
            return np.asarray(value)
        # a value computed from static shapes (Shape, Gather, Concat, ...): known when the network is built
        dims = known_dims(tensor) if len(tensor.shape) <= 1 else None
        if dims is None or not all(isinstance(d, int) for d in dims):
            return None
        return np.asarray(dims, tensor.dtype.numpy).reshape(tensor.shape)

    def optional_static(self, i: int, what: str) -> np.ndarray | None:
        """:meth:`static` for an optional input; None when it is absent. An initializer read this way
        becomes no layer, as with :meth:`peek`."""
        if i >= len(self.node.input) or not self.node.input[i]:
            return None
        return self.static(i, what)

    def axes(self, index: int, since: int, name: str = "axes") -> list[int] | None:
        """Axes given as attribute ``name`` before opset ``since`` and as (constant) input ``index`` from
        it on; None when not given."""
        if self.opset >= since:
            value = self.optional_static(index, name)
            return None if value is None else [int(v) for v in value.reshape(-1)]
        return self.ints(name)

    def axis(self, value: int, rank: int) -> int:
        """``value`` as an axis in ``[0, rank)`` (negative ones count from the end)."""
        self.check(-rank <= value < rank, f"axis {value} is out of range for rank {rank}")
        return value + rank if value < 0 else value

    def constant(self, values: Any, dtype: Any = None) -> Tensor:
        """A constant layer in the network."""
        return self.network.constant(values, dtype)

    def subgraph(self, name: str, inputs: Sequence[Tensor]) -> list[Tensor]:
        """Import graph attribute ``name`` (a Loop or If body) with ``inputs`` bound to its inputs, in the
        region being defined; its outer-scope names resolve to this graph's values. Returns its
        outputs."""
        graph = self.attr(name)
        result: list[Tensor] = self._subgraph(graph, list(inputs), self.where)
        return result

    def unread(self) -> list[str]:
        """The node's attributes the entry did not ask for (the importer refuses a node that has any)."""
        return sorted(set(self._attrs) - self.read)

    def refuse(self, why: str) -> BackendError:
        """The error for a node the importer does not read (TensorRT's parser rejects it), saying why."""
        return BackendError(f"{self.where}: {why}")

    def check(self, ok: bool, why: str) -> None:
        """Refuse the node (saying ``why``) unless ``ok``."""
        if not ok:
            raise self.refuse(why)

    def one_of(self, name: str, value: Any, allowed: Sequence[Any]) -> None:
        """Refuse the node if attribute ``name`` is ``value``, not one of ``allowed``."""
        if value not in allowed:
            raise self.refuse(f"attribute {name}={value!r} is not supported; TensorRT's parser reads "
                              f"{', '.join(repr(a) for a in allowed)}")

    def wrap(self, error: DSLError) -> BackendError:
        """``error`` (raised by the DSL while building this node's layers) as a BackendError naming the
        node."""
        return BackendError(f"{self.where}: {error.message}", location=error.location)


def graph_inputs_of(network: Network, tensors: Iterable[Tensor]) -> list[str]:
    """The names of the network inputs (the graph inputs not frozen) that ``tensors`` are computed from, in
    the order the network declares them."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = list(tensors)
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.producer is None:
            if network.inputs.get(t.name) is t:
                found.add(t.name)
            continue
        stack.extend(u for u in t.producer.inputs if u is not None)
    return [name for name in network.inputs if name in found]


def known_dims(t: Tensor) -> list[Any] | None:
    """The values of shape tensor ``t`` as dims (ints, and named dims of the inputs' shapes) where the IR
    knows every one of them, else None (the values are computed when the network runs)."""
    from trtdsl.ir.dims import Dim
    from trtdsl.shapes.values import is_value_symbol, value_of

    known = value_of(t)
    if known is None:
        return None
    if any(isinstance(d, Dim) and any(is_value_symbol(s) for s in d.symbols()) for d in known):
        return None
    return list(known)
