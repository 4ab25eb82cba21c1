"""What the IR knows about the values of tensors: shape values and constants.

TensorRT computes shape tensors on the host by constant propagation; trtdsl does the same on the IR, with
symbolic dims, so that a layer taking a shape tensor (a reshape's dims, a slice's size) knows its output
shape: ``take(shape_of(x), 0) * 2`` has the value ``(batch*2,)``. :func:`value_of` folds constants, the
dims a Shape layer reads, Identity/Cast/reshapes between 0-D and 1-D, Concatenation, Gather and Slice with
known positions, and ``+ - * //`` (MAX/MIN/DIV of ints). An element it cannot tell is the symbol
``%name`` (0-D) or ``%name[i]`` (1-D) after the tensor: the value is known only when the network runs.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("v")
>>> x = net.input("x", td.float32, ("batch", 4))
>>> s = td.shape_of(x)
>>> value_of(td.concatenate([td.take(s, [1, 0]) * 2, np.array([-1])]))
(8, Dim('batch*2'), -1)
>>> value_of(net.input("n", td.int32, (2,)))
(Dim('%n[0]'), Dim('%n[1]'))

The numbers a tensor computed from constants holds (weights, a quantization scale) are
:func:`fold_constant`'s: the references of the layers it depends on, run on their constants.

Values are an analysis of the network, kept in ``network._values``: adding layers changes no tensor's
value, ``net.set_input`` may change many, so the analysis is forgotten then. The symbols naming values
are kept for the network's life, as shapes refer to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, cast

import attrs
import numpy as np

from trtdsl.errors import bad_argument
from trtdsl.ir.dims import Dim, DimLike, combine, is_static, static_dim, static_shape
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor

if TYPE_CHECKING:  # the layers are defined above this package: it tells them by kind
    from trtdsl.layers.constant import Constant

# A shape tensor has at most 64 elements (TensorRT's ITensor documentation).
MAX_SHAPE_VOLUME = 64

Value = tuple[DimLike, ...]
Values = Callable[[Tensor], Optional[Value]]  # how a folding rule reads the values of a layer's inputs


@attrs.define
class _Symbols:
    """The value symbols of one network: each tensor's (``of``), and the tensor and element each
    symbol stands for (``owners``). Tensors compare with ==, which builds a layer, so they key plain
    dicts only."""

    of: dict[Tensor, tuple[Dim, ...]] = attrs.Factory(dict)
    owners: dict[str, tuple[Tensor, int]] = attrs.Factory(dict)

    def forget(self, gone: Mapping[Tensor, None], removed: object) -> None:
        """Drop the symbols of tensors removed from the network (see ``Network._forget_since``)."""
        for t in gone:
            self.of.pop(t, None)
        for name in [name for name, (t, _) in self.owners.items() if t in gone]:
            del self.owners[name]


def _symbols(network: Network) -> _Symbols:
    found: _Symbols | None = network._records.get("value symbols")
    if found is None:
        found = network._records["value symbols"] = _Symbols()
    return found


# ElementWise operations on dims that fold into Dim expressions.
_FOLDS = {"SUM": "+", "SUB": "-", "PROD": "*", "FLOOR_DIV": "//"}


def _holds_shape_value(t: Tensor) -> bool:
    """Whether ``t`` can hold a shape value: an integer tensor of static rank <= 1 and <= 64 elements."""
    shape = t.shape
    return (
        t.dtype.is_integer
        and len(shape) <= 1
        and is_static(shape)
        and (not shape or shape[0] <= MAX_SHAPE_VOLUME)
    )


def value_of(t: Tensor) -> Value | None:
    """The value of ``t`` as a tuple of dims (one per element, row-major), or None when ``t`` cannot
    hold a shape value (see :func:`_holds_shape_value`). Elements the IR cannot tell are ``%name`` /
    ``%name[i]``."""
    if not isinstance(t, Tensor):
        raise bad_argument("value_of", "t", t, "a trtdsl Tensor")
    if not _holds_shape_value(t):
        return None
    memo: dict[Tensor, Value] = t.network._values.setdefault("values", {})
    found = memo.get(t)
    if found is None:
        for u in _unfolded_sources(t, memo):
            memo[u] = _with_own(_fold(u, value_of), unknown(u))
        found = memo[t]
    return found


def _known(t: Tensor) -> Value | None:
    """:func:`value_of` without naming what the IR cannot tell: such elements are symbols that no tensor
    owns, and the tensors they come from get no symbols either (see :func:`length_dim`)."""
    if not _holds_shape_value(t):
        return None
    memo: dict[Tensor, Value] = t.network._values.setdefault("known values", {})
    found = memo.get(t)
    if found is None:
        for u in _unfolded_sources(t, memo):
            stem = f"{_OPAQUE_NAME}{id(u)}"  # distinct per tensor, so that x - y never cancels
            opaque = [f"{stem}[{i}]" for i in range(static_dim(u.shape[0]))] if u.shape else [stem]
            memo[u] = _with_own(_fold(u, _known), tuple(Dim.symbol(name) for name in opaque))
        found = memo[t]
    return found


def _unfolded_sources(t: Tensor, memo: dict[Tensor, Value]) -> list[Tensor]:
    """``t`` and the tensors its value is folded from that are not yet in ``memo``, sources first: folding
    them in this order finds every input's value in ``memo``, without recursion however long the chain."""
    order: list[Tensor] = []
    visited: set[Tensor] = set()
    stack = [(t, False)]
    while stack:
        u, ready = stack.pop()
        if ready:
            order.append(u)
            continue
        if u in visited or u in memo:
            continue
        visited.add(u)
        stack.append((u, True))
        node = u.producer
        if node is not None and node.op.kind in _RULES:
            stack.extend((s, False) for s in node.inputs if s is not None and _holds_shape_value(s))
    return order


