"""ONNX export of plugin layers: one node in the custom domain ``trt.plugins``, written the way
TensorRT's ONNX parser imports plugins.

The parser sends any op it does not know to its plugin importer, which looks the plugin up by the node's
``op_type`` (the plugin name) and its string attributes ``plugin_namespace`` and ``plugin_version``, and
passes every other attribute as a plugin field: INT and INTS as INT32, FLOAT and FLOATS as FLOAT32,
STRING as CHAR, TENSOR as its own element type (INT64 tensors are not accepted). A plugin with an
ahead-of-time kernel gets ``aot=1``, which asks the parser for that implementation. Data-dependent sizes
are extra int32 outputs of the node, as they are of the TensorRT plugin.

Attributes are written so that the plugin receives the values the reference uses: ``float`` attributes of
trtdsl-defined plugins travel as FLOAT32 (the parser has no FLOAT64 attribute), and NumPy-typed
attributes other than int32/float32 as TENSOR attributes of their type.

onnxruntime cannot run these nodes (it has no kernels for TensorRT plugins): the onnxruntime backend
reports them as :class:`~trtdsl.backends.onnxruntime.MissingKernel`, which cross-checks skip.

>>> import numpy as np, trtdsl as td
>>> @td.plugin("doc::offset")
... class Offset:
...     delta: float = 1.0
...     def shape(self, x):
...         return x
...     def reference(self, x):
...         return x + np.float32(self.delta)
>>> net = td.Network("onnx_plugin")
>>> net.output("y", Offset(delta=0.5)(net.input("x", td.float32, (2,))))
>>> node = net.to_onnx().graph.node[0]
>>> node.domain, node.op_type, [(a.name, onnx.helper.get_attribute_value(a)) for a in node.attribute]
('trt.plugins', 'offset', [('delta', 0.5), ('plugin_namespace', b'doc'), ('plugin_version', b'1')])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import onnx
from onnx import AttributeProto, helper, numpy_helper

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.errors import DSLError
from trtdsl.ir.dims import Dim
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._shape_args import dim_scalar
from trtdsl.layers.cast import cast
from trtdsl.plugins.attributes import AttrType
from trtdsl.plugins.definition import PluginDefinition, PluginV3, lookup

if TYPE_CHECKING:
    from trtdsl.backends.onnx.importing import ImportContext

DOMAIN = "trt.plugins"
_NATIVE = {np.dtype(np.int32): AttributeProto.INT, np.dtype(np.float32): AttributeProto.FLOAT}


@exports(PluginV3)
def plugin_node(ctx: NodeContext, op: PluginV3) -> tuple[str, ...]:
    """The plugin as one node of the ``trt.plugins`` domain (plus its data-dependent size outputs)."""
    definition = op.definition
    outputs = len(ctx.node.outputs) + (definition.counts[1] if definition.counts else 0)
    inputs = [ctx.optional_input(i) for i in range(len(ctx.node.inputs))]
    names = ctx.emit(op.name, inputs, outputs=outputs, domain=DOMAIN)
    node = ctx.builder.nodes[-1]
    node.attribute.extend(attribute(ctx, definition, name, value) for name, value in op.fields)
    node.attribute.append(helper.make_attribute("plugin_namespace", op.namespace))
    node.attribute.append(helper.make_attribute("plugin_version", op.version))
    if definition.aot_fn is not None:
        node.attribute.append(helper.make_attribute("aot", 1))
    names = (names,) if isinstance(names, str) else names
    return names[: len(ctx.node.outputs)]


def attribute(ctx: NodeContext, definition: PluginDefinition, name: str, value: Any) -> onnx.AttributeProto:
    """One attribute, in the ONNX type that makes TensorRT's parser pass the field the plugin expects."""
    kind: AttrType = definition.attributes[name]
    if kind.python is str:
        return helper.make_attribute(name, value, attr_type=AttributeProto.STRING)
    if kind.numpy is None or kind.numpy in _NATIVE or (kind.numpy == np.int64 and not definition.registry):
        # tensorrt.plugin converts the parser's INT32/FLOAT32 fields to the attribute's own type
        scalar = AttributeProto.FLOAT if kind.python is float else AttributeProto.INT
        if kind.array:
            listed = AttributeProto.FLOATS if kind.python is float else AttributeProto.INTS
            return helper.make_attribute(name, list(value), attr_type=listed)
        return helper.make_attribute(name, value, attr_type=scalar)
    if kind.numpy == np.int64:
        raise ctx.fail(
            f"has attribute '{name}' of type {kind}, which TensorRT's ONNX parser cannot pass to a plugin "
            "(it has no INT64 plugin fields)"
        )
    array = np.asarray(value if kind.array else [value], dtype=kind.numpy)
    return helper.make_attribute(name, numpy_helper.from_array(array), attr_type=AttributeProto.TENSOR)


