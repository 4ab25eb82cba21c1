"""ONNX export of IResizeLayer: ONNX Resize with the output size (``sizes``), so that ONNX maps
coordinates with the length ratio as TensorRT does. Coordinate transformations: ALIGN_CORNERS ->
align_corners, ASYMMETRIC -> asymmetric, HALF_PIXEL -> half_pixel, or pytorch_half_pixel with the UPPER
selector (a length-1 output reads coordinate 0). Nearest rounding: FLOOR -> floor, CEIL -> ceil,
HALF_UP ``floor(x + 0.5)`` -> round_prefer_ceil, HALF_DOWN ``ceil(x - 0.5)`` -> round_prefer_floor. ONNX
clamps indices and cubic taps to the edge, the reference's reading of TensorRT."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports, known_dims
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import DimLike
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.concat import concatenate
from trtdsl.layers.gather import gather
from trtdsl.layers.resize import (
    InterpolationMode,
    Resize,
    ResizeCoordinateTransformation,
    ResizeRoundMode,
    ResizeSelector,
    resize,
)
from trtdsl.layers.shape import shape_of

_T = ResizeCoordinateTransformation
_TRANSFORMS = {_T.ALIGN_CORNERS: "align_corners", _T.ASYMMETRIC: "asymmetric", _T.HALF_PIXEL: "half_pixel"}
_ROUNDING = {
    ResizeRoundMode.FLOOR: "floor",
    ResizeRoundMode.CEIL: "ceil",
    ResizeRoundMode.HALF_UP: "round_prefer_ceil",
    ResizeRoundMode.HALF_DOWN: "round_prefer_floor",
}
_MODES = {
    InterpolationMode.NEAREST: "nearest",
    InterpolationMode.LINEAR: "linear",
    InterpolationMode.CUBIC: "cubic",
}


@exports(Resize)
def _resize(ctx: NodeContext, op: Resize) -> str:
    if ctx.optional_input(1) is not None:
        sizes = ctx.cast(ctx.input(1), dtypes.int64)
    else:
        computed = ctx.shape_value(ctx.output_type().shape)
        if computed is None:
            raise ctx.fail(
                "resizes to a shape that depends on values computed at run time, which ONNX Resize "
                "cannot be given"
            )
        sizes = computed
    transform = _TRANSFORMS[op.coordinate_transformation]
    if op.coordinate_transformation is _T.HALF_PIXEL and op.selector is ResizeSelector.UPPER:
        transform = "pytorch_half_pixel"
    return ctx.compute(
        "Resize",
        [ctx.input(0), None, None, sizes],
        ctx.input_type(0).dtype,
        mode=_MODES[op.mode],
        coordinate_transformation_mode=transform,
        nearest_mode=_ROUNDING[op.nearest_rounding],
        cubic_coeff_a=op.cubic_coeff,
        exclude_outside=int(op.exclude_outside),
    )


# -- import ---------------------------------------------------------------------------------------------

_IMPORT_TRANSFORMS = {
    "half_pixel": (_T.HALF_PIXEL, ResizeSelector.FORMULA),
    "pytorch_half_pixel": (_T.HALF_PIXEL, ResizeSelector.UPPER),
    "align_corners": (_T.ALIGN_CORNERS, ResizeSelector.FORMULA),
    "asymmetric": (_T.ASYMMETRIC, ResizeSelector.FORMULA),
}
_IMPORT_ROUNDING = {name: mode for mode, name in _ROUNDING.items()}
_IMPORT_MODES = {name: mode for mode, name in _MODES.items()}


@imports("Resize", since=11)
def _import_resize(ctx: ImportContext) -> Tensor:
    """One Resize layer with the settings of the same meaning (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(Resize)``): pytorch_half_pixel is HALF_PIXEL with the UPPER selector,
    round_prefer_floor/round_prefer_ceil are HALF_DOWN/HALF_UP. ``axes`` name the dims that ``sizes`` or
    ``scales`` give (the others keep their length), as the parser interlaces them. With ``scales``, the
    output is ``floor(in * scale)``; TensorRT maps coordinates with the length ratio, so scales are read
    only where ``in * scale`` is a whole number on static dims (where the two agree). tf_crop_and_resize,
    antialiasing and aspect-ratio policies are refused."""
    x = ctx.input(0)
    rank = len(x.shape)
    mode = ctx.attr("mode", "nearest")
    ctx.one_of("mode", mode, tuple(_IMPORT_MODES))
    transform_name = ctx.attr("coordinate_transformation_mode", "half_pixel")
    ctx.one_of("coordinate_transformation_mode", transform_name, tuple(_IMPORT_TRANSFORMS))
    rounding = ctx.attr("nearest_mode", "round_prefer_floor")
    ctx.one_of("nearest_mode", rounding, tuple(_IMPORT_ROUNDING))
    ctx.one_of("antialias", ctx.attr("antialias", 0), (0,))
    ctx.one_of("keep_aspect_ratio_policy", ctx.attr("keep_aspect_ratio_policy", "stretch"), ("stretch",))
    ctx.attr("extrapolation_value")
    axes = [ctx.axis(a, rank) for a in ctx.ints("axes", list(range(rank))) or []]
    ctx.check(len(set(axes)) == len(axes), f"axes {axes} repeat a dim")
    transform, selector = _IMPORT_TRANSFORMS[transform_name]
    options: dict[str, Any] = dict(
        mode=_IMPORT_MODES[mode], coordinate_transformation=transform, selector=selector,
        nearest_rounding=_IMPORT_ROUNDING[rounding], cubic_coeff=float(ctx.attr("cubic_coeff_a", -0.75)),
        exclude_outside=bool(ctx.attr("exclude_outside", 0)),
    )
    sizes = ctx.optional(3)
    if sizes is not None:
        n = len(axes)
        ctx.check(sizes.shape == (n,), f"sizes has shape {sizes.shape}; expected ({n},)")
        dims = known_dims(sizes)
        if dims is not None:
            full = list(x.shape)
            for a, d in zip(axes, dims):
                full[a] = d
            return resize(x, tuple(full), **options)
        if axes != list(range(rank)):
            # the other dims from the input's shape: gather(concat(shape(x), sizes), interlaced indices)
            picks = [rank + axes.index(a) if a in axes else a for a in range(rank)]
            sizes = gather(concatenate([shape_of(x), cast(sizes, dtypes.int64)], 0),
                           ctx.constant(np.asarray(picks, np.int64)))
        return resize(x, sizes, **options)
    scales = ctx.static(2, "scales").reshape(-1).astype(np.float64)
    ctx.check(len(scales) == len(axes), f"scales has {len(scales)} values for {len(axes)} axes")
    full_scales = [1.0] * rank
    for a, scale in zip(axes, scales):
        full_scales[a] = float(scale)
    return resize(x, scaled_shape(ctx, x, full_scales), **options)


@imports("Resize", since=10, until=10)
def _import_resize_10(ctx: ImportContext) -> Tensor:
    """Opset 10's Resize (input 1 the scales, ``mode`` nearest or linear): one Resize layer with
    ASYMMETRIC coordinates, the FORMULA selector and FLOOR nearest rounding, as onnx-tensorrt's Resize
    importer builds it below opset 11 (its only mode there); the scales as for Upsample."""
    x = ctx.input(0)
    mode = ctx.attr("mode", "nearest")
    ctx.one_of("mode", mode, ("nearest", "linear"))
    scales = [float(s) for s in ctx.static(1, "scales").reshape(-1)]
    ctx.check(len(scales) == len(x.shape), f"scales has {len(scales)} values for rank {len(x.shape)}")
    return resize(x, scaled_shape(ctx, x, scales), mode=_IMPORT_MODES[mode],
                  coordinate_transformation=_T.ASYMMETRIC, selector=ResizeSelector.FORMULA,
                  nearest_rounding=ResizeRoundMode.FLOOR)


def scaled_shape(ctx: ImportContext, x: Tensor, scales: Sequence[float]) -> tuple[DimLike, ...]:
    """``floor(x.shape * scales)``, refused where a product is not a whole number: of a static dim, or of a
    dynamic dim by a whole scale (``d * 2`` for every ``d``). Elsewhere TensorRT maps coordinates with the
    length ratio, which then differs from ONNX's scale."""
    shape: list[DimLike] = []
    for d, s in zip(x.shape, scales):
        if isinstance(d, int) and float(d * s).is_integer():
            shape.append(int(d * float(s)))
        elif not isinstance(d, int) and float(s).is_integer() and s >= 1:
            shape.append(d * int(s))
        else:
            raise ctx.refuse(f"scale {s} of a dim of {d}: TensorRT maps coordinates with the length ratio, "
                             "which equals ONNX's scale only where dim * scale is a whole number (a static "
                             "dim, or a dynamic one by a whole scale)")
    return tuple(shape)


@imports("Upsample", since=7, until=9)
def _import_upsample(ctx: ImportContext) -> Tensor:
    """One Resize layer with ASYMMETRIC coordinates, FLOOR nearest rounding and the FORMULA selector, as
    the parser builds Upsample (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(Upsample)``); ``scales`` is an
    attribute before opset 9 and a constant input from it on."""
    x = ctx.input(0)
    mode = ctx.attr("mode", "nearest")
    ctx.one_of("mode", mode, ("nearest", "linear", "bilinear"))
    if ctx.opset >= 9:
        scales = [float(s) for s in ctx.static(1, "scales").reshape(-1)]
    else:
        scales = [float(s) for s in ctx.attr("scales", [])]
    ctx.check(len(scales) == len(x.shape), f"scales has {len(scales)} values for rank {len(x.shape)}")
    interpolation = InterpolationMode.NEAREST if mode == "nearest" else InterpolationMode.LINEAR
    return resize(x, scaled_shape(ctx, x, scales), mode=interpolation, coordinate_transformation=_T.ASYMMETRIC,
                  selector=ResizeSelector.FORMULA, nearest_rounding=ResizeRoundMode.FLOOR)
