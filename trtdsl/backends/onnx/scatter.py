"""ONNX export of IScatterLayer: ONNX ScatterElements (ELEMENT mode, with the axis) and ScatterND (ND mode,
its indices widened to int64, the only type it takes). Both wrap negative indices once, as the reference
reads TensorRT; writes to one element twice are undefined in ONNX as in TensorRT (onnxruntime, like the
reference, keeps the last)."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.plugins import call_plugin
from trtdsl.backends.onnx.registry import exports
from trtdsl.errors import DSLError
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.scatter import Scatter, ScatterMode, scatter_elements, scatter_nd
from trtdsl.plugins.definition import lookup

@exports(Scatter)
def _scatter(ctx: NodeContext, op: Scatter) -> str:
    data, indices, updates = ctx.input(0), ctx.input(1), ctx.input(2)
    if op.mode is ScatterMode.ELEMENT:
        return ctx.emit("ScatterElements", [data, indices, updates], axis=op.axis)
    if ctx.input_type(1).dtype is not dtypes.int64:
        indices = ctx.cast(indices, dtypes.int64)
    return ctx.emit("ScatterND", [data, indices, updates])


# -- import ---------------------------------------------------------------------------------------------

_PLUGIN = "ScatterElements"  # TensorRT's plugin for reductions (plugin/scatterElementsPlugin)


@imports("ScatterElements", "Scatter", since=9)
def _import_scatter_elements(ctx: ImportContext) -> Tensor:
    """One Scatter layer in ELEMENT mode. A ``reduction`` (add, mul, max, min) is not the Scatter layer's:
    the parser imports it as TensorRT's ``ScatterElements`` plugin (version 1, fields ``axis`` and
    ``reduction``; onnx-tensorrt ``scatterPluginHelper``), which is this import too where a trtdsl
    definition of that plugin is registered (``@td.registry_plugin("ScatterElements")``: the reference is
    the user's); without one it is refused, saying so."""
    reduction = ctx.attr("reduction", "none")
    ctx.one_of("reduction", reduction, ("none", "add", "mul", "max", "min"))
    data = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", 0)), len(data.shape))
    if reduction == "none":
        return scatter_elements(data, ctx.input(1), ctx.input(2), axis)
    try:
        definition = lookup(_PLUGIN, "", "1")
    except DSLError:
        raise ctx.refuse(
            f"reduction={reduction!r}: TensorRT's Scatter layer has no reduction, and TensorRT's parser "
            f"imports one as TensorRT's {_PLUGIN} plugin (version 1), which trtdsl has no reference for; "
            f"define it with @td.registry_plugin({_PLUGIN!r}) (fields axis: np.int32 and reduction: str, a "
            "shape rule and a NumPy reference) before importing"
        ) from None
    outputs = call_plugin(ctx, definition, {"axis": axis, "reduction": reduction},
                          [data, ctx.input(1), ctx.input(2)])
    if len(outputs) != 1:
        raise ctx.refuse(f"the trtdsl definition of plugin {_PLUGIN} gives {len(outputs)} outputs; "
                         "TensorRT's plugin gives one")
    return outputs[0]


@imports("ScatterND", since=11)
def _import_scatter_nd(ctx: ImportContext) -> Tensor:
    """One Scatter layer in ND mode; ``reduction`` other than none is refused."""
    ctx.one_of("reduction", ctx.attr("reduction", "none"), ("none",))
    return scatter_nd(ctx.input(0), ctx.input(1), ctx.input(2))
