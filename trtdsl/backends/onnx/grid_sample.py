"""ONNX export of IGridSampleLayer: ONNX GridSample, the operator onnx-tensorrt maps onto this layer
(``zeros``/``border``/``reflection`` for FILL/CLAMP/REFLECT; ``bilinear``/``bicubic`` until opset 19,
``linear``/``cubic`` from opset 20, and ``nearest``). 16-bit inputs are computed in float32 and rounded
once, as the reference does. onnxruntime's kernel follows the pixel rules of the reference (see
trtdsl/layers/grid_sample.py).

TensorRT's ONNX parser (onnx-tensorrt up to TensorRT 11.1) knows only GridSample-16's names: it reads the
opset-20 names ``linear`` and ``cubic`` as NEAREST without a warning (NVIDIA/TensorRT issue 4646,
onnx-tensorrt pull request 1060), so for TensorRT export GridSample below opset 20 (the default, 17)."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.grid_sample import GridSample, GridSampleMode, grid_sample
from trtdsl.layers.resize import InterpolationMode

PADDING = {GridSampleMode.FILL: "zeros", GridSampleMode.CLAMP: "border", GridSampleMode.REFLECT: "reflection"}
# GridSample-16's names of the modes; opset 20 renamed the first two to "linear" and "cubic".
MODES_16 = {InterpolationMode.NEAREST: "nearest", InterpolationMode.LINEAR: "bilinear",
            InterpolationMode.CUBIC: "bicubic"}


@exports(GridSample)
def _grid_sample(ctx: NodeContext, op: GridSample) -> str:
    mode = MODES_16[op.interpolation] if ctx.opset < 20 else op.interpolation.value

    def sample(x: str, grid: str) -> str:
        return ctx.emit("GridSample", [x, grid], mode=mode, padding_mode=PADDING[op.sample_mode],
                        align_corners=int(op.align_corners))

    return ctx.in_float32(ctx.input_type(0).dtype, sample, ctx.input(0), ctx.input(1))


# -- import ---------------------------------------------------------------------------------------------

_IMPORT_INTERPOLATION = {"bilinear": "linear", "linear": "linear", "nearest": "nearest", "bicubic": "cubic",
                         "cubic": "cubic"}
_IMPORT_PADDING = {"zeros": "fill", "border": "clamp", "reflection": "reflect"}


@imports("GridSample", since=16)
def _import_grid_sample(ctx: ImportContext) -> Tensor:
    """One GridSample layer: mode onto its interpolation, padding_mode zeros/border/reflection onto
    FILL/CLAMP/REFLECT."""
    mode = ctx.attr("mode", "bilinear" if ctx.opset < 20 else "linear")
    ctx.one_of("mode", mode, tuple(_IMPORT_INTERPOLATION))
    padding = ctx.attr("padding_mode", "zeros")
    ctx.one_of("padding_mode", padding, tuple(_IMPORT_PADDING))
    return grid_sample(ctx.input(0), ctx.input(1), interpolation=_IMPORT_INTERPOLATION[mode],
                       align_corners=bool(ctx.attr("align_corners", 0)), sample_mode=_IMPORT_PADDING[padding])
