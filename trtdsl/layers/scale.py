"""IScaleLayer: ``(x * scale + shift) ** power`` with constant coefficients per tensor, per channel or per
element.

NvInfer.h (TensorRT 11.1: ``class IScaleLayer`` at line 1668 with ``setChannelAxis``, ``addScale`` at
line 8342, ``addScaleNd`` at line 9105):

- ``output = (input * scale + shift) ^ power``, computed in that order; empty weights take the defaults
  scale 1, shift 0, power 1.
- ``mode`` says how the coefficients are indexed, with ``c`` the ``channel_axis``:

  ===========  ======================================  ===============================================
  UNIFORM      one coefficient                         ``s``
  CHANNEL      one per index of dim ``c``              ``s.reshape((C,) + (1,) * (x.ndim - c - 1))``
  ELEMENTWISE  one per element of ``x.shape[c:]``      ``s.reshape(x.shape[c:])``
  ===========  ======================================  ===============================================

- The input has at least 4 dims and "only 2D or 3D scale is supported": the dims after the channel axis
  are the spatial dims (TensorRT 7's ``getChannelAxis`` says so outright), so the channel axis is
  ``x.ndim - 3`` or ``x.ndim - 4`` (other channel axes are refused: *UNCONFIRMED* whether TensorRT 10/11
  takes them). TensorRT's ONNX parser likewise reshapes every Scale input to 4-D or 5-D with channel
  axis 1 (onnx-tensorrt ``scaleHelper``). Types: float32, float16, bfloat16
  (the Operators reference also lists int8, a quantized type trtdsl does not compute with; NvInfer.h
  forbids Int32).
- The weights have the input's type (what the Python API gives empty weights) or float32 (what TensorRT's
  ONNX parser passes for mixed-precision BatchNormalization); TensorRT keeps them as a flat array, and so
  does the op.

Readings (*UNCONFIRMED*, NvInfer.h gives only the formula): 16-bit inputs are computed in float32 and
rounded once, as other TensorRT kernels do; the multiply and the add round separately (a fused
multiply-add would round once); the default shift is added even when it is empty, so -0.0 becomes +0.0;
the power is C's ``powf``: a negative base with a non-integer power gives NaN, ``0 ** -1`` gives inf,
``x ** 0`` and ``1 ** nan`` give 1. An engine run on such values would settle them. The legacy
``addScale`` (no channel axis) uses channel axis ``x.ndim - 3``: its ELEMENTWISE weights cover "the last
three dimensions" (NvInfer.h ``addScale``), read back from the layer when a network is raised.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("scale")
>>> x = net.input("x", td.float32, ("n", 2, 1, 2))
>>> net.output("y", td.scale(x, scale=[2.0, -1.0], shift=[1.0, 0.0], power=[2.0, 1.0]))
>>> net.run({"x": np.array([1, 2, 3, 4], np.float32).reshape(1, 2, 1, 2)})["y"].ravel()
array([ 9., 25., -3., -4.], dtype=float32)
"""

from __future__ import annotations

import enum
import math
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType, Weights
from trtdsl.layers._common import as_array, enum_member, expect_tensor, in_float, is_int

__all__ = ["Scale", "ScaleMode", "scale"]


class ScaleMode(enum.Enum):
    UNIFORM = "uniform"
    CHANNEL = "channel"
    ELEMENTWISE = "elementwise"


_COEFFICIENTS = ("shift", "scale", "power")


def scale_fits(x: TensorType, channel_axis: int) -> bool:
    """Whether a Scale layer takes ``x`` with this channel axis: rank >= 4, with 2 or 3 dims after the axis.

    >>> import trtdsl as td
    >>> nchw, nhwc = td.TensorType(td.float32, (8, 3, 4, 4)), td.TensorType(td.float32, (8, 4, 4, 3))
    >>> scale_fits(nchw, 1), scale_fits(nhwc, 3)
    (True, False)
    """
    return x.rank >= 4 and x.rank - channel_axis - 1 in (2, 3)


