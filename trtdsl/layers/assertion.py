"""IAssertionLayer: the network fails when any element of a bool shape tensor is false.

NvInfer.h (TensorRT 11.1: ``class IAssertionLayer`` at line 4927, ``addAssertion`` at line 9226): the
layer has one input and no output; the input must be a bool shape tensor. If an element is provably
false when the network is built, TensorRT rejects the network; if one is false when it runs, the run
fails with the assertion's message. The TensorRT 8.6 Operators reference gives the input 0 or 1 dims.
trtdsl follows that:

- ``td.assert_`` checks the shape-tensor rules when the layer is defined: bool, rank 0 or 1, a static
  shape of at most 64 elements, computed from shapes, constants and shape-tensor inputs (values the GPU
  computes make TensorRT synchronize: a :class:`~trtdsl.shapes.rules.ShapeSyncWarning`). A condition the
  IR already knows to be false (from constants, or comparing static dims) is an error at once, as the
  build would be.
- The reference raises an :class:`~trtdsl.errors.ExecutionError` naming the message, the condition's
  values and the line that made the assertion.
- An assertion has no output, so no network output needs it, yet the header promises that a false
  element fails the run: TensorRT checks every assertion (inferred from that promise; layers that no
  output needs are otherwise pruned). The op says so (:attr:`Op.always_runs
  <trtdsl.ir.op.Op.always_runs>`), and the interpreter runs every assertion besides the layers the
  outputs need. ONNX has no operator that fails with a message, so a network with an assertion has no
  ONNX export.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("guard")
>>> a = net.input("a", td.float32, ("n", 3))
>>> b = net.input("b", td.float32, ("m", 3))
>>> td.assert_(td.shape_of(a)[0] == td.shape_of(b)[0], "a and b need as many rows")
>>> net.output("y", a * 2.0)
>>> net.run({"a": np.ones((2, 3), np.float32), "b": np.ones((2, 3), np.float32)})["y"].shape
(2, 3)
>>> try:
...     net.run({"a": np.ones((2, 3), np.float32), "b": np.ones((4, 3), np.float32)})
... except td.ExecutionError as e:
...     print(e.message)
Assertion (layer assertion_0): 'a and b need as many rows' failed: the condition is False
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import is_static
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_rank, expect_tensor
from trtdsl.layers.elementwise import ElementWise
from trtdsl.shapes.rules import use_as_shape
from trtdsl.shapes.values import MAX_SHAPE_VOLUME, fold_constant, value_of

__all__ = ["Assertion", "assert_"]

_COMPARISONS = {"EQUAL": np.equal, "GREATER": np.greater, "LESS": np.less}


@attrs.frozen
class Assertion(Op):
    """Fails with ``message`` when any element of its bool input is false; no output."""

    kind = "Assertion"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.assert_`",
        "`IAssertionLayer`",
        "No output; a run fails with an `ExecutionError` naming the message and the line when an element "
        "of the condition is false, and a condition known false at definition time is an error (NvInfer.h "
        "`IAssertionLayer`). The condition is a bool shape tensor of rank 0 or 1. Every assertion runs, "
        "although no output needs it; top level only; no ONNX form.",
        "NvInfer.h `IAssertionLayer`, `addAssertion`",
    )
    input_names = ("condition",)
    input_dtypes = {"condition": (dtypes.bool_,)}
    dtype_notes = {"condition": " (a bool shape tensor)"}
    always_runs = True
    message: str

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (cond,) = inputs
        label = self.label()
        if not isinstance(self.message, str):
            raise bad_argument(label, "message", self.message, "a str")
        expect_rank(label, "condition", cond, (0, 1), "rank 0 or 1 (a bool shape tensor)")
        if not is_static(cond.shape) or math.prod(cond.shape) > MAX_SHAPE_VOLUME:
            raise ShapeError(f"{label}: input 'condition' has shape {cond.shape_text}; a shape tensor has a "
                             f"static shape of at most {MAX_SHAPE_VOLUME} elements")
        return ()

    def reference(self, cond: np.ndarray) -> tuple[np.ndarray, ...]:
        if not cond.all():
            shown = cond.tolist()
            raise ExecutionError(f"{self.label()}: {self.message!r} failed: the condition is {shown}")
        return ()


def assert_(condition: Tensor, message: str, *, name: str | None = None) -> None:
    """Make the network fail with ``message`` when any element of ``condition`` is false, as one
    IAssertionLayer: a run of the network raises an ExecutionError naming ``message`` and this line.
    ``condition`` is a bool tensor of rank 0 or 1 computed from shapes (``td.shape_of``), constants and
    shape-tensor inputs, e.g. a comparison of dims. The layer has no output; every run checks it.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("guard")
    >>> x = net.input("x", td.float32, ("n", 4))
    >>> td.assert_(td.shape_of(x)[0] < 3, "at most 2 rows")
    >>> net.output("y", td.relu(x))
    >>> try:
    ...     net.run({"x": np.zeros((5, 4), np.float32)})
    ... except td.ExecutionError as e:
    ...     print(e.message)
    Assertion (layer assertion_0): 'at most 2 rows' failed: the condition is False
    """
    cond = expect_tensor("assert_", "condition", condition)
    if not isinstance(message, str):
        raise bad_argument("assert_", "message", message, "a str")
    op = Assertion(message)
    op.output_types((cond.type,))  # the condition's type first: the shape-tensor rules below assume it
    use_as_shape("assert_", cond, "condition")
    known = _known(cond)
    if known is not None and not known.all():
        raise ArgumentError(f"assert_: {message!r} fails when the network is built: the condition is "
                            f"{known.tolist()}, which TensorRT rejects")
    cond.network.add(op, (cond,), name=name)


def _known(cond: Tensor) -> Any:
    """The condition's values if the IR knows them: folded from constants, or a comparison of dims that
    are all static. None otherwise."""
    values = fold_constant(cond)
    if values is not None:
        return values
    node = cond.producer
    if node is None or not isinstance(node.op, ElementWise) or node.op.op.name not in _COMPARISONS:
        return None
    operands = []
    for t in node.inputs:
        value = value_of(t) if t is not None else None
        if t is None or value is None or not all(isinstance(d, int) for d in value):
            return None
        operands.append(np.array(value, np.int64).reshape(t.shape))
    return _COMPARISONS[node.op.op.name](*operands)
