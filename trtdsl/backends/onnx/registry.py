"""The ONNX export table: one entry per ``Op.kind``.

An entry is a function ``emit(ctx) -> name | tuple of names`` registered with :func:`exports`; it writes
the ONNX nodes for one IR node through its :class:`~trtdsl.backends.onnx.graph.NodeContext` and returns
the ONNX values holding the node's outputs, in order. ``opset`` says the lowest opset the entry needs for
a given op (a number, or a function of the op). Kinds that ONNX cannot express faithfully are registered
with :func:`not_expressible` and the reason, which the export error shows; loop and conditional boundary
layers with :func:`region_boundary` (their region's ONNX Loop or If writes them).

>>> from trtdsl.backends.onnx import EXPORTERS
>>> EXPORTERS["Identity"].min_opset(None)
17
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence, Union

import attrs

if TYPE_CHECKING:
    from trtdsl.backends.onnx.graph import NodeContext
    from trtdsl.ir.op import Op

MIN_OPSET = 17  # TensorRT 8.6 and every later parser read it; LayerNormalization exists from 17
MAX_OPSET = 25  # TensorRT 11's parser reads up to 25 (10.x: up to 22)

Emit = Callable[["NodeContext"], Union[str, Sequence[str]]]


@attrs.frozen
class Entry:
    """How one op kind is written in ONNX."""

    emit: Emit
    opset: Union[int, Callable[["Op"], int]] = MIN_OPSET

    def min_opset(self, op: Op | None) -> int:
        """The lowest opset this entry can write ``op`` in."""
        return self.opset(op) if callable(self.opset) else self.opset


@attrs.frozen
class NotExpressible:
    """An op kind with no faithful ONNX form, and why."""

    reason: str


@attrs.frozen
class RegionBoundary:
    """A loop or conditional boundary layer kind: written as part of its region's ONNX Loop or If node
    (see :mod:`trtdsl.backends.onnx.regions`), not by an entry of its own."""

    role: str


EXPORTERS: dict[str, Union[Entry, NotExpressible, RegionBoundary]] = {}


def exports(kind: str, *, opset: Union[int, Callable[["Op"], int]] = MIN_OPSET) -> Callable[[Emit], Emit]:
    """Register the decorated function as the ONNX export of ``kind``."""

    def register(fn: Emit) -> Emit:
        if kind in EXPORTERS:
            raise ValueError(f"ONNX export of {kind!r} is registered twice")
        EXPORTERS[kind] = Entry(fn, opset)
        return fn

    return register


def region_boundary(kind: str, role: str) -> None:
    """Record that ``kind`` is written by its region's Loop/If node, with ``role`` saying how."""
    if kind in EXPORTERS:
        raise ValueError(f"ONNX export of {kind!r} is registered twice")
    EXPORTERS[kind] = RegionBoundary(role)


def not_expressible(kind: str, reason: str) -> None:
    """Record that ``kind`` has no faithful ONNX form; exporting it raises a BackendError with ``reason``."""
    if kind in EXPORTERS:
        raise ValueError(f"ONNX export of {kind!r} is registered twice")
    EXPORTERS[kind] = NotExpressible(reason)
