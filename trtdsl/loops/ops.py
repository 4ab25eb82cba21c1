"""The loop boundary layers, as TensorRT defines them (``ITripLimitLayer``, ``IIteratorLayer``,
``IRecurrenceLayer``, ``ILoopOutputLayer``), and their enums.

Each op holds the :class:`~trtdsl.regions.Region` of its loop (TensorRT's ``getLoop()``). Inputs are
at TensorRT's positions:

=============  ==========================================================================
TripLimit      0: the limit (0-D int32/int64 count for COUNT, 0-D bool for WHILE); no output
Iterator       0: the tensor iterated over; output: its slice at the iteration number
Recurrence     0: the initial value; 1: the next value (the back edge, set after creation
               with ``network.set_input(node, 1, t)`` like TensorRT's ``setInput(1, t)``)
LoopOutput     0: the value inside the loop; 1: the 0-D int length (CONCATENATE/REVERSE)
=============  ==========================================================================

The interpreter evaluates these layers as part of running their loop
(:mod:`trtdsl.reference.regions`); their meaning is in ``docs/loops.md``.

>>> TripLimit.COUNT.name, LoopOutput.REVERSE.name
('COUNT', 'REVERSE')
"""

from __future__ import annotations

import enum

import attrs

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.region import Region, check_same_type
from trtdsl.ir.types import TensorType

__all__ = ["TripLimit", "LoopOutput", "TripLimitLayer", "IteratorLayer", "RecurrenceLayer", "LoopOutputLayer"]


class TripLimit(enum.Enum):
    """``trt.TripLimit``: COUNT (a 0-D int trip count) or WHILE (a 0-D bool; the loop stops when false)."""

    COUNT = "count"
    WHILE = "while"


class LoopOutput(enum.Enum):
    """``trt.LoopOutput``: the last value of a recurrence, or every iteration's value stacked forward
    (CONCATENATE) or backward (REVERSE)."""

    LAST_VALUE = "last_value"
    CONCATENATE = "concatenate"
    REVERSE = "reverse"


def _expect_region(op: str, region: object) -> None:
    if not isinstance(region, Region) or not region.is_loop:
        raise ArgumentError(f"{op}: argument 'region' is {region!r}; expected a loop Region")


@attrs.frozen
class TripLimitLayer(Op):
    """``ITripLimitLayer``: limits the iterations of its loop. ``trip_limit`` is TensorRT's ``kind``."""

    kind = "TripLimit"
    input_names = ("limit",)
    region: Region = attrs.field(metadata=ir(hidden=True))
    trip_limit: TripLimit = attrs.field(metadata=ir(label=True))

    def __attrs_post_init__(self) -> None:
        _expect_region("TripLimit", self.region)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (t,) = inputs
        if self.trip_limit is TripLimit.COUNT:
            allowed, what = dtypes.INTEGERS, "a 0-D int32 or int64 trip count"
        else:
            allowed, what = (dtypes.bool_,), "a 0-D bool condition"
        if t.dtype not in allowed:
            raise DTypeError(f"{self.label()}: input 'limit' has dtype {t.dtype.name}; expected {what}")
        if t.rank != 0:
            raise ShapeError(f"{self.label()}: input 'limit' has shape {t.shape_text}; expected {what}")
        return ()


@attrs.frozen
class IteratorLayer(Op):
    """``IIteratorLayer``: at iteration ``i`` its output is ``np.take(x, i, axis)``, or
    ``np.take(x, M - 1 - i, axis)`` with ``reverse`` (``M`` is the COUNT trip count)."""

    kind = "Iterator"
    input_names = ("x",)
    region: Region = attrs.field(metadata=ir(hidden=True))
    axis: int = 0
    reverse: bool = attrs.field(default=False, metadata=ir(unless_default=True))

    def __attrs_post_init__(self) -> None:
        _expect_region("Iterator", self.region)
        if isinstance(self.axis, bool) or not isinstance(self.axis, int):
            raise ArgumentError(f"Iterator: argument 'axis' is {self.axis!r}; expected an int")
        if not isinstance(self.reverse, bool):
            raise ArgumentError(f"Iterator: argument 'reverse' is {self.reverse!r}; expected a bool")

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        if x.rank == 0:
            raise ShapeError("Iterator: input 'x' has shape (); a 0-D tensor cannot be iterated over")
        if not 0 <= self.axis < x.rank:
            raise ShapeError(f"Iterator: axis {self.axis} is out of range for input 'x' of shape "
                             f"{x.shape_text}; expected an axis in [0, {x.rank - 1}]")
        return (TensorType(x.dtype, x.shape[:self.axis] + x.shape[self.axis + 1:]),)


