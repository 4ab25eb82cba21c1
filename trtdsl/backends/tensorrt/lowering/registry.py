"""The TensorRT table: for every ``Op.kind``, how it is lowered to ``INetworkDefinition`` calls and
how the layers it becomes are raised back to the op.

An :class:`Entry` pairs two functions:

- ``lower(ctx, node)`` adds the layers of one IR node through a
  :class:`~trtdsl.backends.tensorrt.lowering.context.LowerContext` (``ctx.add(node, "add_x", ...)``
  names the layer after the node and its outputs after the node's tensors);
- ``raise_(ctx, layer) -> Raised`` reads one TensorRT layer (viewed as its class) through a
  :class:`~trtdsl.backends.tensorrt.lowering.context.RaiseContext` and returns the op and its input
  tensors.

``layer_type`` is the ``trt.LayerType`` whose layers the entry raises. ``param_inputs`` lists the layer
inputs that carry a parameter of the op (e.g. Squeeze's axes, a constant shape tensor in TensorRT): raise
folds the constant producing them into the op. Kinds TensorRT cannot express are registered with
:func:`not_expressible` and the reason.

>>> from trtdsl.backends.tensorrt.lowering import LOWERINGS
>>> LOWERINGS["Activation"].layer_type
'ACTIVATION'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import attrs

if TYPE_CHECKING:
    from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
    from trtdsl.ir.node import Node
    from trtdsl.ir.op import Op
    from trtdsl.ir.tensor import Tensor


@attrs.frozen(eq=False)
class Raised:
    """What a raise function read from a layer: the op, its IR inputs (None for absent optional inputs),
    and, when they are not the layer's own outputs in order, the TensorRT tensors the op's outputs are
    (the node is then named after the layer computing the first of them). ``later`` maps input indices
    to TensorRT tensors computed by later layers (a recurrence's next value), connected once every layer
    is raised."""

    op: Op
    inputs: Sequence[Tensor | None]
    outputs: Sequence[Any] | None = None
    later: dict[int, Any] = attrs.field(factory=dict)


LowerFn = Callable[["LowerContext", "Node"], None]
RaiseFn = Callable[["RaiseContext", Any], Raised]


@attrs.frozen
class Entry:
    """How one op kind becomes TensorRT layers and comes back."""

    kind: str
    layer_type: str
    lower: LowerFn
    raise_: RaiseFn
    param_inputs: tuple[int, ...] = ()


@attrs.frozen
class NotExpressible:
    """An op kind with no TensorRT form, and why."""

    kind: str
    reason: str


LOWERINGS: dict[str, Union[Entry, NotExpressible]] = {}
RAISERS: dict[str, Entry] = {}


def register(
    kind: str, layer_type: str, lower: LowerFn, raise_: RaiseFn, *, param_inputs: Sequence[int] = ()
) -> Entry:
    """Add the entry of ``kind``, whose layers have LayerType ``layer_type``."""
    if kind in LOWERINGS:
        raise ValueError(f"TensorRT lowering of {kind!r} is registered twice")
    if layer_type in RAISERS:
        raise ValueError(
            f"LayerType {layer_type} is raised by both {RAISERS[layer_type].kind!r} and {kind!r}"
        )
    entry = Entry(kind, layer_type, lower, raise_, tuple(param_inputs))
    LOWERINGS[kind] = RAISERS[layer_type] = entry
    return entry


def not_expressible(kind: str, reason: str) -> None:
    """Record that ``kind`` has no TensorRT form; lowering it raises a BackendError with ``reason``."""
    if kind in LOWERINGS:
        raise ValueError(f"TensorRT lowering of {kind!r} is registered twice")
    LOWERINGS[kind] = NotExpressible(kind, reason)
