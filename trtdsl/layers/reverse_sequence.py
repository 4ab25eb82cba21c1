"""IReverseSequenceLayer: for each index ``b`` of the batch axis, the first ``sequence_lens[b]`` elements
along the sequence axis in reverse order, the rest unchanged.

For ``batch_axis=1, sequence_axis=0`` (TensorRT's defaults)::

    y = x.copy()
    for b, n in enumerate(sequence_lens):
        y[:n, b] = x[:n, b][::-1]

NvInfer.h (TensorRT 11.1: ``class IReverseSequenceLayer`` at line 6342, ``addReverseSequence`` at line
9537): the input has rank >= 2; ``sequence_lens`` is 1-D with one length per index of the batch axis;
both axes lie in ``[0, rank)`` and differ; the output has the input's shape. The Operators reference lists the types
float32, float16, bfloat16, int32, int64, int8 and bool, and int32 or int64 lengths.

A length outside ``[0, x.shape[sequence_axis]]`` is undocumented (*UNCONFIRMED*; ONNX calls it invalid and
onnxruntime refuses it): the reference raises an ExecutionError naming it rather than guessing what a
kernel reads there. An engine run with such a length would settle it.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("rs")
>>> x = net.input("x", td.int32, (4, 2))            # (time, batch)
>>> net.output("y", td.reverse_sequence(x, [3, 1]))
>>> net.run({"x": np.arange(8, dtype=np.int32).reshape(4, 2)})["y"]
array([[4, 1],
       [2, 3],
       [0, 5],
       [6, 7]], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_array, expect_rank, expect_tensor, is_int, normalize_axis

__all__ = ["ReverseSequence", "reverse_sequence"]

REVERSE_SEQUENCE_DTYPES = (dtypes.bool_, dtypes.int8) + dtypes.INTEGERS + dtypes.FLOATS


@attrs.frozen
class ReverseSequence(Op):
    """Per index ``b`` of ``batch_axis``, the first ``sequence_lens[b]`` elements along ``sequence_axis``
    reversed."""

    kind = "ReverseSequence"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.reverse_sequence`",
        "`IReverseSequenceLayer`",
        "For each index of `batch_axis` (default 1), the first `sequence_lens[b]` elements along "
        "`sequence_axis` (default 0) reversed (NvInfer.h `IReverseSequenceLayer`); int32/int64 lengths; a "
        "length outside `[0, len]` is an `ExecutionError` (*UNCONFIRMED*, undocumented in TensorRT).",
        "NvInfer.h `IReverseSequenceLayer`, Operators reference",
    )
    input_names = ("x", "sequence_lens")
    input_dtypes = {"x": REVERSE_SEQUENCE_DTYPES, "sequence_lens": dtypes.INTEGERS}
    batch_axis: int = 1
    sequence_axis: int = 0

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, lens = inputs
        label = self.label()
        expect_rank(label, "x", x, lambda r: r >= 2, "rank >= 2")
        for arg in ("batch_axis", "sequence_axis"):
            axis = getattr(self, arg)
            if not is_int(axis) or not 0 <= axis < x.rank:
                raise bad_argument(label, arg, axis, f"an int in [0, {x.rank - 1}] for a rank-{x.rank} input",
                                   ShapeError)
        if self.batch_axis == self.sequence_axis:
            raise bad_argument(label, "sequence_axis", self.sequence_axis, "an axis other than batch_axis "
                               f"{self.batch_axis}", ShapeError)
        batch = x.shape[self.batch_axis]
        if lens.rank != 1 or not _fits(lens.shape[0], batch):
            raise ShapeError(f"{label}: input 'sequence_lens' has shape {lens.shape_text}; expected "
                             f"({batch},), one length per index of the batch axis {self.batch_axis} of x "
                             f"{x.shape_text}")
        return (x,)

    def reference(self, x: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, ...]:
        label = self.label()
        moved = np.moveaxis(x, (self.batch_axis, self.sequence_axis), (0, 1))
        batch, steps = moved.shape[:2]
        if lens.shape != (batch,):
            raise ExecutionError(f"{label}: sequence_lens has shape {lens.shape}; the batch axis "
                                 f"{self.batch_axis} of x {x.shape} has {batch} indices")
        bad = (lens < 0) | (lens > steps)
        if bad.any():
            b = int(np.flatnonzero(bad)[0])
            raise ExecutionError(f"{label}: sequence_lens[{b}] is {int(lens[b])}; expected a length in "
                                 f"[0, {steps}] (the sequence axis {self.sequence_axis} of x {x.shape})")
        s = np.arange(steps)
        n = lens.astype(np.int64)[:, None]
        index = np.where(s < n, n - 1 - s, s)  # (batch, steps): where each output element is read from
        # one index per (batch, step) reads the whole trailing block at once, where an index per element
        # gathered value by value ((128, 16, 256) float32: 0.2 ms against 1.9 ms)
        out = moved[np.arange(batch)[:, None], index]
        return (np.moveaxis(out, (0, 1), (self.batch_axis, self.sequence_axis)),)


def _fits(length: Any, batch: Any) -> bool:
    """The lengths' count fits the batch dim: equal, or not comparable before run time (int vs named dim)."""
    return length == batch or isinstance(length, Dim) != isinstance(batch, Dim)


def reverse_sequence(x: Tensor, sequence_lens: Any, *, batch_axis: int = 1, sequence_axis: int = 0,
                     name: str | None = None) -> Tensor:
    """Reverse the first ``sequence_lens[b]`` elements along ``sequence_axis`` for each index ``b`` of
    ``batch_axis``, as one IReverseSequenceLayer (ONNX ReverseSequence, ``tf.reverse_sequence``; see the
    module for the loop it computes). ``sequence_lens`` is a 1-D int32/int64 tensor, or ints (an int32
    constant); axes may be negative.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("rs")
    >>> x = net.input("x", td.float32, (2, 3))          # (batch, time)
    >>> lens = net.input("lens", td.int64, (2,))
    >>> net.output("y", td.reverse_sequence(x, lens, batch_axis=0, sequence_axis=1))
    >>> net.run({"x": np.array([[1, 2, 3], [4, 5, 6]], np.float32), "lens": np.array([2, 3])})["y"]
    array([[2., 1., 3.],
           [6., 5., 4.]], dtype=float32)
    """
    x = expect_tensor("reverse_sequence", "x", x)
    if x.ndim < 2:
        raise ShapeError(f"reverse_sequence: argument 'x' has shape {x.type.shape_text}; expected rank >= 2 "
                         "(a batch axis and a sequence axis)")
    batch = normalize_axis("reverse_sequence", batch_axis, x.ndim, "batch_axis")
    sequence = normalize_axis("reverse_sequence", sequence_axis, x.ndim, "sequence_axis")
    if batch == sequence:
        raise bad_argument("reverse_sequence", "sequence_axis", sequence_axis, "an axis other than "
                           f"batch_axis {batch_axis} (both are dim {batch} of x {x.type.shape_text})",
                           ShapeError)
    if isinstance(sequence_lens, Tensor):
        lens = sequence_lens
    else:
        lens = x.network.constant(as_array("reverse_sequence", "sequence_lens", sequence_lens, dtypes.int32))
    return x.network.add1(ReverseSequence(batch, sequence), (x, lens), name=name)
