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
from trtdsl.ir.dims import Dim, DimLike
from trtdsl.ir.op import Inputs, Op, ir
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
    region: Region = attrs.field(metadata=ir(hidden=True))

    def __attrs_post_init__(self) -> None:
        _expect_region("Condition", self.region)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (c,) = inputs
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
    name_stem = "cond_input"
    region: Region = attrs.field(metadata=ir(hidden=True))

    def __attrs_post_init__(self) -> None:
        _expect_region("ConditionalInput", self.region)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        return (x,)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (x,)


def branch_dim(region: Region, then_dim: DimLike, else_dim: DimLike) -> DimLike:
    """The dim of a conditional's output whose branches give ``then_dim`` and ``else_dim``: that dim when
    they are the same, else a data-dependent dim named after both (``if_0#3|4``: 3 when the true branch
    runs, 4 otherwise), known once the conditional ran.

    >>> branch_dim(Region("if", 0, "if_0"), 3, 4), branch_dim(Region("if", 0, "if_0"), 2, 2)
    (Dim('if_0#3|4'), 2)
    """
    if then_dim == else_dim:
        return then_dim
    return Dim.symbol(f"{region.name}#{then_dim}|{else_dim}")


@attrs.frozen
class ConditionalOutputLayer(Op):
    """``IIfConditionalOutputLayer``: ``true_value if condition else false_value``. Both must have the
    same dtype and rank, as NvInfer.h says ("Corresponding output tensors from the true/false subgraphs
    have the same type and rank", IIfConditional, TensorRT 10.16 and 11.1; ``addOutput`` lets the ranks
    differ only for a build-time constant condition, which trtdsl does not take). Where the branches'
    dims differ, the output's dim is data-dependent (:func:`branch_dim`)."""

    kind = "ConditionalOutput"
    input_names = ("then", "else")
    name_stem = "cond_output"
    region: Region = attrs.field(metadata=ir(hidden=True))

    def __attrs_post_init__(self) -> None:
        _expect_region("ConditionalOutput", self.region)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        t, f = inputs
        if t.dtype not in OUTPUT_DTYPES:
            names = ", ".join(d.name for d in OUTPUT_DTYPES)
            raise DTypeError(f"ConditionalOutput: the branches' values have dtype {t.dtype.name}; a "
                             f"conditional's outputs must be one of {names} (cast it with td.cast)")
        check_same_type("ConditionalOutput", ("true branch's value", t), ("false branch's value", f),
                        "TensorRT requires both branches to give the same dtype and rank", rank_only=True)
        return (TensorType(t.dtype, tuple(branch_dim(self.region, a, b) for a, b in zip(t.shape, f.shape))),)
