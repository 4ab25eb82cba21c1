"""``check(net)``: Q/DQ placements TensorRT rejects, will not fuse, or that cost speed or accuracy.

The rules follow TensorRT's Q/DQ documentation: NvInfer.h (IQuantizeLayer, IDequantizeLayer), the
"Quantization Schemes" page, and the Developer Guide's explicit-quantization chapter (placement
recommendations, Q/DQ fusion). Each finding names its rule, the layer and the user's line.

=========================  ========  ======================================================================
rule                       severity  what it reports
=========================  ========  ======================================================================
per-channel-activation     error     per-channel scales on an input computed from network inputs
int4-activation            error     INT4 on anything but weights (TensorRT's INT4 is weight-only)
scale-not-positive         error     a constant scale with a zero, negative or non-finite coefficient
zero-point-not-constant    error     a zero point that is not a Constant (or a Cast of one)
zero-point-not-zero        error     a zero point with non-zero values (only symmetric quantization)
scale-not-constant         warning   a scale computed from network inputs (other than by dynamic
                                     quantization): TensorRT documents Q/DQ scales as build-time constants
partially-quantized        warning   a convolution/matmul with one input through Q/DQ and the other not:
                                     it runs in float and the lone DQ runs as its own kernel
not-quantized              info      a convolution/matmul without Q/DQ in a network that has them
weights-axis               warning   per-channel weight scales not along the output channels
weights-per-tensor         info      one scale for weights that have output channels (per-channel is
                                     recommended for weights)
requantize                 warning   a DQ feeding a Q with another scale or type: a standalone kernel
redundant-dq-q             info      a DQ feeding a Q with the same scale and type: an identity
q-dq-scale-mismatch        warning   a Q feeding a DQ with another scale: the pair does not undo itself
qdq-splits-add-fusion      warning   a Q/DQ pair between a convolution/matmul and the add after it
residual-not-quantized     warning   a convolution + add followed by Q whose other add input is float
int4-block-size            warning   INT4 scales that are not blocks of 64 or 128 elements
=========================  ========  ======================================================================

>>> import numpy as np, trtdsl as td
>>> net = td.Network("c")
>>> x = net.input("x", td.float32, (4, 8))
>>> w = net.constant(np.ones((8, 3), np.float32))
>>> net.output("y", td.fake_quant(x, 0.1) @ w)      # the weights are not quantized
>>> report = td.quantization.check(net)
>>> [(f.rule, f.severity, f.node) for f in report]
[('partially-quantized', 'warning', 'matmul_0')]
"""

from __future__ import annotations

from typing import Iterator

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import Location
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.node import Node
from trtdsl.ir.structure import analyze
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.elementwise import ElementWise
from trtdsl.layers.quantize import Dequantize, Quantize, source_problems
from trtdsl.quantization.graph import (
    QUANTIZED_INPUTS, WEIGHTED_KINDS, consumers, dequantized_by, output_channel_axis,
)
from trtdsl.shapes.values import fold_constant, is_build_time_constant

SEVERITIES = ("error", "warning", "info")
INT4_BLOCK_SIZES = (64, 128)  # TensorRT's "Quantization Schemes" page


@attrs.frozen
class Finding:
    """One reported placement: ``rule`` (see the module's table), ``severity`` (error: TensorRT rejects
    the network; warning: slower or unfused; info: advice), the layer's name and the user's line."""

    rule: str
    severity: str
    node: str
    location: Location | None
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}{self.severity}[{self.rule}] layer {self.node}: {self.message}"


@attrs.frozen
class Report:
    """The findings of :func:`check`, in network order."""

    findings: tuple[Finding, ...]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    def rules(self) -> list[str]:
        """The rule of each finding, in order."""
        return [f.rule for f in self.findings]

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.findings) if self.findings else "no Q/DQ placement findings"


def check(network: Network) -> Report:
    """Report the Q/DQ placements of ``network`` that TensorRT rejects, will not fuse, or that cost speed
    or accuracy (see the module's table of rules).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.float32, (1, 2, 5, 5))
    >>> w = net.constant(np.ones((4, 2, 3, 3), np.float32))
    >>> y = td.conv(td.fake_quant(x, 0.02), td.fake_quant(w, 0.01))
    >>> net.output("y", y)
    >>> print(td.quantization.check(net))  # doctest: +ELLIPSIS
    <doctest ...>:1: info[weights-per-tensor] layer conv_0: the weights %constant_0 have one scale for 4
    output channels; per-channel scales along axis 0 are recommended for weights
    """
    expect_network("check", network)
    found: list[Finding] = []
    users = consumers(network)
    quantized = any(n.op.kind in ("Quantize", "Dequantize", "DynamicQuantize") for n in network.nodes)
    structure = analyze(network) if quantized else None
    for node in network.nodes:
        kind = node.op.kind
        if kind in ("Quantize", "Dequantize"):
            found += _scaled_layer(node, users)
        elif kind in WEIGHTED_KINDS and structure is not None:
            found += _weighted_layer(node, structure.frame_of(node) is not None)
        elif isinstance(node.op, ElementWise) and node.op.op.name == "SUM":
            found += _residual_add(node, users)
    return Report(tuple(found))


