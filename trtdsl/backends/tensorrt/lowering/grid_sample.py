"""TensorRT lowering of GridSample: ``addGridSample(input, grid)`` with every property set (TensorRT's
defaults included), so raise never reads one that was not."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.grid_sample import GridSample, GridSampleMode
from trtdsl.layers.resize import InterpolationMode


def _lower_grid_sample(ctx: LowerContext, node: Node, op: GridSample) -> None:
    layer = ctx.add(node, "add_grid_sample", ctx.input(node, 0), ctx.input(node, 1))
    layer.interpolation_mode = ctx.api.enum("InterpolationMode", op.interpolation)
    layer.align_corners = op.align_corners
    layer.sample_mode = ctx.api.enum("SampleMode", op.sample_mode)


def _raise_grid_sample(ctx: RaiseContext, layer: Any) -> Raised:
    op = GridSample(
        ctx.api.from_enum(InterpolationMode, layer.interpolation_mode, layer.name),
        bool(layer.align_corners),
        ctx.api.from_enum(GridSampleMode, layer.sample_mode, layer.name),
    )
    return Raised(op, ctx.inputs(layer))


register(GridSample, "GRID_SAMPLE", _lower_grid_sample, _raise_grid_sample)
