"""Facts about a network that Q/DQ placement depends on: who consumes a tensor, which layers TensorRT
quantizes (convolution, deconvolution, matrix multiply), which of their inputs come through a
Dequantize, and the output-channel axis of their weights."""

from __future__ import annotations

from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.convolution import Deconvolution
from trtdsl.layers.matmul import MatrixMultiply

WEIGHTED_KINDS = frozenset({"Convolution", "Deconvolution", "MatrixMultiply"})
"""Layers TensorRT fuses with Dequantize layers on their inputs into quantized kernels."""

QUANTIZED_INPUTS = (0, 1)
"""The inputs of a weighted layer that Q/DQ pairs go on: data and kernel (a bias is quantized by
TensorRT itself with the product of the two scales), or both matmul operands."""

SHAPE_KINDS = frozenset({"Shuffle", "Squeeze", "Unsqueeze", "Identity"})
"""Layers that only move values, so a Dequantize before them commutes with them (TensorRT propagates it
forward to the weighted layer)."""


def consumers(network: Network) -> dict[Tensor, list[tuple[Node, int]]]:
    """Every tensor's consumers: ``(node, input index)`` in network order."""
    found: dict[Tensor, list[tuple[Node, int]]] = {}
    for node in network.nodes:
        for index, t in enumerate(node.inputs):
            if t is not None:
                found.setdefault(t, []).append((node, index))
    return found


def through_shape_layers(t: Tensor) -> Tensor:
    """``t`` traced back through layers in SHAPE_KINDS."""
    while t.producer is not None and t.producer.op.kind in SHAPE_KINDS:
        t = t.producer.input(0)
    return t


def dequantized_by(t: Tensor) -> Node | None:
    """The Dequantize layer ``t`` comes from (through shape-only layers), or None."""
    node = through_shape_layers(t).producer
    return node if node is not None and node.op.kind == "Dequantize" else None


def output_channel_axis(node: Node, index: int) -> int | None:
    """The axis of input ``index`` of a weighted layer along which per-channel scales can be folded into
    the output: the output channels (K of a convolution's (K, C, R, S) kernel, K of a deconvolution's
    (C, K, R, S) kernel without groups, M of a matmul's [M, K] first operand, N of its [K, N] second).
    None where there is no such axis (data inputs, vectors, grouped deconvolution)."""
    kind = node.op.kind
    if kind == "Convolution":
        return 0 if index == 1 else None
    if kind == "Deconvolution":
        return 1 if index == 1 and node.op_as(Deconvolution).num_groups == 1 else None
    if kind != "MatrixMultiply":
        return None
    matmul = node.op_as(MatrixMultiply)
    operation = (matmul.op0 if index == 0 else matmul.op1).name
    if operation == "VECTOR":
        return None
    rank = node.input(index).ndim
    # op(a) is [M, K] and op(b) is [K, N]: M is a's second-to-last dim, N is b's last (swapped by TRANSPOSE)
    last = (index == 1) != (operation == "TRANSPOSE")
    return rank - 1 if last else rank - 2
