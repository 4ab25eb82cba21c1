"""TensorRT lowering of the one-layer elementwise families: Activation, Unary, ElementWise, Cast,
Identity. Their parameters are the layer's own (enum members share TensorRT's names)."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.activation import Activation, ActivationType
from trtdsl.layers.cast import Cast, Identity
from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation
from trtdsl.layers.unary import Unary, UnaryOperation


def _lower_activation(ctx: LowerContext, node: Node, op: Activation) -> None:
    layer = ctx.add(node, "add_activation", ctx.input(node, 0), ctx.api.enum("ActivationType", op.type))
    layer.alpha = op.alpha
    layer.beta = op.beta


def _raise_activation(ctx: RaiseContext, layer: Any) -> Raised:
    kind = ctx.api.from_enum(ActivationType, layer.type, layer.name)
    alpha, beta = ctx.api.float_param(layer.alpha), ctx.api.float_param(layer.beta)
    return Raised(Activation(kind, alpha, beta), ctx.inputs(layer))


def _lower_unary(ctx: LowerContext, node: Node, op: Unary) -> None:
    ctx.add(node, "add_unary", ctx.input(node, 0), ctx.api.enum("UnaryOperation", op.op))


def _raise_unary(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Unary(ctx.api.from_enum(UnaryOperation, layer.op, layer.name)), ctx.inputs(layer))


def _lower_elementwise(ctx: LowerContext, node: Node, op: ElementWise) -> None:
    operation = ctx.api.enum("ElementWiseOperation", op.op)
    ctx.add(node, "add_elementwise", ctx.input(node, 0), ctx.input(node, 1), operation)


def _raise_elementwise(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(
        ElementWise(ctx.api.from_enum(ElementWiseOperation, layer.op, layer.name)), ctx.inputs(layer)
    )


def _lower_cast(ctx: LowerContext, node: Node, op: Cast) -> None:
    ctx.add(node, "add_cast", ctx.input(node, 0), ctx.api.dtype(op.to))


def _raise_cast(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Cast(ctx.dtype(layer.to_type)), ctx.inputs(layer))


def _lower_identity(ctx: LowerContext, node: Node, op: Identity) -> None:
    ctx.add(node, "add_identity", ctx.input(node, 0))


def _raise_identity(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Identity(), ctx.inputs(layer))


register(Activation, "ACTIVATION", _lower_activation, _raise_activation)
register(Unary, "UNARY", _lower_unary, _raise_unary)
register(ElementWise, "ELEMENTWISE", _lower_elementwise, _raise_elementwise)
register(Cast, "CAST", _lower_cast, _raise_cast)
register(Identity, "IDENTITY", _lower_identity, _raise_identity)