def _finding(node: Node, rule: str, severity: str, message: str) -> Finding:
    return Finding(rule, severity, node.name, node.location, message)


def _scaled_layer(node: Node, users: dict[Tensor, list[tuple[Node, int]]]) -> list[Finding]:
    op, x, scale = _scaled(node), node.input(0), node.input(1)
    zero_point = node.inputs[2] if len(node.inputs) > 2 else None
    problems = source_problems(op, x, scale, zero_point)
    found = [_finding(node, p.rule, "error", p.text()) for p in problems]
    if not is_build_time_constant(scale) and not _dynamic_scale(scale):
        found.append(_finding(node, "scale-not-constant", "warning",
                              f"the scale %{scale.name} is computed from network inputs; TensorRT documents "
                              "Q/DQ scales as build-time constants (dynamic scales come from "
                              "td.dynamic_quantize)"))
    quantized = x.dtype if isinstance(op, Dequantize) else op.to_type
    if quantized is dtypes.int4:
        block_shape = op.blocks(x.type, scale.type)
        blocks = [b for b in block_shape if b != 1]
        if len(blocks) != 1 or blocks[0] not in INT4_BLOCK_SIZES:
            found.append(_finding(node, "int4-block-size", "warning",
                                  f"block_shape is {block_shape or None}; TensorRT documents INT4 "
                                  "with block scales of 64 or 128 elements along one dim"))
    for user, _ in users.get(node.output, ()):
        pair = _pair(node, user)
        if pair is not None:
            found.append(pair)
    return found


def _scaled(node: Node) -> Quantize | Dequantize:
    """The op of a Quantize or Dequantize layer."""
    op = node.op
    assert isinstance(op, (Quantize, Dequantize)), f"{node!r} is not a Q/DQ layer"
    return op


def _dynamic_scale(scale: Tensor) -> bool:
    """Whether ``scale`` holds block scales computed by dynamic quantization (directly, or dequantized)."""
    source = scale.producer
    if source is not None and source.op.kind == "Dequantize":
        source = source.input(0).producer
    return source is not None and source.op.kind == "DynamicQuantize"


def _same_scale(a: Node, b: Node) -> bool:
    """Whether two Q/DQ layers scale alike: the same scale tensor, or equal constants and granularity."""
    if _layout(a) != _layout(b):
        return False
    if a.inputs[1] is b.inputs[1]:
        return True
    left, right = fold_constant(a.input(1)), fold_constant(b.input(1))
    return (left is not None and right is not None and left.shape == right.shape
            and bool(np.all(left.astype(np.float64) == right.astype(np.float64))))


def _layout(node: Node) -> tuple[str, int | None, tuple[int, ...]]:
    """How a Q/DQ layer applies its scale: the granularity, the axis of per-channel scales, the blocks."""
    op, x, scale = _scaled(node), node.input(0).type, node.input(1).type
    granularity = op.granularity(x, scale)
    return granularity, op.axis if granularity == "channel" else None, op.blocks(x, scale)


def _pair(node: Node, user: Node) -> Finding | None:
    """Findings on a Q feeding a DQ or a DQ feeding a Q."""
    if node.op.kind == "Dequantize" and user.op.kind == "Quantize":
        if _same_scale(node, user) and _scaled(user).to_type is node.input(0).dtype:
            return _finding(user, "redundant-dq-q", "info",
                            f"it undoes the Dequantize %{node.name} before it (same scale and type); "
                            "TensorRT removes the pair: drop it")
        return _finding(user, "requantize", "warning",
                        f"it requantizes the output of the Dequantize %{node.name} with another scale or "
                        "type; with no layer between them to fuse into, TensorRT runs the DQ → Q chain as a "
                        "separate kernel (quantize once, or put the layer that needs the change between "
                        "them)")
    if node.op.kind == "Quantize" and user.op.kind == "Dequantize" and not _same_scale(node, user):
        return _finding(user, "q-dq-scale-mismatch", "warning",
                        f"it dequantizes the output of %{node.name} with another scale or granularity, so "
                        "the pair does not give back its input; a Q/DQ pair should share its scale")
    return None


