"""IGridSampleLayer: sample an ``(N, C, H, W)`` input at the normalized locations of an ``(N, H_out, W_out,
2)`` grid, giving ``(N, C, H_out, W_out)``: ONNX's GridSample and PyTorch's ``grid_sample`` in 2-D.

``grid[n, i, j] = (gx, gy)`` holds x (along W) then y (along H), in [-1, 1] for the input's extent. Per
axis of size ``d`` it becomes a pixel coordinate::

    align_corners=True:   u = (g + 1) / 2 * (d - 1)      # -1 and 1 are the centres of the corner pixels
    align_corners=False:  u = ((g + 1) * d - 1) / 2      # -1 and 1 are the outer edges of the corner pixels

NEAREST reads pixel ``np.rint(u)`` (ties to even); LINEAR weighs pixels ``floor(u)`` and ``floor(u) + 1``
by ``1 - t`` and ``t`` (``t = u - floor(u)``); CUBIC weighs the four pixels ``floor(u) - 1 .. floor(u) +
2`` with Keys' kernel of coefficient -0.75 (as Resize's cubic). Each pixel index ``k`` outside ``[0,
d)`` is resolved by the sample mode: FILL reads 0, CLAMP reads ``np.clip(k, 0, d - 1)``, REFLECT reflects
``k`` at the borders (at pixel centres ``0`` and ``d - 1`` with ``align_corners``, else at the edges
``-0.5`` and ``d - 0.5``) until it falls inside: ``-1`` reads 1 with ``align_corners`` and 0 without.
Values are computed in float32 (16-bit inputs are widened, and the result rounded once).

Sources: NvInfer.h (TensorRT 11.1, IGridSampleLayer, line 6070: inputs of rank 4; InterpolationMode;
only the sample modes CLAMP, FILL and REFLECT; defaults LINEAR, ``alignCorners`` false, FILL; REFLECT
"repeats values for a single pixel"); the TensorRT Operators reference's GridSample page (types float32,
float16, bfloat16 for the input and the grid alike; shapes; an example with LINEAR, FILL, unaligned
corners, whose expected values this reading reproduces); onnx-tensorrt's GridSample importer (ONNX
``zeros``/``border``/``reflection`` → FILL/CLAMP/REFLECT, ``bilinear``/``nearest``/``bicubic`` →
LINEAR/NEAREST/CUBIC, ``align_corners`` passed through, so TensorRT implements ONNX's operator). The
pixel rules above are onnxruntime's GridSample kernel (padding applied to each pixel index read), which
for LINEAR equals PyTorch's rule of folding the coordinate first. UNCONFIRMED in TensorRT: the cubic
coefficient -0.75 (ONNX's and PyTorch's), ties of NEAREST going to even (``std::nearbyint``, as
onnxruntime and PyTorch do), and NEAREST with REFLECT at a coordinate exactly halfway between pixels
outside the input, where onnxruntime (round, then reflect) and PyTorch (reflect, then round) differ;
trtdsl rounds first. Running the layer on such grids would settle them.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("gs")
>>> x = net.input("x", td.float32, (1, 1, 2, 2))
>>> grid = net.input("grid", td.float32, (1, 1, 3, 2))
>>> net.output("y", td.grid_sample(x, grid, align_corners=True))
>>> points = np.array([[[[-1, -1], [0, 0], [1, 0.5]]]], np.float32)    # (x, y) pairs
>>> net.run({"x": np.array([[[[1, 2], [3, 4]]]], np.float32), "grid": points})["y"]
array([[[[1. , 2.5, 3.5]]]], dtype=float32)
"""

from __future__ import annotations

import enum
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ShapeError, bad_argument
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_bool, expect_dtype, expect_rank, expect_tensor, in_float
from trtdsl.layers.resize import InterpolationMode, cubic_kernel

__all__ = ["GridSample", "GridSampleMode", "grid_sample"]

CUBIC_COEFF = -0.75


class GridSampleMode(enum.Enum):
    """The members of TensorRT's SampleMode that IGridSampleLayer accepts (NvInfer.h)."""

    CLAMP = "clamp"
    FILL = "fill"
    REFLECT = "reflect"


_I = InterpolationMode
_M = GridSampleMode
# ONNX's and PyTorch's names, accepted besides TensorRT's.
_MODE_ALIASES = {"zeros": _M.FILL, "border": _M.CLAMP, "reflection": _M.REFLECT}
_INTERPOLATION_ALIASES = {"bilinear": _I.LINEAR, "bicubic": _I.CUBIC}