@attrs.frozen
class RecurrenceLayer(Op):
    """``IRecurrenceLayer``: its output is the initial value (input 0) in the first iteration and the
    previous iteration's next value (input 1) after that; both must have the same type."""

    kind = "Recurrence"
    input_names = ("initial", "next?")
    region: Region = attrs.field(metadata=ir(hidden=True))

    def __attrs_post_init__(self) -> None:
        _expect_region("Recurrence", self.region)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (init,) = inputs
        nxt = inputs.all[1]
        if nxt is not None:
            check_same_type("Recurrence", ("next value", nxt), ("initial value", init),
                            "TensorRT requires a recurrence's next value to have the type of its initial "
                            "value")
        return (init,)


@attrs.frozen
class LoopOutputLayer(Op):
    """``ILoopOutputLayer``: LAST_VALUE gives a recurrence's final value; CONCATENATE/REVERSE stack the
    value of every iteration along ``axis`` (a new dim of size ``length``, the value of input 1).

    ``loop_output`` is TensorRT's ``kind``. ``length`` is not a TensorRT parameter: it is the
    concatenation length as the IR knows it (an int when input 1 is a constant, else a named dim), so
    that the output's shape is known; a raise from TensorRT recomputes it with
    :func:`trtdsl.shapes.values.length_dim` from input 1.
    """

    kind = "LoopOutput"
    input_names = ("value", "length?")
    name_stem = "loop_output"
    region: Region = attrs.field(metadata=ir(hidden=True))
    loop_output: LoopOutput = attrs.field(metadata=ir(label=True))
    axis: int = 0
    length: DimLike | None = None

    def __attrs_post_init__(self) -> None:
        _expect_region("LoopOutput", self.region)
        if isinstance(self.axis, bool) or not isinstance(self.axis, int):
            raise ArgumentError(f"LoopOutput: argument 'axis' is {self.axis!r}; expected an int")
        if (self.length is None) != (self.loop_output is LoopOutput.LAST_VALUE):
            expected = "None" if self.loop_output is LoopOutput.LAST_VALUE else "the concatenation length"
            raise ArgumentError(f"{self.label()}: argument 'length' is {self.length!r}; expected {expected}")

    def attributes(self) -> dict[str, object]:
        return {} if self.loop_output is LoopOutput.LAST_VALUE else {"axis": self.axis}

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (value,) = inputs
        length = inputs.all[1]
        if self.loop_output is LoopOutput.LAST_VALUE:
            if length is not None:
                raise ArgumentError(f"{self.label()}: has a length input; LAST_VALUE takes only the "
                                    "recurrence")
            return (value,)
        if length is None:
            raise ArgumentError(f"{self.label()}: input 'length' is missing; {self.loop_output.name} needs "
                                "the concatenation length (a 0-D int32/int64 tensor defined before the loop)")
        if length.dtype not in dtypes.INTEGERS or length.rank != 0:
            raise DTypeError(f"{self.label()}: input 'length' is {length}; expected a 0-D int32 or int64 "
                             "tensor")
        if not 0 <= self.axis <= value.rank:
            raise ShapeError(f"{self.label()}: axis {self.axis} is out of range for a value of shape "
                             f"{value.shape_text}; expected an axis in [0, {value.rank}]")
        assert self.length is not None
        shape = value.shape[:self.axis] + (self.length,) + value.shape[self.axis:]
        return (TensorType(value.dtype, shape),)