def unknown(t: Tensor) -> tuple[Dim, ...]:
    """The symbols standing for the elements of ``t`` (``%name`` for 0-D, ``%name[i]`` for 1-D; a name
    that another tensor had when its symbols were made gets a ``~k`` suffix).

    >>> import trtdsl as td
    >>> net = td.Network("u")
    >>> unknown(net.input("k", td.int32, (2,))), unknown(net.input("n", td.int64, ()))
    ((Dim('%k[0]'), Dim('%k[1]')), (Dim('%n'),))
    """
    symbols = _symbols(t.network)
    found = symbols.of.get(t)
    if found is not None:  # made before, perhaps under another name of t: shapes refer to them
        return found
    stem, k = f"%{t.name}", 0
    while (stem if t.ndim == 0 else f"{stem}[0]") in symbols.owners:
        k += 1
        stem = f"%{t.name}~{k}"
    names = [stem] if t.ndim == 0 else [f"{stem}[{i}]" for i in range(static_dim(t.shape[0]))]
    for i, name in enumerate(names):
        symbols.owners[name] = (t, i)
    found = symbols.of[t] = tuple(Dim.symbol(name) for name in names)
    return found


def owner(network: Network, name: str) -> tuple[Tensor, int] | None:
    """The tensor and element whose value the symbol ``name`` stands for (names may change later: a user
    can claim an automatic name), or None.

    >>> import trtdsl as td
    >>> net = td.Network("o")
    >>> k = net.input("k", td.int32, (2,))
    >>> _ = value_of(k)
    >>> t, element = owner(net, "%k[1]")
    >>> t is k, element
    (True, 1)
    """
    return _symbols(network).owners.get(name)