def coefficient_shape(mode: ScaleMode, shape: tuple[DimLike, ...], channel_axis: int) -> tuple[DimLike, ...]:
    """The shape that makes a mode's flat coefficients broadcast against an input of ``shape`` (NumPy's
    right-aligned rule).

    >>> [coefficient_shape(mode, (2, 3, 4, 5), 1) for mode in ScaleMode]
    [(), (3, 1, 1), (3, 4, 5)]
    """
    if mode is ScaleMode.UNIFORM:
        return ()
    if mode is ScaleMode.CHANNEL:
        return (shape[channel_axis],) + (1,) * (len(shape) - channel_axis - 1)
    return tuple(shape[channel_axis:])


@attrs.frozen
class Scale(Op):
    """``(x * scale + shift) ** power`` with flat constant coefficients indexed by ``mode`` (None: the
    default, scale 1, shift 0, power 1)."""

    kind = "Scale"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.scale`, `td.batch_norm` (constant parameters)",
        "`IScaleLayer` (`addScaleNd`, `ScaleMode` UNIFORM / CHANNEL / ELEMENTWISE)",
        "`(x * scale + shift) ** power` in that order with constant flat weights (NvInfer.h "
        "`IScaleLayer`); empty weights are 1, 0, 1 and the empty shift is still added (-0.0 becomes +0.0, "
        "*UNCONFIRMED*); rank >= 4 with 2 or 3 dims after `channel_axis`; the power is C's `powf` "
        "(negative base, non-integer power: NaN; *UNCONFIRMED*); floats only.",
        "NvInfer.h `IScaleLayer`, `addScaleNd`, onnx-tensorrt `scaleHelper`",
    )
    input_names = ("x",)
    input_dtypes = {"x": dtypes.FLOATS}
    mode: ScaleMode = attrs.field(metadata=ir(label=True))
    shift: Weights | None = None
    scale: Weights | None = None
    power: Weights | None = None
    channel_axis: int = 1

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        label = self.label()
        if x.rank < 4:
            raise ShapeError(f"{label}: input 'x' has shape {x.shape_text}; expected rank >= 4 (TensorRT's "
                             "Scale layer)")
        axis = self.channel_axis
        if not is_int(axis) or not scale_fits(x, axis):
            raise bad_argument(label, "channel_axis", axis, f"{x.rank - 4} or {x.rank - 3} for a "
                               f"rank-{x.rank} input (2 or 3 spatial dims after it)", ShapeError)
        for arg in _COEFFICIENTS:
            weights = getattr(self, arg)
            if weights is not None:
                self._check_weights(arg, weights, x)
        return (x,)

    def _check_weights(self, arg: str, weights: Any, x: TensorType) -> None:
        label = self.label()
        if not isinstance(weights, Weights) or weights.array.ndim != 1:
            raise bad_argument(label, arg, weights, "None or 1-D Weights")
        allowed = (x.dtype,) if x.dtype is dtypes.float32 else (x.dtype, dtypes.float32)
        if weights.dtype not in allowed:
            raise DTypeError(f"{label}: {arg} weights have dtype {weights.dtype.name}; expected "
                             f"{' or '.join(d.name for d in allowed)} for x of {x.dtype.name}")
        shape = coefficient_shape(self.mode, x.shape, self.channel_axis)
        if not all(isinstance(d, int) for d in shape):
            raise ShapeError(f"{label}: {self.mode.name} weights need the dims of x {x.shape_text} from dim "
                             f"{self.channel_axis} on to be static")
        count = math.prod(shape)
        if weights.array.size != count:
            raise ShapeError(f"{label}: {arg} has {weights.array.size} values; {self.mode.name} mode on x "
                             f"{x.shape_text} with channel_axis {self.channel_axis} needs {count} (or none)")

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (in_float(self._scale, x.dtype, x),)

    def _scale(self, x: np.ndarray) -> np.ndarray:
        shape = coefficient_shape(self.mode, x.shape, self.channel_axis)

        def coefficient(arg: str) -> np.ndarray | None:
            weights = getattr(self, arg)
            return None if weights is None else weights.array.astype(x.dtype).reshape(shape)

        scale_, shift, power = coefficient("scale"), coefficient("shift"), coefficient("power")
        add = shift if shift is not None else x.dtype.type(0)  # -0.0 + 0 is +0.0, as x * 1 + 0 gives
        if scale_ is None:
            y = x + add
        else:
            # the later passes write into the product: a second new array of a large x costs its pages as
            # well as its pass (a batch norm's scale and shift on (8, 64, 56, 56): 1.1-1.3 ms against 1.4-1.7)
            y = x * scale_
            y += add
        if power is None:
            return y
        return np.power(y, power, out=y) if y.__class__ is np.ndarray else np.power(y, power)


def scale(x: Tensor, *, shift: Any = None, scale: Any = None, power: Any = None,
          mode: ScaleMode | str = "channel", channel_axis: int = 1, name: str | None = None) -> Tensor:
    """``(x * scale + shift) ** power`` as one IScaleLayer (``addScaleNd``); each coefficient is None (its
    default: scale 1, shift 0, power 1) or numbers of ``x``'s dtype shaped by ``mode``:

    - ``"uniform"``: one number;
    - ``"channel"``: shape ``(C,)``, one per index of ``x``'s dim ``channel_axis``;
    - ``"elementwise"``: shape ``x.shape[channel_axis:]``.

    ``x`` has rank >= 4 and 2 or 3 dims after ``channel_axis`` (NCHW or NCDHW with the default 1). The
    coefficients are weights (constants of the layer); for tensors use ``x * s + t``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("scale")
    >>> x = net.input("x", td.float32, (1, 1, 2, 2))
    >>> net.output("y", td.scale(x, shift=1.0, power=0.5, mode="uniform"))
    >>> net.run({"x": np.array([0, 3, 8, -2], np.float32).reshape(1, 1, 2, 2)})["y"].ravel()
    array([ 1.,  2.,  3., nan], dtype=float32)
    """
    x = expect_tensor("scale", "x", x)
    kind = enum_member("scale", "mode", mode, ScaleMode)
    if not is_int(channel_axis):
        raise bad_argument("scale", "channel_axis", channel_axis, "an int")
    axis = int(channel_axis) + x.ndim if -x.ndim <= channel_axis < 0 else int(channel_axis)
    if not scale_fits(x.type, axis):
        raise bad_argument("scale", "channel_axis", channel_axis, "an axis with 2 or 3 dims after it in x "
                           f"of rank >= 4 (x has shape {x.type.shape_text})", ShapeError)
    values = {"shift": shift, "scale": scale, "power": power}
    weights = {arg: _weights(arg, v, x, kind, axis) for arg, v in values.items()}
    op = Scale(kind, weights["shift"], weights["scale"], weights["power"], axis)
    return x.network.add1(op, (x,), name=name)


def _weights(arg: str, value: Any, x: Tensor, mode: ScaleMode, axis: int) -> Weights | None:
    """A coefficient given to :func:`scale` as flat weights of ``x``'s dtype, after checking its shape."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        raise bad_argument("scale", arg, f"%{value.name}", "numbers or an array (Scale's coefficients are "
                           "weights: for a tensor, compute x * s + t)", DTypeError)
    array = as_array("scale", arg, value, x.dtype)
    expected = coefficient_shape(mode, x.shape, axis)
    if mode is ScaleMode.CHANNEL:
        expected = expected[:1]
    if not all(isinstance(d, int) for d in expected):
        where = f"dim {axis}" if mode is ScaleMode.CHANNEL else f"the dims from {axis} on"
        raise ShapeError(f"scale: argument '{arg}' has {mode.name} weights, which index {where} of x "
                         f"{x.type.shape_text}: those dims must be static")
    if array.shape != expected and not (mode is ScaleMode.UNIFORM and array.shape == (1,)):
        raise bad_argument("scale", arg, f"<shape {array.shape}>", f"shape {expected} for mode "
                           f"{mode.name.lower()!r} on x {x.type.shape_text} with channel_axis {axis}",
                           ShapeError)
    return Weights.of(array.reshape(-1))
