"""ONNX export of IConstantLayer: an initializer with the tensor's name, or a Constant node when the
tensor is a network output (graph outputs must be produced by nodes)."""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.constant import Constant

@exports(Constant)
def _constant(ctx: NodeContext, op: Constant) -> str:
    weights = op.weights
    if ctx.is_network_output():
        return ctx.emit("Constant", [], value=numpy_helper.from_array(weights.array))
    return ctx.const(weights.array, weights.dtype, name=ctx.node.outputs[0].name)


# -- import ---------------------------------------------------------------------------------------------

@imports("Constant")
def _import_constant(ctx: ImportContext) -> Tensor:
    """A Constant layer of the value (DOUBLE as float32); sparse values are refused."""
    ctx.check(not ctx.has("sparse_value"), "sparse_value is not supported")
    for name in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if ctx.has(name):
            value = ctx.attr(name)
            if name == "value":
                from trtdsl.backends.onnx.importing import element_dtype

                dtype = element_dtype(ctx.node.attribute[0].t.data_type, f"{ctx.where}: value")
                return ctx.constant(np.asarray(value).astype(dtype.numpy) if value.dtype == np.float64
                                    else value, dtype)
            array = np.asarray(value, np.float32 if "float" in name else np.int64)
            return ctx.constant(array)
    raise ctx.refuse("the node has no value attribute that TensorRT reads (value, value_float(s), "
                     "value_int(s))")
