"""IPaddingLayer, and ``td.pad`` (``np.pad``) built from one Slice layer.

IPaddingLayer pads the **last two dims** with zeros; a negative padding crops instead. TensorRT
(deprecated since 8.2 in favour of Slice) takes int8, int32, float16 and float32 inputs of rank >= 4.
``td.pad`` is the general form: ``np.pad``'s modes map onto one ISliceLayer as TensorRT's ONNX
importer maps ONNX Pad (``constant`` → FILL, ``reflect`` → REFLECT, ``edge`` → CLAMP, ``wrap`` → WRAP),
with ``start = -before`` and ``size = d + before + after`` per axis.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("p")
>>> x = net.input("x", td.float32, (1, 1, 2, 3))
>>> net.output("y", td.padding_nd(x, pre_padding=(1, -1), post_padding=(0, 1)))
>>> net.run({"x": np.arange(1, 7, dtype=np.float32).reshape(1, 1, 2, 3)})["y"][0, 0]
array([[0., 0., 0.],
       [2., 3., 0.],
       [5., 6., 0.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, int_tuple
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import array_of, as_array, expect_tensor, is_int, static_ints
from trtdsl.layers.slice import SampleMode, Slice, fill_slice, fill_tensor, mode_refuses

__all__ = ["Padding", "padding_nd", "pad"]

# The TensorRT Operators reference's Padding page: these types, input rank >= 4.
PADDING_DTYPES = (dtypes.int8, dtypes.int32, dtypes.float16, dtypes.float32)
# np.pad's modes as the Slice layer's sample modes (the ONNX import reads Pad's modes with it too)
PAD_MODES = {"constant": SampleMode.FILL, "reflect": SampleMode.REFLECT, "edge": SampleMode.CLAMP,
             "wrap": SampleMode.WRAP}


def _grow(d: DimLike, amount: int) -> DimLike:
    return d + amount if amount >= 0 else d - (-amount)


@attrs.frozen
class Padding(Op):
    """Zero padding (negative: cropping) of the last two dims: ``out[..., y, z] = x[..., y - pre[0],
    z - pre[1]]`` where in range, else 0."""

    kind = "Padding"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.padding_nd`",
        "`IPaddingLayer`",
        "Zero-pads (or, with negative values, crops) the **last two dims** of a rank >= 4 tensor. For "
        "`np.pad` semantics use `td.pad`, which builds a `Slice`.",
        "NvInfer.h `IPaddingLayer`",
    )
    input_names = ("x",)
    input_dtypes = {"x": PADDING_DTYPES}
    pre_padding: tuple[int, ...] = attrs.field(converter=int_tuple)
    post_padding: tuple[int, ...] = attrs.field(converter=int_tuple)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        label = self.label()
        if x.rank < 4:
            raise ShapeError(f"{label}: input 'x' has shape {x.shape_text}; expected rank >= 4 (it pads the "
                             "last two dims)")
        for arg in ("pre_padding", "post_padding"):
            values = getattr(self, arg)
            if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise bad_argument(label, arg, values, "2 ints, for the last two dims (TensorRT pads only "
                                                       "those)")
        shape = list(x.shape)
        for k in (0, 1):
            axis = x.rank - 2 + k
            grown = shape[axis] = _grow(x.shape[axis], self.pre_padding[k] + self.post_padding[k])
            if isinstance(grown, int) and grown < 0:
                raise ShapeError(
                    f"{label}: dim {axis} of input shape {x.shape_text} would become {grown} with "
                    f"pre_padding {self.pre_padding[k]} and post_padding {self.post_padding[k]}; cropping "
                    "cannot exceed the dim"
                )
        return (TensorType(x.dtype, shape),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        grown = (x.shape[-2 + k] + self.pre_padding[k] + self.post_padding[k] for k in (0, 1))
        sizes = x.shape[:-2] + tuple(grown)
        if min(sizes) < 0:
            raise ExecutionError(f"{self.label()}: the padding makes the last two dims {sizes[-2:]} for an "
                                 f"input of shape {x.shape}; cropping cannot exceed the dim")
        # the same as a FILL slice that starts at -pre_padding
        starts = (0,) * (x.ndim - 2) + tuple(-p for p in self.pre_padding)
        return (fill_slice(x, sizes, starts, (1,) * x.ndim, np.zeros((), x.dtype)),)


def padding_nd(x: Tensor, pre_padding: Sequence[int], post_padding: Sequence[int], *,
               name: str | None = None) -> Tensor:
    """One IPaddingLayer: zero padding of the last two dims, ``pre_padding`` before and
    ``post_padding`` after (two ints each; negative ones crop). For other dims, modes or fill values
    use :func:`pad`.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("p")
    >>> x = net.input("x", td.int32, (1, 1, 1, 2))
    >>> net.output("y", td.padding_nd(x, (0, 2), (1, 0)))
    >>> net.run({"x": np.array([[[[7, 8]]]], np.int32)})["y"][0, 0]   # np.pad(x, ((0, 1), (2, 0)))
    array([[0, 0, 7, 8],
           [0, 0, 0, 0]], dtype=int32)
    """
    x = expect_tensor("padding_nd", "x", x)
    pre = static_ints("padding_nd", "pre_padding", pre_padding, 2)
    post = static_ints("padding_nd", "post_padding", post_padding, 2)
    return x.network.add1(Padding(pre, post), (x,), name=name)


def pad(x: Tensor, pad_width: Any, mode: str = "constant", constant_values: Any = 0, *,
        name: str | None = None) -> Tensor:
    """``np.pad(x, pad_width, mode, constant_values=...)`` as one ISliceLayer.

    ``pad_width`` is NumPy's: an int, ``(before, after)``, or one ``(before, after)`` pair per axis
    (ints >= 0). ``mode`` is ``"constant"`` (FILL with ``constant_values``, a single number or a 0-D
    tensor; no fill input when it is 0), ``"reflect"``, ``"edge"`` or ``"wrap"``. Padded axes need
    static dims; unpadded ones may be dynamic.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("p")
    >>> x = net.input("x", td.float32, ("n", 3))
    >>> net.output("r", td.pad(x, ((0, 0), (2, 3)), mode="reflect"))
    >>> net.output("c", td.pad(x, ((0, 0), (1, 1)), constant_values=-1.0))
    >>> out = net.run({"x": np.array([[1, 2, 3]], np.float32)})
    >>> out["r"]
    array([[3., 2., 1., 2., 3., 2., 1., 2.]], dtype=float32)
    >>> out["c"]
    array([[-1.,  1.,  2.,  3., -1.]], dtype=float32)
    """
    x = expect_tensor("pad", "x", x)
    if not isinstance(mode, str) or mode not in PAD_MODES:
        raise bad_argument("pad", "mode", mode, "one of " + ", ".join(repr(m) for m in PAD_MODES))
    if mode_refuses(PAD_MODES[mode], x.dtype):
        wider = "int32" if x.dtype is dtypes.int64 else "float32"
        raise DTypeError(f"pad: mode {mode!r} does not take {x.dtype.name} values: TensorRT's Slice layer, "
                         f"which pads, excludes int64 and bfloat16 from its {PAD_MODES[mode].name} mode; "
                         f"td.cast x to {wider} first (mode 'wrap' takes them)")
    widths = _pad_widths(x, pad_width)
    starts: list[int] = []
    sizes: list[DimLike] = []
    for axis, ((before, after), d) in enumerate(zip(widths, x.shape)):
        if before == after == 0:
            starts.append(0)
            sizes.append(d)
            continue
        if isinstance(d, Dim):
            raise ShapeError(
                f"pad: axis {axis} has the dynamic size {d}; padding it needs a static dim (axes that are "
                "not padded may be dynamic)"
            )
        if d == 0 and mode != "constant":
            raise ShapeError(f"pad: axis {axis} of shape {x.type.shape_text} is empty; mode {mode!r} cannot "
                             "extend it")
        starts.append(-before)
        sizes.append(d + before + after)
    inputs: tuple[Tensor | None, ...] = (x,)
    fill = _fill(x, mode, constant_values)
    if fill is not None:
        inputs = (x, None, None, None, fill)
    return x.network.add1(Slice(starts, sizes, (1,) * x.ndim, PAD_MODES[mode]), inputs, name=name)


def _pad_widths(x: Tensor, pad_width: Any) -> list[tuple[int, int]]:
    """NumPy's pad_width forms (``np.broadcast_to(pad_width, (x.ndim, 2))``) as one (before, after)
    pair per axis, in plain Python: NumPy's conversion would cost more than the rest of the layer."""
    rank = x.ndim
    rows: list[tuple[int, ...]] = []
    if is_int(pad_width):
        rows = [(pad_width,)]
    elif isinstance(pad_width, (tuple, list)) and pad_width:
        if all(is_int(v) for v in pad_width):
            rows = [tuple(pad_width)]
        elif all(isinstance(r, (tuple, list)) and all(is_int(v) for v in r) for r in pad_width):
            rows = [tuple(r) for r in pad_width]
    if (not rows or len(rows) not in (1, rank) or any(len(r) not in (1, 2) for r in rows)
            or any(v < 0 for r in rows for v in r)):
        raise bad_argument("pad", "pad_width", pad_width, "ints >= 0: n, (before, after), or one (before, "
                           f"after) pair per axis of shape {x.type.shape_text}")
    pairs = [r if len(r) == 2 else r * 2 for r in rows] * (rank if len(rows) == 1 else 1)
    return [(int(b), int(a)) for b, a in pairs]


def _fill(x: Tensor, mode: str, constant_values: Any) -> Tensor | None:
    """The Slice's fill input: none when the fill value is 0, as TensorRT's ONNX importer does."""
    if mode != "constant":
        if isinstance(constant_values, Tensor) or np.any(
                array_of("pad", "constant_values", constant_values) != 0):
            raise ArgumentError("pad: argument 'constant_values' is only used with mode 'constant', not "
                                f"{mode!r}")
        return None
    if isinstance(constant_values, Tensor):
        return fill_tensor("pad", x, constant_values)
    if array_of("pad", "constant_values", constant_values).ndim != 0:
        raise bad_argument("pad", "constant_values", constant_values,
                           "a single number (TensorRT's FILL mode has one fill value)")
    if constant_values == 0:  # the default 0 also means False for bool tensors
        return None
    return fill_tensor("pad", x, as_array("pad", "constant_values", constant_values, x.dtype))
