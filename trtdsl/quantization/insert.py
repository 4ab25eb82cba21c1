"""Quantizing a network the recommended way: Q/DQ pairs on the inputs of its convolutions and matrix
multiplies, per-tensor scales for activations (from calibration data) and per-channel scales along the
output channels for weights (from their values), as TensorRT's Developer Guide recommends."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from trtdsl import dtypes
from trtdsl._progress import counted
from trtdsl.errors import ArgumentError, bad_argument, warn_at_user_line
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.node import Node
from trtdsl.ir.structure import analyze, describe
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.quantize import LIMITS, fake_quant
from trtdsl.quantization.graph import QUANTIZED_INPUTS, dequantized_by, output_channel_axis
from trtdsl.reference.interpreter import bind_inputs, execute, plan
from trtdsl.shapes.values import fold_constant, is_build_time_constant

ACTIVATION_TYPES = (dtypes.int8, dtypes.float8_e4m3)
"""What :func:`insert_qdq` quantizes to: TensorRT's INT4 is weight-only and its FP4 activations need
dynamic quantization (td.dynamic_quantize)."""


def calibrate(network: Network, batches: Iterable[Mapping[str, Any]],
              tensors: Sequence[Tensor]) -> list[float]:
    """``max(np.abs(t).max() for each batch)`` for each tensor in ``tensors``, running ``network`` on the
    reference for each batch of inputs (max calibration).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.float32, (3,))
    >>> h = td.relu(x - 1.0)
    >>> net.output("y", h * 2.0)
    >>> td.quantization.calibrate(net, [{"x": np.array([1.0, 2.0, -5.0], np.float32)},
    ...                                 {"x": np.array([0.0, 4.0, 3.0], np.float32)}], [x, h])
    [5.0, 3.0]
    """
    expect_network("calibrate", network)
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors):
        raise bad_argument("calibrate", "tensors", tensors, "a list of Tensors of the network")
    if not hasattr(batches, "__iter__") or isinstance(batches, Mapping):
        raise bad_argument("calibrate", "batches", batches, "an iterable of {input name: array} dicts")
    p = plan(network)
    amax = [0.0] * len(tensors)
    for feeds in counted(batches, "calibrate", "batches"):
        values, bindings = bind_inputs(network, feeds)
        pending = _measure(tensors, set(range(len(tensors))), values, amax)

        def observe(current: dict[Tensor, np.ndarray]) -> None:
            nonlocal pending
            pending = _measure(tensors, pending, current, amax)

        execute(p, values, bindings, observe)
        if pending:
            missing = tensors[min(pending)]
            raise ArgumentError(f"calibrate: %{missing.name} is not computed when the network runs (no "
                                "output depends on it, or it is inside a loop or conditional)")
    return amax


def _measure(tensors: Sequence[Tensor], pending: set[int], values: dict[Tensor, np.ndarray],
             amax: list[float]) -> set[int]:
    """Update ``amax`` with the pending tensors that have values now; return those still pending (values
    are freed after their last use, so each is measured as soon as it is computed)."""
    for i in [i for i in pending if tensors[i] in values]:
        amax[i] = max(amax[i], float(np.abs(values[tensors[i]].astype(np.float64)).max(initial=0.0)))
    return {i for i in pending if tensors[i] not in values}


def insert_qdq(network: Network, calibration: Iterable[Mapping[str, Any]] | None = None, *,
               dtype: Any = dtypes.int8, amax: Mapping[str, float] | None = None,
               kinds: Sequence[str] = ("Convolution", "MatrixMultiply")) -> list[Node]:
    """Put a Q/DQ pair (``td.fake_quant``) on both quantized inputs of every layer of ``kinds`` that has
    none yet, and return those layers. This is the placement TensorRT's Developer Guide recommends:

    - activations (inputs computed from network inputs) get one scale, ``amax / 127`` (``/ 448`` for
      fp8), with ``amax`` the largest magnitude the tensor takes over the ``calibration`` batches (see
      :func:`calibrate`) or given by name in ``amax``;
    - weights (inputs computed from constants) get one scale per output channel:
      ``np.abs(w).max(axis=other axes) / 127``;
    - a tensor feeding several such layers gets one pair, shared;
    - outputs are left in high precision, and a layer's bias is left to TensorRT;
    - layers inside loops and conditionals are left alone (a region's layers are fixed when its block
      ends), with a :class:`QuantizationWarning` naming the first.

    The network is changed in place: the new layers sit just before the first layer that uses them (the
    IR stays in topological order) and carry the line that called ``insert_qdq``. A scale of 1 stands in
    for an all-zero tensor or channel, and scales are at least the smallest normal float32.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("mlp")
    >>> x = net.input("x", td.float32, ("n", 2))
    >>> net.output("y", x @ np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 0.25]], np.float32))
    >>> [n.name for n in td.quantization.insert_qdq(net, [{"x": np.array([[1.0, -2.54]], np.float32)}])]
    ['matmul_0']
    >>> net.run({"x": np.array([[1.0, -2.54]], np.float32)})["y"]   # float: [[-4.08, -1, -0.135]]
    array([[-4.072126  , -1.        , -0.13999999]], dtype=float32)
    >>> len(td.quantization.check(net))
    0
    """
    expect_network("insert_qdq", network)
    if amax is not None and not isinstance(amax, Mapping):
        raise bad_argument("insert_qdq", "amax", amax, "a dict of tensor name -> largest magnitude")
    if not isinstance(kinds, (list, tuple, set, frozenset)) or not all(isinstance(k, str) for k in kinds):
        raise bad_argument("insert_qdq", "kinds", kinds, "layer kinds, such as ('Convolution', "
                                                         "'MatrixMultiply')")
    to = dtypes.dtype(dtype)
    if to not in ACTIVATION_TYPES:
        raise bad_argument("insert_qdq", "dtype", to, "td.int8 or td.float8_e4m3 (TensorRT quantizes "
                                                      "activations to int4 never, and to fp4 only with "
                                                      "td.dynamic_quantize)")
    structure = analyze(network)
    unquantized = [n for n in network.nodes if n.op.kind in kinds
                   and not all(dequantized_by(n.input(i)) is not None for i in QUANTIZED_INPUTS)]
    targets = [n for n in unquantized if structure.frame_of(n) is None]
    inside = [(n, frame) for n in unquantized if (frame := structure.frame_of(n)) is not None]
    if inside:
        first, (region, _) = inside[0]
        warn_at_user_line(f"insert_qdq: {len(inside)} layer(s) of kinds {tuple(kinds)} inside loops or "
                          f"conditionals stay in high precision, {first.name} of {describe(region)} "
                          "first; quantize them with td.fake_quant on their inputs in the region's block",
                          QuantizationWarning)
    uses: dict[Tensor, list[tuple[Node, int]]] = {}
    for node in targets:
        for index in QUANTIZED_INPUTS:
            if dequantized_by(node.input(index)) is None:
                uses.setdefault(node.input(index), []).append((node, index))
    activations = [t for t in uses if not is_build_time_constant(t)]
    measured = _activation_amax(network, calibration, activations, uses, amax or {})
    for t, places in uses.items():
        if t in measured:
            scale, axis = _scale(measured[t], LIMITS[to]), None
        else:
            scale, axis = _weight_scale(t, places, LIMITS[to])
        start = len(network.nodes)
        _move_before(network, start, places, fake_quant(t, scale, to, axis))
    return targets


class QuantizationWarning(UserWarning):
    """Layers :func:`insert_qdq` was asked to quantize but left in high precision."""


def _activation_amax(network: Network, calibration: Iterable[Mapping[str, Any]] | None,
                     tensors: list[Tensor], uses: dict[Tensor, list[tuple[Node, int]]],
                     given: Mapping[str, float]) -> dict[Tensor, float]:
    """Each activation's amax: given by name, else calibrated."""
    found = {t: float(given[t.name]) for t in tensors if t.name in given}
    rest = [t for t in tensors if t not in found]
    if rest:
        if calibration is None:
            node, index = uses[rest[0]][0]
            raise ArgumentError(f"insert_qdq: no amax for the activation %{rest[0].name} (input {index} of "
                                f"layer {node.name}); pass calibration batches or "
                                f"amax={{{rest[0].name!r}: ...}}")
        found.update(zip(rest, calibrate(network, calibration, rest)))
    return found