def _unnormalize(g: np.ndarray, size: int, align_corners: bool) -> np.ndarray:
    """Pixel coordinates of normalized ``g`` along an axis of ``size`` pixels (float32, in the order of
    operations onnxruntime uses, so that NEAREST rounds the same values)."""
    one, two = np.float32(1), np.float32(2)
    if align_corners:
        return (g + one) / two * np.float32(size - 1)
    return ((g + one) * np.float32(size) - one) / two


def _reflect(k: np.ndarray, size: int, align_corners: bool) -> np.ndarray:
    """Pixel indices ``k`` reflected into ``[0, size)``: at the centres of the border pixels with
    ``align_corners`` (period ``2 * (size - 1)``), else at their outer edges (period ``2 * size``)."""
    if size == 1:
        return np.zeros_like(k)
    if align_corners:
        period = 2 * (size - 1)
        m = k % period
        return np.where(m < size, m, period - m)
    period = 2 * size
    m = k % period
    return np.where(m < size, m, period - 1 - m)


@attrs.frozen
class GridSample(Op):
    """``x`` (N, C, H, W) sampled at ``grid`` (N, H_out, W_out, 2); see the module for the rules."""

    kind = "GridSample"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.grid_sample`",
        "`IGridSampleLayer` (`InterpolationMode`; `GridSampleMode` CLAMP / FILL / REFLECT, the members of "
        "`SampleMode` it accepts)",
        "`torch.nn.functional.grid_sample` / ONNX GridSample on `(N, C, H, W)` at a normalized `(N, "
        "H_out, W_out, 2)` grid of the same dtype; taps outside resolved per pixel (FILL 0, CLAMP edge, "
        "REFLECT mirrored); float32/float16/bfloat16 computed in float32. Sources: NvInfer.h, the "
        "Operators reference (its example is a test), onnx-tensorrt's importer. *UNCONFIRMED*: cubic "
        "coefficient -0.75, NEAREST ties to even, NEAREST + REFLECT exactly halfway outside.",
        "NvInfer.h `IGridSampleLayer`, Operators reference, onnx-tensorrt GridSample importer",
    )
    input_names = ("x", "grid")
    input_dtypes = {"x": dtypes.FLOATS}
    interpolation: InterpolationMode = attrs.field(default=InterpolationMode.LINEAR, metadata=ir(label=True))
    align_corners: bool = False
    sample_mode: GridSampleMode = GridSampleMode.FILL

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, grid = inputs
        label = self.label()
        if not isinstance(self.interpolation, InterpolationMode):
            raise bad_argument(label, "interpolation", self.interpolation, "an InterpolationMode")
        if not isinstance(self.sample_mode, GridSampleMode):
            raise bad_argument(label, "sample_mode", self.sample_mode, "a GridSampleMode (CLAMP, FILL or "
                               "REFLECT)")
        expect_bool(label, "align_corners", self.align_corners)
        expect_dtype(label, "grid", grid, (x.dtype,), " (the dtype of 'x')")
        expect_rank(label, "x", x, (4,), "rank 4 (N, C, H, W)")
        expect_rank(label, "grid", grid, (4,), "rank 4 (N, H_out, W_out, 2)")
        if grid.shape[3] != 2:
            raise ShapeError(f"{label}: input 'grid' has shape {grid.shape_text}; expected its last dim to be "
                             "2 (x, y)")
        batch, other = x.shape[0], grid.shape[0]
        if batch != other and not (isinstance(batch, int) ^ isinstance(other, int)):
            raise ShapeError(f"{label}: inputs 'x' {x.shape_text} and 'grid' {grid.shape_text} have batch dims "
                             f"{batch} and {other}; they must be equal")
        if not isinstance(batch, int):
            batch = other
        return (TensorType(x.dtype, (batch, x.shape[1], grid.shape[1], grid.shape[2])),)

    def reference(self, x: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, ...]:
        return (in_float(self._sample, x.dtype, x, grid),)

    def _sample(self, x: np.ndarray, grid: np.ndarray) -> np.ndarray:
        height, width = x.shape[2:]
        if height * width == 0:
            if self.sample_mode is not _M.FILL:
                raise ValueError(f"{self.sample_mode.name} cannot sample an input of no pixels "
                                 f"(shape {x.shape})")
            return np.zeros(x.shape[:2] + grid.shape[1:3], np.float32)
        u = _unnormalize(grid[..., 0], width, self.align_corners)
        v = _unnormalize(grid[..., 1], height, self.align_corners)
        if self.interpolation is _I.NEAREST:
            return self._read(x, np.rint(v), np.rint(u))
        offsets = (0, 1) if self.interpolation is _I.LINEAR else (-1, 0, 1, 2)
        u0, v0 = np.floor(u), np.floor(v)
        wu, wv = self._weights(u - u0, offsets), self._weights(v - v0, offsets)
        out = np.zeros(x.shape[:2] + grid.shape[1:3], np.float32)
        for dv, row_weight in zip(offsets, wv):
            row = sum(w[:, None] * self._read(x, v0 + dv, u0 + du) for du, w in zip(offsets, wu))
            out += row_weight[:, None] * row
        return out

    def _weights(self, t: np.ndarray, offsets: tuple[int, ...]) -> list[np.ndarray]:
        if self.interpolation is _I.LINEAR:
            return [1 - t, t]
        return [cubic_kernel(CUBIC_COEFF, t - k) for k in offsets]

    def _read(self, x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``x[n, :, rows[n], cols[n]]`` as (N, C, H_out, W_out), indices outside resolved by the mode."""
        height, width = x.shape[2:]
        # NaN or huge coordinates give arbitrary indices (as the float-to-int conversion of a kernel
        # would); the modes below bring every index into range.
        with np.errstate(invalid="ignore"):
            r, c = rows.astype(np.int64), cols.astype(np.int64)
        inside = None
        if self.sample_mode is _M.REFLECT:
            r, c = _reflect(r, height, self.align_corners), _reflect(c, width, self.align_corners)
        else:
            if self.sample_mode is _M.FILL:
                inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
            r, c = np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)
        batch = np.arange(x.shape[0])[:, None, None]
        values = np.moveaxis(x[batch, :, r, c], -1, 1)
        return values if inside is None else np.where(inside[:, None], values, np.float32(0))


def _member(fn: str, arg: str, value: Any, kind: type[enum.Enum], aliases: dict[str, Any]) -> Any:
    """``value`` as a member of ``kind``: a member or a member of an enum with the same names (such as
    td.SampleMode), its name in any case, or one of ``aliases``."""
    name = value.name if isinstance(value, enum.Enum) else value
    if isinstance(name, str):
        if name.upper() in kind.__members__:
            return kind[name.upper()]
        if name.lower() in aliases:
            return aliases[name.lower()]
    options = [m.value for m in kind] + list(aliases)
    raise bad_argument(fn, arg, value, "one of " + ", ".join(repr(o) for o in options))


def grid_sample(x: Tensor, grid: Tensor, *, interpolation: InterpolationMode | str = "linear",
                align_corners: bool = False, sample_mode: GridSampleMode | str = "fill",
                name: str | None = None) -> Tensor:
    """``torch.nn.functional.grid_sample(x, grid, mode, padding_mode, align_corners)`` as one
    IGridSampleLayer: ``x`` is ``(N, C, H, W)``, ``grid`` is ``(N, H_out, W_out, 2)`` of the same float
    dtype holding normalized ``(x, y)`` locations, the result is ``(N, C, H_out, W_out)``.
    ``interpolation`` is "nearest", "linear" (or "bilinear") or "cubic" (or "bicubic"); ``sample_mode``
    says what locations outside the input read: "fill" (or "zeros"), "clamp" (or "border"), "reflect" (or
    "reflection"). See the module for the formulas.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("gs")
    >>> x = net.input("x", td.float32, (1, 1, 1, 3))
    >>> grid = net.input("grid", td.float32, (1, 1, 2, 2))
    >>> for mode in ("zeros", "border", "reflection"):
    ...     net.output(mode, td.grid_sample(x, grid, interpolation="nearest", sample_mode=mode))
    >>> out = net.run({"x": np.array([[[[10, 20, 30]]]], np.float32),
    ...                "grid": np.array([[[[-2.0, 0], [1.9, 0]]]], np.float32)})   # pixels -2, 3.85
    >>> [out[mode].ravel().tolist() for mode in ("zeros", "border", "reflection")]
    [[0.0, 0.0], [10.0, 30.0], [20.0, 20.0]]
    """
    x = expect_tensor("grid_sample", "x", x)
    grid = expect_tensor("grid_sample", "grid", grid)
    op = GridSample(
        _member("grid_sample", "interpolation", interpolation, InterpolationMode, _INTERPOLATION_ALIASES),
        expect_bool("grid_sample", "align_corners", align_corners),
        _member("grid_sample", "sample_mode", sample_mode, GridSampleMode, _MODE_ALIASES),
    )
    return x.network.add1(op, (x, grid), name=name)