def import_plugin(ctx: ImportContext) -> list[Tensor]:
    """A node of a custom domain as the trtdsl plugin registered under its op type, the
    ``plugin_namespace`` and ``plugin_version`` attributes (TensorRT's parser looks the op up in its
    plugin registry the same way, onnx-tensorrt ``importFallbackPluginImporter``); every other attribute
    is a field of the plugin."""
    namespace = ctx.attr("plugin_namespace", "")
    version = ctx.attr("plugin_version", "1")
    ctx.attr("aot")
    try:
        definition = lookup(ctx.op_type, namespace, version)
    except DSLError as e:
        raise ctx.refuse(f"op {ctx.node.domain}::{ctx.op_type} is not an ONNX op and {e.message}") from None
    fields = {}
    for a in ctx.node.attribute:
        if a.name in ("plugin_namespace", "plugin_version", "aot"):
            continue
        value = ctx.attr(a.name)
        kind = definition.attributes.get(a.name)
        if kind is None:
            raise ctx.refuse(f"attribute {a.name} is not a field of plugin {definition.label}; its fields: "
                             f"{sorted(definition.attributes)}")
        if isinstance(value, np.ndarray):
            value = value if kind.array else value.reshape(-1)[0]
        fields[a.name] = value
    inputs = [ctx.optional(i) for i in range(ctx.num_inputs)]
    outputs = call_plugin(ctx, definition, fields, inputs)
    return outputs + _sizes(ctx, outputs, inputs, ctx.num_outputs - len(outputs))


def call_plugin(ctx: ImportContext, definition: Any, fields: dict[str, Any],
                inputs: Sequence[Tensor | None]) -> list[Tensor]:
    """The outputs of the plugin layer of ``definition`` (a registered trtdsl plugin) with ``fields`` on
    ``inputs``, its errors the node's."""
    try:
        result = definition.cls(**fields)(*inputs)
    except DSLError as e:
        raise ctx.wrap(e) from None
    return [result] if isinstance(result, Tensor) else list(result)


def _sizes(ctx: ImportContext, outputs: list[Tensor], inputs: list[Tensor | None],
           count: int) -> list[Tensor]:
    """The node's ``count`` data-dependent size outputs (as the export writes them after the plugin's
    outputs): 0-D int32 tensors of the outputs' whole dims that no input has, in the order they first
    occur in the outputs."""
    if count <= 0:
        return []
    known = {s for t in inputs if t is not None for d in t.shape if isinstance(d, Dim) for s in d.symbols()}
    found: list[Dim] = []
    for t in outputs:
        for d in t.shape:
            if isinstance(d, Dim) and d.is_symbol and not d.symbols() & known and d not in found:
                found.append(d)
    if len(found) != count:
        raise ctx.refuse(f"the node has {count} data-dependent size outputs but the plugin's outputs have "
                         f"{len(found)} dims known only when it runs")
    return [cast(dim_scalar(outputs[0].network, d), dtypes.int32) for d in found]


__all__ = ["DOMAIN", "attribute", "import_plugin", "plugin_node"]