def length_dim(t: Tensor) -> DimLike:
    """The size of the dim a CONCATENATE/REVERSE loop output of length ``t`` (a 0-D integer tensor) adds:
    ``t``'s value when the IR can tell it from constants and dims (``value_of(t)[0]``), else the dim
    ``%<name of t>``, bound when the network runs.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("v")
    >>> x = net.input("x", td.float32, ("T", 3))
    >>> n = net.input("n", td.int32, ())
    >>> length_dim(net.constant(np.int32(5))), length_dim(td.take(td.shape_of(x), 0)), length_dim(n)
    (5, Dim('T'), Dim('%n'))
    """
    # Not value_of, which would give the inputs' symbols an owner: a dim made into a shape tensor would
    # then read that input (which must be a shape tensor then) rather than the loop output's shape.
    value = _known(t) if t.ndim == 0 else None
    return Dim.symbol(f"%{t.name}") if value is None or _is_opaque(value[0]) else value[0]


def is_value_symbol(name: str) -> bool:
    """Whether a dim name stands for a tensor's value (``%n``, ``%s[1]``) rather than a named dim.

    >>> is_value_symbol("%k[0]"), is_value_symbol("batch")
    (True, False)
    """
    return name.startswith("%")


def _fold(t: Tensor, values: Values) -> Value | None:
    """The value the rule of ``t``'s producer folds from its inputs' ``values``, or None."""
    node = t.producer
    rule = _RULES.get(node.op.kind) if node is not None else None
    value = rule(node, values) if rule is not None else None
    return value if value is not None and len(value) == (t.shape[0] if t.shape else 1) else None


def _with_own(value: Value | None, own: Value) -> Value:
    """``value`` with the elements no rule folds (and expressions of them) replaced by the tensor's
    ``own`` symbols; ``own`` if no rule folds the value."""
    if value is None:
        return own
    return tuple(own[i] if _is_opaque(d) else d for i, d in enumerate(value))


def _is_opaque(d: DimLike) -> bool:
    return isinstance(d, Dim) and any(s.startswith(_OPAQUE_NAME) for s in d.symbols())


def _input_value(node: Any, values: Values, index: int = 0) -> Value | None:
    source = node.inputs[index]
    return values(source) if source is not None else None


def _constant(node: Any, values: Values) -> Value | None:
    return tuple(int(v) for v in node.op.weights.array.reshape(-1))


def _shape(node: Any, values: Values) -> Value | None:
    return tuple(node.inputs[0].shape)


def _same(node: Any, values: Values) -> Value | None:
    return _input_value(node, values)


def _cast(node: Any, values: Values) -> Value | None:
    return _input_value(node, values) if node.inputs[0].dtype.is_integer else None


def _reshape(node: Any, values: Values) -> Value | None:
    # between 0-D and 1-D (the only ranks shape values have) a reshape keeps the elements in order
    if node.op.kind == "Shuffle" and (len(node.inputs) > 1 and node.inputs[1] is not None):
        return None
    return _input_value(node, values)


def _concatenation(node: Any, values: Values) -> Value | None:
    parts = [values(t) for t in node.inputs]
    known = [p for p in parts if p is not None]
    if len(known) < len(parts):
        return None
    return tuple(d for p in known for d in p)


def _gather(node: Any, values: Values) -> Value | None:
    op = node.op
    if op.mode.name != "DEFAULT" or op.num_elementwise_dims or op.axis != 0:
        return None
    data, indices = _input_value(node, values, 0), _input_value(node, values, 1)
    if data is None or indices is None or not all(isinstance(i, int) for i in indices):
        return None
    n = len(data)
    # TensorRT reads 0 out of range; negative indices wrap (the Gather layer's reading)
    return tuple(data[i + n if i < 0 else i] if -n <= i < n else 0 for i in static_shape(indices))


def _slice(node: Any, values: Values) -> Value | None:
    op = node.op
    if any(t is not None for t in node.inputs[1:]) or op.mode.name != "STRICT_BOUNDS":
        return None
    data = _input_value(node, values)
    if data is None or not op.start:
        return data
    start, size, stride = op.start[0], op.size[0], op.stride[0]
    if not isinstance(size, int):
        return None
    return tuple(data[start + i * stride] for i in range(size))


