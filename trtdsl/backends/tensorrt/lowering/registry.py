"""The TensorRT table: for every op class, how it is lowered to ``INetworkDefinition`` calls and how the
layers it becomes are raised back to the op.

An :class:`Entry` pairs two functions:

- ``lower(ctx, node, op)`` adds the layers of one IR node through a
  :class:`~trtdsl.backends.tensorrt.lowering.context.LowerContext` (``ctx.add(node, "add_x", ...)``
  names the layer after the node and its outputs after the node's tensors); ``op`` is the node's op,
  typed as the class the entry is registered for;
- ``raise_(ctx, layer) -> Raised`` reads one TensorRT layer (viewed as its class) through a
  :class:`~trtdsl.backends.tensorrt.lowering.context.RaiseContext` and returns the op and its input
  tensors.

``layer_type`` is the ``trt.LayerType`` whose layers the entry raises: :data:`RAISERS` holds the same
entries keyed by it (and by the ``also`` types of an op that TensorRT writes as several layers of which
raise reads the first, absorbing the others: an IAttention's input and output layers). ``param_inputs`` lists the layer inputs that carry a parameter of the op (e.g.
Squeeze's axes, a constant shape tensor in TensorRT): raise folds the constant producing them into the
op. Op classes TensorRT cannot express are registered with :func:`not_expressible` and the reason.

>>> from trtdsl.backends.tensorrt.lowering import LOWERINGS
>>> from trtdsl.layers.activation import Activation
>>> LOWERINGS[Activation].layer_type
'ACTIVATION'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generic, Sequence

import attrs

from trtdsl.ir.op import Op
from trtdsl.ir.table import OpT, OpTable

if TYPE_CHECKING:
    from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
    from trtdsl.ir.node import Node
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


LowerFn = Callable[["LowerContext", "Node", OpT], None]
RaiseFn = Callable[["RaiseContext", Any], Raised]


@attrs.frozen
class Entry(Generic[OpT]):
    """How one op class becomes TensorRT layers and comes back."""

    op_cls: type[OpT]
    layer_type: str
    lower: LowerFn[OpT]
    raise_: RaiseFn
    param_inputs: tuple[int, ...] = ()


LOWERINGS: OpTable[Entry[Any]] = OpTable(
    "tensorrt", "the TensorRT table (trtdsl.backends.tensorrt.lowering)", "TensorRT"
)
RAISERS: dict[str, Entry[Any]] = {}


def register(
    op_cls: type[OpT],
    layer_type: str,
    lower: LowerFn[OpT],
    raise_: RaiseFn,
    *,
    param_inputs: Sequence[int] = (),
    also: Sequence[str] = (),
) -> Entry[OpT]:
    """Add the entry of ``op_cls``, whose layers have LayerType ``layer_type`` (and ``also`` those)."""
    for kind in (layer_type, *also):
        if kind in RAISERS:
            raise ValueError(
                f"LayerType {kind} is raised by both {RAISERS[kind].op_cls.kind!r} and {op_cls.kind!r}"
            )
    entry = LOWERINGS.register(op_cls, Entry(op_cls, layer_type, lower, raise_, tuple(param_inputs)))
    for kind in (layer_type, *also):
        RAISERS[kind] = entry
    return entry


def not_expressible(op_cls: type[Op], reason: str) -> None:
    """Record that ``op_cls`` has no TensorRT form; lowering it raises a BackendError with ``reason``."""
    LOWERINGS.not_expressible(op_cls, reason)

