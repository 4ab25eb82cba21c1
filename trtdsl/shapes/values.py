"""What the IR knows about the values of small integer tensors: shape values.

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
"""

from __future__ import annotations

import weakref
from typing import Callable, Optional

from trtdsl.ir.dims import Dim, DimLike, combine, is_static, static_dim, static_shape
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor

# A shape tensor has at most 64 elements (TensorRT's ITensor documentation).
MAX_SHAPE_VOLUME = 64

Value = tuple[DimLike, ...]

# Per network (tensors compare with ==, which builds a layer, so they key plain dicts only).
_MEMO: "weakref.WeakKeyDictionary[Network, dict[Tensor, Value]]" = weakref.WeakKeyDictionary()
# Per network: value symbol -> the tensor and element it stands for.
_OWNERS: weakref.WeakKeyDictionary[Network, dict[str, tuple[Tensor, int]]] = weakref.WeakKeyDictionary()
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
    if not _holds_shape_value(t):
        return None
    memo = _MEMO.setdefault(t.network, {})
    found = memo.get(t)
    if found is None:
        found = memo[t] = _folded(t) or unknown(t)
    return found


def unknown(t: Tensor) -> tuple[Dim, ...]:
    """The symbols standing for the elements of ``t`` (``%name`` for 0-D, ``%name[i]`` for 1-D; a name
    that another tensor had when its symbols were made gets a ``~k`` suffix).

    >>> import trtdsl as td
    >>> net = td.Network("u")
    >>> unknown(net.input("k", td.int32, (2,))), unknown(net.input("n", td.int64, ()))
    ((Dim('%k[0]'), Dim('%k[1]')), (Dim('%n'),))
    """
    owners = _OWNERS.setdefault(t.network, {})
    stem, k = f"%{t.name}", 0
    while (found := owners.get(stem if t.ndim == 0 else f"{stem}[0]")) is not None and found[0] is not t:
        k += 1
        stem = f"%{t.name}~{k}"
    names = [stem] if t.ndim == 0 else [f"{stem}[{i}]" for i in range(static_dim(t.shape[0]))]
    for i, name in enumerate(names):
        owners[name] = (t, i)
    return tuple(Dim.symbol(name) for name in names)


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
    return _OWNERS.get(network, {}).get(name)


def is_value_symbol(name: str) -> bool:
    """Whether a dim name stands for a tensor's value (``%n``, ``%s[1]``) rather than a named dim.

    >>> is_value_symbol("%k[0]"), is_value_symbol("batch")
    (True, False)
    """
    return name.startswith("%")


def _folded(t: Tensor) -> Value | None:
    """The value the rule of ``t``'s producer folds, elements it cannot tell named after ``t``."""
    node = t.producer
    rule = _RULES.get(node.op.kind) if node is not None else None
    value = rule(node) if rule is not None else None
    if value is None or len(value) != (t.shape[0] if t.shape else 1):
        return None
    own = unknown(t)
    return tuple(
        own[i] if isinstance(d, Dim) and _OPAQUE_NAME in d.symbols() else d for i, d in enumerate(value)
    )


def _input_value(node: object, index: int = 0) -> Value | None:
    source = node.inputs[index]  # type: ignore[attr-defined]
    return value_of(source) if source is not None else None


def _constant(node: object) -> Value | None:
    array = node.op.weights.array  # type: ignore[attr-defined]
    return tuple(int(v) for v in array.reshape(-1))


def _shape(node: object) -> Value | None:
    return tuple(node.inputs[0].shape)  # type: ignore[attr-defined]


def _same(node: object) -> Value | None:
    return _input_value(node)


def _cast(node: object) -> Value | None:
    return _input_value(node) if node.inputs[0].dtype.is_integer else None  # type: ignore[attr-defined]


def _reshape(node: object) -> Value | None:
    # between 0-D and 1-D (the only ranks shape values have) a reshape keeps the elements in order
    op = node.op  # type: ignore[attr-defined]
    if op.kind == "Shuffle" and (len(node.inputs) > 1 and node.inputs[1] is not None):  # type: ignore[attr-defined]
        return None
    return _input_value(node)


def _concatenation(node: object) -> Value | None:
    parts = [value_of(t) for t in node.inputs]  # type: ignore[attr-defined]
    if any(p is None for p in parts):
        return None
    return tuple(d for p in parts for d in p)  # type: ignore[union-attr]


def _gather(node: object) -> Value | None:
    op = node.op  # type: ignore[attr-defined]
    if op.mode.name != "DEFAULT" or op.num_elementwise_dims or op.axis != 0:
        return None
    data, indices = _input_value(node, 0), _input_value(node, 1)
    if data is None or indices is None or not all(isinstance(i, int) for i in indices):
        return None
    n = len(data)
    # TensorRT reads 0 out of range; negative indices wrap (the Gather layer's reading)
    return tuple(data[i + n if i < 0 else i] if -n <= i < n else 0 for i in static_shape(indices))


def _slice(node: object) -> Value | None:
    op = node.op  # type: ignore[attr-defined]
    if any(t is not None for t in node.inputs[1:]) or op.mode.name != "STRICT_BOUNDS":  # type: ignore[attr-defined]
        return None
    data = _input_value(node)
    if data is None or not op.start:
        return data
    start, size, stride = op.start[0], op.size[0], op.stride[0]
    if not isinstance(size, int):
        return None
    return tuple(data[start + i * stride] for i in range(size))


def _elementwise(node: object) -> Value | None:
    a, b = _input_value(node, 0), _input_value(node, 1)
    if a is None or b is None:
        return None
    if len(a) != len(b):  # broadcasting a single element
        a, b = (a * len(b), b) if len(a) == 1 else (a, b * len(a))
    name = node.op.op.name  # type: ignore[attr-defined]
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
# An element no rule folds; _folded replaces it (and expressions of it) by the tensor's own symbol.
_OPAQUE_NAME = "%?"
_OPAQUE = Dim.symbol(_OPAQUE_NAME)


_RULES: dict[str, Callable[[object], Optional[Value]]] = {
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
