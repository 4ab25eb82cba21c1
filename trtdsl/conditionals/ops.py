"""The if-conditional boundary layers, as TensorRT defines them (``IConditionLayer``,
``IIfConditionalInputLayer``, ``IIfConditionalOutputLayer``).

Each op holds the :class:`~trtdsl.regions.Region` of its conditional (TensorRT's ``getConditional()``).

=================  ======================================================================
Condition          0: the 0-D bool condition; no output (one per conditional)
ConditionalInput   0: a tensor from outside; output: the same value, inside the conditional
ConditionalOutput  0: the true branch's value; 1: the false branch's value; output: the taken one
=================  ======================================================================

Which layers form each branch follows from data flow (see :mod:`trtdsl.ir.structure`); the
interpreter evaluates only the taken branch (``docs/conditionals.md``).
"""

from __future__ import annotations

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.ir.op import InputTypes, Op
from trtdsl.ir.region import Region, check_same_type
from trtdsl.ir.types import TensorType

__all__ = ["ConditionLayer", "ConditionalInputLayer", "ConditionalOutputLayer", "OUTPUT_DTYPES"]

# The data types of a conditional's outputs in the TensorRT Operators reference (If: T2).
OUTPUT_DTYPES = (dtypes.bool_, dtypes.int32, dtypes.float16, dtypes.float32, dtypes.bfloat16)


def _expect_region(op: str, region: object) -> None:
    if not isinstance(region, Region) or region.is_loop:
        raise ArgumentError(f"{op}: argument 'region' is {region!r}; expected an if-conditional Region")


@attrs.frozen
class ConditionLayer(Op):
    """``IConditionLayer``: the condition that selects the branch. It has no output."""

    kind = "Condition"
    input_names = ("condition",)
    region: Region

    def __attrs_post_init__(self) -> None:
        _expect_region("Condition", self.region)

    def attributes(self) -> dict[str, object]:
        return {}

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        (c,) = inputs
        assert c is not None
        if c.dtype != dtypes.bool_ or c.rank != 0:
            raise (DTypeError if c.dtype != dtypes.bool_ else ShapeError)(
                f"Condition: input 'condition' is {c}; expected a 0-D bool tensor (compare with a scalar and "
                "reduce, e.g. td.max(x) > 0)")
        return ()


@attrs.frozen
class ConditionalInputLayer(Op):
    """``IIfConditionalInputLayer``: ``x`` itself, marked as an input of the conditional's branches
    (layers that depend on it are inside the conditional and run only when their branch is taken)."""

    kind = "ConditionalInput"
    input_names = ("x",)
    region: Region

    def __attrs_post_init__(self) -> None:
        _expect_region("ConditionalInput", self.region)

    def name_hint(self) -> str:
        return "cond_input"

    def attributes(self) -> dict[str, object]:
        return {}

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        (x,) = inputs
        assert x is not None
        return (x,)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (x,)


@attrs.frozen
class ConditionalOutputLayer(Op):
    """``IIfConditionalOutputLayer``: ``true_value if condition else false_value``. Both must have the
    same dtype and shape (stricter than ONNX's rule).

    UNCONFIRMED in trt-semantics.md: TensorRT 11's header asks only for the same type and rank (a rank
    may even differ when the condition is a build-time constant), while the older Operators reference
    and the Python docs ask for the same shape. trtdsl keeps the same-shape reading, so that the output
    has one shape whichever branch runs."""

    kind = "ConditionalOutput"
    input_names = ("then", "else")
    region: Region

    def __attrs_post_init__(self) -> None:
        _expect_region("ConditionalOutput", self.region)

    def name_hint(self) -> str:
        return "cond_output"

    def attributes(self) -> dict[str, object]:
        return {}

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        t, f = inputs
        assert t is not None and f is not None
        if t.dtype not in OUTPUT_DTYPES:
            names = ", ".join(d.name for d in OUTPUT_DTYPES)
            raise DTypeError(f"ConditionalOutput: the branches' values have dtype {t.dtype.name}; a "
                             f"conditional's outputs must be one of {names} (cast it with td.cast)")
        check_same_type("ConditionalOutput", ("true branch's value", t), ("false branch's value", f),
                        "TensorRT requires both branches to give the same dtype and shape")
        return (t,)
