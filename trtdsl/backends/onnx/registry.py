"""The ONNX export table: one entry per op class.

An entry is a function ``emit(ctx, op) -> name | tuple of names`` registered with :func:`exports`; it
writes the ONNX nodes for one IR node through its :class:`~trtdsl.backends.onnx.graph.NodeContext` and
returns the ONNX values holding the node's outputs, in order. ``op`` is the node's op, typed as the
class the entry is registered for. ``opset`` says the lowest opset the entry needs for a given op (a
number, or a function of the op). Op classes that ONNX cannot express faithfully are registered with
:func:`not_expressible` and the reason, which the export error shows; loop and conditional boundary
layers with :func:`region_boundary` (their region's ONNX Loop or If writes them).

>>> from trtdsl.backends.onnx import EXPORTERS
>>> from trtdsl.layers.cast import Identity
>>> EXPORTERS[Identity].min_opset(Identity())
17
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Generic, Sequence, Union

import attrs

from trtdsl.ir.op import Op
from trtdsl.ir.table import OpT, OpTable

if TYPE_CHECKING:
    from trtdsl.backends.onnx.graph import NodeContext

MIN_OPSET = 17  # TensorRT 8.6 and every later parser read it; LayerNormalization exists from 17
MAX_OPSET = 25  # TensorRT 11's parser reads up to 25 (10.x: up to 22)

Emit = Callable[["NodeContext", OpT], Union[str, Sequence[str]]]


@attrs.frozen
class Entry(Generic[OpT]):
    """How one op class is written in ONNX."""

    emit: Emit[OpT]
    opset: Union[int, Callable[[OpT], int]] = MIN_OPSET

    def min_opset(self, op: OpT) -> int:
        """The lowest opset this entry can write ``op`` in."""
        return self.opset(op) if callable(self.opset) else self.opset


@attrs.frozen
class RegionBoundary:
    """A loop or conditional boundary layer: written as part of its region's ONNX Loop or If node
    (see :mod:`trtdsl.backends.onnx.regions`), not by an entry of its own."""

    role: str


EXPORTERS: OpTable[Union[Entry[Any], RegionBoundary]] = OpTable(
    "onnx export", "the ONNX export table (trtdsl.backends.onnx)", "ONNX"
)


def exports(
    op_cls: type[OpT], *, opset: Union[int, Callable[[OpT], int]] = MIN_OPSET
) -> Callable[[Emit[OpT]], Emit[OpT]]:
    """Register the decorated function as the ONNX export of ``op_cls``."""

    def register(fn: Emit[OpT]) -> Emit[OpT]:
        EXPORTERS.register(op_cls, Entry(fn, opset))
        return fn

    return register


def region_boundary(op_cls: type[Op], role: str) -> None:
    """Record that ``op_cls`` is written by its region's Loop/If node, with ``role`` saying how."""
    EXPORTERS.register(op_cls, RegionBoundary(role))


def not_expressible(op_cls: type[Op], reason: str) -> None:
    """Record that ``op_cls`` has no faithful ONNX form; exporting it raises a BackendError with
    ``reason``."""
    EXPORTERS.not_expressible(op_cls, reason)