def _scale(amax: float | np.ndarray, limit: float) -> np.ndarray:
    """``amax / limit`` in float32, at least the smallest normal float32 (a scale must stay positive), and
    1 where amax is 0; amax must be finite."""
    values = np.asarray(amax, np.float64)
    if not np.all(np.isfinite(values)):
        raise ArgumentError(f"insert_qdq: an amax is {values[~np.isfinite(values)].ravel()[0]}; calibration "
                            "data and weights must be finite")
    smallest = float(np.finfo(np.float32).tiny)
    return np.where(values > 0, np.maximum(values / limit, smallest), 1.0).astype(np.float32)


def _weight_scale(t: Tensor, places: list[tuple[Node, int]], limit: float) -> tuple[np.ndarray, int | None]:
    """Per-channel scales along the output channels of the first layer using ``t`` (per-tensor where it
    has none)."""
    values = fold_constant(t)
    if values is None:
        raise ArgumentError(f"insert_qdq: the weights %{t.name} cannot be computed from their constants")
    magnitudes = np.abs(values.astype(np.float64))
    node, index = places[0]
    axis = output_channel_axis(node, index)
    if axis is None or values.ndim == 0:
        return _scale(magnitudes.max(initial=0.0), limit), None
    others = tuple(i for i in range(values.ndim) if i != axis)
    return _scale(magnitudes.max(axis=others, initial=0.0), limit), axis


def _move_before(network: Network, start: int, places: list[tuple[Node, int]], result: Tensor) -> None:
    """Move the layers added since ``start`` to just before the first of ``places`` (their inputs come
    earlier, so the order stays topological) and make ``places`` use ``result``."""
    new = network.nodes[start:]
    del network.nodes[start:]
    first = min(network.nodes.index(node) for node, _ in places)
    network.nodes[first:first] = new
    for node, index in places:
        node.inputs = node.inputs[:index] + (result,) + node.inputs[index + 1:]
    network._changed()