def _elementwise(node: Any, values: Values) -> Value | None:
    a, b = _input_value(node, values, 0), _input_value(node, values, 1)
    if a is None or b is None:
        return None
    if len(a) != len(b):  # broadcasting a single element
        a, b = (a * len(b), b) if len(a) == 1 else (a, b * len(a))
    name = node.op.op.name
    return tuple(_fold_pair(name, x, y) for x, y in zip(a, b))


def _fold_pair(name: str, a: DimLike, b: DimLike) -> DimLike:
    if name in ("FLOOR_DIV", "DIV") and b == 0:
        return 0  # integer division by zero gives 0 in the reference (undefined in TensorRT)
    if name in _FOLDS:
        return combine(_FOLDS[name], a, b)
    if isinstance(a, int) and isinstance(b, int) and name in _INT_FOLDS:
        return _INT_FOLDS[name](a, b)
    return _OPAQUE


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


_INT_FOLDS: dict[str, Callable[[int, int], int]] = {"MAX": max, "MIN": min, "DIV": _trunc_div}
# An element no rule folds; _with_own replaces it (and expressions of it) by the tensor's own symbol.
_OPAQUE_NAME = "%?"
_OPAQUE = Dim.symbol(_OPAQUE_NAME)


_RULES: dict[str, Callable[[Any, Values], Optional[Value]]] = {
    "Constant": _constant,
    "Shape": _shape,
    "Identity": _same,
    "ConditionalInput": _same,
    "Cast": _cast,
    "Shuffle": _reshape,
    "Squeeze": _reshape,
    "Unsqueeze": _reshape,
    "Concatenation": _concatenation,
    "Gather": _gather,
    "Slice": _slice,
    "ElementWise": _elementwise,
}


# Layers whose output is a build-time constant when all their inputs are. A whitelist, so that region
# boundaries (loop recurrences, conditional inputs) and random fills are never mistaken for weights.
FOLDABLE_KINDS = frozenset({
    "Constant", "Cast", "Identity", "Shuffle", "Squeeze", "Unsqueeze", "Slice", "Concatenation", "Padding",
    "Gather", "ElementWise", "Unary", "Activation", "Quantize", "Dequantize", "Reduce", "MatrixMultiply",
    "Select",
})


def is_build_time_constant(t: Tensor) -> bool:
    """Whether ``t`` is computed from Constant layers only (through layers in ``FOLDABLE_KINDS``): what
    TensorRT calls an input "rooted at an IConstantLayer" (weights)."""
    seen: set[int] = set()
    stack = [t]
    while stack:
        node = stack.pop().producer
        if node is None or node.op.kind not in FOLDABLE_KINDS:
            return False
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(i for i in node.inputs if i is not None)
    return True


def fold_constant(t: Tensor) -> np.ndarray | None:
    """The value of the build-time constant ``t`` (see :func:`is_build_time_constant`): the references of
    the layers it depends on run on their constants. None if ``t`` depends on anything else or a layer
    cannot be folded.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("f")
    >>> w = net.constant(np.array([1.0, -2.0], np.float32))
    >>> fold_constant(td.abs(w) * 2.0)
    array([2., 4.], dtype=float32)
    >>> fold_constant(w + net.input("x", td.float32, (2,))) is None
    True
    """
    if t.producer is not None and t.producer.op.kind == "Constant":
        return cast("Constant", t.producer.op).weights.array
    if not is_build_time_constant(t):
        return None
    order = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(t.producer, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((i.producer, False) for i in node.inputs if i is not None)
    values: dict[Tensor, np.ndarray] = {}
    try:
        with np.errstate(all="ignore"):
            for node in order:
                args = [values[i] if i is not None else None for i in node.inputs]
                values.update(zip(node.outputs, node.op.reference(*args)))
    except Exception:  # noqa: BLE001  the layer's own run reports the failure, with its line
        return None
    return np.asarray(values[t])
