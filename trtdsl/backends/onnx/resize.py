"""ONNX export of IResizeLayer: ONNX Resize with the output size (``sizes``), so that ONNX maps
coordinates with the length ratio as TensorRT does. Coordinate transformations: ALIGN_CORNERS ->
align_corners, ASYMMETRIC -> asymmetric, HALF_PIXEL -> half_pixel, or pytorch_half_pixel with the UPPER
selector (a length-1 output reads coordinate 0). Nearest rounding: FLOOR -> floor, CEIL -> ceil,
HALF_UP ``floor(x + 0.5)`` -> round_prefer_ceil, HALF_DOWN ``ceil(x - 0.5)`` -> round_prefer_floor. ONNX
clamps indices and cubic taps to the edge, the reference's reading of TensorRT."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.resize import (
    InterpolationMode,
    Resize,
    ResizeCoordinateTransformation,
    ResizeRoundMode,
    ResizeSelector,
)

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
    if len(ctx.node.inputs) > 1 and ctx.input(1) is not None:
        sizes = ctx.cast(ctx.input(1), dtypes.int64)
    else:
        sizes = ctx.shape_value(ctx.output_type().shape)
        if sizes is None:
            raise ctx.fail(
                "resizes to a shape that depends on values computed at run time, which ONNX Resize "
                "cannot be given"
            )
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