def _weighted_layer(node: Node, in_region: bool) -> list[Finding]:
    """Findings on a convolution or matrix product: its inputs' Q/DQ, and its weights' scales.
    ``in_region``: the layer is in a loop or a conditional, which ``insert_qdq`` leaves in float."""
    found: list[Finding] = []
    sources = {i: dequantized_by(node.input(i)) for i in QUANTIZED_INPUTS}
    missing = [i for i, dq in sources.items() if dq is None]
    names = " and ".join(f"%{node.input(i).name}" for i in missing)
    if missing and len(missing) < len(sources):
        found.append(_finding(node, "partially-quantized", "warning",
                              f"input {names} does not come through Q/DQ while the other input does; "
                              "TensorRT fuses the Dequantize layers into a quantized kernel only when every "
                              "input has one, so this layer runs in float and its DQ runs alone"))
    elif missing:
        how = ("to run it in int8/fp8, quantize them with td.fake_quant in the block of its loop or "
               "conditional (insert_qdq leaves layers there in float)" if in_region else
               "quantize them (td.quantization.insert_qdq) to run it in int8/fp8")
        found.append(_finding(node, "not-quantized", "info",
                              f"inputs {names} do not come through Q/DQ, so this layer runs in float; {how}"))
    for index, dq in sources.items():
        if dq is not None and dq.output is node.inputs[index] and is_build_time_constant(dq.input(0)):
            found += _weights(node, index, dq)
    return found


def _weights(node: Node, index: int, dq: Node) -> list[Finding]:
    """Findings on the scales of weights that a Dequantize feeds straight into a weighted layer."""
    axis = output_channel_axis(node, index)
    granularity, _, _ = _layout(dq)
    if axis is None or granularity == "block":
        return []
    weights = dq.input(0)
    channels = weights.shape[axis]
    if weights.producer is not None and weights.producer.op.kind == "Quantize":
        weights = weights.producer.input(0)  # name the float weights, not their quantized copy
    scaled_along = _scaled(dq).axis
    if granularity == "channel":
        if scaled_along != axis:
            return [_finding(node, "weights-axis", "warning",
                             f"the weights %{weights.name} are scaled per channel along axis {scaled_along}, "
                             f"which {node.op.kind} reduces over; per-channel weight scales must be along "
                             f"the output channels (axis {axis}) to be folded into the output")]
        return []
    if channels != 1:
        return [_finding(node, "weights-per-tensor", "info",
                         f"the weights %{weights.name} have one scale for {channels} output channels; "
                         f"per-channel scales along axis {axis} are recommended for weights")]
    return []


def _residual_add(add: Node, users: dict[Tensor, list[tuple[Node, int]]]) -> list[Finding]:
    """The Developer Guide's residual-add patterns: a Q/DQ pair between a weighted layer and the add
    splits their fusion; a float second input (a residual, not a constant bias) keeps the fused layer's
    output float."""
    found: list[Finding] = []
    for t in add.inputs:
        dq = t.producer if t is not None else None
        if dq is None or dq.op.kind != "Dequantize":
            continue
        q = dq.input(0).producer
        layer = _weighted_producer(q.inputs[0]) if q is not None and q.op.kind == "Quantize" else None
        if q is not None and layer is not None:
            found.append(_finding(q, "qdq-splits-add-fusion", "warning",
                                  f"this Q/DQ pair sits between %{layer.name} and the add %{add.name}, so "
                                  f"TensorRT cannot fuse the add into the {layer.op.kind}; quantize the "
                                  "add's other input instead"))
    quantized_after = any(u.op.kind == "Quantize" for u, _ in users.get(add.output, ()))
    direct = [t for t in add.inputs if _weighted_producer(t) is not None]
    fused = _weighted_producer(direct[0]) if direct else None
    if quantized_after and fused is not None:
        for t in add.inputs:
            if t is None:
                continue
            residual = not any(t is d for d in direct) and not is_build_time_constant(t)
            if residual and dequantized_by(t) is None:  # a constant is a bias, folded into the layer
                found.append(_finding(add, "residual-not-quantized", "warning",
                                      f"its input %{t.name} is float, so the fused {fused.op.kind} + add "
                                      "writes float and the Quantize after the add does not fuse; put a "
                                      f"Q/DQ pair on %{t.name}"))
    return found


def _weighted_producer(t: Tensor | None) -> Node | None:
    """The weighted layer that computes ``t``, if one does."""
    node = t.producer if t is not None else None
    return node if node is not None and node.op.kind in WEIGHTED_KINDS else None
